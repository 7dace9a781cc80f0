// HMAC-SHA256 of the request URL per request; the key is imported once, at first use.
const SECRET = new TextEncoder().encode("bench-hmac-secret");
let key = null;

function hex(buffer) {
  let out = "";
  for (const byte of new Uint8Array(buffer)) out += byte.toString(16).padStart(2, "0");
  return out;
}

export default {
  async fetch(request) {
    key ??= crypto.subtle.importKey("raw", SECRET, { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
    const signature = await crypto.subtle.sign(
      "HMAC",
      await key,
      new TextEncoder().encode(request.url),
    );
    return new Response(hex(signature));
  },
};
