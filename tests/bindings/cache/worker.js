// Scenarios for the Cache API: GET /t/<name> runs one and answers JSON. The same file runs
// unchanged on Miniflare 4 (workerd with its cache service), where the expected values in
// the tests were observed.

const H = (headers, extra = {}) => ({ headers, ...extra });
const CC = (value, more = {}) => H({ "cache-control": value, ...more });
const url = (path) => "http://cache.test/" + path;

async function attempt(fn) {
  try { return show(await fn()); } catch (e) { return { error: `${e.constructor.name}: ${e.message}` }; }
}
function show(v) {
  if (v === undefined) return "undefined";
  if (v instanceof Response) return { status: v.status };
  return v;
}
// A response as JSON: status, headers (the Date header's value hidden) and body text.
async function described(r) {
  if (r === undefined) return null;
  const headers = {};
  for (const [k, v] of r.headers) headers[k] = k === "date" ? "<date>" : v;
  return { status: r.status, headers, body: await r.text() };
}
async function putThenMatch(c, key, init, body = "body", request = undefined) {
  const put = await attempt(() => c.put(request ?? url(key), new Response(body, init)));
  return { put, match: await described(await c.match(url(key))) };
}
const matchWith = async (c, key, headers) => described(await c.match(new Request(url(key), { headers })));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const scenarios = {
  async shape() {
    const c = caches.default;
    return {
      types: [typeof caches, Object.prototype.toString.call(caches), caches instanceof CacheStorage, c instanceof Cache],
      newCache: await attempt(() => new Cache()),
      newCacheStorage: await attempt(() => new CacheStorage()),
      cacheMethods: Object.getOwnPropertyNames(Cache.prototype).join(","),
      storageMethods: Object.getOwnPropertyNames(CacheStorage.prototype).join(","),
      defaultIsOne: caches.default === caches.default,
      openIsNew: (await caches.open("a")) === (await caches.open("a")),
      openProto: Object.getPrototypeOf(await caches.open("a")) === Cache.prototype,
      name1023: typeof (await caches.open("x".repeat(1023))),
      name1024: await attempt(() => caches.open("x".repeat(1024))),
      nameEmpty: typeof (await caches.open("")),
      openNoArg: await attempt(() => caches.open()),
      add: await attempt(() => c.add(url("a"))),
      addAll: await attempt(() => c.addAll([])),
      matchAll: await attempt(() => c.matchAll()),
      keys: await attempt(() => c.keys()),
      storageKeys: await attempt(() => caches.keys()),
      storageHas: await attempt(() => caches.has("a")),
      storageDelete: await attempt(() => caches.delete("a")),
      storageMatch: await attempt(() => caches.match(url("a"))),
    };
  },

  async refusals() {
    const c = caches.default;
    const ok = () => new Response("x", CC("max-age=100"));
    const used = new Response("x");
    await used.text();
    const locked = new Response(new ReadableStream({ start(ctl) { ctl.enqueue(new Uint8Array([1])); ctl.close(); } }));
    locked.body.getReader();
    const pair = new WebSocketPair();
    return {
      post: await attempt(() => c.put(new Request(url("r"), { method: "POST", body: "x" }), ok())),
      head: await attempt(() => c.put(new Request(url("r"), { method: "HEAD" }), ok())),
      partial: await attempt(() => c.put(url("r"), new Response("x", { status: 206 }))),
      varyStar: await attempt(() => c.put(url("r"), new Response("x", H({ vary: "*" })))),
      varyListStar: await attempt(() => c.put(url("r"), new Response("x", H({ vary: "Accept, *" })))),
      bodyUsed: await attempt(() => c.put(url("r"), used)),
      locked: await attempt(() => c.put(url("r"), locked)),
      webSocket: await attempt(() => c.put(url("r"), new Response(null, { status: 101, webSocket: pair[0] }))),
      notResponse: await attempt(() => c.put(url("r"), "x")),
      noArgs: await attempt(() => c.put()),
      relative: await attempt(() => c.put("/r", ok())),
      number: await attempt(() => c.match(42)),
      matchNoArg: await attempt(() => c.match()),
      deleteNoArg: await attempt(() => c.delete()),
      badOptions: await attempt(() => c.match(url("r"), "x")),
      nullOptions: await attempt(() => c.match(url("r"), null)),
      ftpPut: await attempt(() => c.put("ftp://cache.test/r", ok())),
      ftpMatch: await attempt(() => c.match("ftp://cache.test/r")),
      ftpDelete: await attempt(() => c.delete("ftp://cache.test/r")),
      streamError: await attempt(() => c.put(url("err"), new Response(new ReadableStream({ pull(ctl) { ctl.error(new Error("boom")); } }), CC("max-age=100")))),
      afterStreamError: await attempt(() => c.match(url("err"))),
      asyncShape: await (async () => {
        try { const p = c.put(url("r"), new Response("x", { status: 206 })); await p.catch(() => {}); return "promise"; } catch { return "threw"; }
      })(),
    };
  },

  async basic() {
    const c = caches.default;
    const put = await attempt(() => c.put(url("basic"), new Response("hello", CC("max-age=100", { "x-a": "1" }))));
    const hit = await c.match(url("basic"));
    const meta = [hit.type, hit.url, hit.redirected, hit.ok, hit.statusText, hit.bodyUsed];
    const immutable = await attempt(() => hit.headers.set("x", "y"));
    return {
      put, meta, immutable,
      match: await described(hit),
      miss: await attempt(() => c.match(url("none"))),
      post: await attempt(() => c.match(new Request(url("basic"), { method: "POST" }))),
      postIgnore: await attempt(() => c.match(new Request(url("basic"), { method: "POST" }), { ignoreMethod: true })),
      head: await attempt(() => c.match(new Request(url("basic"), { method: "HEAD" }))),
      urlObject: await attempt(() => c.match(new URL(url("basic")))),
      fragment: await attempt(() => c.match(url("basic#frag"))),
      hostCase: await attempt(() => c.match("http://CACHE.test/basic")),
      query: await attempt(() => c.match(url("basic?q=1"))),
      deletePost: await attempt(() => c.delete(new Request(url("basic"), { method: "POST" }))),
      deleteHit: await attempt(() => c.delete(url("basic"))),
      deleteMiss: await attempt(() => c.delete(url("basic"))),
      afterDelete: await attempt(() => c.match(url("basic"))),
      deletePostIgnore: await (async () => {
        await c.put(url("basic2"), new Response("x", CC("max-age=100")));
        return attempt(() => c.delete(new Request(url("basic2"), { method: "POST" }), { ignoreMethod: true }));
      })(),
    };
  },

  async namespaces() {
    const a = await caches.open("A");
    const b = await caches.open("B");
    const d = await caches.open("default");
    await a.put(url("ns"), new Response("A", CC("max-age=100")));
    await caches.default.put(url("ns2"), new Response("default", CC("max-age=100")));
    return {
      a: await (await a.match(url("ns")))?.text(),
      aAgain: await (await (await caches.open("A")).match(url("ns")))?.text(),
      b: await attempt(() => b.match(url("ns"))),
      default: await attempt(() => caches.default.match(url("ns"))),
      namedDefault: await attempt(() => d.match(url("ns2"))),
    };
  },

  async policies() {
    const c = caches.default;
    return {
      noCacheControl: await putThenMatch(c, "p/none", {}),
      noStore: await putThenMatch(c, "p/ns", CC("no-store")),
      private: await putThenMatch(c, "p/pr", CC("private, max-age=100")),
      noCache: await putThenMatch(c, "p/nc", CC("no-cache, max-age=100")),
      maxAge0: await putThenMatch(c, "p/ma0", CC("max-age=0")),
      sMaxAge0: await putThenMatch(c, "p/sma0", CC("max-age=100, s-maxage=0")),
      sMaxAgeWins: await putThenMatch(c, "p/smaw", CC("max-age=0, s-maxage=100")),
      public: await putThenMatch(c, "p/pub", CC("public")),
      upperCase: await putThenMatch(c, "p/upper", CC("MAX-AGE=100")),
      spaces: await putThenMatch(c, "p/spaces", CC(" max-age = 100 ")),
      quoted: await putThenMatch(c, "p/quoted", CC('max-age="100"')),
      setCookie: await putThenMatch(c, "p/sc", CC("max-age=100", { "set-cookie": "a=b" })),
      setCookiePublic: await putThenMatch(c, "p/scpub", CC("public, max-age=100", { "set-cookie": "a=b" })),
      setCookiePrivate: await putThenMatch(c, "p/scp", CC("max-age=100, private=Set-Cookie", { "set-cookie": "a=b" })),
      expiresPast: await putThenMatch(c, "p/ep", H({ expires: "Thu, 01 Jan 1970 00:00:00 GMT" })),
      expiresFuture: await putThenMatch(c, "p/ef", H({ expires: "Thu, 01 Jan 2099 00:00:00 GMT" })),
      expiresBad: await putThenMatch(c, "p/eb", H({ expires: "garbage" })),
      pragma: await putThenMatch(c, "p/pragma", H({ pragma: "no-cache", expires: "Thu, 01 Jan 2099 00:00:00 GMT" })),
      lastModified: await putThenMatch(c, "p/lm", H({ "last-modified": "Thu, 01 Jan 2015 00:00:00 GMT" })),
      immutable: await putThenMatch(c, "p/imm", CC("immutable")),
      proxyRevalidate: await putThenMatch(c, "p/prv", CC("max-age=100, proxy-revalidate")),
      staleWhileRevalidate: await putThenMatch(c, "p/swr", CC("max-age=0, stale-while-revalidate=100")),
      status500: await putThenMatch(c, "p/500", { status: 500, headers: { "cache-control": "max-age=100" } }),
      status404: await putThenMatch(c, "p/404", { status: 404 }),
      status201: await putThenMatch(c, "p/201", { status: 201, headers: { "cache-control": "max-age=100" } }),
      status204: await putThenMatch(c, "p/204", { status: 204, headers: { "cache-control": "max-age=100" } }, null),
      status302: await putThenMatch(c, "p/302", { status: 302, headers: { "cache-control": "max-age=100", location: "/" } }),
      statusText: await putThenMatch(c, "p/st", { status: 200, statusText: "Fine", headers: { "cache-control": "max-age=100" } }),
      age: await putThenMatch(c, "p/age", CC("max-age=100", { age: "50" })),
      ageOver: await putThenMatch(c, "p/ageo", CC("max-age=100", { age: "150" })),
      date: await putThenMatch(c, "p/date", CC("max-age=100", { date: "Thu, 01 Jan 2015 00:00:00 GMT" })),
      hopByHop: await putThenMatch(c, "p/hop", CC("max-age=100", { "keep-alive": "5", "x-bar": "2" })),
      authorization: await putThenMatch(c, "p/auth", CC("max-age=100"), "a", new Request(url("p/auth"), { headers: { authorization: "x" } })),
      authorizationPublic: await putThenMatch(c, "p/authpub", CC("public, max-age=100"), "a", new Request(url("p/authpub"), { headers: { authorization: "x" } })),
      requestNoStore: await putThenMatch(c, "p/rns", CC("max-age=100"), "a", new Request(url("p/rns"), { headers: { "cache-control": "no-store" } })),
      nonStorableKeepsOld: await (async () => {
        await c.put(url("p/keep"), new Response("old", CC("max-age=100")));
        await c.put(url("p/keep"), new Response("new", CC("no-store")));
        return (await c.match(url("p/keep")))?.text();
      })(),
      zeroLifetimeRemovesOld: await (async () => {
        await c.put(url("p/gone"), new Response("old", CC("max-age=100")));
        await c.put(url("p/gone"), new Response("new", CC("max-age=0")));
        return attempt(() => c.match(url("p/gone")));
      })(),
      cfCacheKey: await (async () => {
        await c.put(new Request(url("p/k1"), { cf: { cacheKey: "custom-key" } }), new Response("kk", CC("max-age=100")));
        return [await attempt(() => c.match(url("p/k1"))), await attempt(() => c.match(new Request(url("p/other"), { cf: { cacheKey: "custom-key" } })))];
      })(),
    };
  },

  async conditional() {
    const c = caches.default;
    await c.put(url("e"), new Response("0123456789", CC("max-age=100", { etag: '"abc"', "last-modified": "Thu, 01 Jan 2015 00:00:00 GMT" })));
    const m = (headers) => matchWith(c, "e", headers);
    return {
      inm: await m({ "if-none-match": '"abc"' }),
      inmWeak: await m({ "if-none-match": 'W/"abc"' }),
      inmList: await m({ "if-none-match": '"x", "abc"' }),
      inmStar: await m({ "if-none-match": "*" }),
      inmOther: await m({ "if-none-match": '"zzz"' }),
      inmUnquoted: await m({ "if-none-match": "abc" }),
      ims: await m({ "if-modified-since": "Thu, 01 Jan 2015 00:00:00 GMT" }),
      imsLater: await m({ "if-modified-since": "Fri, 02 Jan 2015 00:00:00 GMT" }),
      imsEarlier: await m({ "if-modified-since": "Wed, 31 Dec 2014 00:00:00 GMT" }),
      imsBadFormat: await m({ "if-modified-since": "2015-01-02" }),
      inmOtherImsLater: await m({ "if-none-match": '"zzz"', "if-modified-since": "Fri, 02 Jan 2015 00:00:00 GMT" }),
    };
  },

  async ranges() {
    const c = caches.default;
    await c.put(url("r"), new Response("0123456789", CC("max-age=100", { etag: '"abc"' })));
    const m = (range, more = {}) => matchWith(c, "r", { range, ...more });
    const multi = await m("bytes=0-1, 5-6");
    const boundary = /boundary=(.*)$/.exec(multi.headers["content-type"])[1];
    multi.body = multi.body.split(boundary).join("<b>");
    multi.headers["content-type"] = multi.headers["content-type"].replace(boundary, "<b>");
    delete multi.headers["content-length"];
    return {
      closed: await m("bytes=2-4"),
      open: await m("bytes=7-"),
      suffix: await m("bytes=-3"),
      pastEnd: await m("bytes=5-100"),
      unsatisfiable: await m("bytes=20-30"),
      malformed: await m("bytes=x-y"),
      otherUnit: await m("items=1-2"),
      reversed: await m("bytes=5-2"),
      suffixZero: await m("bytes=-0"),
      suffixAll: await m("bytes=-100"),
      withIfNoneMatch: await m("bytes=2-4", { "if-none-match": '"abc"' }),
      multi,
    };
  },

  async bodies() {
    const c = caches.default;
    const enc = new TextEncoder();
    await c.put(url("b/empty"), new Response("", CC("max-age=100")));
    await c.put(url("b/null"), new Response(null, CC("max-age=100")));
    await c.put(url("b/bytes"), new Response(new Uint8Array([1, 2, 3]), CC("max-age=100")));
    await c.put(url("b/stream"), new Response(new ReadableStream({
      start(ctl) { ctl.enqueue(enc.encode("ab")); ctl.enqueue(enc.encode("cd")); ctl.close(); },
    }), CC("max-age=100")));
    const h = new Headers({ "cache-control": "max-age=100" });
    h.append("x-m", "a");
    h.append("x-m", "b");
    await c.put(url("b/appended"), new Response("x", { headers: h }));
    const bytes = await c.match(url("b/bytes"));
    return {
      empty: await described(await c.match(url("b/empty"))),
      null: await described(await c.match(url("b/null"))),
      bytes: [...new Uint8Array(await bytes.arrayBuffer())],
      bytesHeaders: Object.fromEntries([...bytes.headers].filter(([k]) => k !== "date")),
      stream: await described(await c.match(url("b/stream"))),
      streamRange: await matchWith(c, "b/stream", { range: "bytes=1-2" }),
      appended: (await c.match(url("b/appended"))).headers.get("x-m"),
    };
  },

  async timing() {
    const c = caches.default;
    await c.put(url("t/short"), new Response("x", CC("max-age=1")));
    await c.put(url("t/long"), new Response("x", CC("max-age=100")));
    const before = (await c.match(url("t/short")))?.status;
    await sleep(1600);
    return {
      before,
      after: await attempt(() => c.match(url("t/short"))),
      deleteExpired: await attempt(() => c.delete(url("t/short"))),
      longAge: Number((await c.match(url("t/long"))).headers.get("age")),
    };
  },
};

const topLevel = {};
const record = (name, p) => p.then((v) => { topLevel[name] = `resolved ${typeof v}`; }, (e) => { topLevel[name] = `rejected ${e.constructor.name}: ${e.message}`; });
record("match", caches.default.match(url("top")));
record("delete", caches.default.delete(url("top")));
record("open", caches.open("top"));
try {
  caches.default.put(url("top"), new Response("x")).catch(() => {});
  topLevel.put = "returned";
} catch (e) {
  topLevel.put = `threw ${e.constructor.name}: ${e.message}`;
}
record("putBadArgs", caches.default.put(url("top"), "not a response"));

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/top") return Response.json(topLevel);
    const name = pathname.startsWith("/t/") ? pathname.slice(3) : "";
    const scenario = scenarios[name];
    if (scenario === undefined) return new Response("no such scenario", { status: 404 });
    return Response.json(await scenario());
  },
};
