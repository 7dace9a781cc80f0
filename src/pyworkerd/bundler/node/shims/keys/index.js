// node:crypto's keys: KeyObject (secret, public, private), reading and writing PEM, DER
// (pkcs1, pkcs8, spki, sec1) and JWK, key generation, one-shot sign/verify and
// diffieHellman. Every asymmetric key is held as its JWK. RSA and ECDSA signatures are
// crypto-browserify's (browserify-sign, given the key as PEM), EC keys are elliptic's
// (already in crypto-browserify), Ed25519 and X25519 are @noble/curves'; RSA primes are
// found with BigInt Miller-Rabin. All synchronous, as Node's are.
const { Buffer } = require("node:buffer");
const der = require("./der.js");

const OID = {
  rsa: "1.2.840.113549.1.1.1", ec: "1.2.840.10045.2.1", ed25519: "1.3.101.112", x25519: "1.3.101.110",
};
const KIND_OF_OID = Object.fromEntries(Object.entries(OID).map(([k, v]) => [v, k]));
const CURVES = {
  prime256v1: { oid: "1.2.840.10045.3.1.7", jwk: "P-256", elliptic: "p256", size: 32 },
  secp384r1: { oid: "1.3.132.0.34", jwk: "P-384", elliptic: "p384", size: 48 },
  secp521r1: { oid: "1.3.132.0.35", jwk: "P-521", elliptic: "p521", size: 66 },
  secp256k1: { oid: "1.3.132.0.10", jwk: "secp256k1", elliptic: "secp256k1", size: 32 },
};
const CURVE_ALIASES = { "P-256": "prime256v1", secp256r1: "prime256v1", "P-384": "secp384r1", "P-521": "secp521r1" };
const curveByOid = (oid) => Object.keys(CURVES).find((name) => CURVES[name].oid === oid);
const curveByJwk = (crv) => Object.keys(CURVES).find((name) => CURVES[name].jwk === crv);

function nodeError(Ctor, code, message) {
  const err = new Ctor(message);
  err.code = code;
  return err;
}
const received = (v) => (v === null ? "null" : v === undefined ? "undefined" : typeof v === "object" ? `an instance of ${v.constructor?.name ?? "Object"}` : `type ${typeof v} (${String(v)})`);
const typeError = (name, expected, value) => nodeError(TypeError, "ERR_INVALID_ARG_TYPE",
  `The "${name}" property must be of type ${expected}. Received ${value === undefined ? "undefined" : received(value)}`);
const oneOf = (what, list, value) => nodeError(TypeError, "ERR_INVALID_ARG_VALUE",
  `The ${what} must be one of: ${list.map((v) => (typeof v === "string" ? `'${v}'` : v)).join(", ")}. Received ${typeof value === "string" ? `'${value}'` : value}`);
const notImplemented = (what) => new Error(`[unenv] ${what} is not implemented yet!`);

// -- bytes, base64url and BigInt ------------------------------------------------------
const b64u = (bytes) => Buffer.from(bytes).toString("base64").replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
const unb64u = (text) => Buffer.from(String(text).replace(/-/g, "+").replace(/_/g, "/"), "base64");
const toBig = (bytes) => (bytes.length === 0 ? 0n : BigInt("0x" + Buffer.from(bytes).toString("hex")));
function fromBig(n, size = 0) {
  let hex = n.toString(16);
  if (hex.length % 2) hex = "0" + hex;
  const bytes = Buffer.from(hex, "hex");
  return size > bytes.length ? Buffer.concat([Buffer.alloc(size - bytes.length), bytes]) : bytes;
}
const random = (n) => globalThis.crypto.getRandomValues(new Uint8Array(n));
const fixed = (b64, size) => { const b = unb64u(b64); return size > b.length ? Buffer.concat([Buffer.alloc(size - b.length), b]) : b; };

