// The raw-API worker: no framework, just fetch(request, env, ctx).
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname === "/health") {
      return new Response("ok");
    }
    if (request.method === "POST" && url.pathname === "/data") {
      const data = await request.json();
      // env.DB (D1) comes alive with the storage bindings; until then echo what we got.
      if (env.DB) {
        await env.DB.prepare("CREATE TABLE IF NOT EXISTS data (id INTEGER PRIMARY KEY, body TEXT)").run();
        const { meta } = await env.DB.prepare("INSERT INTO data (body) VALUES (?)").bind(JSON.stringify(data)).run();
        return Response.json({ stored: true, id: meta.last_row_id }, { status: 201 });
      }
      return Response.json({ stored: false, received: data }, { status: 201 });
    }
    return new Response("Not found", { status: 404 });
  },
};
