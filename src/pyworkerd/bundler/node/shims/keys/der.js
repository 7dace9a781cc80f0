// The little DER and PEM that key files need: write and read SEQUENCE, INTEGER, OCTET and
// BIT STRING, NULL, OBJECT IDENTIFIER and context tags, as Uint8Arrays.
const { Buffer } = require("node:buffer");

const TAG = { INT: 0x02, BITS: 0x03, OCTETS: 0x04, NULL: 0x05, OID: 0x06, SEQ: 0x30 };

function length(n) {
  if (n < 0x80) return [n];
  const out = [];
  for (; n > 0; n = Math.floor(n / 256)) out.unshift(n & 0xff);
  return [0x80 | out.length, ...out];
}

function tlv(tag, body) {
  return Buffer.concat([Buffer.from([tag, ...length(body.length)]), body]);
}

const seq = (...parts) => tlv(TAG.SEQ, Buffer.concat(parts));
const octets = (bytes) => tlv(TAG.OCTETS, Buffer.from(bytes));
const bits = (bytes) => tlv(TAG.BITS, Buffer.concat([Buffer.from([0]), bytes]));
const nul = () => Buffer.from([TAG.NULL, 0]);
const explicit = (n, body) => tlv(0xa0 | n, body);

// An unsigned big-endian integer (bytes) or a small number.
function int(value) {
  let bytes = typeof value === "number" ? Buffer.from([value]) : Buffer.from(value);
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  bytes = bytes.subarray(i);
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return tlv(TAG.INT, bytes);
}

function oid(text) {
  const [a, b, ...rest] = text.split(".").map(Number);
  const out = [a * 40 + b];
  for (const n of rest) {
    const groups = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) groups.unshift(0x80 | (v & 0x7f));
    out.push(...groups);
  }
  return tlv(TAG.OID, Buffer.from(out));
}

function invalid() {
  const err = new Error("error:1E08010C:DECODER routines::unsupported");
  err.code = "ERR_OSSL_UNSUPPORTED";
  return err;
}

// One element at `at`: { tag, start, body, end } (start and end: its whole TLV).
function element(bytes, at) {
  if (at + 2 > bytes.length) throw invalid();
  const tag = bytes[at];
  let len = bytes[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const count = len & 0x7f;
    if (count === 0 || count > 4) throw invalid();
    len = 0;
    for (let i = 0; i < count; i++) len = len * 256 + bytes[start + i];
    start += count;
  }
  const end = start + len;
  if (end > bytes.length) throw invalid();
  return { tag, start: at, body: bytes.subarray(start, end), end };
}

// The children of a constructed element's body.
function children(body) {
  const out = [];
  for (let at = 0; at < body.length;) {
    const el = element(body, at);
    out.push(el);
    at = el.end;
  }
  return out;
}

// The whole of `bytes` as one SEQUENCE: its children.
function sequence(bytes, tag = TAG.SEQ) {
  const el = element(bytes, 0);
  if (el.tag !== tag || el.end !== bytes.length) throw invalid();
  return children(el.body);
}

function readOid(body) {
  const parts = [Math.floor(body[0] / 40), body[0] % 40];
  let n = 0;
  for (let i = 1; i < body.length; i++) {
    n = n * 128 + (body[i] & 0x7f);
    if (!(body[i] & 0x80)) { parts.push(n); n = 0; }
  }
  return parts.join(".");
}

// An INTEGER's magnitude, without the sign byte.
function readInt(body) {
  let i = 0;
  while (i < body.length - 1 && body[i] === 0) i++;
  return Buffer.from(body.subarray(i));
}

function pem(label, der) {
  const lines = Buffer.from(der).toString("base64").match(/.{1,64}/g);
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

// { label, der } of the first PEM block in `text`, or null.
function unpem(text) {
  const match = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(text);
  if (match === null) return null;
  const body = match[2].replace(/^[A-Za-z-]+:.*$/gm, "");
  return { label: match[1], der: Buffer.from(body.replace(/\s+/g, ""), "base64"), encrypted: /Proc-Type:\s*4,ENCRYPTED/.test(match[2]) };
}

module.exports = { TAG, seq, octets, bits, nul, explicit, int, oid, sequence, children, element, readOid, readInt, pem, unpem, invalid };
