// node:crypto: hashes, HMAC, PBKDF2, ciphers, sign/verify, ECDH and DH from
// crypto-browserify (pure JS, so the sync APIs stay sync); scrypt from scrypt-js; HKDF on
// HMAC; KeyObject, key generation and one-shot sign/verify in keys/; random values, UUIDs
// and webcrypto from the runtime's `crypto`.
const cb = require("../node_modules/crypto-browserify/index.js");
const { syncScrypt } = require("../node_modules/scrypt-js/scrypt.js");
const { Buffer } = require("buffer");
const { notImplemented, notImplementedClass } = require("./unenv.js");
const keys = require("./keys/index.js");

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

// A KeyObject (or { key: KeyObject, … }) as crypto-browserify takes keys: PEM or bytes.
function unwrapKey(key) {
  if (key && typeof key === "object" && !(key instanceof keys.KeyObject) && key.key instanceof keys.KeyObject) {
    return { ...key, key: keys.toPem(key.key) };
  }
  return keys.toPem(key);
}

// The class createSign() makes (cb.Sign is another: browserify-sign's Node entry), taught KeyObjects.
for (const [create, method] of [[cb.createSign, "sign"], [cb.createVerify, "verify"]]) {
  const proto = Object.getPrototypeOf(create("sha256"));
  const original = proto[method];
  proto[method] = function (key, ...rest) { return original.call(this, unwrapKey(key), ...rest); };
}

function createHmac(algorithm, key, options) {
  return cb.createHmac(String(algorithm).toLowerCase(), unwrapKey(key), options);
}

// crypto-browserify knows "sha256" and "RSA-SHA256"; Node also takes "SHA256".
function anyCase(create) {
  return (algorithm, options) => {
    try {
      return create(algorithm, options);
    } catch (err) {
      if (typeof algorithm !== "string" || algorithm === algorithm.toLowerCase()) throw err;
      return create(algorithm.toLowerCase(), options);
    }
  };
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
  createSign: anyCase(cb.createSign),
  createVerify: anyCase(cb.createVerify),
  hash,
  KeyObject: keys.KeyObject,
  createSecretKey: keys.createSecretKey,
  createPrivateKey: keys.createPrivateKey,
  createPublicKey: keys.createPublicKey,
  generateKeyPair: keys.generateKeyPair,
  generateKeyPairSync: keys.generateKeyPairSync,
  generateKey: keys.generateKey,
  generateKeySync: keys.generateKeySync,
  diffieHellman: keys.diffieHellman,
  ...keys.oneShot(anyCase(cb.createSign), anyCase(cb.createVerify)),
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
  X509Certificate: notImplementedClass("crypto.X509Certificate"),
};
