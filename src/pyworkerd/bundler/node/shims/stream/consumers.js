// node:stream/consumers for Node streams and WHATWG ReadableStreams alike.
async function chunks(stream) {
  const parts = [];
  for await (const chunk of stream) {
    parts.push(typeof chunk === "string" ? new TextEncoder().encode(chunk) : new Uint8Array(chunk.buffer ? chunk.buffer : chunk, chunk.byteOffset || 0, chunk.byteLength));
  }
  return parts;
}
async function arrayBuffer(stream) {
  const parts = await chunks(stream);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.byteLength; }
  return out.buffer;
}
async function text(stream) { return new TextDecoder().decode(await arrayBuffer(stream)); }
async function json(stream) { return JSON.parse(await text(stream)); }
async function buffer(stream) { return require("buffer").Buffer.from(await arrayBuffer(stream)); }
async function blob(stream) { return new Blob([await arrayBuffer(stream)]); }
module.exports = { arrayBuffer, text, json, buffer, blob };
