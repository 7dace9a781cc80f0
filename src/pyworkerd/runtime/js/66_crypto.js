// crypto: the parts in place so far. digest runs on the host (hashlib).
// (getRandomValues, randomUUID and the rest of SubtleCrypto come with the Web platform work.)

const { TypeError: TypeErrorCtor, Promise: PromiseCtor, PromisePrototypeThen } = internals.primordials;

function bytesOf(data, method) {
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeErrorCtor(`Failed to execute '${method}' on 'SubtleCrypto': parameter 2 is not of type 'ArrayBuffer or ArrayBufferView'.`);
}

function algorithmName(algorithm) {
  if (typeof algorithm === "string") return algorithm;
  if (algorithm !== null && typeof algorithm === "object" && typeof algorithm.name === "string") {
    return algorithm.name;
  }
  throw new TypeErrorCtor("Algorithm: Unrecognized name");
}

class SubtleCrypto {
  constructor() { throw new TypeErrorCtor("Illegal constructor"); }
  digest(algorithm, data) {
    try {
      const name = algorithmName(algorithm);
      const bytes = bytesOf(data, "digest");
      return PromisePrototypeThen(internals.host.call("crypto.digest", name, bytes),
        ([, digest]) => digest.buffer);
    } catch (err) {
      return PromiseCtor.reject(err);
    }
  }
}

class Crypto {
  constructor() { throw new TypeErrorCtor("Illegal constructor"); }
  get subtle() { return subtle; }
}

const subtle = Object.create(SubtleCrypto.prototype);
internals.defineGlobal("SubtleCrypto", SubtleCrypto);
internals.defineGlobal("Crypto", Crypto);
internals.defineGlobal("crypto", Object.create(Crypto.prototype));
