// node:stream/web: the runtime's WHATWG streams.
const g = globalThis;
module.exports = {
  ReadableStream: g.ReadableStream, ReadableStreamDefaultReader: g.ReadableStreamDefaultReader,
  ReadableStreamBYOBReader: g.ReadableStreamBYOBReader, ReadableByteStreamController: g.ReadableByteStreamController,
  ReadableStreamDefaultController: g.ReadableStreamDefaultController, ReadableStreamBYOBRequest: g.ReadableStreamBYOBRequest,
  WritableStream: g.WritableStream, WritableStreamDefaultWriter: g.WritableStreamDefaultWriter,
  WritableStreamDefaultController: g.WritableStreamDefaultController,
  TransformStream: g.TransformStream, TransformStreamDefaultController: g.TransformStreamDefaultController,
  ByteLengthQueuingStrategy: g.ByteLengthQueuingStrategy, CountQueuingStrategy: g.CountQueuingStrategy,
  TextEncoderStream: g.TextEncoderStream, TextDecoderStream: g.TextDecoderStream,
  CompressionStream: g.CompressionStream, DecompressionStream: g.DecompressionStream,
};
