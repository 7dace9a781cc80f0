// A worker that exercises env.BUCKET: GET /t/<name> runs one scenario and answers JSON;
// PUT /obj/<key> stores the request body (streamed), GET /obj/<key> streams it back.

const enc = new TextEncoder();

function fail(e) {
  return { error: { name: e && e.name, message: e && e.message } };
}
async function attempt(fn) {
  try { return { ok: await fn() }; } catch (e) { return fail(e); }
}
function describe(o) {
  if (o === null) return null;
  return {
    proto: Object.getPrototypeOf(o) === null ? null : o.constructor.name,
    keys: Object.keys(o),
    hasBody: "body" in o,
    json: JSON.parse(JSON.stringify(o)),
    uploadedIsDate: o.uploaded instanceof Date,
  };
}
function streamOf(parts) {
  const { readable, writable } = new FixedLengthStream(parts.reduce((n, p) => n + p.length, 0));
  const writer = writable.getWriter();
  (async () => { for (const p of parts) await writer.write(p); await writer.close(); })();
  return readable;
}

const scenarios = {
  async putTypes(env) {
    const B = env.BUCKET;
    const view = new Uint8Array([0, 1, 2, 3, 4, 5]).subarray(2, 5);
    await B.put("types/string", "héllo");
    await B.put("types/arraybuffer", enc.encode("buffer").buffer);
    await B.put("types/view", view);
    await B.put("types/blob", new Blob(["blob ", "parts"], { type: "text/x-blob" }));
    await B.put("types/null", null);
    await B.put("types/stream", streamOf([enc.encode("str"), enc.encode("eam")]));
    const out = {};
    for (const k of ["string", "arraybuffer", "view", "blob", "null", "stream"]) {
      const o = await B.get("types/" + k);
      out[k] = { size: o.size, bytes: [...new Uint8Array(await o.arrayBuffer())] };
    }
    out.unknownLength = await attempt(() => B.put("types/x", new ReadableStream({ pull(c) { c.enqueue(new Uint8Array(1)); c.close(); } })));
    out.badType = await attempt(() => B.put("types/x", 42));
    out.badObject = await attempt(() => B.put("types/x", {}));
    return out;
  },

  async putResult(env) {
    const o = await env.BUCKET.put("meta/a", "abc", {
      httpMetadata: { contentType: "text/plain", cacheControl: "max-age=60", cacheExpiry: new Date(1700000000000) },
      customMetadata: { owner: "me", n: 7 },
    });
    const h = await env.BUCKET.head("meta/a");
    const headers = new Headers();
    h.writeHttpMetadata(headers);
    const fromHeaders = await env.BUCKET.put("meta/b", "x", {
      httpMetadata: new Headers({ "content-type": "image/png", "content-language": "fr", "expires": "Wed, 21 Oct 2015 07:28:00 GMT" }),
    });
    return {
      put: describe(o),
      head: describe(h),
      written: [...headers],
      fromHeaders: (await env.BUCKET.head("meta/b")).httpMetadata,
      fromHeadersExpiry: (await env.BUCKET.head("meta/b")).httpMetadata.cacheExpiry.toISOString(),
      putFromHeaders: fromHeaders.httpMetadata.contentType,
      md5Buffer: h.checksums.md5 instanceof ArrayBuffer && h.checksums.md5.byteLength,
      missing: await env.BUCKET.head("meta/missing"),
      tooBig: await attempt(() => env.BUCKET.put("meta/c", "x", { customMetadata: { k: "v".repeat(2048) } })),
    };
  },

  async checksums(env) {
    const B = env.BUCKET;
    const data = "checksum me";
    const sha256 = new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(data)));
    const sha1Hex = [...new Uint8Array(await crypto.subtle.digest("SHA-1", enc.encode(data)))]
      .map((b) => b.toString(16).padStart(2, "0")).join("");
    return {
      sha256: (await B.put("sum/a", data, { sha256 })).checksums.toJSON(),
      sha1: (await B.put("sum/b", data, { sha1: sha1Hex.toUpperCase() })).checksums.toJSON(),
      mismatch: await attempt(() => B.put("sum/c", data, { md5: "0".repeat(32) })),
      stillMissing: await B.head("sum/c"),
      two: await attempt(() => B.put("sum/d", data, { md5: "0".repeat(32), sha1: sha1Hex })),
      shortHex: await attempt(() => B.put("sum/d", data, { sha1: "abc" })),
      badHex: await attempt(() => B.put("sum/d", data, { md5: "z".repeat(32) })),
      shortBuffer: await attempt(() => B.put("sum/d", data, { sha512: new Uint8Array(3) })),
    };
  },

  async putOnlyIf(env) {
    const B = env.BUCKET;
    const first = await B.put("cond/a", "one");
    return {
      wrongEtag: await B.put("cond/a", "two", { onlyIf: { etagMatches: "nope" } }),
      rightEtag: (await B.put("cond/a", "three", { onlyIf: { etagMatches: first.etag } })) !== null,
      createOnlyExisting: await B.put("cond/a", "four", { onlyIf: new Headers({ "if-none-match": "*" }) }),
      createOnlyNew: (await B.put("cond/new", "five", { onlyIf: { etagDoesNotMatch: "*" } })) !== null,
      missingMatch: await B.put("cond/none", "x", { onlyIf: { etagMatches: "abc" } }),
      text: await (await B.get("cond/a")).text(),
      quoted: await attempt(() => B.put("cond/a", "x", { onlyIf: { etagMatches: '"abc"' } })),
    };
  },

  async getRanges(env) {
    const B = env.BUCKET;
    await B.put("range/a", "0123456789");
    const read = async (options) => {
      const o = await B.get("range/a", options);
      return { range: o.range, text: await o.text() };
    };
    return {
      offsetLength: await read({ range: { offset: 2, length: 3 } }),
      offset: await read({ range: { offset: 7 } }),
      length: await read({ range: { length: 4 } }),
      suffix: await read({ range: { suffix: 3 } }),
      bigLength: await read({ range: { offset: 8, length: 100 } }),
      header: await read({ range: new Headers({ range: "bytes=4-6" }) }),
      headerOpen: await read({ range: new Headers({ range: "bytes=-2" }) }),
      headerMulti: await read({ range: new Headers({ range: "bytes=0-1,4-5" }) }),
      pastEnd: await attempt(() => B.get("range/a", { range: { offset: 11 } })),
      zeroLength: await attempt(() => B.get("range/a", { range: { offset: 1, length: 0 } })),
      negative: await attempt(() => B.get("range/a", { range: { offset: -1 } })),
      fraction: await attempt(() => B.get("range/a", { range: { offset: 1.5 } })),
      suffixAndOffset: await attempt(() => B.get("range/a", { range: { offset: 1, suffix: 2 } })),
    };
  },

  async getOnlyIf(env) {
    const B = env.BUCKET;
    const o = await B.put("gcond/a", "body");
    const past = new Date(o.uploaded.getTime() - 60_000);
    const future = new Date(o.uploaded.getTime() + 60_000);
    return {
      etagMatches: describe(await B.get("gcond/a", { onlyIf: { etagMatches: o.etag } })).hasBody,
      etagMismatch: describe(await B.get("gcond/a", { onlyIf: { etagMatches: "other" } })),
      ifNoneMatch: describe(await B.get("gcond/a", { onlyIf: new Headers({ "if-none-match": o.httpEtag }) })).hasBody,
      ifNoneMatchWeak: describe(await B.get("gcond/a", { onlyIf: new Headers({ "if-none-match": `W/${o.httpEtag}` }) })).hasBody,
      ifMatchList: describe(await B.get("gcond/a", { onlyIf: new Headers({ "if-match": `"x", ${o.httpEtag}` }) })).hasBody,
      uploadedBeforePast: describe(await B.get("gcond/a", { onlyIf: { uploadedBefore: past } })).hasBody,
      uploadedBeforeFuture: describe(await B.get("gcond/a", { onlyIf: { uploadedBefore: future } })).hasBody,
      uploadedAfterFuture: describe(await B.get("gcond/a", { onlyIf: { uploadedAfter: future } })).hasBody,
      modifiedSince: describe(await B.get("gcond/a", { onlyIf: new Headers({ "if-modified-since": future.toUTCString() }) })).hasBody,
      missing: await B.get("gcond/missing", { onlyIf: { etagMatches: "x" } }),
      badHeader: await attempt(() => B.get("gcond/a", { onlyIf: new Headers({ "if-match": '"abc' }) })),
    };
  },

  async bodies(env) {
    const B = env.BUCKET;
    await B.put("body/json", JSON.stringify({ a: [1, 2] }), { httpMetadata: { contentType: "application/json" } });
    const o = await B.get("body/json");
    const before = o.bodyUsed;
    const json = await o.json();
    const after = o.bodyUsed;
    const again = await attempt(() => o.text());
    const blob = await (await B.get("body/json")).blob();
    const bytes = await (await B.get("body/json")).bytes();
    const ab = await (await B.get("body/json")).arrayBuffer();
    const viaResponse = await new Response((await B.get("body/json")).body).text();
    return {
      before, json, after, again,
      blobType: blob.type, blobSize: blob.size,
      bytesIsU8: bytes instanceof Uint8Array, bytesLength: bytes.length,
      abIsBuffer: ab instanceof ArrayBuffer,
      viaResponse,
      getMissing: await B.get("body/missing"),
      descr: describe(await B.get("body/json")),
    };
  },

  async aborts(env) {
    const B = env.BUCKET;
    await B.put("ab/big", new Uint8Array(1024 * 1024).fill(7));
    const o = await B.get("ab/big");
    const reader = o.body.getReader();
    const first = await reader.read();
    await reader.cancel();
    const { readable, writable } = new FixedLengthStream(1024 * 1024);
    const w = writable.getWriter();
    w.write(new Uint8Array(300 * 1024)).catch(() => {});
    setTimeout(() => w.abort(new Error("gave up")).catch(() => {}), 20);
    const failed = await attempt(() => B.put("ab/broken", readable));
    return {
      firstLength: first.value.length,
      failed,
      broken: await B.head("ab/broken"),
      again: (await (await B.get("ab/big")).arrayBuffer()).byteLength,
    };
  },

  async deletes(env) {
    const B = env.BUCKET;
    for (const k of ["del/a", "del/b", "del/c"]) await B.put(k, k);
    await B.delete("del/a");
    await B.delete(["del/b", "del/c", "del/never"]);
    await B.delete("del/never");
    const many = Array.from({ length: 1000 }, (_, i) => `del/many/${i}`);
    await B.delete(many);
    return {
      left: (await B.list({ prefix: "del/" })).objects.map((o) => o.key),
      tooMany: await attempt(() => B.delete([...many, "one more"])),
      none: await attempt(() => B.delete([])),
    };
  },

  async lists(env) {
    const B = env.BUCKET;
    for (const k of ["ls/a", "ls/b/1", "ls/b/2", "ls/c", "ls/d/x/y", "ls/e"]) {
      await B.put(k, k, { httpMetadata: { contentType: "text/plain" }, customMetadata: { k } });
    }
    const keys = (r) => r.objects.map((o) => o.key);
    const pages = [];
    let cursor;
    for (;;) {
      const r = await B.list({ prefix: "ls/", limit: 2, cursor });
      pages.push({ keys: keys(r), truncated: r.truncated, hasCursor: "cursor" in r });
      if (!r.truncated) break;
      cursor = r.cursor;
    }
    const delimited = await B.list({ prefix: "ls/", delimiter: "/" });
    const delimitedPages = [];
    cursor = undefined;
    for (;;) {
      const r = await B.list({ prefix: "ls/", delimiter: "/", limit: 2, cursor });
      delimitedPages.push({ keys: keys(r), prefixes: r.delimitedPrefixes, truncated: r.truncated });
      if (!r.truncated) break;
      cursor = r.cursor;
    }
    const plain = (await B.list({ prefix: "ls/", limit: 1 })).objects[0];
    const included = (await B.list({ prefix: "ls/", limit: 1, include: ["httpMetadata", "customMetadata"] })).objects[0];
    return {
      all: keys(await B.list({ prefix: "ls/" })),
      pages,
      delimited: { keys: keys(delimited), prefixes: delimited.delimitedPrefixes, truncated: delimited.truncated },
      delimitedPages,
      startAfter: keys(await B.list({ prefix: "ls/", startAfter: "ls/b/2" })),
      plainMeta: [plain.httpMetadata === undefined, plain.customMetadata === undefined],
      includedMeta: [included.httpMetadata, included.customMetadata],
      writeWithoutInclude: await attempt(() => plain.writeHttpMetadata(new Headers())),
      limitZero: await attempt(() => B.list({ limit: 0 })),
      limitBig: await attempt(() => B.list({ limit: 1001 })),
      badInclude: await attempt(() => B.list({ include: ["nope"] })),
      emptyPrefix: (await B.list({ prefix: "nothing-here/" })),
    };
  },

  async keys(env) {
    const B = env.BUCKET;
    const long = "k".repeat(1025);
    const exact = "k".repeat(1024);
    return {
      put: await attempt(() => B.put(long, "x")),
      get: await attempt(() => B.get(long)),
      head: await attempt(() => B.head(long)),
      del: await attempt(() => B.delete([long])),
      exact: (await B.put(exact, "x")).key.length,
      unicode: (await B.put("ünï/☃", "snow")).key,
      unicodeBack: await (await B.get("ünï/☃")).text(),
      noArgs: await attempt(() => B.get()),
    };
  },

  async multipart(env) {
    const B = env.BUCKET;
    const MiB = 1024 * 1024;
    const part1 = new Uint8Array(5 * MiB).fill(97);
    const part2 = enc.encode("tail");
    const up = await B.createMultipartUpload("mp/a", { httpMetadata: { contentType: "text/x-mp" }, customMetadata: { m: "1" } });
    const p2 = await up.uploadPart(2, part2);
    const p1 = await up.uploadPart(1, streamOf([part1.subarray(0, MiB), part1.subarray(MiB)]));
    const resumed = B.resumeMultipartUpload("mp/a", up.uploadId);
    const done = await resumed.complete([p1, p2]);
    const got = await B.get("mp/a");
    const all = new Uint8Array(await got.arrayBuffer());
    const ranged = await (await B.get("mp/a", { range: { offset: 5 * MiB - 2, length: 4 } })).text();

    const small = await B.createMultipartUpload("mp/small");
    const s1 = await small.uploadPart(1, "tiny");
    const s2 = await small.uploadPart(2, "tiny");
    const tooSmall = await attempt(() => small.complete([s1, s2]));
    const wrongEtag = await attempt(() => small.complete([{ partNumber: 1, etag: "nope" }]));
    const single = (await small.complete([s1])).size;

    const aborted = await B.createMultipartUpload("mp/aborted");
    await aborted.uploadPart(1, "x");
    await aborted.abort();
    await aborted.abort();
    return {
      uploadIdType: typeof up.uploadId,
      key: up.key,
      parts: [p1.partNumber, p2.partNumber, typeof p1.etag],
      done: { size: done.size, etag: done.etag, checksums: done.checksums.toJSON() },
      contentType: got.httpMetadata.contentType,
      custom: got.customMetadata,
      length: all.length,
      ok: all.subarray(0, 5 * MiB).every((b) => b === 97) && new TextDecoder().decode(all.subarray(5 * MiB)) === "tail",
      ranged,
      tooSmall, wrongEtag, single,
      afterAbort: await attempt(() => aborted.uploadPart(2, "x")),
      completeAfterAbort: await attempt(() => aborted.complete([])),
      abortUnknown: await attempt(() => B.resumeMultipartUpload("mp/x", "no-such-id").abort()),
      badPart: await attempt(() => up.uploadPart(0, "x")),
      overwritten: (await B.put("mp/a", "plain")).size,
      afterOverwrite: await (await B.get("mp/a")).text(),
    };
  },
};

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const [, kind, ...rest] = url.pathname.split("/");
    const name = decodeURIComponent(rest.join("/"));
    if (kind === "t") {
      try {
        return Response.json(await scenarios[name](env, request));
      } catch (e) {
        return Response.json(fail(e), { status: 500 });
      }
    }
    if (kind === "obj") {
      if (request.method === "PUT") {
        const o = await env.BUCKET.put(name, request.body, { httpMetadata: request.headers });
        return Response.json({ size: o.size, etag: o.etag });
      }
      if (request.method === "DELETE") {
        await env.BUCKET.delete(name);
        return new Response(null, { status: 204 });
      }
      const o = await env.BUCKET.get(name, { range: request.headers, onlyIf: request.headers });
      if (o === null) return new Response("not found", { status: 404 });
      const headers = new Headers({ etag: o.httpEtag });
      o.writeHttpMetadata(headers);
      if (!("body" in o)) return new Response(null, { status: 304, headers });
      return new Response(o.body, { headers, status: request.headers.has("range") ? 206 : 200 });
    }
    return new Response("not found", { status: 404 });
  },
};
