// crypto: Crypto, SubtleCrypto, CryptoKey, crypto.DigestStream — as workerd provides them.
// https://w3c.github.io/webcrypto/ ; workerd src/workerd/api/crypto/ for the extras and wording.
//
// getRandomValues/randomUUID are synchronous and run on the CSPRNG of 64_random.js.
// This file is lazy (runtime/__init__.py): it runs when a worker first reads `crypto` or
// one of the classes; crypto.DigestStream (a WritableStream) is made on first use too.
// Everything else in SubtleCrypto runs on the host (crypto.py, `cryptography`): this file
// normalises algorithms, checks usages, converts JWKs and owns the CryptoKey objects, whose
// key material (raw bytes for secret keys, PKCS#8 / SPKI DER for private / public keys) sits
// in a private field.

const {
  ArrayBuffer: ArrayBufferCtor,
  ArrayBufferIsView,
  ArrayPrototypeFilter,
  ArrayPrototypeSlice,
  ArrayPrototypeConcat,
  ArrayFrom,
  ArrayPrototypeIncludes,
  ArrayPrototypePush,
  Error: ErrorCtor,
  JSONParse,
  JSONStringify,
  ObjectGetOwnPropertyDescriptor,
  PromisePrototypeThen,
  Promise: PromiseCtor,
  StringPrototypeToUpperCase,
  Symbol: SymbolCtor,
  TypeError: TypeErrorCtor,
  TypedArrayPrototypeSet,
  TypedArrayPrototypeSlice,
  SymbolToStringTag,
  TypedArray,
  uncurryThis,
  Uint8Array: U8,
  NumberPrototypeToString,
  StringPrototypePadStart,
} = internals.primordials;

const webidl = internals.webidl;
const { converters, methodPrefix, isObject, isTypedArray, toUint8Array } = webidl;
const domException = internals.domException;

const { fillRandom, OUTSIDE_REQUEST } = internals;

// ---------------------------------------------------------------------------------------
// Helpers

const kInternal = SymbolCtor("CryptoKey.internal");

function copyBytes(v, method, index) {
  const view = converters.BufferSourceAsUint8Array(v, methodPrefix("SubtleCrypto", method), webidl.arg(index));
  return TypedArrayPrototypeSlice(view);
}

function toArrayBuffer(bytes) {
  if (bytes === null) return new ArrayBufferCtor(0);
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer;
  return TypedArrayPrototypeSlice(bytes).buffer;
}

function requireHost() {
  const host = internals.host;
  if (host === undefined) throw new ErrorCtor(OUTSIDE_REQUEST);
  return host;
}

/**
 * A host call with several binary arguments: `build(ref)` returns the args, using ref(u8)
 * wherever a buffer goes ({"$b": i} on the wire). Resolves [value, Uint8Array | null];
 * a result longer than one bridge piece comes back in pieces (crypto.take).
 */
async function hostCall(op, build) {
  const host = requireHost();
  const bufs = [];
  const ref = (u8) => { ArrayPrototypePush(bufs, u8); return { $b: bufs.length - 1 }; };
  const args = build(ref);
  const sizes = [];
  let total = 0;
  for (let i = 0; i < bufs.length; i++) { ArrayPrototypePush(sizes, bufs[i].byteLength); total += bufs[i].byteLength; }
  const payload = new U8(total);
  let offset = 0;
  for (let i = 0; i < bufs.length; i++) { TypedArrayPrototypeSet(payload, bufs[i], offset); offset += bufs[i].byteLength; }
  args.sizes = sizes;
  const result = await host.call(op, args, payload);
  const value = result[0];
  if (value !== null && typeof value === "object" && typeof value.parked === "string") {
    const out = new U8(value.length);
    let pos = 0;
    while (pos < value.length) {
      const piece = (await host.call("crypto.take", { token: value.parked, offset: pos }))[1];
      if (piece === null || piece.byteLength === 0) break;
      TypedArrayPrototypeSet(out, piece, pos);
      pos += piece.byteLength;
    }
    return [value.value, out];
  }
  return result;
}

// ---------------------------------------------------------------------------------------
// Algorithm normalization — https://w3c.github.io/webcrypto/#algorithm-normalization-normalize-an-algorithm

const DIGEST_NAMES = ["SHA-1", "SHA-256", "SHA-384", "SHA-512", "MD5"];
const RSA = ["RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP"];
const EC = ["ECDSA", "ECDH"];
const AES = ["AES-CTR", "AES-CBC", "AES-GCM", "AES-KW"];
const CURVES = ["P-256", "P-384", "P-521"];

// Members of each parameter dictionary: [key, kind, required].
const DICTS = {
  __proto__: null,
  RsaHashedKeyGenParams: [["hash", "hash", true], ["modulusLength", "unsigned long", true], ["publicExponent", "BigInteger", true]],
  RsaHashedImportParams: [["hash", "hash", true]],
  RsaPssParams: [["saltLength", "unsigned long", true]],
  RsaOaepParams: [["label", "BufferSource", false]],
  EcKeyGenParams: [["namedCurve", "DOMString", true]],
  EcKeyImportParams: [["namedCurve", "DOMString", true]],
  EcdsaParams: [["hash", "hash", true]],
  EcdhKeyDeriveParams: [["public", "CryptoKey", true]],
  AesKeyGenParams: [["length", "unsigned short", true]],
  AesDerivedKeyParams: [["length", "unsigned short", true]],
  AesCbcParams: [["iv", "BufferSource", true]],
  AesCtrParams: [["counter", "BufferSource", true], ["length", "octet", true]],
  AesGcmParams: [["additionalData", "BufferSource", false], ["iv", "BufferSource", true], ["tagLength", "octet", false]],
  HmacKeyGenParams: [["hash", "hash", true], ["length", "unsigned long", false]],
  HmacImportParams: [["hash", "hash", true], ["length", "unsigned long", false]],
  HkdfParams: [["hash", "hash", true], ["info", "BufferSource", true], ["salt", "BufferSource", true]],
  Pbkdf2Params: [["hash", "hash", true], ["iterations", "unsigned long", true], ["salt", "BufferSource", true]],
  NodeEd25519Params: [["namedCurve", "DOMString", false]],
};

