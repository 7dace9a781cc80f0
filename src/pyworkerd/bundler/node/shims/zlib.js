// node:zlib: deflate, inflate, gzip and gunzip (sync, callback and stream) from
// browserify-zlib (pako); brotli (sync, callback and stream) from brotli-wasm, the Rust
// brotli crate built to Wasm (brotli/index.js, pre-bundled; instantiated on first use).
const zlib = require("../node_modules/browserify-zlib/lib/index.js");
const { Transform } = require("node:stream");
const { Buffer } = require("node:buffer");
const { promisify } = require("node:util");

// Node's values (zlib.constants of Node 22, as workerd has them).
const BROTLI = {
  BROTLI_DECODE: 8, BROTLI_ENCODE: 9, BROTLI_OPERATION_PROCESS: 0, BROTLI_OPERATION_FLUSH: 1,
  BROTLI_OPERATION_FINISH: 2, BROTLI_OPERATION_EMIT_METADATA: 3, BROTLI_PARAM_MODE: 0,
  BROTLI_MODE_GENERIC: 0, BROTLI_MODE_TEXT: 1, BROTLI_MODE_FONT: 2, BROTLI_DEFAULT_MODE: 0,
  BROTLI_PARAM_QUALITY: 1, BROTLI_MIN_QUALITY: 0, BROTLI_MAX_QUALITY: 11, BROTLI_DEFAULT_QUALITY: 11,
  BROTLI_PARAM_LGWIN: 2, BROTLI_MIN_WINDOW_BITS: 10, BROTLI_MAX_WINDOW_BITS: 24,
  BROTLI_LARGE_MAX_WINDOW_BITS: 30, BROTLI_DEFAULT_WINDOW: 22, BROTLI_PARAM_LGBLOCK: 3,
  BROTLI_MIN_INPUT_BLOCK_BITS: 16, BROTLI_MAX_INPUT_BLOCK_BITS: 24,
  BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING: 4, BROTLI_PARAM_SIZE_HINT: 5,
  BROTLI_PARAM_LARGE_WINDOW: 6, BROTLI_PARAM_NPOSTFIX: 7, BROTLI_PARAM_NDIRECT: 8,
  BROTLI_DECODER_RESULT_ERROR: 0, BROTLI_DECODER_RESULT_SUCCESS: 1,
  BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT: 2, BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT: 3,
  BROTLI_DECODER_PARAM_DISABLE_RING_BUFFER_REALLOCATION: 0, BROTLI_DECODER_PARAM_LARGE_WINDOW: 1,
  BROTLI_DECODER_NO_ERROR: 0, BROTLI_DECODER_SUCCESS: 1, BROTLI_DECODER_NEEDS_MORE_INPUT: 2,
  BROTLI_DECODER_NEEDS_MORE_OUTPUT: 3, BROTLI_DECODER_ERROR_FORMAT_EXUBERANT_NIBBLE: -1,
  BROTLI_DECODER_ERROR_FORMAT_RESERVED: -2, BROTLI_DECODER_ERROR_FORMAT_EXUBERANT_META_NIBBLE: -3,
  BROTLI_DECODER_ERROR_FORMAT_SIMPLE_HUFFMAN_ALPHABET: -4,
  BROTLI_DECODER_ERROR_FORMAT_SIMPLE_HUFFMAN_SAME: -5, BROTLI_DECODER_ERROR_FORMAT_CL_SPACE: -6,
  BROTLI_DECODER_ERROR_FORMAT_HUFFMAN_SPACE: -7, BROTLI_DECODER_ERROR_FORMAT_CONTEXT_MAP_REPEAT: -8,
  BROTLI_DECODER_ERROR_FORMAT_BLOCK_LENGTH_1: -9, BROTLI_DECODER_ERROR_FORMAT_BLOCK_LENGTH_2: -10,
  BROTLI_DECODER_ERROR_FORMAT_TRANSFORM: -11, BROTLI_DECODER_ERROR_FORMAT_DICTIONARY: -12,
  BROTLI_DECODER_ERROR_FORMAT_WINDOW_BITS: -13, BROTLI_DECODER_ERROR_FORMAT_PADDING_1: -14,
  BROTLI_DECODER_ERROR_FORMAT_PADDING_2: -15, BROTLI_DECODER_ERROR_FORMAT_DISTANCE: -16,
  BROTLI_DECODER_ERROR_DICTIONARY_NOT_SET: -19, BROTLI_DECODER_ERROR_INVALID_ARGUMENTS: -20,
  BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES: -21, BROTLI_DECODER_ERROR_ALLOC_TREE_GROUPS: -22,
  BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MAP: -25, BROTLI_DECODER_ERROR_ALLOC_RING_BUFFER_1: -26,
  BROTLI_DECODER_ERROR_ALLOC_RING_BUFFER_2: -27, BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES: -30,
  BROTLI_DECODER_ERROR_UNREACHABLE: -31,
};

