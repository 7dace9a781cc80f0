// A Hono app that runs unchanged on Cloudflare Workers and on pyworkerd.
import { Hono } from "hono";
import { basicAuth } from "hono/basic-auth";
import { compress } from "hono/compress";
import { cors } from "hono/cors";
import { etag } from "hono/etag";
import { HTTPException } from "hono/http-exception";
import { jwt, sign } from "hono/jwt";
import type { JwtVariables } from "hono/jwt";
import { logger } from "hono/logger";
import { secureHeaders } from "hono/secure-headers";

type Bindings = {
  GREETING: string;
  ADMIN_USER: string;
  ADMIN_PASSWORD: string;
  JWT_SECRET: string;
};

const app = new Hono<{ Bindings: Bindings; Variables: JwtVariables }>();

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

// Basic auth on /admin: credentials from vars (on Cloudflare, make the password a secret).
app.use("/admin/*", (c, next) =>
  basicAuth({ username: c.env.ADMIN_USER, password: c.env.ADMIN_PASSWORD })(c, next),
);

// JWT (HS256) on /api/me: the secret is a var, so the middleware is built per request.
app.use("/api/me", (c, next) => jwt({ secret: c.env.JWT_SECRET, alg: "HS256" })(c, next));

// A large text body: an ETag of the plain body, then gzip/deflate if Accept-Encoding asks
// (compress runs outermost, so the ETag it sees is the plain one, which it makes weak).
app.use("/big", compress());
app.use("/big", etag());
app.use("/etag/*", etag());

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

app.get("/admin", (c) => c.text("Welcome, admin"));

app.post("/login", async (c) => {
  const { user } = await c.req.json<{ user?: string }>();
  if (!user) {
    throw new HTTPException(400, { message: "user is required" });
  }
  const now = Math.floor(Date.now() / 1000);
  const payload = { sub: user, role: "member", iat: now, exp: now + 3600 };
  const token = await sign(payload, c.env.JWT_SECRET, "HS256");
  return c.json({ token });
});

app.get("/api/me", (c) => {
  const payload = c.get("jwtPayload");
  return c.json({ user: payload.sub, role: payload.role });
});

app.get("/big", (c) => c.text(bigText()));
app.get("/etag/data", (c) => c.text("cacheable content"));

app.get("/teapot", () => {
  throw new HTTPException(418, { message: "I'm a teapot" });
});

app.get("/error", () => {
  throw new Error("boom");
});

app.notFound((c) => c.json({ error: "not found", path: c.req.path }, 404));

app.onError((err, c) => {
  if (err instanceof HTTPException) {
    // Auth middleware attaches its own 401 (with WWW-Authenticate): send it as it is.
    if (err.res) {
      return err.getResponse();
    }
    return c.json({ error: err.message }, err.status);
  }
  console.error(`onError: ${err.message}`);
  return c.json({ error: "internal", message: err.message }, 500);
});

// About 140 KB of text that compresses well: line i is "i: " then the alphabet.
function bigText(): string {
  const lines: string[] = [];
  for (let i = 0; i < 2000; i++) {
    lines.push(`${i}: abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789`);
  }
  return lines.join("\n") + "\n";
}

export default app;
