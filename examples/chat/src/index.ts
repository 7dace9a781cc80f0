import { DurableObject } from "cloudflare:workers";

interface Env {
  ROOMS: DurableObjectNamespace<ChatRoom>;
}

interface Member {
  name: string;
}

const HISTORY = 50;

export class ChatRoom extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, name TEXT NOT NULL, text TEXT NOT NULL, at INTEGER NOT NULL)",
    );
    // Keep-alive pings are answered without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  async fetch(request: Request): Promise<Response> {
    const name = new URL(request.url).searchParams.get("name") || "anonymous";
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server, [name]);
    server.serializeAttachment({ name } satisfies Member);
    for (const message of this.history()) server.send(JSON.stringify({ type: "history", ...message }));
    this.broadcast({ type: "joined", name });
    return new Response(null, { status: 101, webSocket: client });
  }

  // SQL runs synchronously: the rows are there as soon as exec() returns.
  history(): { name: string; text: string; at: number }[] {
    return this.ctx.storage.sql
      .exec<{ name: string; text: string; at: number }>(
        "SELECT name, text, at FROM messages ORDER BY id DESC LIMIT ?",
        HISTORY,
      )
      .toArray()
      .reverse();
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    if (typeof message !== "string") return;
    const { name } = ws.deserializeAttachment() as Member;
    const at = Date.now();
    this.ctx.storage.sql.exec("INSERT INTO messages (name, text, at) VALUES (?, ?, ?)", name, message, at);
    this.broadcast({ type: "message", name, text: message, at });
  }

  async webSocketClose(ws: WebSocket): Promise<void> {
    const { name } = ws.deserializeAttachment() as Member;
    this.broadcast({ type: "left", name }, ws);
  }

  broadcast(event: object, except?: WebSocket): void {
    const text = JSON.stringify(event);
    for (const peer of this.ctx.getWebSockets()) {
      if (peer !== except) peer.send(text);
    }
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const match = url.pathname.match(/^\/rooms\/([\w-]{1,64})(\/history)?$/);
    if (!match) return new Response("GET /rooms/<name> with Upgrade: websocket, or /rooms/<name>/history", { status: 404 });
    const room = env.ROOMS.getByName(match[1]);
    if (match[2]) return Response.json(await room.history());
    if (request.headers.get("Upgrade") !== "websocket") return new Response("expected Upgrade: websocket", { status: 426 });
    return room.fetch(request);
  },
};