function modPow(base, exp, mod) {
  let result = 1n;
  base %= mod;
  for (; exp > 0n; exp >>= 1n) {
    if (exp & 1n) result = (result * base) % mod;
    base = (base * base) % mod;
  }
  return result;
}
function modInverse(a, m) {
  let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return ((s0 % m) + m) % m;
}
const gcd = (a, b) => { while (b) [a, b] = [b, a % b]; return a; };

// -- the curve libraries, loaded on first use -------------------------------------------
let ellipticLib = null;
const ellipticCurve = (name) => new (ellipticLib ??= require("../../node_modules/elliptic/lib/elliptic.js")).ec(CURVES[name].elliptic);
let nobleLib = null;
const noble = () => (nobleLib ??= require("../../node_modules/@noble/curves/ed25519.js"));

// -- keys as JWK ------------------------------------------------------------------------
const RSA_FIELDS = ["n", "e", "d", "p", "q", "dp", "dq", "qi"]; // as in PKCS #1
const RSA_JWK = ["d", "n", "e", "p", "q", "dp", "dq", "qi"]; // as workerd orders a JWK

function publicJwk(kind, jwk) {
  if (kind === "rsa") return { kty: "RSA", n: jwk.n, e: jwk.e };
  if (kind === "ec") return { kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y };
  return kind === "ed25519" ? { kty: "OKP", alg: "EdDSA", crv: "Ed25519", x: jwk.x } : { kty: "OKP", crv: "X25519", x: jwk.x };
}

// The private JWK of an EC or OKP private key given only `d` (its public part derived).
function completePrivate(kind, crv, d) {
  if (kind === "ec") {
    const name = curveByJwk(crv);
    const point = ellipticCurve(name).keyFromPrivate(Buffer.from(d)).getPublic();
    const size = CURVES[name].size;
    return { kty: "EC", crv, x: b64u(point.getX().toArrayLike(Buffer, "be", size)), y: b64u(point.getY().toArrayLike(Buffer, "be", size)), d: b64u(d) };
  }
  const lib = kind === "ed25519" ? noble().ed25519 : noble().x25519;
  return { ...publicJwk(kind, { x: b64u(lib.getPublicKey(d)) }), d: b64u(d) };
}

// -- writing ----------------------------------------------------------------------------
const curveOf = (jwk) => CURVES[curveByJwk(jwk.crv)];
const ecPoint = (jwk) => { const size = curveOf(jwk).size; return Buffer.concat([Buffer.from([4]), fixed(jwk.x, size), fixed(jwk.y, size)]); };
const algorithm = (kind, jwk) => (kind === "rsa" ? der.seq(der.oid(OID.rsa), der.nul())
  : kind === "ec" ? der.seq(der.oid(OID.ec), der.oid(curveOf(jwk).oid)) : der.seq(der.oid(OID[kind])));
const pkcs1Public = (jwk) => der.seq(der.int(unb64u(jwk.n)), der.int(unb64u(jwk.e)));
const pkcs1Private = (jwk) => der.seq(der.int(0), ...RSA_FIELDS.map((f) => der.int(unb64u(jwk[f]))));
function sec1(jwk, withCurve) {
  return der.seq(der.int(1), der.octets(fixed(jwk.d, curveOf(jwk).size)),
    ...(withCurve ? [der.explicit(0, der.oid(curveOf(jwk).oid))] : []), der.explicit(1, der.bits(ecPoint(jwk))));
}
function spki(kind, jwk) {
  const key = kind === "rsa" ? pkcs1Public(jwk) : kind === "ec" ? ecPoint(jwk) : unb64u(jwk.x);
  return der.seq(algorithm(kind, jwk), der.bits(key));
}
function pkcs8(kind, jwk) {
  const key = kind === "rsa" ? pkcs1Private(jwk) : kind === "ec" ? sec1(jwk, false) : der.octets(unb64u(jwk.d));
  return der.seq(der.int(0), algorithm(kind, jwk), der.octets(key));
}

const LABELS = { spki: "PUBLIC KEY", pkcs8: "PRIVATE KEY", sec1: "EC PRIVATE KEY" };

