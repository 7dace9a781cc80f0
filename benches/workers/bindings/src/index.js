// One worker for every binding scenario of benches/bindings.py; the route picks the scenario.
const HOT_KEY = "hot";
const HOT_VALUE = "x".repeat(100);
const ROWS = 1000; // rows seeded into `items`; the SELECT picks one at random
const OBJECT_KEY = "object-1mb";
const OBJECT_BYTES = 1 << 20;

let counter = 0;
const instance = Math.random().toString(36).slice(2, 10); // distinct keys across isolates

// Fills whichever bindings this server has (plain workerd gets KV only).
async function seed(env) {
  await env.KV.put(HOT_KEY, HOT_VALUE);
  if (env.DB) await seedD1(env.DB);
  if (env.BUCKET) {
    const bytes = new Uint8Array(OBJECT_BYTES);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31 + 7) & 0xff;
    await env.BUCKET.put(OBJECT_KEY, bytes);
  }
  return new Response("seeded\n");
}

async function seedD1(db) {
  await db.exec("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
  await db.exec("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, note TEXT NOT NULL)");
  const insert = db.prepare("INSERT OR REPLACE INTO items (id, name) VALUES (?, ?)");
  const batch = [];
  for (let id = 1; id <= ROWS; id++) batch.push(insert.bind(id, `item-${id}`));
  await db.batch(batch);
}

export default {
  async fetch(request, env) {
    const route = new URL(request.url).pathname.split("/")[1];
    switch (route) {
      case "kv-get": {
        const value = await env.KV.get(HOT_KEY);
        if (value === null) return new Response("not seeded", { status: 500 });
        return new Response(value);
      }
      case "kv-put": {
        await env.KV.put(`k-${instance}-${counter++}`, HOT_VALUE);
        return new Response("ok");
      }
      case "d1-select": {
        const id = 1 + Math.floor(Math.random() * ROWS);
        const row = await env.DB.prepare("SELECT id, name FROM items WHERE id = ?").bind(id).first();
        if (row === null) return new Response("not seeded", { status: 500 });
        return Response.json(row);
      }
      case "d1-insert": {
        const result = await env.DB.prepare("INSERT INTO events (at, note) VALUES (?, ?)")
          .bind(Date.now(), `event-${counter++}`)
          .run();
        return Response.json({ id: result.meta.last_row_id });
      }
      case "r2-get": {
        const object = await env.BUCKET.get(OBJECT_KEY);
        if (object === null) return new Response("not seeded", { status: 500 });
        return new Response(object.body, { headers: { "content-length": String(object.size) } });
      }
      case "seed":
        return seed(env);
      default:
        return new Response("bench-bindings\n");
    }
  },
};
