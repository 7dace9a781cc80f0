// A Hono app that runs unchanged on Cloudflare Workers and on pyworkerd.
import { Hono } from "hono";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { logger } from "hono/logger";
import { secureHeaders } from "hono/secure-headers";

type Bindings = {
  GREETING: string;
};

const app = new Hono<{ Bindings: Bindings }>();

// Every request: a log line, and how long the app took in a response header.
app.use(logger());
app.use(async (c, next) => {
  const start = Date.now();
  await next();
  c.header("X-Response-Time", `${Date.now() - start}ms`);
});
app.use(secureHeaders());

// CORS for the API only.
app.use(
  "/api/*",
  cors({
    origin: ["https://example.com"],
    allowMethods: ["GET", "POST", "OPTIONS"],
    allowHeaders: ["Content-Type", "X-Api-Key"],
    exposeHeaders: ["X-Response-Time"],
    maxAge: 600,
  }),
);

app.get("/", (c) => c.text(`${c.env.GREETING}!`));

app.get("/json", (c) => c.json({ message: c.env.GREETING, framework: "hono", ok: true }));

app.get("/users/:id", (c) => {
  const id = c.req.param("id");
  const fields = c.req.query("fields");
  const tags = c.req.queries("tag") ?? [];
  return c.json({ id, fields: fields ?? null, tags });
});

app.post("/echo", async (c) => {
  const body = await c.req.json();
  return c.json({ received: body }, 201);
});

app.get("/headers", (c) => {
  const client = c.req.header("X-Client");
  if (!client) {
    return c.text("missing X-Client header", 400);
  }
  return c.json({ client, accept: c.req.header("Accept") ?? null });
});

app.get("/api/items", (c) => c.json([{ id: 1, name: "widget" }]));
app.post("/api/items", async (c) => c.json(await c.req.json(), 201));

app.get("/teapot", () => {
  throw new HTTPException(418, { message: "I'm a teapot" });
});

app.get("/error", () => {
  throw new Error("boom");
});

app.notFound((c) => c.json({ error: "not found", path: c.req.path }, 404));

app.onError((err, c) => {
  if (err instanceof HTTPException) {
    return c.json({ error: err.message }, err.status);
  }
  console.error(`onError: ${err.message}`);
  return c.json({ error: "internal", message: err.message }, 500);
});

export default app;
