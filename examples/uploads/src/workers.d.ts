// The part of the Workers runtime's types that this example uses, so that it type-checks
// with nothing installed (`npx -p typescript tsc -p .`). In a project with
// `@cloudflare/workers-types` or `wrangler types`, delete this file: they declare all of it.

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
}

interface ExportedHandler<Env = unknown> {
  fetch?(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response>;
}

// KV
interface KVNamespaceListKey<Metadata> {
  name: string;
  expiration?: number;
  metadata?: Metadata;
}

type KVNamespaceListResult<Metadata> =
  | { list_complete: false; keys: KVNamespaceListKey<Metadata>[]; cursor: string }
  | { list_complete: true; keys: KVNamespaceListKey<Metadata>[] };

interface KVNamespace {
  get(key: string): Promise<string | null>;
  put(
    key: string,
    value: string | ArrayBuffer | ArrayBufferView | ReadableStream,
    options?: { expiration?: number; expirationTtl?: number; metadata?: unknown },
  ): Promise<void>;
  delete(key: string): Promise<void>;
  list<Metadata = unknown>(options?: {
    prefix?: string | null;
    limit?: number;
    cursor?: string | null;
  }): Promise<KVNamespaceListResult<Metadata>>;
}

// R2
interface R2HTTPMetadata {
  contentType?: string;
  contentLanguage?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  cacheControl?: string;
  cacheExpiry?: Date;
}

type R2Range = { offset: number; length?: number } | { offset?: number; length: number } | { suffix: number };

interface R2Conditional {
  etagMatches?: string;
  etagDoesNotMatch?: string;
  uploadedBefore?: Date;
  uploadedAfter?: Date;
}

interface R2Object {
  readonly key: string;
  readonly version: string;
  readonly size: number;
  readonly etag: string;
  readonly httpEtag: string;
  readonly uploaded: Date;
  readonly httpMetadata?: R2HTTPMetadata;
  readonly customMetadata?: Record<string, string>;
  readonly range?: R2Range;
  writeHttpMetadata(headers: Headers): void;
}

interface R2ObjectBody extends R2Object {
  readonly body: ReadableStream;
  readonly bodyUsed: boolean;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}

interface R2Bucket {
  head(key: string): Promise<R2Object | null>;
  get(
    key: string,
    options?: { onlyIf?: R2Conditional | Headers; range?: R2Range | Headers },
  ): Promise<R2ObjectBody | R2Object | null>;
  put(
    key: string,
    value: ReadableStream | ArrayBuffer | ArrayBufferView | string | null | Blob,
    options?: {
      httpMetadata?: R2HTTPMetadata | Headers;
      customMetadata?: Record<string, string>;
      sha256?: ArrayBuffer | string;
    },
  ): Promise<R2Object>;
  delete(keys: string | string[]): Promise<void>;
}

// Streams that only the Workers runtime has
declare class FixedLengthStream extends TransformStream<ArrayBuffer | ArrayBufferView, Uint8Array> {
  constructor(expectedLength: number | bigint);
}

declare class DigestStream extends WritableStream<ArrayBuffer | ArrayBufferView> {
  constructor(algorithm: string | { name: string });
  readonly digest: Promise<ArrayBuffer>;
}

interface Crypto {
  DigestStream: typeof DigestStream;
}
