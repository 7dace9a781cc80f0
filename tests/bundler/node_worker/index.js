// Node modules under nodejs_compat, one sample call each. The same file (without node:os
// and punycode, which workerd alone does not have) ran on workerd 1.20261117 with
// nodejs_compat; tests/bundler/test_node_modules.py expects what workerd answered.
import { Buffer as B2 } from "node:buffer";
import { createHash, createHmac, randomBytes, pbkdf2Sync, timingSafeEqual, scryptSync, hkdfSync, createCipheriv, createDecipheriv } from "node:crypto";
import { EventEmitter, once } from "events";
import util from "node:util";
import path from "path";
import { StringDecoder } from "string_decoder";
import { fileURLToPath, format } from "url";
import qs from "querystring";
import punycode from "punycode";
import { Readable, Transform, pipeline } from "node:stream";
import { pipeline as pp } from "node:stream/promises";
import zlib from "node:zlib";
import { setTimeout as sleep } from "node:timers/promises";
import os from "node:os";
import assert from "node:assert";
import dc from "node:diagnostics_channel";
import { AsyncLocalStorage } from "node:async_hooks";
const als = new AsyncLocalStorage();
export default {
  async fetch(req) {
    const out = {};
    const t = async (k, f) => { try { out[k] = await f(); } catch (e) { out[k] = "THROW " + e.name + ": " + e.message; } };
    await t("same", () => B2 === Buffer);
    await t("hex", () => Buffer.from("héllo").toString("hex"));
    await t("sha256", () => createHash("sha256").update("abc").digest("hex"));
    await t("hmac", () => createHmac("sha256", "k").update("abc").digest("base64"));
    await t("pbkdf2", () => pbkdf2Sync("pw", "salt", 1000, 16, "sha256").toString("hex"));
    await t("scrypt", () => scryptSync("pw", "salt", 16, { N: 1024 }).toString("hex"));
    await t("hkdf", () => Buffer.from(hkdfSync("sha256", "key", "salt", "info", 16)).toString("hex"));
    await t("aes", () => { const k = Buffer.alloc(32, 1), iv = Buffer.alloc(16, 2); const c = createCipheriv("aes-256-cbc", k, iv); const e = Buffer.concat([c.update("secret"), c.final()]); const d = createDecipheriv("aes-256-cbc", k, iv); return e.toString("hex") + ":" + Buffer.concat([d.update(e), d.final()]).toString(); });
    await t("rand", () => randomBytes(8).length);
    await t("tse", () => timingSafeEqual(Buffer.from("a"), Buffer.from("a")));
    await t("ee", async () => { const e = new EventEmitter(); setTimeout(() => e.emit("x", 42), 1); return (await once(e, "x"))[0]; });
    await t("inspect", () => util.inspect({ a: [1, { b: 2 }], s: "x" }));
    await t("format", () => util.format("%s=%d", "a", 5));
    await t("promisify", async () => await util.promisify((x, cb) => cb(null, x * 2))(21));
    await t("path", () => path.join("/a/b", "../c", "d.txt"));
    await t("sd", () => new StringDecoder("utf8").write(Buffer.from([0xe2, 0x82, 0xac])));
    await t("url", () => fileURLToPath("file:///tmp/a%20b"));
    await t("qs", () => qs.stringify({ a: 1, b: ["x", "y"] }));
    await t("puny", () => punycode.toASCII("mañana.com"));
    await t("stream", async () => { const chunks = []; await pp(Readable.from(["a", "b", "c"]), new Transform({ transform(c, e, cb) { cb(null, String(c).toUpperCase()); } }), async function* (src) { for await (const c of src) chunks.push(String(c)); }); return chunks.join(""); });
    await t("gzip", () => zlib.gunzipSync(zlib.gzipSync("hello zlib")).toString());
    await t("sleep", async () => { await sleep(5); return "slept"; });
    await t("osEOL", () => os.EOL);
    await t("assert", () => { try { assert.strictEqual(1, 2); } catch (e) { return e.code; } });
    await t("dc", () => { const ch = dc.channel("c"); let got; ch.subscribe((m) => { got = m; }); ch.publish(7); return got; });
    await t("env", () => JSON.stringify(process.env));
    await t("nextTick", () => new Promise((r) => process.nextTick(r, "ticked")));
    await t("stub", () => { try { os.cpus(); } catch (e) { return e.message; } });
    await t("als", () => als.run({ id: 1 }, async () => { await sleep(2); await null; return als.getStore().id; }));
    return new Response(JSON.stringify(out, null, 1));
  }
};