// workerd's words for a missing required member, where they differ from the usual one.
const MISSING = {
  __proto__: null,
  "AesCtrParams.counter": 'Missing "counter" member in "algorithm".',
  "AesCtrParams.length": 'Missing "length" member in "algorithm".',
  "RsaPssParams.saltLength": "Failed to provide salt for RSA-PSS key operation which requires a salt",
  "EcdsaParams.hash": 'Missing field "hash" in "AlgorithmIdentifier".',
  "EcdhKeyDeriveParams.public": 'Missing field "public" in "derivedKeyParams".',
  "AesDerivedKeyParams.length": 'Missing field "length" in "derivedKeyParams".',
};

function table(entries) {
  const t = { __proto__: null };
  for (let i = 0; i < entries.length; i++) t[entries[i][0]] = entries[i][1];
  return t;
}
const SUPPORTED = {
  __proto__: null,
  digest: table(DIGEST_NAMES.map((n) => [n, null])),
  generateKey: table([
    ["RSASSA-PKCS1-v1_5", "RsaHashedKeyGenParams"], ["RSA-PSS", "RsaHashedKeyGenParams"],
    ["RSA-OAEP", "RsaHashedKeyGenParams"], ["ECDSA", "EcKeyGenParams"], ["ECDH", "EcKeyGenParams"],
    ["AES-CTR", "AesKeyGenParams"], ["AES-CBC", "AesKeyGenParams"], ["AES-GCM", "AesKeyGenParams"],
    ["AES-KW", "AesKeyGenParams"], ["HMAC", "HmacKeyGenParams"], ["Ed25519", null],
    ["NODE-ED25519", "NodeEd25519Params"], ["X25519", null],
  ]),
  importKey: table([
    ["RSASSA-PKCS1-v1_5", "RsaHashedImportParams"], ["RSA-PSS", "RsaHashedImportParams"],
    ["RSA-OAEP", "RsaHashedImportParams"], ["ECDSA", "EcKeyImportParams"], ["ECDH", "EcKeyImportParams"],
    ["AES-CTR", null], ["AES-CBC", null], ["AES-GCM", null], ["AES-KW", null],
    ["HMAC", "HmacImportParams"], ["PBKDF2", null], ["HKDF", null], ["Ed25519", null],
    ["NODE-ED25519", "NodeEd25519Params"], ["X25519", null],
  ]),
  // Parameters of key operations, by the key's algorithm.
  encrypt: table([["RSA-OAEP", "RsaOaepParams"], ["AES-CTR", "AesCtrParams"], ["AES-CBC", "AesCbcParams"], ["AES-GCM", "AesGcmParams"], ["AES-KW", null]]),
  sign: table([["RSASSA-PKCS1-v1_5", null], ["RSA-PSS", "RsaPssParams"], ["ECDSA", "EcdsaParams"], ["HMAC", null], ["Ed25519", null], ["NODE-ED25519", null]]),
  deriveBits: table([["ECDH", "EcdhKeyDeriveParams"], ["X25519", "EcdhKeyDeriveParams"], ["HKDF", "HkdfParams"], ["PBKDF2", "Pbkdf2Params"]]),
  getKeyLength: table([["AES-CTR", "AesDerivedKeyParams"], ["AES-CBC", "AesDerivedKeyParams"], ["AES-GCM", "AesDerivedKeyParams"], ["AES-KW", "AesDerivedKeyParams"], ["HMAC", "HmacImportParams"], ["HKDF", null], ["PBKDF2", null]]),
};

function findName(tableObj, name) {
  const upper = StringPrototypeToUpperCase(name);
  for (const key in tableObj) {
    if (StringPrototypeToUpperCase(key) === upper) return key;
  }
  return undefined;
}

/** The algorithm argument as a dictionary with a string name (TypeError otherwise). */
function algorithmDict(alg, prefix) {
  if (typeof alg === "string") return { name: alg };
  if (!isObject(alg)) return { name: converters.DOMString(alg, prefix, "Algorithm") };
  const name = alg.name;
  if (name === undefined) {
    throw new TypeErrorCtor(`${prefix}: Algorithm: name: Missing or not a string`);
  }
  return { name: converters.DOMString(name, prefix, "Algorithm name"), dict: alg };
}

function normalizeHash(hash, prefix) {
  const { name } = algorithmDict(hash, prefix);
  const canonical = findName(SUPPORTED.digest, name);
  if (canonical === undefined) {
    throw domException("Unrecognized or unimplemented digest algorithm requested.", "NotSupportedError");
  }
  return canonical;
}

function convertMember(kind, value, prefix, key) {
  const context = `'${key}' in 'algorithm'`;
  switch (kind) {
    case "hash": return { name: normalizeHash(value, prefix) };
    case "BufferSource": return TypedArrayPrototypeSlice(converters.BufferSourceAsUint8Array(value, prefix, context));
    case "BigInteger": return TypedArrayPrototypeSlice(converters.Uint8Array(value, prefix, context));
    case "CryptoKey":
      if (!isCryptoKey(value)) throw webidl.notOfType(prefix, context, "CryptoKey");
      return value;
    case "DOMString": return converters.DOMString(value, prefix, context);
    default: return converters[kind](value, prefix, context, { enforceRange: true });
  }
}