// -- reading ----------------------------------------------------------------------------
function rsaFromInts(ints, isPrivate) {
  const jwk = { kty: "RSA" };
  const fields = isPrivate ? RSA_FIELDS : ["n", "e"];
  fields.forEach((f, i) => { jwk[f] = b64u(der.readInt(ints[i].body)); });
  return jwk;
}
function readPkcs1(bytes, isPrivate) {
  const parts = der.sequence(bytes);
  return rsaFromInts(isPrivate ? parts.slice(1) : parts, isPrivate);
}
function readSec1(bytes, curve) {
  const parts = der.sequence(bytes);
  const param = parts.find((p) => p.tag === 0xa0);
  const name = param ? curveByOid(der.readOid(der.element(param.body, 0).body)) : curve;
  if (name === undefined) throw der.invalid();
  return completePrivate("ec", CURVES[name].jwk, parts[1].body);
}
function readSpki(bytes) {
  const [alg, key] = der.sequence(bytes);
  const [oid, param] = der.children(alg.body);
  const kind = KIND_OF_OID[der.readOid(oid.body)];
  const body = key.body.subarray(1);
  if (kind === "rsa") return { kind, jwk: readPkcs1(body, false) };
  if (kind === "ec") {
    const name = curveByOid(der.readOid(param.body));
    if (name === undefined || body[0] !== 4) throw der.invalid();
    const size = CURVES[name].size;
    return { kind, jwk: { kty: "EC", crv: CURVES[name].jwk, x: b64u(body.subarray(1, 1 + size)), y: b64u(body.subarray(1 + size)) } };
  }
  if (kind === undefined) throw der.invalid();
  return { kind, jwk: publicJwk(kind, { x: b64u(body) }) };
}
function readPkcs8(bytes) {
  const [, alg, key] = der.sequence(bytes);
  const [oid, param] = der.children(alg.body);
  const kind = KIND_OF_OID[der.readOid(oid.body)];
  if (kind === "rsa") return { kind, jwk: readPkcs1(key.body, true) };
  if (kind === "ec") return { kind, jwk: readSec1(key.body, curveByOid(der.readOid(param.body))) };
  if (kind === undefined) throw der.invalid();
  return { kind, jwk: completePrivate(kind, null, der.element(key.body, 0).body) };
}
// The subjectPublicKeyInfo of an X.509 certificate.
function readCertificate(bytes) {
  const [tbs] = der.sequence(bytes);
  const fields = der.children(tbs.body);
  const info = fields[fields[0].tag === 0xa0 ? 6 : 5];
  return readSpki(tbs.body.subarray(info.start, info.end));
}

function readDer(bytes, type, isPrivate) {
  if (isPrivate) {
    if (type === "pkcs1") return { kind: "rsa", jwk: readPkcs1(bytes, true) };
    if (type === "sec1") return { kind: "ec", jwk: readSec1(bytes) };
    if (type === "pkcs8") return readPkcs8(bytes);
  } else {
    if (type === "pkcs1") return { kind: "rsa", jwk: readPkcs1(bytes, false) };
    if (type === "spki") return readSpki(bytes);
  }
  throw oneOf(`argument 'options.type'`, isPrivate ? ["pkcs1", "pkcs8", "sec1"] : ["pkcs1", "spki"], type);
}

function readPem(text, wantPrivate) {
  const block = der.unpem(text);
  if (block === null || block.encrypted || block.label === "ENCRYPTED PRIVATE KEY") {
    if (block !== null) throw notImplemented("crypto.createPrivateKey (encrypted PEM)");
    throw der.invalid();
  }
  const map = {
    "RSA PRIVATE KEY": () => ({ kind: "rsa", jwk: readPkcs1(block.der, true), private: true }),
    "EC PRIVATE KEY": () => ({ kind: "ec", jwk: readSec1(block.der), private: true }),
    "PRIVATE KEY": () => ({ ...readPkcs8(block.der), private: true }),
    "RSA PUBLIC KEY": () => ({ kind: "rsa", jwk: readPkcs1(block.der, false), private: false }),
    "PUBLIC KEY": () => ({ ...readSpki(block.der), private: false }),
    CERTIFICATE: () => ({ ...readCertificate(block.der), private: false }),
  };
  const read = map[block.label];
  if (read === undefined) throw der.invalid();
  const key = read();
  if (wantPrivate && !key.private) throw der.invalid();
  return key;
}

