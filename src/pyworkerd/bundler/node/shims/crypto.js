// node:crypto: hashes, HMAC, PBKDF2, ciphers, sign/verify, ECDH and DH from
// crypto-browserify (pure JS, so the sync APIs stay sync); scrypt from scrypt-js; HKDF on
// HMAC; random values, UUIDs and webcrypto from the runtime's `crypto`.
const cb = require("../node_modules/crypto-browserify/index.js");
const { syncScrypt } = require("../node_modules/scrypt-js/scrypt.js");
const { Buffer } = require("buffer");
const { notImplemented, notImplementedClass } = require("./unenv.js");

function bytes(value, name) {
  if (typeof value === "string") return Buffer.from(value, "utf8");
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  const err = new TypeError(`The "${name}" argument must be of type string or an instance of ArrayBuffer, Buffer, TypedArray, or DataView. Received ${value === null ? "null" : typeof value}`);
  err.code = "ERR_INVALID_ARG_TYPE";
  throw err;
}

function timingSafeEqual(a, b) {
  const x = bytes(a, "buf1");
  const y = bytes(b, "buf2");
  if (x.length !== y.length) {
    const err = new RangeError("Input buffers must have the same byte length");
    err.code = "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH";
    throw err;
  }
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

function randomInt(min, max, callback) {
  if (max === undefined || typeof max === "function") { callback = max; max = min; min = 0; }
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max <= min) {
    const err = new RangeError(`The value of "max" is out of range. It must be greater than the value of "min" (${min}). Received ${max}`);
    err.code = "ERR_OUT_OF_RANGE";
    throw err;
  }
  const range = max - min;
  const limit = 2 ** 48 - (2 ** 48 % range);
  let value;
  do {
    const b = globalThis.crypto.getRandomValues(new Uint8Array(6));
    value = b.reduce((n, byte) => n * 256 + byte, 0);
  } while (value >= limit);
  const result = min + (value % range);
  if (typeof callback === "function") { queueMicrotask(() => callback(null, result)); return undefined; }
  return result;
}

function scryptSync(password, salt, keylen, options = {}) {
  const N = options.N ?? options.cost ?? 16384;
  const r = options.r ?? options.blockSize ?? 8;
  const p = options.p ?? options.parallelization ?? 1;
  return Buffer.from(syncScrypt(bytes(password, "password"), bytes(salt, "salt"), N, r, p, keylen));
}

function scrypt(password, salt, keylen, options, callback) {
  if (typeof options === "function") { callback = options; options = {}; }
  let result, error = null;
  try { result = scryptSync(password, salt, keylen, options); } catch (err) { error = err; }
  queueMicrotask(() => callback(error, result));
}

function hkdfSync(digest, ikm, salt, info, keylen) {
  const prk = cb.createHmac(digest, bytes(salt, "salt")).update(bytes(ikm, "ikm")).digest();
  const infoBytes = bytes(info, "info");
  const blocks = [];
  let previous = Buffer.alloc(0);
  let length = 0;
  for (let i = 1; length < keylen; i++) {
    previous = cb.createHmac(digest, prk).update(Buffer.concat([previous, infoBytes, Buffer.from([i])])).digest();
    blocks.push(previous);
    length += previous.length;
  }
  const okm = Buffer.concat(blocks).subarray(0, keylen);
  return okm.buffer.slice(okm.byteOffset, okm.byteOffset + okm.byteLength);
}

function hkdf(digest, ikm, salt, info, keylen, callback) {
  let result, error = null;
  try { result = hkdfSync(digest, ikm, salt, info, keylen); } catch (err) { error = err; }
  queueMicrotask(() => callback(error, result));
}

// KeyObject: secret keys hold their bytes; asymmetric keys hold their PEM text, which the
// crypto-browserify signers take as it is.
const keyData = new WeakMap();
class KeyObject {
  constructor(type, data, asymmetricKeyType) {
    if (type !== "secret" && type !== "public" && type !== "private") {
      throw new TypeError(`The argument 'type' is invalid. Received '${type}'`);
    }
    keyData.set(this, { type, data, asymmetricKeyType });
  }
  get type() { return keyData.get(this).type; }
  get symmetricKeySize() { const k = keyData.get(this); return k.type === "secret" ? k.data.length : undefined; }
  get asymmetricKeyType() { return keyData.get(this).asymmetricKeyType; }
  export(options = {}) {
    const k = keyData.get(this);
    if (k.type === "secret") {
      if (options.format === "jwk") return { kty: "oct", k: k.data.toString("base64url") };
      return Buffer.from(k.data);
    }
    if (options.format === "der") return Buffer.from(k.data.replace(/-----[^-]+-----|\s+/g, ""), "base64");
    return k.data;
  }
  equals(other) {
    if (!(other instanceof KeyObject) || other.type !== this.type) return false;
    const a = keyData.get(this).data;
    const b = keyData.get(other).data;
    return typeof a === "string" ? a === b : a.length === b.length && timingSafeEqual(a, b);
  }
}

