// node:zlib brotli under nodejs_compat. The same file ran on workerd 1.20261117
// (nodejs_compat, 2025-09-01); tests/bundler/test_node_more.py expects what it answered.
import zlib from "node:zlib";
import { Buffer } from "node:buffer";
import { promisify } from "node:util";

const TEXT = "hello brotli hello brotli";
const c = zlib.constants;

export default {
  async fetch() {
    const out = {};
    const t = async (k, f) => { try { out[k] = await f(); } catch (e) { out[k] = `THROW ${e.name}: ${e.message}`; } };
    await t("sync", () => zlib.brotliCompressSync(TEXT).toString("base64"));
    await t("quality4", () => zlib.brotliCompressSync(TEXT, { params: { [c.BROTLI_PARAM_QUALITY]: 4 } }).toString("base64"));
    await t("fromWorkerd", () => zlib.brotliDecompressSync(Buffer.from("GxgA+B2pU5+7cC1WhiYnQdjoki3tLYKKBpYZvwA=", "base64")).toString());
    await t("bad", () => zlib.brotliDecompressSync(Buffer.from("not brotli")).toString());
    await t("constants", () => Object.keys(c).filter((k) => k.startsWith("BROTLI")).length);
    await t("someConstants", () => [c.BROTLI_PARAM_QUALITY, c.BROTLI_MODE_TEXT, c.BROTLI_OPERATION_FINISH, c.BROTLI_MAX_QUALITY, c.BROTLI_PARAM_SIZE_HINT, c.BROTLI_DECODER_ERROR_FORMAT_PADDING_1]);
    await t("callback", () => new Promise((resolve, reject) => zlib.brotliCompress("cb data", (e, b) => (e ? reject(e) : zlib.brotliDecompress(b, (e2, d) => (e2 ? reject(e2) : resolve(d.toString())))))));
    await t("promisified", async () => (await promisify(zlib.brotliDecompress)(await promisify(zlib.brotliCompress)("prom"))).toString());
    await t("stream", () => new Promise((resolve, reject) => {
      const comp = zlib.createBrotliCompress();
      const dec = zlib.createBrotliDecompress();
      const chunks = [];
      comp.pipe(dec);
      dec.on("data", (x) => chunks.push(x)).on("end", () => resolve(Buffer.concat(chunks).toString())).on("error", reject);
      comp.write("stream ");
      comp.write("data");
      comp.end();
    }));
    await t("streamBad", () => new Promise((resolve) => {
      const dec = zlib.createBrotliDecompress();
      dec.on("error", (e) => resolve(`${e.name}: ${e.message}`)).on("end", () => resolve("ended")).resume();
      dec.end(Buffer.from("not brotli"));
    }));
    await t("big", () => {
      const big = Buffer.alloc(300000, "abcdefghij");
      const packed = zlib.brotliCompressSync(big);
      return [packed.length < 1000, zlib.brotliDecompressSync(packed).equals(big)];
    });
    await t("classes", () => [typeof zlib.BrotliCompress, zlib.createBrotliCompress() instanceof zlib.BrotliCompress, zlib.createBrotliDecompress() instanceof zlib.BrotliDecompress]);
    return Response.json(out);
  },
};
