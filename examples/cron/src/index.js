// Each scheduled run is recorded in KV; GET / lists the runs.
export default {
  async scheduled(controller, env, ctx) {
    const key = `run:${String(controller.scheduledTime).padStart(15, "0")}`;
    ctx.waitUntil(env.RUNS.put(key, JSON.stringify({ cron: controller.cron, at: new Date(controller.scheduledTime).toISOString() })));
    console.log(`cron "${controller.cron}" ran for ${new Date(controller.scheduledTime).toISOString()}`);
  },
  async fetch(request, env) {
    const { keys } = await env.RUNS.list({ prefix: "run:" });
    const runs = await Promise.all(keys.map((k) => env.RUNS.get(k.name, "json")));
    return Response.json(runs);
  },
};
