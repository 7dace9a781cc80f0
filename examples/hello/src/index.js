// The raw-API worker: no framework, just fetch(request, env, ctx).
// POST /data stores the JSON body in D1; create the table first with
//   pyworkerd d1 migrations apply DB
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname === "/health") {
      return new Response("ok");
    }
    if (request.method === "POST" && url.pathname === "/data") {
      const data = await request.json();
      await env.DB.prepare("INSERT INTO items (data) VALUES (?)").bind(JSON.stringify(data)).run();
      return Response.json({ stored: true }, { status: 201 });
    }
    return new Response("Not found", { status: 404 });
  },
};
