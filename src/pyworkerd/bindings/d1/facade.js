// env.<D1 binding>: D1Database, D1DatabaseSession and D1PreparedStatement with the shapes and
// error wording of workerd's D1 API (src/cloudflare/internal/d1-api.ts). The SQL itself runs in
// Python (bindings/d1/gateway.py) through the host op "d1.query", which answers with
// {columns, rows} per statement, or {success: false, error}.

const { ArrayIsArray, ArrayBufferIsView, ArrayPrototypeMap, ArrayPrototypeEvery,
  ArrayPrototypePush, ArrayPrototypeSlice, ObjectFromEntries, ObjectDefineProperty,
  StringPrototypeSplit, StringPrototypeTrim, StringPrototypeLocaleCompare,
  Error: ErrorCtor, String: StringCtor, Uint8Array: U8, ArrayBuffer: ArrayBufferCtor,
  TypedArrayPrototypeBufferGetter, TypedArrayPrototypeByteOffsetGetter,
  TypedArrayPrototypeByteLengthGetter, DataViewPrototypeBufferGetter,
  DataViewPrototypeByteOffsetGetter, DataViewPrototypeByteLengthGetter,
  DataView: DataViewCtor, WeakMap: WeakMapCtor, WeakMapPrototypeGet, WeakMapPrototypeSet,
  ArrayFrom } = internals.primordials;

const FIRST_PRIMARY = "first-primary";
const FIRST_UNCONSTRAINED = "first-unconstrained";

function d1Error(prefix, message) {
  return new ErrorCtor(`${prefix}: ${message}`, { cause: new ErrorCtor(message) });
}

function describe(value) {
  try { return StringCtor(value); } catch { return "[object]"; }
}

// bind(): what D1 accepts, as JSON for the host (BLOBs as arrays of bytes).
function toParam(value) {
  const type = typeof value;
  if (type === "number" || type === "string") return value;
  if (type === "boolean") return value ? 1 : 0;
  if (type === "object") {
    if (value === null) return null;
    if (ArrayIsArray(value) &&
        ArrayPrototypeEvery(value, (b) => typeof b === "number" && b >= 0 && b < 256)) {
      return ArrayPrototypeSlice(value);
    }
    if (value instanceof ArrayBufferCtor) return ArrayFrom(new U8(value));
    if (ArrayBufferIsView(value)) {
      const bytes = value instanceof DataViewCtor
        ? new U8(DataViewPrototypeBufferGetter(value), DataViewPrototypeByteOffsetGetter(value),
          DataViewPrototypeByteLengthGetter(value))
        : new U8(TypedArrayPrototypeBufferGetter(value), TypedArrayPrototypeByteOffsetGetter(value),
          TypedArrayPrototypeByteLengthGetter(value));
      return ArrayFrom(bytes);
    }
  }
  const shown = describe(value);
  throw d1Error("D1_TYPE_ERROR", `Type '${type}' not supported for value '${shown}'`);
}

function toObjects(result) {
  const { columns, rows } = result.results;
  return ArrayPrototypeMap(rows, (row) =>
    ObjectFromEntries(ArrayPrototypeMap(columns, (name, i) => [name, row[i]])));
}

function toResult(result) {
  return { success: true, meta: result.meta, results: toObjects(result) };
}

const sessionState = new WeakMapCtor();

async function send(session, queries, lines) {
  const state = WeakMapPrototypeGet(sessionState, session);
  const [answer] = await internals.host.call("d1.query", { binding: state.binding, queries, lines });
  if (ArrayIsArray(answer)) {
    for (const result of answer) {
      if (result.bookmark) updateBookmark(state, result.bookmark);
      delete result.bookmark;
    }
  }
  return answer;
}

async function sendOrThrow(session, queries) {
  const answer = await send(session, queries, false);
  const first = ArrayIsArray(answer) ? answer[0] : answer;
  if (!first || first.success !== true) {
    throw d1Error("D1_ERROR", first ? first.error : "Something went wrong");
  }
  return answer;
}

function updateBookmark(state, bookmark) {
  if (state.alwaysPrimary) return;
  const current = currentBookmark(state);
  if (current === null || StringPrototypeLocaleCompare(current, bookmark) < 0) {
    state.bookmarkOrConstraint = bookmark;
  }
}

