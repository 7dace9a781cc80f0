// node:zlib: deflate, inflate, gzip and gunzip (sync, callback and stream) from
// browserify-zlib (pako). Brotli is not available yet: its functions throw.
const zlib = require("../node_modules/browserify-zlib/lib/index.js");
const { notImplemented, notImplementedClass } = require("./unenv.js");
const { promisify } = require("util");

const brotli = {};
for (const name of ["brotliCompress", "brotliCompressSync", "brotliDecompress", "brotliDecompressSync",
  "createBrotliCompress", "createBrotliDecompress"]) {
  brotli[name] = notImplemented(`zlib.${name}`);
}
brotli.BrotliCompress = notImplementedClass("zlib.BrotliCompress");
brotli.BrotliDecompress = notImplementedClass("zlib.BrotliDecompress");

function crc32(data, value = 0) {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let crc = ~value >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i];
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

module.exports = { ...zlib, ...brotli, crc32, constants: { ...zlib.constants } };
for (const name of ["deflate", "inflate", "gzip", "gunzip", "deflateRaw", "inflateRaw", "unzip"]) {
  module.exports[name][promisify.custom] = (buffer, opts) => new Promise((resolve, reject) => {
    zlib[name](buffer, opts || {}, (err, out) => (err ? reject(err) : resolve(out)));
  });
}