/** The spec's "normalize an algorithm": {name: canonical, ...converted params}. */
function normalize(op, alg, prefix, unknownMessage) {
  const { name, dict } = algorithmDict(alg, prefix);
  const tableObj = SUPPORTED[op];
  const canonical = findName(tableObj, name);
  if (canonical === undefined) throw domException(unknownMessage(name), "NotSupportedError");
  return withParams(tableObj[canonical], canonical, dict, prefix);
}

function withParams(dictName, canonical, dict, prefix) {
  const out = { name: canonical };
  if (dictName === null || dictName === undefined) return out;
  const members = DICTS[dictName];
  for (let i = 0; i < members.length; i++) {
    const [key, kind, required] = members[i];
    const value = dict === undefined ? undefined : dict[key];
    if (value === undefined) {
      if (required) throw new TypeErrorCtor(MISSING[`${dictName}.${key}`] ?? `Missing field "${key}" in "algorithm".`);
      continue;
    }
    out[key] = convertMember(kind, value, prefix, key);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// CryptoKey

const USAGE_ORDER = ["encrypt", "decrypt", "sign", "verify", "deriveKey", "deriveBits", "wrapKey", "unwrapKey"];

// Allowed usages by algorithm and key type.
const MASKS = { __proto__: null };
for (const name of RSA) {
  MASKS[name] = name === "RSA-OAEP"
    ? { public: ["encrypt", "wrapKey"], private: ["decrypt", "unwrapKey"] }
    : { public: ["verify"], private: ["sign"] };
}
MASKS.ECDSA = { public: ["verify"], private: ["sign"] };
MASKS.Ed25519 = MASKS.ECDSA;
MASKS["NODE-ED25519"] = MASKS.ECDSA;
MASKS.ECDH = { public: [], private: ["deriveKey", "deriveBits"] };
MASKS.X25519 = MASKS.ECDH;
for (const name of ["AES-CTR", "AES-CBC", "AES-GCM"]) MASKS[name] = { secret: ["encrypt", "decrypt", "wrapKey", "unwrapKey"] };
MASKS["AES-KW"] = { secret: ["wrapKey", "unwrapKey"] };
MASKS.HMAC = { secret: ["sign", "verify"] };
MASKS.PBKDF2 = { secret: ["deriveKey", "deriveBits"] };
MASKS.HKDF = MASKS.PBKDF2;

/** Validate usages against `mask` (workerd's SyntaxError), in canonical order, deduplicated. */
function checkUsages(usages, mask, op, name) {
  for (let i = 0; i < usages.length; i++) {
    if (!ArrayPrototypeIncludes(mask, usages[i])) {
      throw domException(`Attempt to ${op} ${name} key with invalid usage "${usages[i]}".`, "SyntaxError");
    }
  }
  return ArrayPrototypeFilter(USAGE_ORDER, (u) => ArrayPrototypeIncludes(usages, u));
}

let isCryptoKey;
let keyRecord;

class CryptoKey {
  #type;
  #extractable;
  #algorithm; // the plain normalized form (hash as {name}, publicExponent as byte list)
  #usages;
  #material;
  #algorithmObject = null;
  #usagesObject = null;

  constructor(token, type, extractable, algorithm, usages, material) {
    if (token !== kInternal) webidl.illegalConstructor();
    this.#type = type;
    this.#extractable = extractable;
    this.#algorithm = algorithm;
    this.#usages = usages;
    this.#material = material;
  }

  get type() {
    if (!isCryptoKey(this)) webidl.illegalInvocation();
    return this.#type;
  }

  get extractable() {
    if (!isCryptoKey(this)) webidl.illegalInvocation();
    return this.#extractable;
  }

  get algorithm() {
    if (!isCryptoKey(this)) webidl.illegalInvocation();
    if (this.#algorithmObject === null) {
      const a = this.#algorithm;
      const out = { name: a.name };
      if (a.modulusLength !== undefined) {
        out.modulusLength = a.modulusLength;
        out.publicExponent = new U8(a.publicExponent);
      }
      if (a.hash !== undefined) out.hash = { name: a.hash.name };
      if (a.namedCurve !== undefined) out.namedCurve = a.namedCurve;
      if (a.length !== undefined) out.length = a.length;
      this.#algorithmObject = out;
    }
    return this.#algorithmObject;
  }

  get usages() {
    if (!isCryptoKey(this)) webidl.illegalInvocation();
    if (this.#usagesObject === null) this.#usagesObject = ArrayPrototypeSlice(this.#usages);
    return this.#usagesObject;
  }

  static {
    isCryptoKey = (v) => isObject(v) && #type in v;
    keyRecord = (k) => ({
      type: k.#type, extractable: k.#extractable, algorithm: k.#algorithm,
      usages: k.#usages, material: k.#material,
    });
  }
}
webidl.configureInterface(CryptoKey);

function newKey(type, extractable, algorithm, usages, material) {
  return new CryptoKey(kInternal, type, extractable, algorithm, usages, material);
}

/** A key as the host ops see it. */
function hostKey(rec) {
  return { type: rec.type, algorithm: rec.algorithm };
}

/** workerd's validateOperation: the algorithm name must match the key's, and the usage. */
function validateOperation(key, requestedName, usage) {
  const rec = keyRecord(key);
  if (StringPrototypeToUpperCase(requestedName) !== StringPrototypeToUpperCase(rec.algorithm.name)) {
    throw domException(`Requested algorithm "${requestedName}" does not match this CryptoKey's ` +
      `algorithm "${rec.algorithm.name}".`, "InvalidAccessError");
  }
  if (!ArrayPrototypeIncludes(rec.usages, usage)) {
    throw domException(`Requested key usage "${usage}" does not match any usage listed in this ` +
      "CryptoKey.", "InvalidAccessError");
  }
  return rec;
}

/** The parameters of a key operation, normalized for the key's algorithm. */
function opParams(op, alg, rec, prefix) {
  const { dict } = algorithmDict(alg, prefix);
  const name = rec.algorithm.name;
  const tableObj = SUPPORTED[op];
  if (!(name in tableObj)) {
    throw domException(`Unrecognized or unimplemented ${op} algorithm "${name}" requested.`, "NotSupportedError");
  }
  return withParams(tableObj[name], name, dict, prefix);
}

/** Params for the wire: buffers by reference, a CryptoKey as its material. */
function wireParams(params, ref) {
  const out = {};
  for (const key in params) {
    const v = params[key];
    if (v instanceof U8) out[key] = ref(v);
    else if (isCryptoKey(v)) out[key] = ref(keyRecord(v).material);
    else out[key] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Key import / export / generation

const KEY_FORMATS = ["raw", "pkcs8", "spki", "jwk"];
const JWK_STRINGS = ["kty", "use", "alg", "crv", "x", "y", "d", "n", "e", "p", "q", "dp", "dq", "qi", "k"];

function convertJwk(v, prefix) {
  const out = {};
  for (let i = 0; i < JWK_STRINGS.length; i++) {
    const key = JWK_STRINGS[i];
    const value = v[key];
    if (value !== undefined) out[key] = converters.DOMString(value, prefix, `'${key}' in 'JsonWebKey'`);
  }
  if (v.ext !== undefined) out.ext = !!v.ext;
  if (v.key_ops !== undefined) {
    out.key_ops = webidl.createSequenceConverter(converters.DOMString)(v.key_ops, prefix, "'key_ops' in 'JsonWebKey'");
  }
  if (out.kty === undefined) throw new TypeErrorCtor(`${prefix}: Missing field "kty" in "JsonWebKey".`);
  return out;
}

function keyAlgorithmFor(params, info) {
  const name = params.name;
  const alg = { name };
  if (ArrayPrototypeIncludes(RSA, name)) {
    alg.modulusLength = info.modulusLength;
    alg.publicExponent = info.publicExponent;
    alg.hash = params.hash;
  } else if (ArrayPrototypeIncludes(EC, name)) {
    alg.namedCurve = params.namedCurve;
  } else if (name === "NODE-ED25519") {
    alg.namedCurve = "NODE-ED25519";
  } else if (ArrayPrototypeIncludes(AES, name)) {
    alg.length = info.length;
  } else if (name === "HMAC") {
    alg.hash = params.hash;
    alg.length = info.length;
  }
  return alg;
}

function checkCurve(params) {
  const name = params.name;
  if (ArrayPrototypeIncludes(EC, name) && !ArrayPrototypeIncludes(CURVES, params.namedCurve)) {
    throw domException(`Unrecognized or unimplemented EC curve "${params.namedCurve}" requested.`, "NotSupportedError");
  }
  if (name === "NODE-ED25519" && params.namedCurve !== "NODE-ED25519") {
    throw domException(`Unrecognized or unimplemented EdDSA curve "${params.namedCurve}" requested.`, "NotSupportedError");
  }
}

async function importKeyImpl(format, keyData, params, extractable, usages, prefix) {
  const name = params.name;
  let jwk;
  if (format === "raw" || format === "pkcs8" || format === "spki") {
    if (!(webidl.isArrayBuffer(keyData) || ArrayBufferIsView(keyData))) {
      throw new TypeErrorCtor("Import data provided for \"raw\", \"pkcs8\", or \"spki\" import " +
        "formats must be a buffer source.");
    }
    keyData = TypedArrayPrototypeSlice(toUint8Array(keyData));
  } else if (format === "jwk") {
    if (!isObject(keyData) || webidl.isArrayBuffer(keyData) || ArrayBufferIsView(keyData)) {
      throw new TypeErrorCtor("Import data provided for \"jwk\" import format must be a JsonWebKey.");
    }
    jwk = convertJwk(keyData, prefix);
    if (jwk.ext === false && extractable) {
      throw domException(`JWK ext field for "${name}" is set to false but extractable is true`, "DataError");
    }
  } else {
    throw domException(`Unrecognized key import format "${format}".`, "NotSupportedError");
  }
  checkCurve(params);
  const masks = MASKS[name];
  let type;
  if (masks.secret !== undefined) type = "secret";
  else if (format === "pkcs8") type = "private";
  else if (format === "jwk") type = jwk.d !== undefined ? "private" : "public";
  else type = "public";
  if ((name === "PBKDF2" || name === "HKDF")) {
    if (format !== "raw") {
      throw domException(`${name} key must be imported in "raw" format (requested "${format}")`, "NotSupportedError");
    }
    if (extractable) throw domException(`${name} key cannot be extractable.`, "SyntaxError");
  }
  const op = type === "secret" ? "import secret" : type === "public" ? "import public" : "import private";
  usages = checkUsages(usages, masks[type] ?? [], op, name);
  if (jwk !== undefined) {
    if (jwk.use !== undefined && usages.length > 0) {
      const expected = ArrayPrototypeIncludes(["encrypt", "decrypt", "wrapKey", "unwrapKey"], usages[0]) ? "enc" : "sig";
      if (jwk.use !== expected) {
        throw domException(type === "secret"
          ? `Symmetric "jwk" key must have a "use" of "${expected}", not "${jwk.use}".`
          : `Asymmetric "jwk" key import with usages requires a JSON Web Key with Public Key Use parameter "use" ("${jwk.use}") equal to "${expected}".`,
        "DataError");
      }
    }
    if (jwk.key_ops !== undefined) {
      for (let i = 0; i < jwk.key_ops.length; i++) {
        if (ArrayPrototypeIncludes(ArrayPrototypeSlice(jwk.key_ops, i + 1), jwk.key_ops[i])) {
          throw domException(type === "secret"
            ? `Symmetric "jwk" key contains duplicate value "${jwk.key_ops[i]}", in "key_op".`
            : "A JSON Web Key's Key Operations parameter (\"key_ops\") must not contain duplicates.",
          "DataError");
        }
      }
      for (let i = 0; i < usages.length; i++) {
        if (!ArrayPrototypeIncludes(jwk.key_ops, usages[i])) {
          throw domException(type === "secret"
            ? `"jwk" key missing usage "${usages[i]}", in "key_ops".`
            : "All specified key usages must be present in the JSON Web Key's Key Operations parameter (\"key_ops\").",
          "DataError");
        }
      }
    }
  }
  const [info, material] = await hostCall("crypto.importKey", (ref) => ({
    format, alg: wireParams(params, ref), data: keyData === undefined || jwk !== undefined ? null : ref(keyData),
    jwk: jwk ?? null,
  }));
  if (info.type !== type) {
    throw domException(`Key data does not hold a ${type} key.`, "DataError");
  }
  if (usages.length === 0 && (type === "secret" || type === "private")) {
    throw domException("Secret/private CryptoKeys must have at least one usage.", "SyntaxError");
  }
  const extractableFinal = type === "public" ? true : extractable;
  return newKey(type, extractableFinal, keyAlgorithmFor(params, info), usages, material);
}

async function exportKeyImpl(format, key) {
  const rec = keyRecord(key);
  if (!rec.extractable) {
    throw domException(`Attempt to export non-extractable ${rec.algorithm.name} key.`, "InvalidAccessError");
  }
  const [value, bytes] = await hostCall("crypto.exportKey", (ref) => ({
    format, alg: rec.algorithm, type: rec.type, material: ref(rec.material),
  }));
  if (format === "jwk") {
    const jwk = value;
    jwk.key_ops = ArrayPrototypeSlice(rec.usages);
    jwk.ext = rec.extractable;
    return jwk;
  }
  return toArrayBuffer(bytes);
}

const HMAC_BLOCK_BITS = { __proto__: null, "SHA-1": 512, "SHA-256": 512, "SHA-384": 1024, "SHA-512": 1024, MD5: 512 };

async function generateKeyImpl(params, extractable, usages) {
  const name = params.name;
  const masks = MASKS[name];
  checkCurve(params);
  if (masks.secret !== undefined) {
    usages = checkUsages(usages, masks.secret, "generate", name);
    let length;
    if (name === "HMAC") {
      length = params.length ?? HMAC_BLOCK_BITS[params.hash.name];
      if (length === 0) throw domException("HMAC key length must be a non-zero unsigned long integer.", "OperationError");
    } else {
      length = params.length;
      if (length !== 128 && length !== 192 && length !== 256) {
        throw domException(`Generated AES key length must be 128, 192, or 256 bits but requested ${length}.`, "OperationError");
      }
    }
    if (usages.length === 0) throw domException("Secret/private CryptoKeys must have at least one usage.", "SyntaxError");
    const [, material] = await hostCall("crypto.generateKey", () => ({ alg: { name, length: (length + 7) & ~7 } }));
    return newKey("secret", extractable, keyAlgorithmFor(params, { length }), usages, material);
  }
  const all = ArrayPrototypeConcat(masks.public, masks.private);
  usages = checkUsages(usages, all, "generate", name);
  const privateUsages = ArrayPrototypeFilter(usages, (u) => ArrayPrototypeIncludes(masks.private, u));
  const publicUsages = ArrayPrototypeFilter(usages, (u) => ArrayPrototypeIncludes(masks.public, u));
  if (privateUsages.length === 0) {
    throw domException("Attempt to generate asymmetric keys with no valid private key usages.", "SyntaxError");
  }
  const wire = { name };
  if (params.modulusLength !== undefined) {
    wire.modulusLength = params.modulusLength;
    wire.publicExponent = ArrayFrom(params.publicExponent);
  }
  if (params.namedCurve !== undefined) wire.namedCurve = params.namedCurve;
  const [info, both] = await hostCall("crypto.generateKey", () => ({ alg: wire }));
  const algorithm = keyAlgorithmFor(params, info);
  const privateKey = newKey("private", extractable, algorithm, privateUsages,
    TypedArrayPrototypeSlice(both, 0, info.privateLength));
  const publicKey = newKey("public", true, algorithm, publicUsages,
    TypedArrayPrototypeSlice(both, info.privateLength));
  return { publicKey, privateKey };
}

// ---------------------------------------------------------------------------------------
// Operations

async function cryptOp(op, encrypt, alg, key, data, prefix) {
  const { name } = algorithmDict(alg, prefix);
  const rec = validateOperation(key, name, op);
  const params = opParams("encrypt", alg, rec, prefix);
  if (params.name === "AES-KW") {
    throw domException(`Unrecognized or unimplemented ${op} algorithm "AES-KW" requested.`, "NotSupportedError");
  }
  return rawCrypt(encrypt, params, rec, data);
}

async function rawCrypt(encrypt, params, rec, data) {
  const [, out] = await hostCall(encrypt ? "crypto.encrypt" : "crypto.decrypt", (ref) => ({
    alg: wireParams(params, ref), key: hostKey(rec), material: ref(rec.material), data: ref(data),
  }));
  return out ?? new U8(0);
}

async function deriveBitsImpl(params, rec, length) {
  if (params.public !== undefined) {
    const pub = keyRecord(params.public);
    if (pub.type !== "public") {
      throw domException(`The provided key has type "${pub.type}", not "public"`, "InvalidAccessError");
    }
    if (pub.algorithm.name !== rec.algorithm.name) {
      throw domException("Public key algorithm does not match the requested algorithm.", "InvalidAccessError");
    }
    if (pub.algorithm.namedCurve !== rec.algorithm.namedCurve) {
      throw domException("The public and private keys are on different curves.", "InvalidAccessError");
    }
  }
  const [, out] = await hostCall("crypto.deriveBits", (ref) => ({
    alg: wireParams(params, ref), key: hostKey(rec), material: ref(rec.material), length,
  }));
  return out ?? new U8(0);
}

function getKeyLength(derived) {
  const name = derived.name;
  if (ArrayPrototypeIncludes(AES, name)) {
    const length = derived.length;
    if (length !== 128 && length !== 192 && length !== 256) {
      throw domException(`Derived AES key must be 128, 192, or 256 bits in length but provided ${length}.`, "OperationError");
    }
    return length;
  }
  if (name === "HMAC") {
    if (derived.length !== undefined) {
      if (derived.length > 0) return derived.length;
      throw new TypeErrorCtor("HMAC key length must be a non-zero unsigned long integer.");
    }
    return HMAC_BLOCK_BITS[derived.hash.name];
  }
  return null;
}

function usagesArg(v, prefix, index) {
  return webidl.createSequenceConverter(converters.DOMString)(v, prefix, webidl.arg(index));
}

function keyArg(v, prefix, index) {
  if (!isCryptoKey(v)) throw webidl.notOfType(prefix, webidl.arg(index), "CryptoKey");
  return v;
}

let isSubtle;

class SubtleCrypto {
  #brand = true;

  constructor(token) {
    if (token !== kInternal) webidl.illegalConstructor();
  }

  async digest(algorithm, data) {
    const prefix = methodPrefix("SubtleCrypto", "digest");
    if (!isSubtle(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 2, prefix);
    const bytes = copyBytes(data, "digest", 1);
    const params = normalize("digest", algorithm, prefix,
      () => "Unrecognized or unimplemented digest algorithm requested.");
    const [, out] = await requireHost().call("crypto.digest", params.name, bytes);
    return toArrayBuffer(out);
  }

  async encrypt(algorithm, key, data) {
    const prefix = methodPrefix("SubtleCrypto", "encrypt");
    if (!isSubtle(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 3, prefix);
    keyArg(key, prefix, 1);
    const bytes = copyBytes(data, "encrypt", 2);
    return toArrayBuffer(await cryptOp("encrypt", true, algorithm, key, bytes, prefix));
  }

  async decrypt(algorithm, key, data) {
    const prefix = methodPrefix("SubtleCrypto", "decrypt");
    if (!isSubtle(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 3, prefix);
    keyArg(key, prefix, 1);
    const bytes = copyBytes(data, "decrypt", 2);
    return toArrayBuffer(await cryptOp("decrypt", false, algorithm, key, bytes, prefix));
  }

  async sign(algorithm, key, data) {
    const prefix = methodPrefix("SubtleCrypto", "sign");
    if (!isSubtle(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 3, prefix);
    keyArg(key, prefix, 1);
    const bytes = copyBytes(data, "sign", 2);
    const { name } = algorithmDict(algorithm, prefix);
    const rec = validateOperation(key, name, "sign");
    if (rec.type === "public") throw domException("Asymmetric signing requires a private key.", "InvalidAccessError");
    const params = opParams("sign", algorithm, rec, prefix);
    const [, out] = await hostCall("crypto.sign", (ref) => ({
      alg: wireParams(params, ref), key: hostKey(rec), material: ref(rec.material), data: ref(bytes),
    }));
    return toArrayBuffer(out);
  }

  async verify(algorithm, key, signature, data) {
    const prefix = methodPrefix("SubtleCrypto", "verify");
    if (!isSubtle(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 4, prefix);
    keyArg(key, prefix, 1);
    const sig = copyBytes(signature, "verify", 2);
    const bytes = copyBytes(data, "verify", 3);
    const { name } = algorithmDict(algorithm, prefix);
    const rec = validateOperation(key, name, "verify");
    if (rec.type === "private") throw domException("Asymmetric verification requires a public key.", "InvalidAccessError");
    const params = opParams("sign", algorithm, rec, prefix);
    const [ok] = await hostCall("crypto.verify", (ref) => ({
      alg: wireParams(params, ref), key: hostKey(rec), material: ref(rec.material),
      signature: ref(sig), data: ref(bytes),
    }));
    return ok === true;
  }

  async generateKey(algorithm, extractable, keyUsages) {
    const prefix = methodPrefix("SubtleCrypto", "generateKey");
    if (!isSubtle(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 3, prefix);
    const ext = converters.boolean(extractable);
    const usages = usagesArg(keyUsages, prefix, 2);
    const params = normalize("generateKey", algorithm, prefix,
      (n) => `Unrecognized key generation algorithm "${n}" requested.`);
    return generateKeyImpl(params, ext, usages);
  }

  async deriveKey(algorithm, baseKey, derivedKeyType, extractable, keyUsages) {
    const prefix = methodPrefix("SubtleCrypto", "deriveKey");
    if (!isSubtle(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 5, prefix);
    keyArg(baseKey, prefix, 1);
    const ext = converters.boolean(extractable);
    const usages = usagesArg(keyUsages, prefix, 4);
    const { name } = algorithmDict(algorithm, prefix);
    const rec = validateOperation(baseKey, name, "deriveKey");
    const params = opParams("deriveBits", algorithm, rec, prefix);
    const derived = normalize("getKeyLength", derivedKeyType, prefix,
      (n) => `Unrecognized derived key type "${n}" requested.`);
    const importParams = normalize("importKey", derivedKeyType, prefix,
      (n) => `Unrecognized key import algorithm "${n}" requested.`);
    const length = getKeyLength(derived);
    const secret = await deriveBitsImpl(params, rec, length);
    return importKeyImpl("raw", secret, importParams, ext, usages, prefix);
  }

  async deriveBits(algorithm, baseKey, length = null) {
    const prefix = methodPrefix("SubtleCrypto", "deriveBits");
    if (!isSubtle(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 2, prefix);
    keyArg(baseKey, prefix, 1);
    let bits = null;
    if (length !== null && length !== undefined) {
      bits = converters.long(length, prefix, webidl.arg(2));
      if (bits < 0) throw new TypeErrorCtor("deriveBits length must be an unsigned long integer.");
    }
    const { name } = algorithmDict(algorithm, prefix);
    const rec = validateOperation(baseKey, name, "deriveBits");
    const params = opParams("deriveBits", algorithm, rec, prefix);
    return toArrayBuffer(await deriveBitsImpl(params, rec, bits));
  }

  async importKey(format, keyData, algorithm, extractable, keyUsages) {
    const prefix = methodPrefix("SubtleCrypto", "importKey");
    if (!isSubtle(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 5, prefix);
    const fmt = converters.DOMString(format, prefix, webidl.arg(0));
    const ext = converters.boolean(extractable);
    const usages = usagesArg(keyUsages, prefix, 4);
    if (!ArrayPrototypeIncludes(KEY_FORMATS, fmt)) {
      throw domException(`Unrecognized key import format "${fmt}".`, "NotSupportedError");
    }
    const params = normalize("importKey", algorithm, prefix,
      (n) => `Unrecognized key import algorithm "${n}" requested.`);
    return importKeyImpl(fmt, keyData, params, ext, usages, prefix);
  }

  async exportKey(format, key) {
    const prefix = methodPrefix("SubtleCrypto", "exportKey");
    if (!isSubtle(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 2, prefix);
    const fmt = converters.DOMString(format, prefix, webidl.arg(0));
    keyArg(key, prefix, 1);
    return exportKeyImpl(fmt, key);
  }

  async wrapKey(format, key, wrappingKey, wrapAlgorithm) {
    const prefix = methodPrefix("SubtleCrypto", "wrapKey");
    if (!isSubtle(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 4, prefix);
    const fmt = converters.DOMString(format, prefix, webidl.arg(0));
    keyArg(key, prefix, 1);
    keyArg(wrappingKey, prefix, 2);
    const { name } = algorithmDict(wrapAlgorithm, prefix);
    const rec = validateOperation(wrappingKey, name, "wrapKey");
    const params = opParams("encrypt", wrapAlgorithm, rec, prefix);
    const exported = await exportKeyImpl(fmt, key);
    const bytes = fmt === "jwk" ? internals.utf8Encode(JSONStringify(exported)) : new U8(exported);
    return toArrayBuffer(await rawCrypt(true, params, rec, bytes));
  }

  async unwrapKey(format, wrappedKey, unwrappingKey, unwrapAlgorithm, unwrappedKeyAlgorithm,
    extractable, keyUsages) {
    const prefix = methodPrefix("SubtleCrypto", "unwrapKey");
    if (!isSubtle(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 7, prefix);
    const fmt = converters.DOMString(format, prefix, webidl.arg(0));
    const wrapped = copyBytes(wrappedKey, "unwrapKey", 1);
    keyArg(unwrappingKey, prefix, 2);
    const ext = converters.boolean(extractable);
    const usages = usagesArg(keyUsages, prefix, 6);
    const { name } = algorithmDict(unwrapAlgorithm, prefix);
    const rec = validateOperation(unwrappingKey, name, "unwrapKey");
    const params = opParams("encrypt", unwrapAlgorithm, rec, prefix);
    const importParams = normalize("importKey", unwrappedKeyAlgorithm, prefix,
      (n) => `Unrecognized key import algorithm "${n}" requested.`);
    const bytes = await rawCrypt(false, params, rec, wrapped);
    let keyData = bytes;
    if (fmt === "jwk") {
      try {
        keyData = JSONParse(internals.utf8Decode(bytes));
      } catch {
        keyData = null;
      }
      if (!isObject(keyData) || keyData.kty === undefined) {
        throw domException("Missing \"kty\" field or corrupt JSON unwrapping key?", "DataError");
      }
    }
    return importKeyImpl(fmt, keyData, importParams, ext, usages, prefix);
  }

  // workerd's extra: a constant-time comparison of two equally long buffers.
  timingSafeEqual(a, b) {
    const prefix = methodPrefix("SubtleCrypto", "timingSafeEqual");
    if (!isSubtle(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 2, prefix);
    const x = converters.BufferSourceAsUint8Array(a, prefix, webidl.arg(0));
    const y = converters.BufferSourceAsUint8Array(b, prefix, webidl.arg(1));
    if (x.byteLength !== y.byteLength) {
      throw new TypeErrorCtor("Input buffers must have the same byte length.");
    }
    let diff = 0;
    for (let i = 0; i < x.byteLength; i++) diff |= x[i] ^ y[i];
    return diff === 0;
  }

  static {
    isSubtle = (v) => isObject(v) && #brand in v;
  }
}
webidl.configureInterface(SubtleCrypto);

// ---------------------------------------------------------------------------------------
// DigestStream: a WritableStream of bytes whose `digest` promise resolves to the hash.

const DIGEST_BUFFER = 64 * 1024;

function makeDigestStream() {
  const WritableStream = internals.streams.WritableStream;
  return class DigestStream extends WritableStream {
    #digest;
    #bytesWritten = 0;

    constructor(algorithm) {
      const prefix = webidl.constructorPrefix("DigestStream");
      webidl.requiredArguments(arguments.length, 1, prefix);
      const params = normalize("digest", algorithm, prefix,
        () => "Unrecognized or unimplemented digest algorithm requested.");
      const host = requireHost();
      let resolve, reject;
      const digest = new PromiseCtor((res, rej) => { resolve = res; reject = rej; });
      PromisePrototypeThen(digest, undefined, () => {}); // handled: a stream may be abandoned
      let id = null;
      let pending = [];
      let pendingBytes = 0;
      let self = null;
      const flush = async () => {
        if (id === null) id = (await host.call("crypto.digestStream.open", params.name))[0];
        if (pendingBytes === 0) return;
        const chunk = new U8(pendingBytes);
        let offset = 0;
        for (let i = 0; i < pending.length; i++) { TypedArrayPrototypeSet(chunk, pending[i], offset); offset += pending[i].byteLength; }
        pending = [];
        pendingBytes = 0;
        await host.call("crypto.digestStream.update", id, chunk);
      };
      super({
        write(chunk) {
          if (!(ArrayBufferIsView(chunk) || webidl.isArrayBuffer(chunk))) {
            throw new TypeErrorCtor("DigestStream only supports writing ArrayBuffer or ArrayBufferView chunks.");
          }
          const bytes = TypedArrayPrototypeSlice(toUint8Array(chunk));
          if (self !== null) self.#bytesWritten += bytes.byteLength;
          ArrayPrototypePush(pending, bytes);
          pendingBytes += bytes.byteLength;
          if (pendingBytes >= DIGEST_BUFFER) return flush();
          return undefined;
        },
        async close() {
          try {
            await flush();
            const [, out] = await host.call("crypto.digestStream.finish", id);
            resolve(toArrayBuffer(out));
          } catch (err) {
            reject(err);
            throw err;
          }
        },
        abort(reason) {
          reject(reason);
          pending = [];
          if (id !== null) PromisePrototypeThen(host.call("crypto.digestStream.abort", id), undefined, () => {});
        },
      });
      self = this;
      this.#digest = digest;
    }

    get digest() {
      if (!(#digest in this)) webidl.illegalInvocation();
      return this.#digest;
    }

    get bytesWritten() {
      if (!(#digest in this)) webidl.illegalInvocation();
      return this.#bytesWritten;
    }
  };
}

// ---------------------------------------------------------------------------------------
// Crypto

let isCrypto;
const INTEGER_VIEWS = ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array",
  "Int32Array", "Uint32Array", "BigInt64Array", "BigUint64Array"];
const typedArrayTag = uncurryThis(
  ObjectGetOwnPropertyDescriptor(TypedArray.prototype, SymbolToStringTag).get);

function hex(b) { return StringPrototypePadStart(NumberPrototypeToString(b, 16), 2, "0"); }

class Crypto {
  #brand = true;

  constructor(token) {
    if (token !== kInternal) webidl.illegalConstructor();
  }

  get subtle() {
    if (!isCrypto(this)) webidl.illegalInvocation();
    return subtle;
  }

  getRandomValues(array) {
    const prefix = methodPrefix("Crypto", "getRandomValues");
    if (!isCrypto(this)) webidl.illegalInvocation();
    webidl.requiredArguments(arguments.length, 1, prefix);
    if (!ArrayBufferIsView(array)) throw webidl.notOfType(prefix, webidl.arg(0), "ArrayBufferView");
    if (!isTypedArray(array) || !ArrayPrototypeIncludes(INTEGER_VIEWS, typedArrayTag(array))) {
      throw domException("ArrayBufferView argument to getRandomValues() must be an integer-typed view.",
        "TypeMismatchError");
    }
    const bytes = toUint8Array(array);
    if (bytes.byteLength > 0x10000) {
      throw domException("getRandomValues() only accepts buffers of size <= 64K but provided " +
        `${bytes.byteLength} bytes.`, "QuotaExceededError");
    }
    fillRandom(bytes);
    return array;
  }

  randomUUID() {
    if (!isCrypto(this)) webidl.illegalInvocation();
    const b = fillRandom(new U8(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let s = "";
    for (let i = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) s += "-";
      s += hex(b[i]);
    }
    return s;
  }

  static {
    isCrypto = (v) => isObject(v) && #brand in v;
  }
}
webidl.configureInterface(Crypto);
internals.lazyProperty(Crypto.prototype, "DigestStream", () => {
  const DigestStream = makeDigestStream();
  webidl.configureInterface(DigestStream);
  return DigestStream;
});

const subtle = new SubtleCrypto(kInternal);
const crypto = new Crypto(kInternal);

internals.crypto = { isCryptoKey, keyRecord };
internals.defineGlobal("CryptoKey", CryptoKey);
internals.defineGlobal("SubtleCrypto", SubtleCrypto);
internals.defineGlobal("Crypto", Crypto);
internals.defineGlobal("crypto", crypto);
