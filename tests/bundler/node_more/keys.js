// node:crypto keys under nodejs_compat: generation, PEM/DER/JWK, KeyObject, one-shot
// sign/verify and diffieHellman. The same file ran on workerd 1.20261117 (nodejs_compat,
// 2025-09-01); tests/bundler/test_node_more.py expects what it answered. Generated keys are
// random, so their shapes and round trips are compared; keys from a fixed seed give values.
import crypto from "node:crypto";
import { Buffer } from "node:buffer";

const SEED = Buffer.alloc(32, 7);
const pkcs8 = (prefix) => "-----BEGIN PRIVATE KEY-----\n" + Buffer.concat([Buffer.from(prefix, "hex"), SEED]).toString("base64") + "\n-----END PRIVATE KEY-----\n";
const ED_PEM = pkcs8("302e020100300506032b657004220420");
const X_PEM = pkcs8("302e020100300506032b656e04220420");
const first = (pem) => pem.split("\n")[0];
const sha = (data) => crypto.createHash("sha256").update(data).digest("hex").slice(0, 16);

export default {
  async fetch() {
    const out = {};
    const t = async (k, f) => { try { out[k] = await f(); } catch (e) { out[k] = `THROW ${e.name}: ${e.message}${e.code ? ` [${e.code}]` : ""}`; } };
    const data = Buffer.from("data");
    await t("rsa", () => {
      const { publicKey, privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 1024 });
      const d = privateKey.asymmetricKeyDetails;
      const signature = crypto.sign("sha256", data, privateKey);
      return [publicKey.type, publicKey.asymmetricKeyType, `${d.modulusLength}:${d.publicExponent}`,
        first(publicKey.export({ type: "spki", format: "pem" })), first(privateKey.export({ type: "pkcs1", format: "pem" })),
        first(publicKey.export({ type: "pkcs1", format: "pem" })), Object.keys(privateKey.export({ format: "jwk" })).join(","),
        signature.length, crypto.verify("sha256", data, publicKey, signature), crypto.verify("sha256", Buffer.from("datb"), publicKey, signature),
        crypto.createVerify("SHA256").update("data").verify(publicKey, signature),
        crypto.createPrivateKey({ key: privateKey.export({ type: "pkcs1", format: "der" }), format: "der", type: "pkcs1" }).equals(privateKey),
        crypto.createPublicKey({ key: publicKey.export({ type: "spki", format: "der" }), format: "der", type: "spki" }).equals(publicKey),
        crypto.createPublicKey(privateKey).equals(publicKey)];
    });
    await t("rsaEncoded", () => {
      const { publicKey, privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 1024, publicExponent: 3,
        publicKeyEncoding: { type: "pkcs1", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
      return [typeof publicKey, first(publicKey), first(privateKey), crypto.createPublicKey(privateKey).export({ format: "jwk" }).e,
        crypto.verify("sha256", data, publicKey, crypto.sign("sha256", data, privateKey))];
    });
    const ec = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
    await t("ec", () => [ec.publicKey.asymmetricKeyType, JSON.stringify(ec.publicKey.asymmetricKeyDetails),
      Object.keys(ec.privateKey.export({ format: "jwk" })).join(","), Object.keys(ec.publicKey.export({ format: "jwk" })).join(","),
      first(ec.privateKey.export({ type: "sec1", format: "pem" })), first(ec.privateKey.export({ type: "pkcs8", format: "pem" })),
      ec.publicKey.export({ type: "spki", format: "der" }).length, crypto.createPublicKey(ec.privateKey).equals(ec.publicKey)]);
    await t("ecImport", () => crypto.createPublicKey(ec.privateKey.export({ type: "pkcs8", format: "pem" })).equals(ec.publicKey));
    // workerd fails here ("Failed to parse private key"); Node and pyworkerd read SEC1
    await t("ecSec1", () => crypto.createPrivateKey(ec.privateKey.export({ type: "sec1", format: "pem" })).equals(ec.privateKey));
    await t("ecdsa", () => {
      const derSig = crypto.sign("sha256", data, ec.privateKey);
      return [derSig[0], crypto.verify("sha256", data, ec.publicKey, derSig)];
    });
    await t("ecdsaP1363", () => {
      const pair = crypto.generateKeyPairSync("ec", { namedCurve: "P-256", privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
      const signature = crypto.sign("sha256", data, { key: pair.privateKey, dsaEncoding: "ieee-p1363" });
      return [signature.length, crypto.verify("sha256", data, { key: pair.publicKey, dsaEncoding: "ieee-p1363" }, signature)];
    });
    await t("curves", () => ["prime256v1", "secp384r1", "P-384", "P-521"].map((namedCurve) => crypto.generateKeyPairSync("ec", { namedCurve }).publicKey.asymmetricKeyDetails.namedCurve));
    await t("ed25519", () => {
      const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
      const signature = crypto.sign(null, data, privateKey);
      const jwk = privateKey.export({ format: "jwk" });
      return [publicKey.asymmetricKeyType, JSON.stringify(publicKey.asymmetricKeyDetails), signature.length,
        crypto.verify(null, data, publicKey, signature), crypto.verify(undefined, Buffer.from("datb"), publicKey, signature),
        publicKey.export({ type: "spki", format: "der" }).length, privateKey.export({ type: "pkcs8", format: "der" }).length,
        Object.keys(jwk).join(","), jwk.alg, crypto.createPrivateKey({ key: jwk, format: "jwk" }).equals(privateKey),
        crypto.createPublicKey({ key: publicKey.export({ format: "jwk" }), format: "jwk" }).equals(publicKey)];
    });
    await t("edSeed", () => {
      const key = crypto.createPrivateKey(ED_PEM);
      return [crypto.createPublicKey(key).export({ format: "jwk" }).x, crypto.sign(null, Buffer.from("abc"), key).toString("base64"),
        key.export({ type: "pkcs8", format: "pem" }) === ED_PEM, sha(crypto.createPublicKey(key).export({ type: "spki", format: "der" }))];
    });
    await t("x25519", () => {
      const a = crypto.generateKeyPairSync("x25519");
      const b = crypto.generateKeyPairSync("x25519");
      const ab = crypto.diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey });
      return [a.publicKey.asymmetricKeyType, ab.length, ab.equals(crypto.diffieHellman({ privateKey: b.privateKey, publicKey: a.publicKey })),
        first(a.privateKey.export({ type: "pkcs8", format: "pem" })), Object.keys(a.privateKey.export({ format: "jwk" })).join(",")];
    });
    await t("xSeed", () => crypto.createPublicKey(crypto.createPrivateKey(X_PEM)).export({ format: "jwk" }).x);
    await t("ecdh", () => {
      const a = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
      const b = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
      const ab = crypto.diffieHellman({ privateKey: a.privateKey, publicKey: b.publicKey });
      return [ab.length, ab.equals(crypto.diffieHellman({ privateKey: b.privateKey, publicKey: a.publicKey }))];
    });
    await t("async", () => new Promise((resolve, reject) => crypto.generateKeyPair("ec", { namedCurve: "P-256", publicKeyEncoding: { format: "jwk" } },
      (e, pub, priv) => (e ? reject(e) : resolve([typeof pub, pub.kty, pub.crv, priv.type])))));
    await t("signCallback", () => new Promise((resolve) => {
      const { privateKey } = crypto.generateKeyPairSync("ed25519", { privateKeyEncoding: { type: "pkcs8", format: "pem" } });
      crypto.sign(null, data, privateKey, (e, s) => resolve([e, s.length]));
    }));
    await t("secret", () => {
      const hmac = crypto.generateKeySync("hmac", { length: 256 });
      const aes = crypto.generateKeySync("aes", { length: 128 });
      return [hmac.type, hmac.symmetricKeySize, aes.symmetricKeySize, hmac.export().length,
        JSON.stringify(crypto.createSecretKey(Buffer.from("abc")).export({ format: "jwk" }))];
    });
    await t("secretCallback", () => new Promise((resolve, reject) => crypto.generateKey("hmac", { length: 64 }, (e, k) => (e ? reject(e) : resolve(k.symmetricKeySize)))));
    await t("misc", () => {
      const { privateKey } = crypto.generateKeyPairSync("ed25519");
      return [privateKey.symmetricKeySize === undefined, privateKey instanceof crypto.KeyObject, String(privateKey)];
    });
    await t("badAes", () => crypto.generateKeySync("aes", { length: 100 }));
    await t("badHmac", () => crypto.generateKeySync("hmac", { length: 4 }));
    await t("badSecretType", () => crypto.generateKeySync("foo", { length: 128 }));
    await t("badType", () => crypto.generateKeyPairSync("dsa", { modulusLength: 1024 }));
    await t("noModulus", () => crypto.generateKeyPairSync("rsa", {}));
    await t("noCurve", () => crypto.generateKeyPairSync("ec", {}));
    await t("noExportType", () => crypto.generateKeyPairSync("ed25519").privateKey.export({ format: "pem" }));
    await t("pkcs1ForEc", () => crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "pem", type: "pkcs1" }));
    await t("edWithDigest", () => crypto.sign("sha256", data, crypto.createPrivateKey(ED_PEM)));
    return Response.json(out);
  },
};
