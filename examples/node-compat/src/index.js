// npm packages written for Node.js, unchanged, on pyworkerd's nodejs_compat:
// jsonwebtoken (crypto, buffer, stream, util), bcryptjs (crypto), uuid, zod,
// node-cache (an EventEmitter) and Hono's context storage (AsyncLocalStorage).
import { Hono } from "hono";
import { contextStorage, getContext } from "hono/context-storage";
import jwt from "jsonwebtoken";
import bcrypt from "bcryptjs";
import { v4 as uuidv4, v5 as uuidv5, validate as uuidValidate, version as uuidVersion } from "uuid";
import { z } from "zod";
import NodeCache from "node-cache";
import { scheduler } from "node:timers/promises";

const app = new Hono();
app.use(contextStorage());
app.use(async (c, next) => {
  c.set("requestId", c.req.header("x-request-id") ?? crypto.randomUUID());
  await next();
});

app.get("/jwt/sign", (c) => {
  const token = jwt.sign({ sub: c.req.query("sub"), role: "user" }, c.env.JWT_SECRET, {
    algorithm: "HS256", expiresIn: "1h", issuer: c.env.APP_NAME,
  });
  return c.json({ token });
});

app.get("/jwt/verify", (c) => {
  try {
    const claims = jwt.verify(c.req.query("token"), c.env.JWT_SECRET, { issuer: c.env.APP_NAME });
    return c.json({ valid: true, sub: claims.sub, role: claims.role });
  } catch (err) {
    return c.json({ valid: false, error: err.name, message: err.message }, 401);
  }
});

app.post("/bcrypt/hash", async (c) => {
  const { password } = await c.req.json();
  return c.json({ hash: bcrypt.hashSync(password, 4) });
});

app.post("/bcrypt/compare", async (c) => {
  const { password, hash } = await c.req.json();
  return c.json({ match: await bcrypt.compare(password, hash) });
});

app.get("/uuid", (c) => {
  const random = uuidv4();
  const named = uuidv5(c.req.query("name") ?? "", uuidv5.URL);
  return c.json({ random, randomValid: uuidValidate(random), randomVersion: uuidVersion(random), named });
});

const Order = z.object({
  id: z.string().uuid(),
  quantity: z.number().int().positive(),
  email: z.string().email(),
  tags: z.array(z.string()).default([]),
});

app.post("/orders", async (c) => {
  const parsed = Order.safeParse(await c.req.json());
  if (!parsed.success) {
    return c.json({ errors: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) }, 400);
  }
  return c.json(parsed.data);
});

app.get("/cache", (c) => {
  const cache = new NodeCache({ stdTTL: 0, checkperiod: 0, useClones: true });
  const events = [];
  cache.on("set", (key, value) => events.push(`set ${key}=${JSON.stringify(value)}`));
  cache.on("del", (key) => events.push(`del ${key}`));
  cache.on("flush", () => events.push("flush"));
  cache.set("a", { n: 1 });
  cache.mset([{ key: "b", val: 2 }, { key: "c", val: 3 }]);
  const a = cache.get("a");
  a.n = 99; // a clone: the cache keeps { n: 1 }
  cache.del("b");
  const stats = cache.getStats();
  const keys = cache.keys();
  const kept = cache.get("a");
  cache.flushAll();
  return c.json({ events, keys, kept, hits: stats.hits, keysAfterFlush: cache.keys() });
});

// Which request is this? Read through AsyncLocalStorage, after awaits of timers and KV.
function currentRequestId() {
  return getContext().var.requestId;
}

app.get("/als", async (c) => {
  const seen = [currentRequestId()];
  await scheduler.wait(Number(c.req.query("delay") ?? 0));
  seen.push(currentRequestId());
  await c.env.KV.put(`req:${currentRequestId()}`, currentRequestId());
  seen.push(await c.env.KV.get(`req:${currentRequestId()}`));
  await new Promise((resolve) => setTimeout(resolve, 1));
  seen.push(currentRequestId());
  return c.json({ seen });
});

export default app;
