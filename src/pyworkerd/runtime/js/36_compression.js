// CompressionStream and DecompressionStream ("gzip", "deflate", "deflate-raw"), as
// workerd has them (src/workerd/api/streams/compression.c++): TransformStreams whose
// writable side takes bytes only. The zlib work runs on the host (runtime/compression.py,
// op "compression.pump"), one compressor per stream, kept there under the id the first
// call returns. Each call carries at most PIECE bytes in and brings at most 256 KiB out;
// `more` asks for the rest.
//
// Errors, as workerd words them: an unknown format is a TypeError at construction;
// corrupt input "Decompression failed.", data after the end "Trailing bytes after end of
// compressed data", and close() before the end "Called close() on a decompression stream
// with incomplete data" (all TypeErrors, from the host).

const {
  ArrayBufferIsView, PromisePrototypeThen, Promise: PromiseCtor, String: StringCtor,
  TypeError: TypeErrorCtor, TypedArrayPrototypeByteLengthGetter, TypedArrayPrototypeSubarray,
} = internals.primordials;
const webidl = internals.webidl;
const { TransformStream } = internals.streams;

const FORMATS = ["deflate", "deflate-raw", "gzip"];
const FORMAT_MESSAGE = "The compression format must be either 'deflate', 'deflate-raw' or 'gzip'.";
const STRING_CHUNK_MESSAGE = "This TransformStream is being used as a byte stream, but " +
  "received a string on its writable side. If you wish to write a string, you'll probably " +
  "want to explicitly UTF-8-encode it with TextEncoder.";
const NON_BYTES_CHUNK_MESSAGE = "This TransformStream is being used as a byte stream, but " +
  "received an object of non-ArrayBuffer/ArrayBufferView type on its writable side.";
const PIECE = 256 * 1024;

function checkFormat(format) {
  const name = typeof format === "string" ? format : StringCtor(format);
  if (name !== FORMATS[0] && name !== FORMATS[1] && name !== FORMATS[2]) {
    throw new TypeErrorCtor(FORMAT_MESSAGE);
  }
  return name;
}

function chunkBytes(chunk) {
  if (typeof chunk === "string") throw new TypeErrorCtor(STRING_CHUNK_MESSAGE);
  if (ArrayBufferIsView(chunk) || webidl.isArrayBuffer(chunk)) return webidl.toUint8Array(chunk);
  throw new TypeErrorCtor(NON_BYTES_CHUNK_MESSAGE);
}

function hostCall(op, args, bytes) {
  const host = internals.host;
  if (!host) {
    return new PromiseCtor((_, reject) =>
      reject(new TypeErrorCtor("Compression is not available in this runtime.")));
  }
  return host.call(op, args, bytes);
}

// The transformer behind one stream: `mode` is "compress" or "decompress".
function makeTransformer(mode, format) {
  let id = null;
  let closed = false;

  // One host call; enqueue what it produced; then again (no input) while it has more.
  function pump(controller, bytes, finish) {
    const args = { id, mode, format, finish };
    return PromisePrototypeThen(hostCall("compression.pump", args, bytes), (result) => {
      const meta = result[0];
      const out = result[1];
      id = meta.id;
      if (out !== null && TypedArrayPrototypeByteLengthGetter(out) > 0) controller.enqueue(out);
      if (meta.more) return pump(controller, null, finish);
      if (finish) closed = true;
      return undefined;
    });
  }

  function feed(controller, bytes, offset) {
    const length = TypedArrayPrototypeByteLengthGetter(bytes);
    if (offset >= length) return undefined;
    const end = offset + PIECE < length ? offset + PIECE : length;
    const piece = offset === 0 && end === length ? bytes : TypedArrayPrototypeSubarray(bytes, offset, end);
    return PromisePrototypeThen(pump(controller, piece, false), () => feed(controller, bytes, end));
  }

  function forget() {
    if (id !== null && !closed) {
      closed = true;
      PromisePrototypeThen(hostCall("compression.close", id), undefined, () => {});
    }
  }

  return {
    transform(chunk, controller) {
      const bytes = chunkBytes(chunk);
      if (TypedArrayPrototypeByteLengthGetter(bytes) === 0) return undefined;
      return PromisePrototypeThen(feed(controller, bytes, 0), undefined, (err) => {
        closed = true; // the host dropped the stream with its error
        throw err;
      });
    },
    flush(controller) {
      return PromisePrototypeThen(pump(controller, null, true), undefined, (err) => {
        closed = true;
        throw err;
      });
    },
    cancel() {
      forget();
    },
  };
}

class CompressionStream extends TransformStream {
  constructor(format) {
    const name = checkFormat(format);
    super(makeTransformer("compress", name));
    internals.streams.bindToRequest(this); // native in workerd: bound to its request
  }
}
webidl.configureInterface(CompressionStream, "CompressionStream");

class DecompressionStream extends TransformStream {
  constructor(format) {
    const name = checkFormat(format);
    super(makeTransformer("decompress", name));
    internals.streams.bindToRequest(this); // native in workerd: bound to its request
  }
}
webidl.configureInterface(DecompressionStream, "DecompressionStream");

internals.defineGlobal("CompressionStream", CompressionStream);
internals.defineGlobal("DecompressionStream", DecompressionStream);