function readJwk(jwk, wantPrivate) {
  if (jwk === null || typeof jwk !== "object") throw typeError("key.key", "object", jwk);
  let kind;
  if (jwk.kty === "RSA") kind = "rsa";
  else if (jwk.kty === "EC") {
    if (curveByJwk(jwk.crv) === undefined) throw oneOf("property 'key.crv'", ["P-256", "secp256k1", "P-384", "P-521"], jwk.crv);
    kind = "ec";
  } else if (jwk.kty === "OKP") {
    kind = { Ed25519: "ed25519", X25519: "x25519" }[jwk.crv];
    if (kind === undefined) throw oneOf("property 'key.crv'", ["Ed25519", "Ed448", "X25519", "X448"], jwk.crv);
  } else throw oneOf("property 'key.kty'", ["RSA", "EC", "OKP"], jwk.kty);
  const isPrivate = typeof jwk.d === "string";
  if (wantPrivate && !isPrivate) throw nodeError(TypeError, "ERR_CRYPTO_INVALID_JWK", "Invalid JWK data");
  if (kind === "rsa") {
    const fields = isPrivate ? RSA_FIELDS : ["n", "e"];
    if (fields.some((f) => typeof jwk[f] !== "string")) throw nodeError(TypeError, "ERR_CRYPTO_INVALID_JWK", "Invalid JWK RSA key");
    return { kind, jwk: Object.fromEntries([["kty", "RSA"], ...fields.map((f) => [f, jwk[f]])]), private: isPrivate };
  }
  if (isPrivate) return { kind, jwk: completePrivate(kind, jwk.crv, unb64u(jwk.d)), private: true };
  return { kind, jwk: publicJwk(kind, jwk), private: false };
}

// -- KeyObject --------------------------------------------------------------------------
const slots = new WeakMap();
const BRAND = Symbol.for("pyworkerd.KeyObject");

