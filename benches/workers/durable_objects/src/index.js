// One worker for benches/durable_objects.py; the first path segment picks the scenario.
import { DurableObject } from "cloudflare:workers";

const SPREAD_OBJECTS = 1000;

// A counter as real code writes one: read, add one, write, answer the new value.
export class Counter extends DurableObject {
  async fetch() {
    const n = ((await this.ctx.storage.get("n")) ?? 0) + 1;
    await this.ctx.storage.put("n", n);
    return new Response(String(n));
  }
}

let next = 0; // per isolate: consecutive /spread/ requests go to different objects

// /spread/?object=N picks object N (the bench touches each once before loading).
function spreadName(url) {
  const chosen = url.searchParams.get("object");
  if (chosen !== null) return `object-${Number(chosen) % SPREAD_OBJECTS}`;
  const name = `object-${next}`;
  next = (next + 1) % SPREAD_OBJECTS;
  return name;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const route = url.pathname.split("/")[1];
    switch (route) {
      case "hot":
        return env.COUNTER.get(env.COUNTER.idFromName("hot")).fetch(request);
      case "spread":
        return env.COUNTER.get(env.COUNTER.idFromName(spreadName(url))).fetch(request);
      case "":
        return new Response("ready\n");
      default:
        return new Response("unknown route\n", { status: 404 });
    }
  },
};