function currentBookmark(state) {
  if (state.alwaysPrimary) return null;
  const value = state.bookmarkOrConstraint;
  return value === FIRST_PRIMARY || value === FIRST_UNCONSTRAINED ? null : value;
}

class D1PreparedStatement {
  #session;
  constructor(session, statement, params) {
    this.#session = session;
    ObjectDefineProperty(this, "statement", { value: statement, enumerable: true });
    ObjectDefineProperty(this, "params", { value: params || [], enumerable: true });
  }

  bind(...values) {
    return new D1PreparedStatement(this.#session, this.statement, ArrayPrototypeMap(values, toParam));
  }

  async first(colName) {
    const [result] = await sendOrThrow(this.#session, [this.#query()]);
    const rows = toObjects(result);
    if (rows.length === 0) return null;
    const row = rows[0];
    if (colName !== undefined) {
      if (row[colName] === undefined) {
        throw new ErrorCtor(`D1_COLUMN_NOTFOUND: Column not found (${colName})`,
          { cause: new ErrorCtor("Column not found") });
      }
      return row[colName];
    }
    return row;
  }

  async run() {
    const [result] = await sendOrThrow(this.#session, [this.#query()]);
    return toResult(result);
  }

  async all() {
    const [result] = await sendOrThrow(this.#session, [this.#query()]);
    return toResult(result);
  }

  async raw(options) {
    const [result] = await sendOrThrow(this.#session, [this.#query()]);
    const out = [];
    if (options?.columnNames) ArrayPrototypePush(out, result.results.columns);
    for (const row of result.results.rows) ArrayPrototypePush(out, row);
    return out;
  }

  #query() {
    return { sql: StringCtor(this.statement), params: this.params };
  }
}

async function runBatch(session, statements) {
  const queries = ArrayPrototypeMap(statements, (s) => ({ sql: StringCtor(s.statement), params: s.params }));
  const answer = await sendOrThrow(session, queries);
  return ArrayPrototypeMap(answer, toResult);
}

class D1DatabaseSession {
  constructor(binding, bookmarkOrConstraint, alwaysPrimary) {
    if (!bookmarkOrConstraint) throw new ErrorCtor("D1_SESSION_ERROR: invalid bookmark or constraint");
    WeakMapPrototypeSet(sessionState, this, { binding, bookmarkOrConstraint, alwaysPrimary: !!alwaysPrimary });
  }
  prepare(query) {
    return new D1PreparedStatement(this, query);
  }
  async batch(statements) {
    return runBatch(this, statements);
  }
  getBookmark() {
    return currentBookmark(WeakMapPrototypeGet(sessionState, this));
  }
}

class D1Database {
  #binding;
  #primary;
  constructor(binding) {
    this.#binding = binding;
    this.#primary = new D1DatabaseSession(binding, FIRST_PRIMARY, true);
  }

  prepare(query) {
    return new D1PreparedStatement(this.#primary, query);
  }

  async batch(statements) {
    return runBatch(this.#primary, statements);
  }

  // One statement per line, as D1 runs them; all in one transaction here.
  async exec(query) {
    const lines = StringPrototypeSplit(StringPrototypeTrim(StringCtor(query)), "\n");
    const queries = ArrayPrototypeMap(lines, (sql) => ({ sql, params: [] }));
    const answer = await send(this.#primary, queries, true);
    if (!ArrayIsArray(answer)) {
      const index = typeof answer.line === "number" ? answer.line : 0;
      const detail = `Error in line ${index + 1}: ${lines[index]}: ${answer.error}`;
      throw new ErrorCtor(`D1_EXEC_ERROR: ${detail}`, { cause: new ErrorCtor(detail) });
    }
    let duration = 0;
    for (const result of answer) duration += result.meta.duration;
    return { count: answer.length, duration };
  }

  withSession(constraintOrBookmark) {
    let value = constraintOrBookmark == null ? "" : StringPrototypeTrim(StringCtor(constraintOrBookmark));
    if (value === "") value = FIRST_UNCONSTRAINED;
    return new D1DatabaseSession(this.#binding, value, false);
  }

  // Deprecated, and only ever served by alpha databases: local D1 has no dump endpoint.
  async dump() {
    internals.assertInRequest();
    throw new ErrorCtor("D1_DUMP_ERROR: Status + 404", { cause: new ErrorCtor("Status 404") });
  }
}

internals.bindings.d1 = (descriptor, name) => new D1Database(name);
