// Bodies sent to the host in pieces, for the bindings that store them (R2, the Cache API).
// A host call carries at most PIECE bytes, so a body goes as `start` (the first piece and
// the binding's own arguments) and then `next` calls, each `{id, final}` with a piece; a
// failure sends `abort`. The host answers each call with `{id?, result?}`: the start's
// `id` names the upload (none: the host wants no more, e.g. a response the cache will not
// store), and the final answer's `result` is what `upload` resolves with.

const {
  ArrayPrototypePush, ArrayBufferIsView, Promise: PromiseCtor, PromisePrototypeThen,
  TypeError: TypeErrorCtor, TypedArrayPrototypeByteLengthGetter, TypedArrayPrototypeSet,
  TypedArrayPrototypeSlice, TypedArrayPrototypeSubarray, Uint8Array: U8,
} = internals.primordials;

const PIECE = 256 * 1024; // the bridge's limit on one host call's bytes

function hostCall(op, args, bytes) { return internals.host.call(op, args, bytes); }

// One Uint8Array of `total` bytes holding `chunks` (Uint8Arrays) in order.
function concat(chunks, total) {
  if (chunks.length === 1) return chunks[0];
  const out = new U8(total);
  let offset = 0;
  for (let i = 0; i < chunks.length; i++) {
    TypedArrayPrototypeSet(out, chunks[i], offset);
    offset += TypedArrayPrototypeByteLengthGetter(chunks[i]);
  }
  return out;
}

// upload({start, next, abort}, startArgs, Uint8Array | ReadableStream) -> Promise<result>.
// `startArgs.final` is set: true when the first piece is the whole body.
function upload(ops, startArgs, source) {
  if (ArrayBufferIsView(source)) return uploadBytes(ops, startArgs, source);
  return uploadStream(ops, startArgs, source);
}

function uploadBytes(ops, startArgs, bytes) {
  const length = bytes.length;
  startArgs.final = length <= PIECE;
  const first = startArgs.final ? bytes : TypedArrayPrototypeSubarray(bytes, 0, PIECE);
  return PromisePrototypeThen(hostCall(ops.start, startArgs, length > 0 ? first : undefined), (r) => {
    const head = r[0];
    if (startArgs.final || head.id === undefined) return head.result;
    const id = head.id;
    const next = (offset) => {
      const end = offset + PIECE < length ? offset + PIECE : length;
      const final = end === length;
      return PromisePrototypeThen(
        hostCall(ops.next, { id, final }, TypedArrayPrototypeSubarray(bytes, offset, end)),
        (res) => (final ? res[0].result : next(end)),
        (err) => { hostCall(ops.abort, { id }); throw err; });
    };
    return next(PIECE);
  });
}

function uploadStream(ops, startArgs, stream) {
  const reader = internals.streams.reader(stream);
  return new PromiseCtor((resolve, reject) => {
    let id = null;
    let settled = false;
    const fail = (err) => {
      if (settled) return;
      settled = true;
      if (id !== null) hostCall(ops.abort, { id });
      try { reader.cancel(err); } catch { /* already done */ }
      reject(err);
    };
    const finish = (result) => {
      settled = true;
      try { reader.release(); } catch { /* already done */ }
      resolve(result);
    };
    // Send `bytes` in pieces of at most PIECE, then call `then`.
    const send = (bytes, final, then) => {
      let offset = 0;
      const step = () => {
        const end = bytes.length - offset > PIECE ? offset + PIECE : bytes.length;
        const piece = TypedArrayPrototypeSubarray(bytes, offset, end);
        const last = final && end === bytes.length;
        offset = end;
        let call;
        if (id === null) {
          startArgs.final = last;
          call = hostCall(ops.start, startArgs, piece.length > 0 ? piece : undefined);
        } else {
          call = hostCall(ops.next, { id, final: last }, piece.length > 0 ? piece : undefined);
        }
        PromisePrototypeThen(call, (r) => {
          const head = r[0];
          if (id === null && !last) {
            if (head.id === undefined) {
              // The host wants no more: the rest of the body is not read.
              settled = true;
              try { reader.cancel(undefined); } catch { /* already done */ }
              resolve(head.result);
              return;
            }
            id = head.id;
          }
          if (last) { finish(head.result); return; }
          if (offset < bytes.length) step(); else then();
        }, fail);
      };
      step();
    };
    // Until the first piece is full, chunks gather: a small body goes in one call.
    let gathered = [];
    let gatheredBytes = 0;
    const takeGathered = () => {
      const out = concat(gathered, gatheredBytes);
      gathered = null;
      return out;
    };
    const next = () => {
      reader.read((chunk) => {
        if (!ArrayBufferIsView(chunk)) { fail(new TypeErrorCtor("This ReadableStream did not return bytes.")); return; }
        // A copy: the producer may reuse its buffer once read() moves on.
        const copy = TypedArrayPrototypeSlice(new U8(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if (copy.length === 0) { next(); return; }
        if (gathered === null) { send(copy, false, next); return; }
        ArrayPrototypePush(gathered, copy);
        gatheredBytes += copy.length;
        if (gatheredBytes < PIECE) next(); else send(takeGathered(), false, next);
      }, () => send(gathered === null ? new U8(0) : takeGathered(), true, () => {}), fail);
    };
    next();
  });
}

internals.pieces = { PIECE, concat, upload };
