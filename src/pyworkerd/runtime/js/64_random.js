// The runtime's CSPRNG, behind crypto.getRandomValues / randomUUID and internals.randomBytes.
// Kept apart from 66_crypto.js so that the bridge's reseeding (every batch) does not load
// WebCrypto, which is lazy.
//
//   * the bridge calls internals.reseed(seed) with 32 fresh os.urandom bytes at the start of
//     every batch; the key becomes K' = ChaCha20Block(K XOR seed, counter 0, nonce "reseed")[0..32)
//     (the old key's entropy is kept, the new seed's is added, and the result is one-way);
//   * each request for n bytes is "fast key erasure" (Bernstein, 2017): blocks
//     ChaCha20Block(K, counter i, nonce "output") for i = 0, 1, …; the first 32 bytes of block 0
//     replace K at once, the output is the bytes after them. Nothing that produced earlier
//     output survives a call, so a later heap dump cannot recover it.
//   Until the first reseed there is no entropy: random values are refused with workerd's
//   "can only be performed while handling a request" error (global scope).

const {
  Error: ErrorCtor, MathMin, TypedArrayPrototypeFill, TypedArrayPrototypeSet,
  Uint8Array: U8, Uint32Array: U32,
} = internals.primordials;

// workerd's message for I/O, timers and random values outside a request.
const OUTSIDE_REQUEST = "Some functionality, such as asynchronous I/O, timeouts, and generating " +
  "random values, can only be performed while handling a request.";
internals.OUTSIDE_REQUEST = OUTSIDE_REQUEST;

// ---------------------------------------------------------------------------------------
// ChaCha20 (RFC 8439 §2.3) and the CSPRNG

function rotl(x, n) { return (x << n) | (x >>> (32 - n)); }

const chachaState = new U32(16);
const chachaWork = new U32(16);

function quarter(s, a, b, c, d) {
  s[a] = s[a] + s[b]; s[d] = rotl(s[d] ^ s[a], 16);
  s[c] = s[c] + s[d]; s[b] = rotl(s[b] ^ s[c], 12);
  s[a] = s[a] + s[b]; s[d] = rotl(s[d] ^ s[a], 8);
  s[c] = s[c] + s[d]; s[b] = rotl(s[b] ^ s[c], 7);
}

/** One ChaCha20 block: key (8 words), counter, nonce (3 words) -> out (16 words, LE bytes). */
function chacha20Block(key, counter, nonce, out) {
  const s = chachaState;
  s[0] = 0x61707865; s[1] = 0x3320646e; s[2] = 0x79622d32; s[3] = 0x6b206574;
  for (let i = 0; i < 8; i++) s[4 + i] = key[i];
  s[12] = counter; s[13] = nonce[0]; s[14] = nonce[1]; s[15] = nonce[2];
  const w = chachaWork;
  TypedArrayPrototypeSet(w, s);
  for (let i = 0; i < 10; i++) {
    quarter(w, 0, 4, 8, 12); quarter(w, 1, 5, 9, 13); quarter(w, 2, 6, 10, 14); quarter(w, 3, 7, 11, 15);
    quarter(w, 0, 5, 10, 15); quarter(w, 1, 6, 11, 12); quarter(w, 2, 7, 8, 13); quarter(w, 3, 4, 9, 14);
  }
  for (let i = 0; i < 16; i++) out[i] = w[i] + s[i];
  TypedArrayPrototypeFill(w, 0);
  TypedArrayPrototypeFill(s, 0);
}

const NONCE_RESEED = [0x65736572, 0x00646565, 0]; // "reseed"
const NONCE_OUTPUT = [0x7074756f, 0x00007475, 0]; // "output"
const rngKey = new U32(8);
const rngBlock = new U32(16);
const rngBlockBytes = new U8(rngBlock.buffer);
let rngSeeded = false;

function wordsOf(bytes, offset) {
  return bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24);
}

internals.reseed = (seed) => {
  const mixed = new U32(8);
  for (let i = 0; i < 8; i++) mixed[i] = rngKey[i] ^ wordsOf(seed, i * 4);
  chacha20Block(mixed, 0, NONCE_RESEED, rngBlock);
  for (let i = 0; i < 8; i++) rngKey[i] = rngBlock[i];
  TypedArrayPrototypeFill(rngBlock, 0);
  TypedArrayPrototypeFill(mixed, 0);
  rngSeeded = true;
};

/** Fill a Uint8Array with CSPRNG output (fast key erasure). */
function fillRandom(bytes) {
  if (!rngSeeded) throw new ErrorCtor(OUTSIDE_REQUEST);
  const n = bytes.length;
  chacha20Block(rngKey, 0, NONCE_OUTPUT, rngBlock);
  for (let i = 0; i < 8; i++) rngKey[i] = rngBlock[i];
  let pos = MathMin(32, n);
  for (let i = 0; i < pos; i++) bytes[i] = rngBlockBytes[32 + i];
  // The new key is in place; further blocks are keyed by it, with counters 1, 2, ...
  // (the key was just replaced, so the pair (key, counter) never repeats).
  for (let counter = 1; pos < n; counter++) {
    chacha20Block(rngKey, counter, NONCE_OUTPUT, rngBlock);
    const take = MathMin(64, n - pos);
    for (let i = 0; i < take; i++) bytes[pos + i] = rngBlockBytes[i];
    pos += take;
  }
  if (n > 32) {
    // Erase again: the blocks above came from the key that stays, so rekey once more.
    chacha20Block(rngKey, 0xffffffff, NONCE_OUTPUT, rngBlock);
    for (let i = 0; i < 8; i++) rngKey[i] = rngBlock[i];
  }
  TypedArrayPrototypeFill(rngBlock, 0);
  return bytes;
}
internals.fillRandom = fillRandom;
internals.randomBytes = (n) => fillRandom(new U8(n));
internals.chacha20Block = chacha20Block;

