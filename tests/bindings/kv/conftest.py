"""A worker that exposes env.KV over HTTP, and helpers to run it."""

from __future__ import annotations

from pathlib import Path

from tests.server.conftest import write_project

KV_WORKER = r"""
const outcome = async (f) => {
  try {
    const value = await f();
    return ["ok", value === undefined ? null : value];
  } catch (e) {
    return [e.constructor.name, e.message];
  }
};
const bytesOf = (buf) => Array.from(new Uint8Array(buf));

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const q = url.searchParams;
    const kv = env[q.get("ns") ?? "KV"];
    const key = q.get("key");
    const opts = q.has("opts") ? JSON.parse(q.get("opts")) : undefined;
    switch (url.pathname) {
      case "/put": {
        const body = q.get("as") === "bytes" ? await request.arrayBuffer() : await request.text();
        return Response.json(await outcome(() => kv.put(key, body, opts)));
      }
      case "/put-stream":
        return Response.json(await outcome(() => kv.put(key, request.body, opts)));
      case "/get": {
        const type = q.get("type") ?? "text";
        const value = await kv.get(key, opts ?? type);
        if (value === null) return new Response("missing", { status: 404 });
        if (type === "json") return Response.json(value);
        return new Response(value);
      }
      case "/op": {
        // {method, args}: any call, its outcome as JSON (Maps as [k, v] lists).
        const { method, args } = await request.json();
        return Response.json(await outcome(async () => {
          let value = await kv[method](...args);
          if (value instanceof Map) value = { map: [...value] };
          if (value instanceof ArrayBuffer) value = { bytes: bytesOf(value) };
          if (value && value.value instanceof ArrayBuffer) value = { ...value, value: { bytes: bytesOf(value.value) } };
          if (value instanceof ReadableStream) value = { stream: await new Response(value).text() };
          if (value && value.value instanceof ReadableStream) value = { ...value, value: { stream: await new Response(value.value).text() } };
          return value;
        }));
      }
      case "/case": {
        const cases = {
          async illegal() {
            const get = kv.get;
            return [
              await outcome(() => get("k")),
              await outcome(() => kv.get.call({}, "k")),
              String(kv),
              Object.prototype.toString.call(kv),
            ];
          },
          async int32() {
            return [
              await outcome(() => kv.put("k", "v", { expirationTtl: 2 ** 31 })),
              await outcome(() => kv.put("k", "v", { expirationTtl: "nan" })),
              await outcome(() => kv.put("k", "v", { expiration: "nan" })),
              await outcome(() => kv.get("k", { cacheTtl: "not a number" })),
            ];
          },
          async values() {
            await kv.put("v-string", "text ✓");
            await kv.put("v-buffer", new Uint8Array([1, 2, 3]).buffer);
            await kv.put("v-view", new Uint16Array([0x0201, 0x0403]));
            await kv.put("v-dataview", new DataView(new Uint8Array([9, 8, 7, 6]).buffer, 1, 2));
            await kv.put("v-stream", new Blob(["from ", "a stream"]).stream());
            await kv.put("v-empty", "");
            await kv.put("v-number", 42);
            const ab = async (k) => bytesOf(await kv.get(k, "arrayBuffer"));
            return {
              string: await kv.get("v-string"),
              buffer: await ab("v-buffer"),
              view: await ab("v-view"),
              dataview: await ab("v-dataview"),
              stream: await kv.get("v-stream"),
              empty: await kv.get("v-empty"),
              number: await kv.get("v-number"),
              bad: [
                await outcome(() => kv.put("k", {})),
                await outcome(() => kv.put("k", null)),
                await outcome(() => kv.put("k", undefined)),
                await outcome(() => kv.put("k", [1, 2])),
              ],
            };
          },
          async large() {
            const size = 3 * 1024 * 1024 + 7;
            const big = new Uint8Array(size);
            for (let i = 0; i < size; i++) big[i] = (i * 7) & 255;
            await kv.put("large", big);
            const back = new Uint8Array(await kv.get("large", "arrayBuffer"));
            let same = back.length === size;
            for (let i = 0; same && i < size; i += 997) same = back[i] === ((i * 7) & 255);
            const streamed = await new Response(await kv.get("large", "stream")).arrayBuffer();
            const text = "é".repeat(300000); // 600000 bytes of UTF-8
            await kv.put("large-text", text);
            const gotText = await kv.get("large-text");
            const { value, metadata } = await kv.getWithMetadata("large", { type: "arrayBuffer" });
            return { same, streamed: streamed.byteLength, text: gotText === text,
              withMeta: value.byteLength, metadata };
          },
          async limits() {
            const max = 25 * 1024 * 1024;
            const exact = new Uint8Array(max);
            const over = new Uint8Array(max + 1);
            const stream = (n) => new ReadableStream({
              i: 0,
              pull(c) {
                const piece = Math.min(1 << 20, n - this.i);
                if (piece <= 0) { c.close(); return; }
                this.i += piece;
                c.enqueue(new Uint8Array(piece));
              },
            });
            return [
              await outcome(() => kv.put("max", exact)),
              (await kv.get("max", "arrayBuffer")).byteLength,
              await outcome(() => kv.put("too-big", over)),
              await outcome(() => kv.put("too-big", stream(max + 5))),
              await outcome(() => kv.get("too-big")),
              await outcome(() => kv.put("max-stream", stream(max))),
            ];
          },
          async streamError() {
            const failing = new ReadableStream({
              start(c) { c.enqueue(new Uint8Array([1])); },
              pull(c) { c.error(new RangeError("source broke")); },
            });
            const notBytes = new ReadableStream({ start(c) { c.enqueue("text"); c.close(); } });
            return [
              await outcome(() => kv.put("broken", failing)),
              await outcome(() => kv.get("broken")),
              await outcome(() => kv.put("broken", notBytes)),
            ];
          },
        };
        return Response.json(await cases[q.get("name")]());
      }
    }
    return new Response("no route", { status: 404 });
  },
};
"""


def make_kv_project(root: Path, extra: dict[str, object] | None = None) -> Path:
    return write_project(
        root,
        {"src/index.js": KV_WORKER},
        {
            "name": "kv-test",
            "kv_namespaces": [
                {"binding": "KV", "id": "0f2ac74b498b48028cb68387c421e279"},
                {"binding": "OTHER"},
            ],
            **(extra or {}),
        },
    )