class KeyObject {
  constructor(type, handle) {
    if (type !== "secret" && type !== "public" && type !== "private") {
      throw nodeError(TypeError, "ERR_INVALID_ARG_VALUE", `The argument 'type' is invalid. Received '${type}'`);
    }
    if (handle === undefined || handle === null || handle[BRAND] !== true) {
      throw nodeError(TypeError, "ERR_INVALID_ARG_TYPE", 'The "handle" argument must be of type object.');
    }
    slots.set(this, { type, ...handle });
  }
  get [BRAND]() { return true; }
  get [Symbol.toStringTag]() { return "KeyObject"; }
  get type() { return slots.get(this).type; }
  get symmetricKeySize() { const k = slots.get(this); return k.type === "secret" ? k.bytes.length : undefined; }
  get asymmetricKeyType() { return slots.get(this).kind; }
  get asymmetricKeyDetails() {
    const k = slots.get(this);
    if (k.kind === "rsa") return { modulusLength: toBig(unb64u(k.jwk.n)).toString(2).length, publicExponent: toBig(unb64u(k.jwk.e)) };
    if (k.kind === "ec") return { namedCurve: curveByJwk(k.jwk.crv) };
    return k.kind === undefined ? undefined : {};
  }
  export(options) {
    const k = slots.get(this);
    if (k.type === "secret") {
      if (options?.format === "jwk") return { kty: "oct", ext: true, k: b64u(k.bytes) };
      return Buffer.from(k.bytes);
    }
    if (options === undefined || options === null || typeof options !== "object") throw new TypeError("Missing type option");
    if (options.format === "jwk") {
      if (k.type === "public") return publicJwk(k.kind, k.jwk);
      return k.kind === "rsa" ? Object.fromEntries([["kty", "RSA"], ...RSA_JWK.map((f) => [f, k.jwk[f]])]) : { ...k.jwk };
    }
    const type = options.type;
    if (type === undefined) throw new TypeError("Missing type option");
    if (options.cipher !== undefined || options.passphrase !== undefined) throw notImplemented("crypto.KeyObject.export (encrypted)");
    let bytes;
    if (type === "pkcs1") {
      if (k.kind !== "rsa") throw nodeError(Error, "ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS", "The selected key encoding pkcs1 can only be used for RSA keys.");
      bytes = k.type === "private" ? pkcs1Private(k.jwk) : pkcs1Public(k.jwk);
    } else if (type === "sec1" && k.type === "private") {
      if (k.kind !== "ec") throw nodeError(Error, "ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS", "The selected key encoding sec1 can only be used for EC keys.");
      bytes = sec1(k.jwk, true);
    } else if (type === (k.type === "private" ? "pkcs8" : "spki")) {
      bytes = k.type === "private" ? pkcs8(k.kind, k.jwk) : spki(k.kind, k.jwk);
    } else {
      throw oneOf("property 'options.type'", k.type === "private" ? ["pkcs1", "pkcs8", "sec1"] : ["pkcs1", "spki"], type);
    }
    if (options.format === "der") return Buffer.from(bytes);
    if (options.format !== "pem" && options.format !== undefined) throw oneOf("property 'options.format'", ["pem", "der", "jwk"], options.format);
    return der.pem(type === "pkcs1" ? `RSA ${k.type === "private" ? "PRIVATE" : "PUBLIC"} KEY` : LABELS[type], bytes);
  }
  equals(other) {
    if (!(other instanceof KeyObject)) {
      throw nodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "otherKeyObject" argument must be an instance of KeyObject. Received ${received(other)}`);
    }
    const a = slots.get(this);
    const b = slots.get(other);
    if (a.type !== b.type) return false;
    if (a.type === "secret") return Buffer.from(a.bytes).equals(Buffer.from(b.bytes));
    const pa = a.type === "private" ? pkcs8(a.kind, a.jwk) : spki(a.kind, a.jwk);
    const pb = b.type === "private" ? pkcs8(b.kind, b.jwk) : spki(b.kind, b.jwk);
    return pa.equals(pb);
  }
}

const make = (type, fields) => new KeyObject(type, { [BRAND]: true, ...fields });
const slotOf = (key) => slots.get(key);

// -- creating -----------------------------------------------------------------------------
function inputBytes(value, name) {
  if (typeof value === "string") return Buffer.from(value);
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  throw nodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "${name}" argument must be of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView. Received ${received(value)}`);
}

function createSecretKey(key, encoding) {
  const bytes = typeof key === "string" ? Buffer.from(key, encoding) : inputBytes(key, "key");
  return make("secret", { bytes: Buffer.from(bytes) });
}

function asymmetric(input, wantPrivate) {
  let source = input;
  let format = "pem";
  let type;
  if (input !== null && typeof input === "object" && !ArrayBuffer.isView(input) && !(input instanceof ArrayBuffer) && !(input instanceof KeyObject)) {
    ({ key: source, format = "pem", type } = input);
  }
  if (source instanceof KeyObject) {
    const k = slotOf(source);
    if (k.type === "secret") throw nodeError(TypeError, "ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE", `Invalid key object type secret, expected ${wantPrivate ? "private" : "public"}.`);
    if (wantPrivate && k.type !== "private") throw nodeError(TypeError, "ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE", "Invalid key object type public, expected private.");
    return { kind: k.kind, jwk: k.jwk };
  }
  if (format === "jwk") return readJwk(source, wantPrivate);
  if (format === "der") {
    return readDer(inputBytes(source, "key.key"), type, wantPrivate);
  }
  if (format !== "pem") throw oneOf("property 'key.format'", ["pem", "der", "jwk"], format);
  return readPem(Buffer.isBuffer(source) || ArrayBuffer.isView(source) ? Buffer.from(inputBytes(source, "key")).toString() : typeof source === "string" ? source : (() => { throw typeError("key", "string or an instance of ArrayBuffer, Buffer, TypedArray, DataView, or Object", source); })(), wantPrivate);
}

const createPrivateKey = (key) => { const k = asymmetric(key, true); return make("private", { kind: k.kind, jwk: k.jwk }); };
function createPublicKey(key) {
  const k = asymmetric(key, false);
  return make("public", { kind: k.kind, jwk: publicJwk(k.kind, k.jwk) });
}

// -- generating ---------------------------------------------------------------------------
const SMALL_PRIMES = [];
for (let n = 3; SMALL_PRIMES.length < 300; n += 2) if (SMALL_PRIMES.every((p) => n % p !== 0)) SMALL_PRIMES.push(n);
const SMALL_BIG = SMALL_PRIMES.map(BigInt);

function probablePrime(n, rounds) {
  for (const p of SMALL_BIG) if (n % p === 0n) return n === p;
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) { d >>= 1n; s++; }
  const bytes = Math.ceil(n.toString(16).length / 2);
  for (let i = 0; i < rounds; i++) {
    const a = 2n + (toBig(random(bytes)) % (n - 3n));
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    let witness = true;
    for (let r = 1; r < s && witness; r++) {
      x = (x * x) % n;
      if (x === n - 1n) witness = false;
    }
    if (witness) return false;
  }
  return true;
}

