import type Accounts from "../../accounts/src/index";

interface Env {
  ACCOUNTS: Service<Accounts>;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    try {
      if (request.method === "POST" && url.pathname === "/users") {
        const { name, tags } = await request.json<{ name: string; tags: string[] }>();
        const user = await env.ACCOUNTS.create(name, tags ?? []);
        // Dates and Sets arrive as Dates and Sets.
        return Response.json(
          { id: user.id, name: user.name, created: user.createdAt instanceof Date, tags: [...user.tags] },
          { status: 201 },
        );
      }
      const match = url.pathname.match(/^\/users\/([^/]+)(\/session)?$/);
      if (match && !match[2]) {
        const user = await env.ACCOUNTS.get(match[1]);
        return user === null ? new Response("not found", { status: 404 }) : Response.json({ ...user, tags: [...user.tags] });
      }
      if (match && match[2]) {
        // Promise pipelining: whoami() is called on the session login() resolves to.
        const session = env.ACCOUNTS.login(match[1]);
        return Response.json({ whoami: await session.whoami(), admin: await session.hasTag("admin") });
      }
      if (url.pathname === "/names") {
        const names: string[] = [];
        const ids = url.searchParams.getAll("id");
        const count = await env.ACCOUNTS.each(ids, (user) => { names.push(user.name); });
        return Response.json({ count, names });
      }
    } catch (err) {
      const e = err as Error;
      return Response.json({ error: `${e.name}: ${e.message}` }, { status: 400 });
    }
    return new Response("not found", { status: 404 });
  },
};
