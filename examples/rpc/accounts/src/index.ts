import { RpcTarget, WorkerEntrypoint } from "cloudflare:workers";

interface Env {
  USERS: KVNamespace;
}

export interface User {
  id: string;
  name: string;
  createdAt: Date;
  tags: Set<string>;
}

// Returned by reference: the caller gets a stub whose calls come back here.
class Session extends RpcTarget {
  #user: User;
  constructor(user: User) {
    super();
    this.#user = user;
  }
  whoami(): string {
    return `${this.#user.name} (${this.#user.id})`;
  }
  hasTag(tag: string): boolean {
    return this.#user.tags.has(tag);
  }
}

export default class Accounts extends WorkerEntrypoint<Env> {
  async fetch(): Promise<Response> {
    return new Response("accounts: call me over RPC", { status: 404 });
  }

  async create(name: string, tags: string[]): Promise<User> {
    if (!name) throw new RangeError("name must not be empty");
    const user: User = { id: crypto.randomUUID(), name, createdAt: new Date(), tags: new Set(tags) };
    await this.env.USERS.put(user.id, JSON.stringify({ ...user, tags: [...user.tags] }));
    return user;
  }

  async get(id: string): Promise<User | null> {
    const raw = await this.env.USERS.get<{ id: string; name: string; createdAt: string; tags: string[] }>(id, "json");
    if (raw === null) return null;
    return { ...raw, createdAt: new Date(raw.createdAt), tags: new Set(raw.tags) };
  }

  async login(id: string): Promise<Session> {
    const user = await this.get(id);
    if (user === null) throw new Error(`no user ${id}`);
    return new Session(user);
  }

  // A callback from the caller, called here.
  async each(ids: string[], visit: (user: User) => Promise<void> | void): Promise<number> {
    let n = 0;
    for (const id of ids) {
      const user = await this.get(id);
      if (user !== null) {
        await visit(user);
        n++;
      }
    }
    return n;
  }
}