function randomPrime(bits, e) {
  for (;;) {
    const bytes = random(Math.ceil(bits / 8));
    let n = toBig(bytes) >> BigInt(bytes.length * 8 - bits);
    n |= (3n << BigInt(bits - 2)) | 1n; // top two bits: the product has all its bits
    if (probablePrime(n, 1) && gcd(e, n - 1n) === 1n && probablePrime(n, bits >= 1024 ? 4 : 8)) return n;
  }
}

function rsaKey(bits, e) {
  const pBits = Math.ceil(bits / 2);
  for (;;) {
    let p = randomPrime(pBits, e);
    let q = randomPrime(bits - pBits, e);
    if (p === q) continue;
    if (p < q) [p, q] = [q, p];
    const n = p * q;
    if (n.toString(2).length !== bits) continue;
    const lambda = ((p - 1n) * (q - 1n)) / gcd(p - 1n, q - 1n);
    const d = modInverse(e, lambda);
    const ints = { n, e, d, p, q, dp: d % (p - 1n), dq: d % (q - 1n), qi: modInverse(q, p) };
    return Object.fromEntries([["kty", "RSA"], ...RSA_FIELDS.map((f) => [f, b64u(fromBig(ints[f]))])]);
  }
}

function ecKey(curve) {
  const ec = ellipticCurve(curve);
  for (;;) {
    const d = random(CURVES[curve].size);
    const n = toBig(d);
    if (n > 0n && n < BigInt("0x" + ec.n.toString(16))) return completePrivate("ec", CURVES[curve].jwk, d);
  }
}

const KEY_PAIR_TYPES = ["rsa", "ec", "ed25519", "x25519", "dh"];

