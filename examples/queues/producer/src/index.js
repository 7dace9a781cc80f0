// POST /orders {"item": "...", "qty": N}  -> 202 {"id": "..."} once the order is queued
// POST /orders/batch [{...}, ...]        -> 202 {"ids": [...]} (one sendBatch)
// GET  /orders/<id>                      -> {"status": "queued" | "done" | "dead-lettered", ...}
// GET  /queue                            -> the queue's backlog (env.ORDERS.metrics())

function order(input) {
  if (typeof input?.item !== "string" || !Number.isInteger(input?.qty)) {
    throw new TypeError('an order is {"item": string, "qty": integer}');
  }
  return { id: crypto.randomUUID(), item: input.item, qty: input.qty, at: Date.now() };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const parts = url.pathname.split("/").filter(Boolean);
    try {
      if (request.method === "POST" && url.pathname === "/orders") {
        const o = order(await request.json());
        await env.STATUS.put(`order:${o.id}`, JSON.stringify({ status: "queued" }));
        await env.ORDERS.send(o);
        return Response.json({ id: o.id }, { status: 202 });
      }
      if (request.method === "POST" && url.pathname === "/orders/batch") {
        const orders = (await request.json()).map(order);
        for (const o of orders) await env.STATUS.put(`order:${o.id}`, JSON.stringify({ status: "queued" }));
        await env.ORDERS.sendBatch(orders.map((o) => ({ body: o })));
        return Response.json({ ids: orders.map((o) => o.id) }, { status: 202 });
      }
      if (request.method === "GET" && parts[0] === "orders" && parts.length === 2) {
        const status = await env.STATUS.get(`order:${parts[1]}`, "json");
        return status ? Response.json(status) : new Response("no such order", { status: 404 });
      }
      if (request.method === "GET" && url.pathname === "/queue") {
        return Response.json(await env.ORDERS.metrics());
      }
    } catch (err) {
      if (err instanceof TypeError || err instanceof SyntaxError) {
        return new Response(err.message, { status: 400 });
      }
      throw err;
    }
    return new Response("not found", { status: 404 });
  },
};
