export default {
  fetch(request) {
    const url = new URL(request.url);
    const name = url.searchParams.get("name") ?? "world";
    const client = request.headers.get("x-bench-client") ?? "unknown";
    return Response.json({
      message: `Hello, ${name}!`,
      name,
      client,
      method: request.method,
      host: url.host,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      length: url.href.length,
      tags: ["bench", "json", client],
      ok: true,
    });
  },
};