function generatePair(type, options = {}) {
  if (typeof type !== "string") throw nodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "type" argument must be of type string. Received ${received(type)}`);
  if (!KEY_PAIR_TYPES.includes(type)) throw oneOf("argument 'type'", KEY_PAIR_TYPES, type);
  let jwk;
  if (type === "rsa") {
    const { modulusLength, publicExponent = 0x10001 } = options;
    if (typeof modulusLength !== "number") throw typeError("options.modulusLength", "number", modulusLength);
    if (!Number.isInteger(modulusLength) || modulusLength < 512 || modulusLength > 16384) {
      throw nodeError(RangeError, "ERR_OUT_OF_RANGE", `The value of "options.modulusLength" is out of range. It must be >= 512 && <= 16384. Received ${modulusLength}`);
    }
    jwk = rsaKey(modulusLength, BigInt(publicExponent));
  } else if (type === "ec") {
    const { namedCurve } = options;
    if (typeof namedCurve !== "string") throw typeError("options.namedCurve", "string", namedCurve);
    const curve = CURVE_ALIASES[namedCurve] ?? namedCurve;
    if (CURVES[curve] === undefined) throw new Error("Failed to initialize key");
    jwk = ecKey(curve);
  } else if (type === "dh") {
    throw notImplemented('crypto.generateKeyPair("dh")');
  } else {
    jwk = completePrivate(type, null, random(32));
  }
  const privateKey = make("private", { kind: type, jwk });
  const publicKey = make("public", { kind: type, jwk: publicJwk(type, jwk) });
  const encode = (key, encoding) => (encoding === undefined ? key : key.export(encoding));
  return { publicKey: encode(publicKey, options.publicKeyEncoding), privateKey: encode(privateKey, options.privateKeyEncoding) };
}

function generateSecret(type, options) {
  if (type !== "hmac" && type !== "aes") throw oneOf("argument 'type'", ["hmac", "aes"], type);
  const length = options?.length;
  if (typeof length !== "number") throw typeError("options.length", "number", length);
  if (type === "aes" && ![128, 192, 256].includes(length)) throw oneOf("property 'options.length'", [128, 192, 256], length);
  if (type === "hmac" && (!Number.isInteger(length) || length < 8 || length > 65536)) {
    throw nodeError(RangeError, "ERR_OUT_OF_RANGE", `The value of "options.length" is out of range. It must be >= 8 && <= 65536. Received ${length}`);
  }
  return make("secret", { bytes: Buffer.from(random(Math.floor(length / 8))) });
}

// The callback forms answer on a later turn (Node answers from its thread pool).
function later(callback, work) {
  if (typeof callback !== "function") {
    throw nodeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "callback" argument must be of type function. Received ${received(callback)}`);
  }
  setTimeout(() => {
    let result;
    try { result = work(); } catch (err) { callback(err); return; }
    callback(null, ...result);
  }, 0);
}

const generateKeyPairSync = (type, options) => generatePair(type, options);
function generateKeyPair(type, options, callback) {
  if (typeof options === "function") { callback = options; options = undefined; }
  later(callback, () => { const { publicKey, privateKey } = generatePair(type, options); return [publicKey, privateKey]; });
}
const generateKeySync = (type, options) => generateSecret(type, options);
function generateKey(type, options, callback) {
  later(callback, () => [generateSecret(type, options)]);
}

// -- sign, verify, diffieHellman ------------------------------------------------------------
// DER ECDSA signature <-> r||s of fixed size (dsaEncoding "ieee-p1363").
function derToP1363(sig, size) {
  const [r, s] = der.sequence(sig);
  return Buffer.concat([fromBig(toBig(r.body), size), fromBig(toBig(s.body), size)]);
}
function p1363ToDer(sig, size) {
  return der.seq(der.int(sig.subarray(0, size)), der.int(sig.subarray(size)));
}

function keyOptions(key) {
  return key !== null && typeof key === "object" && !(key instanceof KeyObject) && !ArrayBuffer.isView(key) && "key" in key ? key : {};
}

function checkPadding(options) {
  if (options.padding !== undefined && options.padding !== 1) throw notImplemented("crypto.sign/verify with RSA-PSS padding");
}

function signWith(createSign, algorithm, data, key) {
  const options = keyOptions(key);
  const k = slotOf(createPrivateKey(key));
  const bytes = inputBytes(data, "data");
  if (k.kind === "ed25519") {
    if (algorithm !== null && algorithm !== undefined) throw new Error("Failed to initialize signing context");
    return Buffer.from(noble().ed25519.sign(bytes, fixed(k.jwk.d, 32)));
  }
  if (k.kind === "x25519") throw nodeError(TypeError, "ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE", "Invalid key type x25519 for sign");
  checkPadding(options);
  const signature = createSign(algorithm ?? "sha256").update(bytes).sign(der.pem("PRIVATE KEY", pkcs8(k.kind, k.jwk)));
  return k.kind === "ec" && options.dsaEncoding === "ieee-p1363" ? derToP1363(signature, curveOf(k.jwk).size) : signature;
}

