// One subrequest per request: fetch a small local origin (env.ORIGIN) and pass its body on.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const response = await fetch(`${env.ORIGIN}/item${url.search}`);
    return new Response(await response.text(), {
      status: response.status,
      headers: { "content-type": "text/plain", "x-origin-status": String(response.status) },
    });
  },
};