function unwrapKey(key) {
  if (key instanceof KeyObject) return key.export();
  if (key && typeof key === "object" && key.key instanceof KeyObject) return { ...key, key: key.key.export() };
  return key;
}

function createSecretKey(key, encoding) {
  const data = typeof key === "string" ? Buffer.from(key, encoding) : bytes(key, "key");
  return new KeyObject("secret", Buffer.from(data));
}

function asymmetricKey(type, input) {
  if (input instanceof KeyObject) {
    if (type === "private" || input.type !== "private") return input;
    const err = new TypeError("Deriving a public key from a private key is not implemented yet");
    err.code = "ERR_METHOD_NOT_IMPLEMENTED";
    throw err;
  }
  const source = input && typeof input === "object" && !ArrayBuffer.isView(input) ? input.key : input;
  const pem = typeof source === "string" ? source : Buffer.from(bytes(source, "key")).toString("utf8");
  const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem);
  if (label === null || !/(PRIVATE|PUBLIC) KEY|CERTIFICATE/.test(label[1])) {
    const err = new TypeError("error:1E08010C:DECODER routines::unsupported");
    err.code = "ERR_OSSL_UNSUPPORTED";
    throw err;
  }
  let kind = label[1].startsWith("RSA") ? "rsa" : label[1].startsWith("EC") ? "ec" : undefined;
  if (kind === undefined) {
    try {
      const parsed = require("../node_modules/parse-asn1/index.js")(pem);
      kind = parsed.curve ? "ec" : parsed.modulus ? "rsa" : undefined;
    } catch {
      kind = undefined;
    }
  }
  return new KeyObject(type, pem, kind);
}

for (const Ctor of [cb.Sign, cb.Verify]) {
  const method = Ctor === cb.Sign ? "sign" : "verify";
  const original = Ctor.prototype[method];
  Ctor.prototype[method] = function (key, ...rest) { return original.call(this, unwrapKey(key), ...rest); };
}

function createHmac(algorithm, key, options) {
  return cb.createHmac(String(algorithm).toLowerCase(), unwrapKey(key), options);
}

function randomUUID() { return globalThis.crypto.randomUUID(); }
function getRandomValues(array) { return globalThis.crypto.getRandomValues(array); }

function createHash(algorithm, options) {
  return cb.createHash(String(algorithm).toLowerCase(), options);
}
function hash(algorithm, data, outputEncoding = "hex") {
  const digest = createHash(algorithm).update(data).digest();
  return outputEncoding === "buffer" ? digest : digest.toString(outputEncoding);
}

module.exports = {
  ...cb,
  createHash,
  createHmac,
  hash,
  KeyObject,
  createSecretKey,
  createPrivateKey: (key) => asymmetricKey("private", key),
  createPublicKey: (key) => asymmetricKey("public", key),
  timingSafeEqual,
  randomInt,
  randomUUID,
  getRandomValues,
  scrypt,
  scryptSync,
  hkdf,
  hkdfSync,
  webcrypto: globalThis.crypto,
  subtle: globalThis.crypto.subtle,
  getCurves: () => ["prime256v1", "secp256k1", "secp384r1", "secp521r1"],
  getFips: () => 0,
  setFips: notImplemented("crypto.setFips"),
  generateKeyPair: notImplemented("crypto.generateKeyPair"),
  generateKeyPairSync: notImplemented("crypto.generateKeyPairSync"),
  generateKey: notImplemented("crypto.generateKey"),
  generateKeySync: notImplemented("crypto.generateKeySync"),
  X509Certificate: notImplementedClass("crypto.X509Certificate"),
  sign: notImplemented("crypto.sign"),
  verify: notImplemented("crypto.verify"),
};