function verifyWith(createVerify, algorithm, data, key, signature) {
  const options = keyOptions(key);
  const k = slotOf(createPublicKey(key));
  const bytes = inputBytes(data, "data");
  let sig = inputBytes(signature, "signature");
  if (k.kind === "ed25519") {
    if (algorithm !== null && algorithm !== undefined) throw new Error("Failed to initialize verification context");
    try { return noble().ed25519.verify(sig, bytes, unb64u(k.jwk.x)); } catch { return false; }
  }
  checkPadding(options);
  if (k.kind === "ec" && options.dsaEncoding === "ieee-p1363") {
    if (sig.length !== 2 * curveOf(k.jwk).size) return false;
    sig = p1363ToDer(sig, curveOf(k.jwk).size);
  }
  try {
    return createVerify(algorithm ?? "sha256").update(bytes).verify(der.pem("PUBLIC KEY", spki(k.kind, k.jwk)), sig);
  } catch {
    return false;
  }
}

// crypto.sign / crypto.verify, given crypto-browserify's createSign / createVerify.
function oneShot(createSign, createVerify) {
  return {
    sign(algorithm, data, key, callback) {
      if (typeof callback === "function") { later(callback, () => [signWith(createSign, algorithm, data, key)]); return undefined; }
      return signWith(createSign, algorithm, data, key);
    },
    verify(algorithm, data, key, signature, callback) {
      if (typeof callback === "function") { later(callback, () => [verifyWith(createVerify, algorithm, data, key, signature)]); return undefined; }
      return verifyWith(createVerify, algorithm, data, key, signature);
    },
  };
}

function diffieHellman({ privateKey, publicKey } = {}) {
  const a = slotOf(privateKey instanceof KeyObject ? privateKey : createPrivateKey(privateKey));
  const b = slotOf(publicKey instanceof KeyObject ? publicKey : createPublicKey(publicKey));
  if (a.kind !== b.kind || (a.kind === "ec" && a.jwk.crv !== b.jwk.crv)) {
    throw nodeError(Error, "ERR_CRYPTO_INCOMPATIBLE_KEY", "Incompatible key types for Diffie-Hellman: the keys must be of the same type");
  }
  if (a.kind === "x25519") return Buffer.from(noble().x25519.getSharedSecret(fixed(a.jwk.d, 32), unb64u(b.jwk.x)));
  if (a.kind === "ec") {
    const ec = ellipticCurve(curveByJwk(a.jwk.crv));
    const shared = ec.keyFromPrivate(unb64u(a.jwk.d)).derive(ec.keyFromPublic(ecPoint(b.jwk)).getPublic());
    return shared.toArrayLike(Buffer, "be", curveOf(a.jwk).size);
  }
  throw notImplemented(`crypto.diffieHellman for ${a.kind} keys`);
}

// The PEM crypto-browserify's Sign/Verify take for a KeyObject (or the input unchanged).
function toPem(key) {
  const k = key instanceof KeyObject ? slotOf(key) : null;
  if (k === null || k.type === "secret") return k === null ? key : k.bytes;
  return k.type === "private" ? der.pem("PRIVATE KEY", pkcs8(k.kind, k.jwk)) : der.pem("PUBLIC KEY", spki(k.kind, k.jwk));
}

module.exports = {
  KeyObject, createSecretKey, createPrivateKey, createPublicKey, generateKeyPair, generateKeyPairSync,
  generateKey, generateKeySync, oneShot, diffieHellman, toPem, isKeyObject: (v) => v instanceof KeyObject,
};
