// A small retrieval worker.
//   PUT  /docs/<id>      body: the document's text   -> stores it with its embedding
//   GET  /search?q=...   -> the 3 documents closest to the question, with their scores
//   GET  /ask?q=...      -> the best matches as context for a text-generation model
//                           (needs PYWORKERD_AI_ENDPOINT locally)
const EMBED = "@cf/baai/bge-small-en-v1.5";
const CHAT = "@cf/meta/llama-3.1-8b-instruct";

async function embed(env, texts) {
  const { data } = await env.AI.run(EMBED, { text: texts });
  return data;
}

function cosine(a, b) {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

async function search(env, question, k = 3) {
  const [query] = await embed(env, [question]);
  const scored = [];
  let cursor;
  do {
    const page = await env.DOCS.list({ prefix: "doc:", cursor });
    const docs = await Promise.all(page.keys.map((key) => env.DOCS.get(key.name, "json")));
    page.keys.forEach((key, i) => {
      if (docs[i]) scored.push({ id: key.name.slice(4), text: docs[i].text, score: cosine(query, docs[i].vector) });
    });
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return scored.sort((a, b) => b.score - a.score).slice(0, k);
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    try {
      if (request.method === "PUT" && url.pathname.startsWith("/docs/")) {
        const id = decodeURIComponent(url.pathname.slice("/docs/".length));
        const text = await request.text();
        if (!id || !text) return Response.json({ error: "an id and a text are needed" }, { status: 400 });
        const [vector] = await embed(env, [text]);
        await env.DOCS.put(`doc:${id}`, JSON.stringify({ text, vector }));
        return Response.json({ id, dims: vector.length }, { status: 201 });
      }
      const q = url.searchParams.get("q");
      if (url.pathname === "/search" && q) return Response.json(await search(env, q));
      if (url.pathname === "/ask" && q) {
        const hits = await search(env, q);
        const context = hits.map((h) => `- ${h.text}`).join("\n");
        const answer = await env.AI.run(CHAT, {
          messages: [
            { role: "system", content: `Answer from these notes only:\n${context}` },
            { role: "user", content: q },
          ],
        });
        return Response.json({ answer: answer.response, sources: hits.map((h) => h.id) });
      }
      return new Response("PUT /docs/<id>, GET /search?q=…, GET /ask?q=…", { status: 404 });
    } catch (err) {
      // Workers AI errors: err.name "AiError" (or "InferenceUpstreamError"), err.message "<code>: …"
      return Response.json({ error: `${err.name}: ${err.message}` }, { status: 502 });
    }
  },
};
