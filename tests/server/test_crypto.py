"""crypto and crypto.subtle through a real server: one worker runs every check and answers JSON.

Vectors: HMAC (RFC 4231), HKDF (RFC 5869), PBKDF2 (RFC 6070), AES-CBC/CTR (NIST SP 800-38A),
AES-GCM (McGrew-Viega test case 3), AES-KW (RFC 3394), Ed25519 (RFC 8032), X25519 (RFC 7748).
"""

from __future__ import annotations

import base64
import collections
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from pyworkerd.testing import RunningServer, running_server
from tests.server.conftest import request, write_project

WORKER = r"""
const enc = new TextEncoder();
const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");
const unhex = (s) => new Uint8Array(s.match(/../g).map((x) => parseInt(x, 16)));
const b64u = (b) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const S = crypto.subtle;
const checks = {};
const check = (name, fn) => { checks[name] = fn; };
const err = async (p) => { try { await p; return "no error"; } catch (e) { return `${e.name}: ${e.message}`; } };
const errSync = (fn) => { try { fn(); return "no error"; } catch (e) { return `${e.name}: ${e.message}`; } };

let globalScope;
try { crypto.getRandomValues(new Uint8Array(4)); globalScope = "no error"; } catch (e) { globalScope = `${e.name}: ${e.message}`; }
let globalUUID;
try { crypto.randomUUID(); globalUUID = "no error"; } catch (e) { globalUUID = `${e.name}: ${e.message}`; }

check("global scope", () => [globalScope, globalUUID]);
check("getRandomValues", () => {
  const a = crypto.getRandomValues(new Uint8Array(32)), b = crypto.getRandomValues(new Uint8Array(32));
  const u32 = crypto.getRandomValues(new Uint32Array(4));
  const big = crypto.getRandomValues(new BigUint64Array(2));
  return {
    differ: hex(a) !== hex(b), same: crypto.getRandomValues(a) === a, u32: u32.length, big: typeof big[0],
    float: errSync(() => crypto.getRandomValues(new Float32Array(4))),
    dv: errSync(() => crypto.getRandomValues(new DataView(new ArrayBuffer(4)))),
    quota: errSync(() => crypto.getRandomValues(new Uint8Array(65537))),
    max: crypto.getRandomValues(new Uint8Array(65536)).length,
    detached: errSync(() => { const g = crypto.getRandomValues; g(new Uint8Array(2)); }),
  };
});
check("randomUUID", () => {
  const ids = new Set();
  for (let i = 0; i < 100; i++) ids.add(crypto.randomUUID());
  return { unique: ids.size, shape: [...ids].every((u) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u)) };
});

check("digest", async () => {
  const out = {};
  for (const n of ["SHA-1", "sha-256", "SHA-384", "SHA-512", "MD5"]) out[n] = hex(await S.digest(n, enc.encode("abc")));
  out.obj = hex(await S.digest({ name: "SHA-256" }, new DataView(enc.encode("abc").buffer)));
  out.bad = await err(S.digest("SHA-3", new Uint8Array(1)));
  out.badData = await err(S.digest("SHA-256", "abc"));
  out.big = hex(await S.digest("SHA-256", new Uint8Array(1 << 20)));
  return out;
});

check("hmac rfc4231", async () => {
  const out = {};
  const k1 = await S.importKey("raw", new Uint8Array(20).fill(0x0b), { name: "HMAC", hash: "SHA-256" }, true, ["sign", "verify"]);
  out.tc1_256 = hex(await S.sign("HMAC", k1, enc.encode("Hi There")));
  const k1b = await S.importKey("raw", new Uint8Array(20).fill(0x0b), { name: "HMAC", hash: { name: "SHA-512" } }, false, ["sign"]);
  out.tc1_512 = hex(await S.sign({ name: "HMAC" }, k1b, enc.encode("Hi There")));
  const k2 = await S.importKey("raw", enc.encode("Jefe"), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  out.tc2_verify = await S.verify("HMAC", k2, unhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"), enc.encode("what do ya want for nothing?"));
  out.tc2_wrong = await S.verify("HMAC", k2, unhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3844"), enc.encode("what do ya want for nothing?"));
  out.algorithm = k1.algorithm;
  out.usages = k1.usages;
  out.type = k1.type;
  out.jwk = await S.exportKey("jwk", k1);
  out.nonExtractable = await err(S.exportKey("raw", k1b));
  out.wrongUsage = await err(S.sign("HMAC", k2, new Uint8Array(1)));
  out.wrongAlg = await err(S.sign("RSA-PSS", k1, new Uint8Array(1)));
  out.badUsage = await err(S.importKey("raw", new Uint8Array(4), { name: "HMAC", hash: "SHA-256" }, false, ["encrypt"]));
  out.noUsage = await err(S.importKey("raw", new Uint8Array(4), { name: "HMAC", hash: "SHA-256" }, false, []));
  out.emptyKey = await err(S.importKey("raw", enc.encode(""), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]));
  out.shortLength = await err(S.importKey("raw", new Uint8Array(4), { name: "HMAC", hash: "SHA-256", length: 16 }, false, ["sign"]));
  out.trimmed = (await S.importKey("raw", new Uint8Array(4), { name: "HMAC", hash: "SHA-256", length: 25 }, false, ["sign"])).algorithm.length;
  out.noHash = await err(S.importKey("raw", new Uint8Array(4), { name: "HMAC" }, false, ["sign"]));
  out.badHash = await err(S.importKey("raw", new Uint8Array(4), { name: "HMAC", hash: "SHA-3" }, false, ["sign"]));
  out.badAlg = await err(S.importKey("raw", new Uint8Array(4), "FOO", false, ["sign"]));
  out.badFormat = await err(S.importKey("pem", new Uint8Array(4), "HMAC", false, ["sign"]));
  out.notKey = await err(S.sign("HMAC", {}, new Uint8Array(1)));
  const g = await S.generateKey({ name: "HMAC", hash: "SHA-384" }, true, ["sign", "verify", "sign"]);
  out.generated = { alg: g.algorithm, usages: g.usages, raw: (await S.exportKey("raw", g)).byteLength };
  const jwkBack = await S.importKey("jwk", out.jwk, { name: "HMAC", hash: "SHA-256" }, true, ["sign"]);
  out.jwkRoundTrip = hex(await S.sign("HMAC", jwkBack, enc.encode("Hi There")));
  out.jwkAlgMismatch = await err(S.importKey("jwk", out.jwk, { name: "HMAC", hash: "SHA-512" }, true, ["sign"]));
  out.jwkExtFalse = await err(S.importKey("jwk", { ...out.jwk, ext: false }, { name: "HMAC", hash: "SHA-256" }, true, ["sign"]));
  out.jwkKeyOps = await err(S.importKey("jwk", { ...out.jwk, key_ops: ["verify"] }, { name: "HMAC", hash: "SHA-256" }, true, ["sign"]));
  return out;
});

check("hkdf rfc5869", async () => {
  const ikm = await S.importKey("raw", new Uint8Array(22).fill(0x0b), "HKDF", false, ["deriveBits", "deriveKey"]);
  const params = { name: "HKDF", hash: "SHA-256", salt: unhex("000102030405060708090a0b0c"), info: unhex("f0f1f2f3f4f5f6f7f8f9") };
  const bits = hex(await S.deriveBits(params, ikm, 336));
  const key = await S.deriveKey(params, ikm, { name: "AES-GCM", length: 256 }, true, ["encrypt"]);
  return {
    bits, derived: hex(await S.exportKey("raw", key)), alg: key.algorithm,
    extractable: await err(S.importKey("raw", new Uint8Array(4), "HKDF", true, ["deriveBits"])),
    noLength: await err(S.deriveBits(params, ikm)),
    empty: (await S.deriveBits(params, ikm, 0)).byteLength,
    tooLong: await err(S.deriveBits(params, ikm, 255 * 32 * 8 + 8)),
    hmacDerived: (await S.deriveKey(params, ikm, { name: "HMAC", hash: "SHA-256" }, true, ["sign"])).algorithm,
    badDerived: await err(S.deriveKey(params, ikm, { name: "ECDSA" }, true, ["sign"])),
    badAesLen: await err(S.deriveKey(params, ikm, { name: "AES-CBC", length: 100 }, true, ["encrypt"])),
  };
});

check("pbkdf2 rfc6070", async () => {
  const pw = await S.importKey("raw", enc.encode("password"), { name: "PBKDF2" }, false, ["deriveBits"]);
  const run = (c) => S.deriveBits({ name: "PBKDF2", hash: "SHA-1", salt: enc.encode("salt"), iterations: c }, pw, 160);
  return { c1: hex(await run(1)), c2: hex(await run(2)), c4096: hex(await run(4096)),
    zero: await err(run(0)), algorithm: pw.algorithm, extractable: pw.extractable,
    cap: await err(run(100001)), atCap: (await run(100000)).byteLength,
    nullLength: await err(S.deriveBits({ name: "PBKDF2", hash: "SHA-1", salt: enc.encode("salt"), iterations: 1 }, pw)),
    oddLength: await err(S.deriveBits({ name: "PBKDF2", hash: "SHA-1", salt: enc.encode("salt"), iterations: 1 }, pw, 12)) };
});

check("aes vectors", async () => {
  const key = unhex("2b7e151628aed2a6abf7158809cf4f3c");
  const cbc = await S.importKey("raw", key, "AES-CBC", true, ["encrypt", "decrypt"]);
  const ctr = await S.importKey("raw", key, "AES-CTR", true, ["encrypt", "decrypt"]);
  const p = unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
  const cbcOut = await S.encrypt({ name: "AES-CBC", iv: unhex("000102030405060708090a0b0c0d0e0f") }, cbc, p);
  const ctrOut = await S.encrypt({ name: "AES-CTR", counter: unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"), length: 64 }, ctr, p);
  const gk = await S.importKey("raw", unhex("feffe9928665731c6d6a8f9467308308"), "AES-GCM", false, ["encrypt", "decrypt"]);
  const gp = unhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255");
  const iv = unhex("cafebabefacedbaddecaf888");
  const gcmOut = await S.encrypt({ name: "AES-GCM", iv }, gk, gp);
  const tampered = new Uint8Array(gcmOut).slice(); tampered[0] ^= 1;
  const short = await S.encrypt({ name: "AES-GCM", iv, tagLength: 96, additionalData: enc.encode("aad") }, gk, gp);
  // a CTR counter that wraps within 8 bits
  const wrapCounter = unhex("000000000000000000000000000000fe");
  const wrapped = await S.encrypt({ name: "AES-CTR", counter: wrapCounter, length: 8 }, ctr, new Uint8Array(64));
  return {
    cbc: hex(cbcOut), cbcBack: hex(await S.decrypt({ name: "AES-CBC", iv: unhex("000102030405060708090a0b0c0d0e0f") }, cbc, cbcOut)),
    ctr: hex(ctrOut), gcm: hex(gcmOut), gcmBack: hex(await S.decrypt({ name: "AES-GCM", iv }, gk, gcmOut)),
    gcmTampered: await err(S.decrypt({ name: "AES-GCM", iv }, gk, tampered)),
    gcmShort: short.byteLength - gp.length,
    gcmShortBack: hex(await S.decrypt({ name: "AES-GCM", iv, tagLength: 96, additionalData: enc.encode("aad") }, gk, short)) === hex(gp),
    gcmNoIv: await err(S.encrypt({ name: "AES-GCM" }, gk, gp)),
    cbcBadPad: await err(S.decrypt({ name: "AES-CBC", iv: new Uint8Array(16) }, cbc, new Uint8Array(16))),
    ctrWrap: hex(wrapped),
    badLength: await err(S.importKey("raw", new Uint8Array(10), "AES-GCM", false, ["encrypt"])),
    jwk: await S.exportKey("jwk", cbc), alg: cbc.algorithm,
    jwkErrors: await (async () => {
      const j = await S.exportKey("jwk", cbc);
      const imp = (jwk, usages = ["encrypt"]) => err(S.importKey("jwk", jwk, "AES-CBC", true, usages));
      return [
        await imp({ ...j, kty: "RSA" }), await imp({ ...j, alg: "A256CBC" }), await imp({ ...j, use: "sig" }),
        await imp({ ...j, key_ops: ["decrypt"] }), await imp({ ...j, key_ops: ["encrypt", "encrypt"] }),
        await imp({ ...j, k: "AAAA" }), await imp({ ...j, alg: undefined, use: "enc", key_ops: ["encrypt", "wrapKey"] }),
      ];
    })(),
    exportSpki: await err(S.exportKey("spki", cbc)),
    ctrNoCounter: await err(S.encrypt({ name: "AES-CTR", length: 64 }, ctr, p)),
    ctrBadCounter: await err(S.encrypt({ name: "AES-CTR", counter: new Uint8Array(8), length: 64 }, ctr, p)),
    ctrZero: await err(S.encrypt({ name: "AES-CTR", counter: new Uint8Array(16), length: 0 }, ctr, p)),
    ctrRepeat: await err(S.encrypt({ name: "AES-CTR", counter: new Uint8Array(16), length: 1 }, ctr, new Uint8Array(48))),
    cbcBadIv: await err(S.encrypt({ name: "AES-CBC", iv: new Uint8Array(8) }, cbc, p)),
    gcmBadTag: await err(S.encrypt({ name: "AES-GCM", iv, tagLength: 100 }, gk, gp)),
    gcmEmptyIv: await err(S.encrypt({ name: "AES-GCM", iv: new Uint8Array(0) }, gk, gp)),
    gcmShortCt: await err(S.decrypt({ name: "AES-GCM", iv }, gk, new Uint8Array(4))),
    genBad: await err(S.generateKey({ name: "AES-GCM", length: 100 }, true, ["encrypt"])),
    wrongUsage: await err(S.importKey("raw", key, "AES-GCM", false, ["sign"])),
    bigRoundTrip: await (async () => {
      const k = await S.generateKey({ name: "AES-GCM", length: 128 }, false, ["encrypt", "decrypt"]);
      const data = crypto.getRandomValues(new Uint8Array(60000));
      const big = new Uint8Array(600000); for (let i = 0; i < 10; i++) big.set(data, i * 60000);
      const c = await S.encrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, k, big);
      const back = new Uint8Array(await S.decrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, k, c));
      return [c.byteLength, back.length === big.length && back.every((x, i) => x === big[i])];
    })(),
  };
});

check("aes-kw rfc3394", async () => {
  const kek = await S.importKey("raw", unhex("000102030405060708090A0B0C0D0E0F"), "AES-KW", false, ["wrapKey", "unwrapKey"]);
  const inner = await S.importKey("raw", unhex("00112233445566778899AABBCCDDEEFF"), "AES-GCM", true, ["encrypt"]);
  const wrapped = await S.wrapKey("raw", inner, kek, "AES-KW");
  const back = await S.unwrapKey("raw", wrapped, kek, { name: "AES-KW" }, "AES-GCM", true, ["decrypt"]);
  const badWrapped = new Uint8Array(wrapped).slice(); badWrapped[3] ^= 1;
  return {
    wrapped: hex(wrapped), back: hex(await S.exportKey("raw", back)), usages: back.usages,
    corrupt: await err(S.unwrapKey("raw", badWrapped, kek, "AES-KW", "AES-GCM", true, ["decrypt"])),
    kwEncrypt: await err(S.encrypt("AES-KW", kek, new Uint8Array(16))),
    jwkViaGcm: await (async () => {
      const wk = await S.generateKey({ name: "AES-GCM", length: 256 }, false, ["wrapKey", "unwrapKey"]);
      const ec = await S.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const w = await S.wrapKey("jwk", ec.privateKey, wk, { name: "AES-GCM", iv });
      const k = await S.unwrapKey("jwk", w, wk, { name: "AES-GCM", iv }, { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
      const m = new Uint8Array([1, 2, 3]);
      const ok = await S.verify({ name: "ECDSA", hash: "SHA-256" }, ec.publicKey, await S.sign({ name: "ECDSA", hash: "SHA-256" }, k, m), m);
      const pkcs8 = await S.wrapKey("pkcs8", ec.privateKey, wk, { name: "AES-GCM", iv });
      const k2 = await S.unwrapKey("pkcs8", pkcs8, wk, { name: "AES-GCM", iv }, { name: "ECDSA", namedCurve: "P-256" }, true, ["sign"]);
      const garbage = await S.encrypt({ name: "AES-GCM", iv }, await S.importKey("raw", new Uint8Array(32), "AES-GCM", false, ["encrypt"]), new Uint8Array(4));
      return [ok, k.type, k.extractable, k2.usages,
        await err(S.unwrapKey("jwk", w.slice(1), wk, { name: "AES-GCM", iv }, { name: "HMAC", hash: "SHA-256" }, true, ["sign"])),
        await err(S.wrapKey("raw", k, wk, { name: "AES-GCM", iv }))];
    })(),
  };
});

check("ed25519 rfc8032", async () => {
  const d = b64u(unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  const x = b64u(unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"));
  const priv = await S.importKey("jwk", { kty: "OKP", crv: "Ed25519", d, x }, "Ed25519", true, ["sign"]);
  const pub = await S.importKey("raw", unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"), { name: "Ed25519" }, true, ["verify"]);
  const sig = await S.sign("Ed25519", priv, new Uint8Array(0));
  const node = await S.importKey("raw", unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"), { name: "NODE-ED25519", namedCurve: "NODE-ED25519" }, true, ["verify"]);
  const pair = await S.generateKey("Ed25519", true, ["sign", "verify"]);
  const m = enc.encode("message");
  const s2 = await S.sign("Ed25519", pair.privateKey, m);
  const pkcs8 = await S.exportKey("pkcs8", pair.privateKey);
  const re = await S.importKey("pkcs8", pkcs8, "Ed25519", false, ["sign"]);
  const spki = await S.exportKey("spki", pair.publicKey);
  const rePub = await S.importKey("spki", spki, "Ed25519", true, ["verify"]);
  return {
    sig: hex(sig), verify: await S.verify("Ed25519", pub, sig, new Uint8Array(0)),
    nodeVerify: await S.verify({ name: "NODE-ED25519" }, node, sig, new Uint8Array(0)), nodeAlg: node.algorithm,
    nodeBadCurve: await err(S.importKey("raw", new Uint8Array(32), { name: "NODE-ED25519", namedCurve: "P-256" }, true, ["verify"])),
    pairVerify: await S.verify("Ed25519", rePub, s2, m),
    reSign: await S.verify("Ed25519", pair.publicKey, await S.sign("Ed25519", re, m), m),
    tampered: await S.verify("Ed25519", pair.publicKey, s2, enc.encode("massage")),
    jwkPriv: Object.keys(await S.exportKey("jwk", priv)).sort(), jwkPub: await S.exportKey("jwk", pub),
    pubRaw: hex(await S.exportKey("raw", pub)),
    privRaw: await err(S.exportKey("raw", priv)),
    types: [pair.publicKey.type, pair.privateKey.type, pair.publicKey.extractable, pair.publicKey.usages, pair.privateKey.usages],
    noPrivUsage: await err(S.generateKey("Ed25519", true, ["verify"])),
    signWithPublic: await err(S.sign("Ed25519", pub, m)),
    spkiLen: spki.byteLength, pkcs8Len: pkcs8.byteLength,
  };
});

check("x25519 rfc7748", async () => {
  const alice = await S.importKey("jwk", { kty: "OKP", crv: "X25519", d: b64u(unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")), x: b64u(unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")) }, "X25519", true, ["deriveBits", "deriveKey"]);
  const bob = await S.importKey("raw", unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"), "X25519", true, []);
  const shared = hex(await S.deriveBits({ name: "X25519", public: bob }, alice, 256));
  const a = await S.generateKey("X25519", true, ["deriveBits"]);
  const b = await S.generateKey({ name: "X25519" }, true, ["deriveBits"]);
  const ab = hex(await S.deriveBits({ name: "X25519", public: b.publicKey }, a.privateKey, null));
  const ba = hex(await S.deriveBits({ name: "X25519", public: a.publicKey }, b.privateKey));
  return {
    shared, agree: ab === ba && ab.length === 64, pubUsages: a.publicKey.usages,
    privAsPublic: await err(S.deriveBits({ name: "X25519", public: a.privateKey }, b.privateKey, 256)),
    badUsage: await err(S.importKey("raw", new Uint8Array(32), "X25519", true, ["deriveBits"])),
  };
});

async function rsaRoundTrip(name, usages, hash = "SHA-256") {
  const pair = await S.generateKey({ name, modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash }, true, usages);
  const spki = await S.exportKey("spki", pair.publicKey);
  const pkcs8 = await S.exportKey("pkcs8", pair.privateKey);
  const jwkPriv = await S.exportKey("jwk", pair.privateKey);
  const jwkPub = await S.exportKey("jwk", pair.publicKey);
  return { pair, spki, pkcs8, jwkPriv, jwkPub };
}

check("rsa", async () => {
  const m = enc.encode("RSA message");
  const out = {};
  const pk = await rsaRoundTrip("RSASSA-PKCS1-v1_5", ["sign", "verify"]);
  out.pkAlg = { ...pk.pair.privateKey.algorithm, publicExponent: [...pk.pair.privateKey.algorithm.publicExponent] };
  const pkSig = await S.sign("RSASSA-PKCS1-v1_5", pk.pair.privateKey, m);
  const pkPub = await S.importKey("spki", pk.spki, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["verify"]);
  out.pkVerify = await S.verify("RSASSA-PKCS1-v1_5", pkPub, pkSig, m);
  out.pkSpki = hex(pk.spki); out.pkSig = hex(pkSig);
  const pkJwkPriv = await S.importKey("jwk", pk.jwkPriv, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["sign"]);
  out.pkJwkSign = hex(await S.sign("RSASSA-PKCS1-v1_5", pkJwkPriv, m)) === out.pkSig;
  out.jwkPrivKeys = Object.keys(pk.jwkPriv).sort(); out.jwkPub = { ...pk.jwkPub, n: pk.jwkPub.n.length };
  out.rsaRaw = await err(S.importKey("raw", pk.spki, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["verify"]));
  out.spkiAsPkcs8 = await err(S.importKey("pkcs8", pk.spki, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["sign"]));
  out.badPkcs8 = await err(S.importKey("pkcs8", enc.encode("-----BEGIN PRIVATE KEY-----"), { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["sign"]));
  const trailing = new Uint8Array(pk.spki.byteLength + 3); trailing.set(new Uint8Array(pk.spki));
  out.trailing = await err(S.importKey("spki", trailing, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["verify"]));
  out.exportErrors = [
    await err(S.exportKey("spki", pk.pair.privateKey)), await err(S.exportKey("pkcs8", pk.pair.publicKey)),
    await err(S.exportKey("raw", pk.pair.publicKey)), await err(S.exportKey("pem", pk.pair.publicKey)),
  ];
  out.jwkHashMismatch = await err(S.importKey("jwk", pk.jwkPub, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-1" }, true, ["verify"]));

  const pss = await rsaRoundTrip("RSA-PSS", ["sign", "verify"]);
  const pssSig = await S.sign({ name: "RSA-PSS", saltLength: 32 }, pss.pair.privateKey, m);
  const pssPriv = await S.importKey("pkcs8", pss.pkcs8, { name: "RSA-PSS", hash: "SHA-256" }, false, ["sign"]);
  out.pssVerify = await S.verify({ name: "RSA-PSS", saltLength: 32 }, pss.pair.publicKey, pssSig, m);
  out.pssReimport = await S.verify({ name: "RSA-PSS", saltLength: 32 }, pss.pair.publicKey, await S.sign({ name: "RSA-PSS", saltLength: 32 }, pssPriv, m), m);
  out.pssWrongSalt = await S.verify({ name: "RSA-PSS", saltLength: 20 }, pss.pair.publicKey, pssSig, m);
  out.pssNoSalt = await err(S.sign("RSA-PSS", pss.pair.privateKey, m));
  out.pssJwkAlg = pss.jwkPub.alg;

  const oaep = await rsaRoundTrip("RSA-OAEP", ["encrypt", "decrypt", "wrapKey", "unwrapKey"]);
  const ct = await S.encrypt({ name: "RSA-OAEP", label: enc.encode("l") }, oaep.pair.publicKey, m);
  out.oaep = new TextDecoder().decode(await S.decrypt({ name: "RSA-OAEP", label: enc.encode("l") }, oaep.pair.privateKey, ct));
  out.oaepWrongLabel = await err(S.decrypt({ name: "RSA-OAEP" }, oaep.pair.privateKey, ct));
  out.oaepUsages = [oaep.pair.publicKey.usages, oaep.pair.privateKey.usages];
  const aes = await S.generateKey({ name: "AES-GCM", length: 128 }, true, ["encrypt", "decrypt"]);
  const wrapped = await S.wrapKey("raw", aes, oaep.pair.publicKey, { name: "RSA-OAEP" });
  const unwrapped = await S.unwrapKey("raw", wrapped, oaep.pair.privateKey, "RSA-OAEP", "AES-GCM", false, ["decrypt"]);
  out.oaepWrap = hex(await S.exportKey("raw", aes)) === hex(await S.exportKey("raw", await S.unwrapKey("raw", wrapped, oaep.pair.privateKey, "RSA-OAEP", "AES-GCM", true, ["decrypt"])));
  out.unwrappedExtractable = unwrapped.extractable;
  out.badExponent = await err(S.generateKey({ name: "RSA-PSS", modulusLength: 1024, publicExponent: new Uint8Array([7]), hash: "SHA-256" }, true, ["sign"]));
  out.badGenUsage = await err(S.generateKey({ name: "RSA-PSS", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, true, ["encrypt"]));
  return out;
});

check("ecdsa ecdh", async () => {
  const m = enc.encode("EC message");
  const out = {};
  for (const curve of ["P-256", "P-384", "P-521"]) {
    const hash = { "P-256": "SHA-256", "P-384": "SHA-384", "P-521": "SHA-512" }[curve];
    const pair = await S.generateKey({ name: "ECDSA", namedCurve: curve }, true, ["sign", "verify"]);
    const sig = await S.sign({ name: "ECDSA", hash }, pair.privateKey, m);
    const raw = await S.exportKey("raw", pair.publicKey);
    const pubRaw = await S.importKey("raw", raw, { name: "ECDSA", namedCurve: curve }, true, ["verify"]);
    const jwk = await S.exportKey("jwk", pair.privateKey);
    const fromJwk = await S.importKey("jwk", jwk, { name: "ECDSA", namedCurve: curve }, true, ["sign"]);
    const pkcs8 = await S.importKey("pkcs8", await S.exportKey("pkcs8", pair.privateKey), { name: "ECDSA", namedCurve: curve }, true, ["sign"]);
    out[curve] = {
      sigLen: sig.byteLength, rawLen: raw.byteLength,
      verify: await S.verify({ name: "ECDSA", hash }, pubRaw, sig, m),
      jwkSign: await S.verify({ name: "ECDSA", hash }, pair.publicKey, await S.sign({ name: "ECDSA", hash }, fromJwk, m), m),
      pkcs8Sign: await S.verify({ name: "ECDSA", hash }, pair.publicKey, await S.sign({ name: "ECDSA", hash }, pkcs8, m), m),
      jwkKeys: Object.keys(jwk).sort(), crv: jwk.crv, alg: pair.publicKey.algorithm,
      spki: hex(await S.exportKey("spki", pair.publicKey)), sig: hex(sig),
    };
    const a = await S.generateKey({ name: "ECDH", namedCurve: curve }, true, ["deriveBits", "deriveKey"]);
    const b = await S.generateKey({ name: "ECDH", namedCurve: curve }, true, ["deriveBits"]);
    const ab = hex(await S.deriveBits({ name: "ECDH", public: b.publicKey }, a.privateKey, null));
    const ba = hex(await S.deriveBits({ name: "ECDH", public: a.publicKey }, b.privateKey, null));
    const dk = await S.deriveKey({ name: "ECDH", public: b.publicKey }, a.privateKey, { name: "AES-GCM", length: 128 }, true, ["encrypt"]);
    out[curve].ecdh = [ab === ba, ab.length / 2, (await S.exportKey("raw", dk)).byteLength, ab.slice(0, 32) === hex(await S.exportKey("raw", dk))];
  }
  const p256 = await S.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]);
  const p384 = await S.generateKey({ name: "ECDH", namedCurve: "P-384" }, true, ["deriveBits"]);
  out.curveMismatch = await err(S.deriveBits({ name: "ECDH", public: p384.publicKey }, p256.privateKey, 128));
  out.badCurve = await err(S.generateKey({ name: "ECDSA", namedCurve: "P-192" }, true, ["sign"]));
  const k = await S.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
  out.importWrongCurve = await err(S.importKey("spki", await S.exportKey("spki", k.publicKey), { name: "ECDSA", namedCurve: "P-384" }, true, ["verify"]));
  out.ecdhPartialBits = (await S.deriveBits({ name: "ECDH", public: p256.publicKey }, p256.privateKey, 12)).byteLength;
  out.ecdhTooLong = await err(S.deriveBits({ name: "ECDH", public: p256.publicKey }, p256.privateKey, 264));
  const p521 = await S.generateKey({ name: "ECDH", namedCurve: "P-521" }, true, ["deriveBits"]);
  out.p521Max = [(await S.deriveBits({ name: "ECDH", public: p521.publicKey }, p521.privateKey, 521)).byteLength,
    await err(S.deriveBits({ name: "ECDH", public: p521.publicKey }, p521.privateKey, 528))];
  out.ecdhPrivate = await err(S.deriveBits({ name: "ECDH", public: p256.privateKey }, p256.privateKey, 128));
  const x = await S.generateKey("X25519", true, ["deriveBits"]);
  out.ecdhWrongAlg = await err(S.deriveBits({ name: "ECDH", public: x.publicKey }, p256.privateKey, 128));
  out.ecdhNoPublic = await err(S.deriveBits({ name: "ECDH" }, p256.privateKey, 128));
  out.noHash = await err(S.sign("ECDSA", k.privateKey, m));
  return out;
});

check("cryptokey", async () => {
  const k = await S.generateKey({ name: "AES-CBC", length: 256 }, false, ["decrypt", "encrypt", "decrypt"]);
  return {
    tag: Object.prototype.toString.call(k), ctor: errSync(() => new CryptoKey()),
    sameAlgorithm: k.algorithm === k.algorithm, sameUsages: k.usages === k.usages,
    usages: k.usages, alg: k.algorithm, instance: k instanceof CryptoKey,
    subtleCtor: errSync(() => new SubtleCrypto()), subtleTag: Object.prototype.toString.call(S),
    cryptoTag: Object.prototype.toString.call(crypto),
    illegal: await err(SubtleCrypto.prototype.digest.call({}, "SHA-1", new Uint8Array(1))),
    args: await err(S.sign("HMAC")),
    badKeyData: await err(S.importKey("raw", "nope", "AES-GCM", true, ["encrypt"])),
    jwkNotObject: await err(S.importKey("jwk", new Uint8Array(1), "AES-GCM", true, ["encrypt"])),
    unknownGen: await err(S.generateKey("FOO", true, ["sign"])),
    genNoUsage: await err(S.generateKey({ name: "AES-GCM", length: 128 }, true, [])),
  };
});

check("digest stream", async () => {
  const ds = new crypto.DigestStream("SHA-256");
  const w = ds.getWriter();
  await w.write(enc.encode("hello "));
  await w.write(new Uint8Array(200000).fill(97));
  await w.write(enc.encode("world").buffer);
  await w.close();
  const d = hex(await ds.digest);
  const md5 = new crypto.DigestStream({ name: "MD5" });
  const w2 = md5.getWriter(); await w2.close();
  const aborted = new crypto.DigestStream("SHA-1");
  const w3 = aborted.getWriter(); await w3.write(new Uint8Array(3)); await w3.abort(new Error("stop"));
  return {
    d, bytes: ds.bytesWritten, empty: hex(await md5.digest), aborted: await err(aborted.digest),
    bad: errSync(() => new crypto.DigestStream("SHA-3")),
    isWritable: ds instanceof WritableStream,
    string: await err((async () => { const s = new crypto.DigestStream("SHA-1"); await s.getWriter().write("text"); })()),
  };
});

check("timingSafeEqual", () => ({
  eq: S.timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]).buffer),
  ne: S.timingSafeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4])),
  len: errSync(() => S.timingSafeEqual(new Uint8Array(1), new Uint8Array(2))),
}));

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/random") {
      return new Response(crypto.getRandomValues(new Uint8Array(65536)));
    }
    const out = {};
    for (const [name, fn] of Object.entries(checks)) {
      try { out[name] = { ok: await fn() }; } catch (e) { out[name] = { error: `${e.name}: ${e.message}\n${e.stack}` }; }
    }
    return Response.json(out);
  },
};
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = write_project(tmp_path_factory.mktemp("crypto"), {"src/index.js": WORKER}, {})
    with running_server(root) as srv:
        yield srv


@pytest.fixture(scope="module")
def results(server: RunningServer) -> dict[str, Any]:
    reply = request(server.url, "/", timeout=60)
    assert reply.status == 200, reply.text
    out: dict[str, Any] = reply.json()
    return out


def ok(results: dict[str, Any], name: str) -> Any:
    entry = results[name]
    assert "ok" in entry, entry.get("error")
    return entry["ok"]


def b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


OUTSIDE = (
    "Error: Some functionality, such as asynchronous I/O, timeouts, and generating random "
    "values, can only be performed while handling a request."
)


def test_random_values_at_global_scope_are_refused(results: dict[str, Any]) -> None:
    assert ok(results, "global scope") == [OUTSIDE, OUTSIDE]


def test_get_random_values(results: dict[str, Any]) -> None:
    r = ok(results, "getRandomValues")
    assert r["differ"] and r["same"] and r["u32"] == 4 and r["big"] == "bigint"
    mismatch = (
        "TypeMismatchError: ArrayBufferView argument to getRandomValues() must be an "
        "integer-typed view."
    )
    assert r["float"] == mismatch and r["dv"] == mismatch
    assert r["quota"] == (
        "QuotaExceededError: getRandomValues() only accepts buffers of size <= 64K but "
        "provided 65537 bytes."
    )
    assert r["max"] == 65536
    assert r["detached"] == "TypeError: Illegal invocation"


def test_random_uuid(results: dict[str, Any]) -> None:
    assert ok(results, "randomUUID") == {"unique": 100, "shape": True}


def test_random_bytes_look_uniform_and_differ_between_requests(server: RunningServer) -> None:
    a = request(server.url, "/random").body
    b = request(server.url, "/random").body
    assert len(a) == len(b) == 65536 and a != b
    counts = collections.Counter(a + b)
    expected = len(a + b) / 256
    chi2 = sum((counts.get(i, 0) - expected) ** 2 / expected for i in range(256))
    assert chi2 < 400  # 255 degrees of freedom: p < 1e-6 beyond ~390
    # no repeated 16-byte blocks (a broken stream cipher repeats)
    blocks = {a[i : i + 16] for i in range(0, len(a), 16)} | {
        b[i : i + 16] for i in range(0, len(b), 16)
    }
    assert len(blocks) == 2 * 65536 // 16


def test_digest(results: dict[str, Any]) -> None:
    import hashlib

    r = ok(results, "digest")
    assert r["SHA-1"] == "a9993e364706816aba3e25717850c26c9cd0d89d"
    assert r["sha-256"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert r["SHA-384"] == hashlib.sha384(b"abc").hexdigest()
    assert r["SHA-512"] == hashlib.sha512(b"abc").hexdigest()
    assert r["MD5"] == "900150983cd24fb0d6963f7d28e17f72"
    assert r["obj"] == r["sha-256"]
    assert (
        r["bad"] == "NotSupportedError: Unrecognized or unimplemented digest algorithm requested."
    )
    assert r["badData"].startswith("TypeError: Failed to execute 'digest' on 'SubtleCrypto'")
    assert r["big"] == hashlib.sha256(bytes(1 << 20)).hexdigest()


def test_hmac(results: dict[str, Any]) -> None:
    r = ok(results, "hmac rfc4231")
    assert r["tc1_256"] == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    assert r["tc1_512"] == (
        "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
        "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"
    )
    assert r["tc2_verify"] is True and r["tc2_wrong"] is False
    assert r["algorithm"] == {"name": "HMAC", "hash": {"name": "SHA-256"}, "length": 160}
    assert r["usages"] == ["sign", "verify"] and r["type"] == "secret"
    assert r["jwk"] == {
        "kty": "oct",
        "k": base64.urlsafe_b64encode(b"\x0b" * 20).rstrip(b"=").decode(),
        "alg": "HS256",
        "key_ops": ["sign", "verify"],
        "ext": True,
    }
    assert r["nonExtractable"] == "InvalidAccessError: Attempt to export non-extractable HMAC key."
    assert r["wrongUsage"] == (
        'InvalidAccessError: Requested key usage "sign" does not match any usage listed in this CryptoKey.'
    )
    assert r["wrongAlg"] == (
        'InvalidAccessError: Requested algorithm "RSA-PSS" does not match this CryptoKey\'s algorithm "HMAC".'
    )
    assert (
        r["badUsage"]
        == 'SyntaxError: Attempt to import secret HMAC key with invalid usage "encrypt".'
    )
    assert r["noUsage"] == "SyntaxError: Secret/private CryptoKeys must have at least one usage."
    assert r["emptyKey"] == (
        "DataError: Imported HMAC key length (0) must be a non-zero value up to 7 bits less "
        "than, and no greater than, the bit length of the raw key data (0)."
    )
    assert r["shortLength"] == (
        "DataError: Imported HMAC key length (16) must be a non-zero value up to 7 bits less "
        "than, and no greater than, the bit length of the raw key data (32)."
    )
    assert r["trimmed"] == 25
    assert r["noHash"] == 'TypeError: Missing field "hash" in "algorithm".'
    assert (
        r["badHash"]
        == "NotSupportedError: Unrecognized or unimplemented digest algorithm requested."
    )
    assert r["badAlg"] == 'NotSupportedError: Unrecognized key import algorithm "FOO" requested.'
    assert r["badFormat"] == 'NotSupportedError: Unrecognized key import format "pem".'
    assert r["notKey"] == (
        "TypeError: Failed to execute 'sign' on 'SubtleCrypto': parameter 2 is not of type 'CryptoKey'."
    )
    assert r["generated"] == {
        "alg": {"name": "HMAC", "hash": {"name": "SHA-384"}, "length": 1024},
        "usages": ["sign", "verify"],
        "raw": 128,
    }
    assert r["jwkRoundTrip"] == r["tc1_256"]
    assert r["jwkAlgMismatch"].startswith("DataError: ")
    assert r["jwkExtFalse"] == (
        'DataError: JWK ext field for "HMAC" is set to false but extractable is true'
    )
    assert r["jwkKeyOps"].startswith("DataError: ")


def test_hkdf(results: dict[str, Any]) -> None:
    r = ok(results, "hkdf rfc5869")
    okm = "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    assert r["bits"] == okm
    assert r["derived"] == okm[:64] and r["alg"] == {"name": "AES-GCM", "length": 256}
    assert r["extractable"].startswith("SyntaxError: ")
    assert r["noLength"] == "OperationError: HKDF cannot derive a key with null length."
    assert r["empty"] == 0 and r["tooLong"].startswith("OperationError: ")
    assert r["hmacDerived"] == {"name": "HMAC", "hash": {"name": "SHA-256"}, "length": 512}
    assert r["badDerived"] == 'NotSupportedError: Unrecognized derived key type "ECDSA" requested.'
    assert r["badAesLen"] == (
        "OperationError: Derived AES key must be 128, 192, or 256 bits in length but provided 100."
    )


def test_pbkdf2(results: dict[str, Any]) -> None:
    r = ok(results, "pbkdf2 rfc6070")
    assert r["c1"] == "0c60c80f961f0e71f3a9b524af6012062fe037a6"
    assert r["c2"] == "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"
    assert r["c4096"] == "4b007901b765489abead49d926f721d065a429c1"
    assert r["zero"] == "OperationError: PBKDF2 requires a positive iteration count (requested 0)."
    assert r["algorithm"] == {"name": "PBKDF2"} and r["extractable"] is False
    assert r["cap"] == (
        "NotSupportedError: Pbkdf2 failed: iteration counts above 100000 are not supported "
        "(requested 100001)."
    )
    assert r["atCap"] == 20
    assert r["nullLength"] == "OperationError: PBKDF2 cannot derive a key with null length."
    assert r["oddLength"] == (
        "OperationError: PBKDF2 requires a derived key length that is a multiple of eight."
    )


def test_aes(results: dict[str, Any]) -> None:
    r = ok(results, "aes vectors")
    # SP 800-38A F.2.1 (two blocks) + the PKCS#7 padding block WebCrypto adds
    assert r["cbc"].startswith("7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2")
    assert len(r["cbc"]) == 96
    assert r["cbcBack"] == "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
    assert r["ctr"] == "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
    assert r["gcm"] == (
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
        "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985"
        "4d5c2af327cd64a62cf35abd2ba6fab4"
    )
    assert r["gcmBack"] == (
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
    )
    assert r["gcmTampered"].startswith("OperationError: Decryption failed. This could be due to")
    assert r["gcmTampered"].endswith(
        "Input length was 64, output length expected to be 64 for AES-GCM"
    )
    assert r["gcmShort"] == 12 and r["gcmShortBack"] is True
    assert r["gcmNoIv"].startswith("TypeError: ")
    assert r["cbcBadPad"] == (
        "OperationError: Decryption failed. This could be due to a ciphertext authentication "
        "failure, bad padding, incorrect CryptoKey, or another algorithm-specific reason. Input "
        "length was 16, output length expected to be 0 for AES-CBC"
    )
    # CTR with an 8-bit counter: blocks ...fe, ...ff, then ...00, ...01 (the counter wraps)
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
    ecb = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    blocks = b"".join(bytes(15) + bytes([c]) for c in (0xFE, 0xFF, 0x00, 0x01))
    assert r["ctrWrap"] == ecb.update(blocks).hex()
    assert r["badLength"] == (
        "DataError: Imported AES key length must be 128, 192, or 256 bits but provided 80."
    )
    assert r["jwk"] == {
        "kty": "oct",
        "k": base64.urlsafe_b64encode(key).rstrip(b"=").decode(),
        "alg": "A128CBC",
        "key_ops": ["encrypt", "decrypt"],
        "ext": True,
    }
    assert r["alg"] == {"name": "AES-CBC", "length": 128}
    assert r["jwkErrors"] == [
        'DataError: Symmetric "jwk" key import requires a JSON Web Key with Key Type parameter '
        '"kty" equal to "oct" (encountered "RSA").',
        'DataError: Symmetric "jwk" key contains invalid "alg" value "A256CBC", expected "A128CBC".',
        'DataError: Symmetric "jwk" key must have a "use" of "enc", not "sig".',
        'DataError: "jwk" key missing usage "encrypt", in "key_ops".',
        'DataError: Symmetric "jwk" key contains duplicate value "encrypt", in "key_op".',
        "DataError: Imported AES key length must be 128, 192, or 256 bits but provided 24.",
        "no error",
    ]
    assert r["exportSpki"] == (
        'NotSupportedError: AES-CBC key only supports exporting "raw" & "jwk", not "spki".'
    )
    assert r["ctrNoCounter"] == 'TypeError: Missing "counter" member in "algorithm".'
    assert (
        r["ctrBadCounter"] == "OperationError: Counter must have length of 16 bytes (provided 8)."
    )
    assert r["ctrZero"] == "OperationError: Invalid counter of 0 bits length provided."
    assert r["ctrRepeat"] == "OperationError: Counter block values will repeat."
    assert r["cbcBadIv"] == "OperationError: AES-CBC IV must be 16 bytes long (provided 8 bytes)."
    assert r["gcmBadTag"] == "OperationError: Invalid AES-GCM tag length 100."
    assert r["gcmEmptyIv"] == "OperationError: AES-GCM IV must not be empty."
    assert r["gcmShortCt"] == (
        "OperationError: Ciphertext length of 32 bits must be greater than or equal to the size "
        "of the AES-GCM tag length of 128 bits."
    )
    assert r["genBad"] == (
        "OperationError: Generated AES key length must be 128, 192, or 256 bits but requested 100."
    )
    assert (
        r["wrongUsage"]
        == 'SyntaxError: Attempt to import secret AES-GCM key with invalid usage "sign".'
    )
    assert r["bigRoundTrip"] == [600016, True]


def test_aes_kw(results: dict[str, Any]) -> None:
    r = ok(results, "aes-kw rfc3394")
    assert r["wrapped"] == "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5"
    assert r["back"] == "00112233445566778899aabbccddeeff" and r["usages"] == ["decrypt"]
    assert r["corrupt"] == "OperationError: AES-KW key unwrapping failed."
    assert r["kwEncrypt"].startswith("InvalidAccessError: ")
    assert r["jwkViaGcm"] == [
        True,
        "private",
        False,
        ["sign"],
        "OperationError: Decryption failed. This could be due to a ciphertext authentication "
        "failure, bad padding, incorrect CryptoKey, or another algorithm-specific reason. Input "
        "length was 205, output length expected to be 205 for AES-GCM",
        "InvalidAccessError: Attempt to export non-extractable ECDSA key.",
    ]


def test_ed25519(results: dict[str, Any]) -> None:
    r = ok(results, "ed25519 rfc8032")
    assert r["sig"] == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    )
    assert r["verify"] is True and r["nodeVerify"] is True
    assert r["nodeAlg"] == {"name": "NODE-ED25519", "namedCurve": "NODE-ED25519"}
    assert r["nodeBadCurve"].startswith("NotSupportedError: ")
    assert r["pairVerify"] is True and r["reSign"] is True and r["tampered"] is False
    assert r["jwkPriv"] == ["alg", "crv", "d", "ext", "key_ops", "kty", "x"]
    assert r["jwkPub"] == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
        "alg": "EdDSA",
        "key_ops": ["verify"],
        "ext": True,
    }
    assert r["pubRaw"] == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    assert r["privRaw"].startswith("InvalidAccessError: ")
    assert r["types"] == ["public", "private", True, ["verify"], ["sign"]]
    assert r["noPrivUsage"] == (
        "SyntaxError: Attempt to generate asymmetric keys with no valid private key usages."
    )
    assert r["signWithPublic"].startswith("InvalidAccessError: ")
    assert r["spkiLen"] == 44 and r["pkcs8Len"] == 48


def test_x25519(results: dict[str, Any]) -> None:
    r = ok(results, "x25519 rfc7748")
    assert r["shared"] == "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
    assert r["agree"] is True and r["pubUsages"] == []
    assert r["privAsPublic"].startswith("InvalidAccessError: ")
    assert (
        r["badUsage"]
        == 'SyntaxError: Attempt to import public X25519 key with invalid usage "deriveBits".'
    )


def test_rsa(results: dict[str, Any]) -> None:
    r = ok(results, "rsa")
    assert r["pkAlg"] == {
        "name": "RSASSA-PKCS1-v1_5",
        "modulusLength": 1024,
        "publicExponent": [1, 0, 1],
        "hash": {"name": "SHA-256"},
    }
    assert r["pkVerify"] is True and r["pkJwkSign"] is True
    # cross-check with an independent verifier
    pub = serialization.load_der_public_key(bytes.fromhex(r["pkSpki"]))
    assert isinstance(pub, rsa.RSAPublicKey)
    pub.verify(bytes.fromhex(r["pkSig"]), b"RSA message", padding.PKCS1v15(), hashes.SHA256())
    assert r["jwkPrivKeys"] == [
        "alg",
        "d",
        "dp",
        "dq",
        "e",
        "ext",
        "key_ops",
        "kty",
        "n",
        "p",
        "q",
        "qi",
    ]
    assert r["jwkPub"] == {
        "kty": "RSA",
        "n": 171,
        "e": "AQAB",
        "alg": "RS256",
        "key_ops": ["verify"],
        "ext": True,
    }
    assert r["rsaRaw"].startswith("NotSupportedError: ")
    assert r["spkiAsPkcs8"] == "DataError: Invalid PKCS8 input."
    assert r["badPkcs8"] == "DataError: Invalid PKCS8 input."
    assert r["trailing"] == "DataError: Invalid 3 trailing bytes after SPKI input."
    assert r["exportErrors"] == [
        'InvalidAccessError: Asymmetric spki export requires public key (not "private").',
        'InvalidAccessError: Asymmetric pkcs8 export requires private key (not "public").',
        'InvalidAccessError: Cannot export "RSASSA-PKCS1-v1_5" in "raw" format.',
        'InvalidAccessError: Cannot export "RSASSA-PKCS1-v1_5" in "pem" format.',
    ]
    assert r["jwkHashMismatch"].startswith("DataError: ")
    assert r["pssVerify"] is True and r["pssReimport"] is True and r["pssWrongSalt"] is False
    assert r["pssNoSalt"] == (
        "TypeError: Failed to provide salt for RSA-PSS key operation which requires a salt"
    )
    assert r["pssJwkAlg"] == "PS256"
    assert r["oaep"] == "RSA message"
    assert r["oaepWrongLabel"] == "OperationError: RSA-OAEP failed encrypt/decrypt."
    assert r["oaepUsages"] == [["encrypt", "wrapKey"], ["decrypt", "unwrapKey"]]
    assert r["oaepWrap"] is True and r["unwrappedExtractable"] is False
    assert r["badExponent"].startswith("OperationError: ")
    assert (
        r["badGenUsage"]
        == 'SyntaxError: Attempt to generate RSA-PSS key with invalid usage "encrypt".'
    )


def test_ecdsa_and_ecdh(results: dict[str, Any]) -> None:
    r = ok(results, "ecdsa ecdh")
    sizes = {"P-256": 32, "P-384": 48, "P-521": 66}
    hash_for: dict[str, hashes.HashAlgorithm] = {
        "P-256": hashes.SHA256(),
        "P-384": hashes.SHA384(),
        "P-521": hashes.SHA512(),
    }
    for curve, size in sizes.items():
        c = r[curve]
        assert c["sigLen"] == 2 * size and c["rawLen"] == 1 + 2 * size
        assert c["verify"] and c["jwkSign"] and c["pkcs8Sign"]
        assert c["jwkKeys"] == ["crv", "d", "ext", "key_ops", "kty", "x", "y"]
        assert c["crv"] == curve and c["alg"] == {"name": "ECDSA", "namedCurve": curve}
        # independent verification of the raw (r || s) signature
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        sig = bytes.fromhex(c["sig"])
        der = encode_dss_signature(
            int.from_bytes(sig[:size], "big"), int.from_bytes(sig[size:], "big")
        )
        pub = serialization.load_der_public_key(bytes.fromhex(c["spki"]))
        assert isinstance(pub, ec.EllipticCurvePublicKey)
        pub.verify(der, b"EC message", ec.ECDSA(hash_for[curve]))
        assert c["ecdh"] == [True, size, 16, True]
    assert r["curveMismatch"].startswith("InvalidAccessError: ")
    assert (
        r["badCurve"]
        == 'NotSupportedError: Unrecognized or unimplemented EC curve "P-192" requested.'
    )
    assert r["importWrongCurve"].startswith("DataError: ")
    assert r["ecdhPartialBits"] == 2
    assert r["ecdhTooLong"] == (
        "OperationError: Derived key length (264 bits) is too long (should be at most 256 bits)."
    )
    assert r["p521Max"] == [
        66,
        "OperationError: Derived key length (528 bits) is too long (should be at most 521 bits).",
    ]
    assert (
        r["ecdhPrivate"] == 'InvalidAccessError: The provided key has type "private", not "public"'
    )
    assert r["ecdhWrongAlg"] == (
        "InvalidAccessError: Public key algorithm does not match the requested algorithm."
    )
    assert r["ecdhNoPublic"] == 'TypeError: Missing field "public" in "derivedKeyParams".'
    assert r["noHash"] == 'TypeError: Missing field "hash" in "AlgorithmIdentifier".'


def test_crypto_key_and_interfaces(results: dict[str, Any]) -> None:
    r = ok(results, "cryptokey")
    assert r["tag"] == "[object CryptoKey]" and r["ctor"] == "TypeError: Illegal constructor"
    assert r["sameAlgorithm"] and r["sameUsages"] and r["instance"]
    assert r["usages"] == ["encrypt", "decrypt"] and r["alg"] == {"name": "AES-CBC", "length": 256}
    assert r["subtleCtor"] == "TypeError: Illegal constructor"
    assert r["subtleTag"] == "[object SubtleCrypto]" and r["cryptoTag"] == "[object Crypto]"
    assert r["illegal"] == "TypeError: Illegal invocation"
    assert r["args"] == (
        "TypeError: Failed to execute 'sign' on 'SubtleCrypto': 3 arguments required, but only 1 present."
    )
    assert r["badKeyData"] == (
        'TypeError: Import data provided for "raw", "pkcs8", or "spki" import formats must be a buffer source.'
    )
    assert r["jwkNotObject"] == (
        'TypeError: Import data provided for "jwk" import format must be a JsonWebKey.'
    )
    assert (
        r["unknownGen"]
        == 'NotSupportedError: Unrecognized key generation algorithm "FOO" requested.'
    )
    assert r["genNoUsage"] == "SyntaxError: Secret/private CryptoKeys must have at least one usage."


def test_digest_stream(results: dict[str, Any]) -> None:
    import hashlib

    r = ok(results, "digest stream")
    assert r["d"] == hashlib.sha256(b"hello " + b"a" * 200000 + b"world").hexdigest()
    assert r["bytes"] == 6 + 200000 + 5
    assert r["empty"] == hashlib.md5(b"").hexdigest()
    assert r["aborted"] == "Error: stop"
    assert (
        r["bad"] == "NotSupportedError: Unrecognized or unimplemented digest algorithm requested."
    )
    assert r["isWritable"] is True
    assert r["string"].startswith("TypeError: ")


def test_timing_safe_equal(results: dict[str, Any]) -> None:
    assert ok(results, "timingSafeEqual") == {
        "eq": True,
        "ne": False,
        "len": "TypeError: Input buffers must have the same byte length.",
    }


def test_every_check_ran(results: dict[str, Any]) -> None:
    failed = {k: v["error"] for k, v in results.items() if "error" in v}
    assert not failed