let engine = null;
const brotli = () => (engine ??= require("./brotli/index.js"));
const CHUNK = 64 * 1024;
const NEEDS_MORE_INPUT = 2;
const NEEDS_MORE_OUTPUT = 3;

// workerd's message for any brotli failure, decompression included.
const failed = () => new Error("Compression failed");

function bytes(data) {
  if (typeof data === "string") return Buffer.from(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const err = new TypeError('The "buffer" argument must be of type string or an instance of Buffer, TypedArray, DataView, or ArrayBuffer.' +
    ` Received ${data === null ? "null" : typeof data}`);
  err.code = "ERR_INVALID_ARG_TYPE";
  throw err;
}

const asBuffer = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);

function quality(options) {
  const q = options?.params?.[BROTLI.BROTLI_PARAM_QUALITY] ?? BROTLI.BROTLI_DEFAULT_QUALITY;
  if (!Number.isInteger(q) || q < BROTLI.BROTLI_MIN_QUALITY || q > BROTLI.BROTLI_MAX_QUALITY) throw failed();
  return q;
}

function brotliCompressSync(data, options) {
  const input = bytes(data);
  return asBuffer(brotli().compress(input, { quality: quality(options) }));
}

function brotliDecompressSync(data) {
  const input = bytes(data);
  try {
    return asBuffer(brotli().decompress(input));
  } catch {
    throw failed();
  }
}

// The callback forms run the sync work on a later turn, as Node's thread pool answers later.
function later(fn) {
  return function (data, options, callback) {
    if (typeof options === "function") { callback = options; options = {}; }
    if (typeof callback !== "function") {
      const err = new TypeError(`The "callback" argument must be of type function. Received ${typeof callback}`);
      err.code = "ERR_INVALID_ARG_TYPE";
      throw err;
    }
    setTimeout(() => {
      let result;
      try { result = fn(data, options); } catch (err) { callback(err); return; }
      callback(null, result);
    }, 0);
  };
}

// Call `step` (one call into a brotli-wasm stream) until it needs no more room for output;
// what came out, in order, and the last result code.
function drain(step) {
  const out = [];
  let code;
  do {
    const result = step();
    try {
      if (result.buf.length > 0) out.push(asBuffer(result.buf));
      code = result.code;
    } finally {
      result.free();
    }
  } while (code === NEEDS_MORE_OUTPUT);
  return { out, code };
}

class BrotliStream extends Transform {
  constructor(options, make) {
    super(options);
    this._engine = make();
    this._code = NEEDS_MORE_INPUT;
  }
  _run(input) {
    let at = 0;
    const result = drain(() => {
      const r = this._step(input === undefined ? undefined : input.subarray(at));
      if (input !== undefined) at += r.input_offset;
      return r;
    });
    this._code = result.code;
    for (const chunk of result.out) this.push(chunk);
  }
  _transform(chunk, encoding, callback) {
    try {
      this._run(bytes(typeof chunk === "string" ? Buffer.from(chunk, encoding) : chunk));
    } catch {
      callback(failed());
      return;
    }
    callback();
  }
  _destroy(err, callback) {
    if (this._engine !== null) { this._engine.free(); this._engine = null; }
    callback(err);
  }
}

class BrotliCompress extends BrotliStream {
  constructor(options) {
    const q = quality(options);
    super(options, () => new (brotli().CompressStream)(q));
  }
  _step(input) { return this._engine.compress(input, CHUNK); }
  _flush(callback) {
    try { this._run(undefined); } catch { callback(failed()); return; }
    callback();
  }
}

class BrotliDecompress extends BrotliStream {
  constructor(options) {
    super(options, () => new (brotli().DecompressStream)());
  }
  _step(input) { return this._engine.decompress(input, CHUNK); }
  _flush(callback) {
    callback(this._code === NEEDS_MORE_INPUT ? failed() : undefined);
  }
}

const brotliCompress = later(brotliCompressSync);
const brotliDecompress = later(brotliDecompressSync);

function crc32(data, value = 0) {
  const input = typeof data === "string" ? new TextEncoder().encode(data) : data;
  let crc = ~value >>> 0;
  for (let i = 0; i < input.length; i++) {
    crc ^= input[i];
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

module.exports = {
  ...zlib,
  BrotliCompress,
  BrotliDecompress,
  brotliCompress,
  brotliDecompress,
  brotliCompressSync,
  brotliDecompressSync,
  createBrotliCompress: (options) => new BrotliCompress(options),
  createBrotliDecompress: (options) => new BrotliDecompress(options),
  crc32,
  constants: { ...zlib.constants, ...BROTLI },
};
for (const name of ["deflate", "inflate", "gzip", "gunzip", "deflateRaw", "inflateRaw", "unzip"]) {
  module.exports[name][promisify.custom] = (buffer, opts) => new Promise((resolve, reject) => {
    zlib[name](buffer, opts || {}, (err, out) => (err ? reject(err) : resolve(out)));
  });
}
