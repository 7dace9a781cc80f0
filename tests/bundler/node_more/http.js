// node:http and node:https clients (on fetch) under nodejs_compat. The worker asks itself
// (/echo). The same file ran on workerd 1.20261117 (nodejs_compat, 2025-09-01);
// tests/bundler/test_node_more.py expects what it answered.
import http from "node:http";
import https from "node:https";
import { Buffer } from "node:buffer";

const collect = (res) => new Promise((resolve, reject) => {
  const chunks = [];
  res.on("data", (c) => chunks.push(Buffer.from(c))).on("end", () => resolve(Buffer.concat(chunks).toString())).on("error", reject);
});

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === "/echo") {
      return new Response(`echo:${request.method}:${url.search}:${await request.text()}:${request.headers.get("x-a")}:${request.headers.get("authorization")}`,
        { status: 201, headers: { "x-b": "1", "set-cookie": "a=1" } });
    }
    if (url.pathname === "/big") return new Response(new Uint8Array(1 << 20).fill(97));
    if (url.pathname === "/moved") return Response.redirect(`${url.origin}/echo`, 302);
    const out = {};
    const t = async (k, f) => { try { out[k] = await f(); } catch (e) { out[k] = `THROW ${e.name}: ${e.message}${e.code ? ` [${e.code}]` : ""}`; } };
    await t("get", () => new Promise((resolve, reject) => {
      http.get(`${url.origin}/echo`, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c) => { body += c; });
        res.on("end", () => resolve([res.statusCode, res.statusMessage, res.headers["x-b"], res.headers["set-cookie"], res.headers["content-type"], body, res.httpVersion]));
      }).on("error", reject);
    }));
    await t("post", () => new Promise((resolve, reject) => {
      const req = http.request(`${url.origin}/echo`, { method: "POST", headers: { "x-a": "A" } }, (res) => collect(res).then((b) => resolve([res.statusCode, b]), reject));
      req.on("error", reject);
      req.write("part1,");
      req.end("part2");
    }));
    await t("options", () => new Promise((resolve, reject) => {
      const req = http.request({ hostname: url.hostname, port: url.port, path: "/echo?q=1", method: "PUT", auth: "u:p" }, (res) => collect(res).then((b) => resolve([res.statusCode, b]), reject));
      req.on("error", reject);
      req.end("zz");
    }));
    await t("streamed", () => new Promise((resolve, reject) => {
      http.get(`${url.origin}/big`, (res) => {
        let chunks = 0;
        let size = 0;
        res.on("data", (c) => { chunks++; size += c.length; }).on("end", () => resolve([size, chunks > 1])).on("error", reject);
      }).on("error", reject);
    }));
    await t("redirectNotFollowed", () => new Promise((resolve, reject) => {
      http.get(`${url.origin}/moved`, (res) => { res.resume(); resolve([res.statusCode, res.headers.location === `${url.origin}/echo`]); }).on("error", reject);
    }));
    await t("refused", () => new Promise((resolve) => {
      http.get("http://127.0.0.1:1/", () => resolve("response")).on("error", (e) => resolve(e instanceof Error));
    }));
    await t("httpsWithHttpUrl", () => https.get(`${url.origin}/echo`));
    await t("misc", () => [http.METHODS.length, http.STATUS_CODES[404], typeof http.Agent, typeof http.globalAgent, typeof http.ClientRequest, typeof http.IncomingMessage, http.maxHeaderSize]);
    return Response.json(out);
  },
};
