// An upload service on Cloudflare Workers: file bodies in R2, an index of them in KV.
//
//   PUT    /files/:name   store the request body (Content-Length required), 201 + details
//   GET    /files/:name   the file, with its HTTP metadata and ETag; If-None-Match, Range
//   HEAD   /files/:name   the same headers, no body
//   DELETE /files/:name   remove the file and its index entry, 204
//   GET    /files         every indexed file, as JSON
//
// Bodies are streamed both ways and never held in memory.

export interface Env {
  INDEX: KVNamespace; // `file:<name>` -> FileInfo
  FILES: R2Bucket; // `<name>` -> the file's bytes
}

/** What the index records for each file. */
interface FileInfo {
  name: string;
  size: number;
  contentType: string;
  uploaded: string; // ISO 8601, R2's upload time
  etag: string; // R2's etag (the body's MD5), unquoted
  sha256: string; // hex, computed while the body streamed into R2
}

/** The KV metadata of an index key: FileInfo without the name (the key already has it). */
type IndexMetadata = Omit<FileInfo, "name">;

const PREFIX = "file:";
const MAX_NAME_BYTES = 512 - PREFIX.length; // KV keys are at most 512 bytes
const MAX_CONTENT_TYPE = 256; // keeps the KV metadata far below its 1024-byte limit

const encoder = new TextEncoder();

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === "/files") {
      if (request.method !== "GET" && request.method !== "HEAD") return notAllowed("GET, HEAD");
      return listFiles(env);
    }
    if (!pathname.startsWith("/files/")) return error(404, "Not found");
    let name: string;
    try {
      name = decodeURIComponent(pathname.slice("/files/".length));
    } catch {
      return error(400, "The file name is not valid percent-encoded UTF-8");
    }
    if (name === "") return error(400, "The file name is empty");
    if (encoder.encode(name).length > MAX_NAME_BYTES) {
      return error(400, `The file name is longer than ${MAX_NAME_BYTES} bytes`);
    }
    switch (request.method) {
      case "PUT":
        return putFile(request, env, name);
      case "GET":
      case "HEAD":
        return getFile(request, env, name);
      case "DELETE":
        return deleteFile(env, name);
      default:
        return notAllowed("GET, HEAD, PUT, DELETE");
    }
  },
} satisfies ExportedHandler<Env>;

async function putFile(request: Request, env: Env, name: string): Promise<Response> {
  const contentType = request.headers.get("content-type") ?? "application/octet-stream";
  if (contentType.length > MAX_CONTENT_TYPE) {
    return error(400, `Content-Type is longer than ${MAX_CONTENT_TYPE} characters`);
  }
  const declared = request.headers.get("content-length");
  // R2 needs a body's length before it starts: a chunked upload cannot be streamed in.
  if (request.body !== null && declared === null) return error(411, "Content-Length is required");
  const size = Number(declared ?? 0);

  let object: R2Object;
  let digest: ArrayBuffer;
  const httpMetadata = { contentType };
  if (request.body === null || size === 0) {
    object = await env.FILES.put(name, new Uint8Array(0), { httpMetadata });
    digest = await crypto.subtle.digest("SHA-256", new Uint8Array(0));
  } else {
    // One branch of the body goes to R2 (through a FixedLengthStream, which tells R2 the
    // length), the other through a DigestStream: the SHA-256 is ready when R2 has it all.
    const [toBucket, toHash] = request.body.tee();
    const fixed = new FixedLengthStream(size);
    const hasher = new crypto.DigestStream("SHA-256");
    const [stored] = await Promise.all([
      env.FILES.put(name, fixed.readable, { httpMetadata }),
      toBucket.pipeTo(fixed.writable),
      toHash.pipeTo(hasher),
    ]);
    object = stored;
    digest = await hasher.digest;
  }

  const info: FileInfo = {
    name,
    size: object.size,
    contentType,
    uploaded: object.uploaded.toISOString(),
    etag: object.etag,
    sha256: hex(digest),
  };
  const { name: _, ...metadata } = info;
  await env.INDEX.put(PREFIX + name, JSON.stringify(info), { metadata });
  return Response.json(info, {
    status: 201,
    headers: { etag: object.httpEtag, location: `/files/${encodeURIComponent(name)}` },
  });
}

async function getFile(request: Request, env: Env, name: string): Promise<Response> {
  // R2 reads `Range`, `If-None-Match`, `If-Match`, `If-Modified-Since` and
  // `If-Unmodified-Since` straight from the request's headers.
  const object = await env.FILES.get(name, { range: request.headers, onlyIf: request.headers });
  if (object === null) return error(404, `No file named ${JSON.stringify(name)}`);

  const headers = new Headers();
  object.writeHttpMetadata(headers);
  headers.set("etag", object.httpEtag);
  headers.set("last-modified", object.uploaded.toUTCString());
  headers.set("accept-ranges", "bytes");

  if (!("body" in object)) {
    // A precondition failed: R2 returned the object's details without its body.
    const status = failedIfMatch(request.headers, object) ? 412 : 304;
    return new Response(null, { status, headers });
  }

  let status = 200;
  const range = object.range;
  if (request.headers.has("range") && range !== undefined) {
    const offset = "suffix" in range ? object.size - range.suffix : (range.offset ?? 0);
    const length = "suffix" in range ? range.suffix : (range.length ?? object.size - offset);
    if (offset !== 0 || length !== object.size) {
      status = 206;
      headers.set("content-range", `bytes ${offset}-${offset + length - 1}/${object.size}`);
    }
  }
  return new Response(object.body, { status, headers });
}

async function deleteFile(env: Env, name: string): Promise<Response> {
  const [object, indexed] = await Promise.all([env.FILES.head(name), env.INDEX.get(PREFIX + name)]);
  if (object === null && indexed === null) return error(404, `No file named ${JSON.stringify(name)}`);
  // The index first: a file that is listed can always be fetched.
  await env.INDEX.delete(PREFIX + name);
  await env.FILES.delete(name);
  return new Response(null, { status: 204 });
}

async function listFiles(env: Env): Promise<Response> {
  const files: FileInfo[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.INDEX.list<IndexMetadata>({ prefix: PREFIX, cursor });
    for (const key of page.keys) {
      if (key.metadata) files.push({ name: key.name.slice(PREFIX.length), ...key.metadata });
    }
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor !== undefined);
  return Response.json({ files });
}

/** Whether the request's If-Match (or If-Unmodified-Since) is what failed. */
function failedIfMatch(headers: Headers, object: R2Object): boolean {
  const ifMatch = headers.get("if-match");
  if (ifMatch !== null) {
    const tags = ifMatch.split(",").map((t) => t.trim());
    if (!tags.includes("*") && !tags.includes(object.httpEtag)) return true;
  }
  const since = headers.get("if-unmodified-since");
  if (ifMatch === null && since !== null) {
    const date = Date.parse(since);
    if (!Number.isNaN(date) && Math.floor(object.uploaded.getTime() / 1000) * 1000 > date) return true;
  }
  return false;
}

function hex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function error(status: number, message: string): Response {
  return Response.json({ error: message }, { status });
}

function notAllowed(allow: string): Response {
  return Response.json({ error: "Method not allowed" }, { status: 405, headers: { allow } });
}
