// POST a body: it is piped through an identity TransformStream into the response, so it
// streams through the worker without being buffered. Any other method: a short text.
export default {
  fetch(request) {
    if (request.method !== "POST" || request.body === null) {
      return new Response("POST a body to have it streamed back");
    }
    const { readable, writable } = new TransformStream();
    request.body.pipeTo(writable);
    return new Response(readable, { headers: { "content-type": "application/octet-stream" } });
  },
};
