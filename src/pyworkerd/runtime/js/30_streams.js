// The WHATWG Streams Standard (https://streams.spec.whatwg.org/), written from the spec's
// abstract operations: ReadableStream (default and byte streams, default and BYOB readers,
// tee, pipeTo/pipeThrough, from, async iteration), WritableStream, TransformStream and the
// queuing strategies; plus workerd's IdentityTransformStream and FixedLengthStream.
//
// Layout. Every public object (a ReadableStream, a reader, a controller...) holds one
// #private field pointing at a plain "record" that carries the spec's internal slots
// ([[state]], [[queue]], ...). The abstract operations work on records only; a record's
// `obj` is the public object, created once. Brand checks are `#field in value` tests.
//
// Read requests ("chunk steps / close steps / error steps") are objects with `chunk`,
// `close` and `error` methods, so a read allocates no closures. Queues are arrays with a
// moving head. Promises are settled through `Deferred`s (capability records).
//
// Where workerd's message for an error is known it is used, else the spec's wording.
//
// For the rest of the runtime: internals.streams (see the end of this file).

const {
  ArrayBuffer: ArrayBufferCtor,
  ArrayBufferIsView,
  ArrayBufferPrototypeByteLengthGetter,
  ArrayBufferPrototypeDetachedGetter,
  ArrayBufferPrototypeSlice,
  ArrayBufferPrototypeTransfer,
  ArrayBufferPrototypeTransferToFixedLength,
  ArrayPrototypeSlice,
  BigInt64Array,
  BigUint64Array,
  DataView: DataViewCtor,
  DataViewPrototypeBufferGetter,
  DataViewPrototypeByteLengthGetter,
  DataViewPrototypeByteOffsetGetter,
  Error: ErrorCtor,
  Float32Array,
  Float64Array,
  FunctionPrototypeBind,
  FunctionPrototypeCall,
  Int16Array,
  Int32Array,
  Int8Array,
  MathMin,
  MathTrunc,
  Number: NumberCtor,
  NumberIsFinite,
  NumberIsNaN,
  ObjectCreate,
  ObjectDefineProperty,
  ObjectGetOwnPropertyDescriptor,
  ObjectGetOwnPropertyDescriptors,
  ObjectGetPrototypeOf,
  ObjectSetPrototypeOf,
  Promise: PromiseCtor,
  PromisePrototypeThen,
  RangeError: RangeErrorCtor,
  ReflectDefineProperty,
  ReflectDeleteProperty,
  ReflectOwnKeys,
  String: StringCtor,
  SymbolAsyncIterator,
  SymbolIterator,
  SymbolToStringTag,
  TypedArray,
  TypedArrayPrototypeBufferGetter,
  TypedArrayPrototypeByteLengthGetter,
  TypedArrayPrototypeByteOffsetGetter,
  TypedArrayPrototypeLengthGetter,
  TypedArrayPrototypeSet,
  TypeError: TypeErrorCtor,
  Uint16Array,
  Uint32Array,
  Uint8Array: U8,
  Uint8ClampedArray,
  globalThis: realGlobal,
  queueMicrotask,
  uncurryThis,
} = internals.primordials;

// ---------------------------------------------------------------------------------------
// Promises

const promiseResolve = FunctionPrototypeBind(internals.primordials.PromiseResolve, PromiseCtor);
const promiseReject = FunctionPrototypeBind(internals.primordials.PromiseReject, PromiseCtor);
const then = PromisePrototypeThen;
function noop() {}
const resolvedUndefined = () => promiseResolve(undefined);

// "Set promise.[[PromiseIsHandled]] to true."
function markHandled(promise) {
  then(promise, undefined, noop);
}

// A promise and its resolving functions. `state` is 0 while pending, 1 fulfilled, 2 rejected
// (as far as this code settled it).
let capturedResolve, capturedReject;
function captureExecutor(resolve, reject) {
  capturedResolve = resolve;
  capturedReject = reject;
}
class Deferred {
  constructor() {
    this.promise = new PromiseCtor(captureExecutor);
    this.resolveFn = capturedResolve;
    this.rejectFn = capturedReject;
    this.state = 0;
  }
  resolve(value) {
    if (this.state !== 0) return;
    this.state = 1;
    this.resolveFn(value);
  }
  reject(reason) {
    if (this.state !== 0) return;
    this.state = 2;
    this.rejectFn(reason);
  }
}
function resolvedDeferred(value) {
  const d = new Deferred();
  d.resolve(value);
  return d;
}
function rejectedDeferred(reason) {
  const d = new Deferred();
  d.reject(reason);
  markHandled(d.promise);
  return d;
}

// Call a user callback that the spec types as returning a promise: a throw becomes a
// rejected promise and the result is "a promise resolved with" it.
function promiseCall0(fn, thisArg) {
  try {
    return promiseResolve(FunctionPrototypeCall(fn, thisArg));
  } catch (e) {
    return promiseReject(e);
  }
}
function promiseCall1(fn, thisArg, a) {
  try {
    return promiseResolve(FunctionPrototypeCall(fn, thisArg, a));
  } catch (e) {
    return promiseReject(e);
  }
}
function promiseCall2(fn, thisArg, a, b) {
  try {
    return promiseResolve(FunctionPrototypeCall(fn, thisArg, a, b));
  } catch (e) {
    return promiseReject(e);
  }
}

// ---------------------------------------------------------------------------------------
// Errors and WebIDL-ish argument handling (browser wording)

function illegalInvocation() {
  return new TypeErrorCtor("Illegal invocation");
}
function illegalConstructor() {
  return new TypeErrorCtor("Illegal constructor");
}
function methodError(iface, method, message) {
  return new TypeErrorCtor(`Failed to execute '${method}' on '${iface}': ${message}`);
}
function ctorError(iface, message) {
  return new TypeErrorCtor(`Failed to construct '${iface}': ${message}`);
}
function notOfType(n, typeName) {
  return `parameter ${n} is not of type '${typeName}'.`;
}
function isObject(v) {
  return v !== null && (typeof v === "object" || typeof v === "function");
}

// DOMException is owned by 05_dom_exception.js; looked up when needed.
function newDOMException(message, name) {
  const DOMExceptionCtor = internals.DOMException || realGlobal.DOMException;
  if (typeof DOMExceptionCtor === "function") return new DOMExceptionCtor(message, name);
  const e = new ErrorCtor(message);
  e.name = name;
  return e;
}

// ToNumber for "unrestricted double": BigInt and Symbol throw TypeError, as ToNumber does.
function toNumber(v) {
  return typeof v === "number" ? v : +v;
}

// [EnforceRange] unsigned long long.
function enforceRangeULL(v, prefix, context) {
  let x = toNumber(v);
  if (!NumberIsFinite(x)) {
    throw new TypeErrorCtor(`${prefix}: ${context} is not a finite number.`);
  }
  x = MathTrunc(x);
  if (x === 0) x = 0; // -0
  if (x < 0 || x > 9007199254740991) {
    throw new TypeErrorCtor(
      `${prefix}: ${context} is outside the accepted range of 0 to 9007199254740991.`);
  }
  return x;
}

// A callback function member of a dictionary: undefined stays undefined.
function callbackMember(dict, key, dictName, prefix) {
  const value = dict[key];
  if (value === undefined) return undefined;
  if (typeof value !== "function") {
    throw new TypeErrorCtor(
      `${prefix}: Failed to read the '${key}' property from '${dictName}': ` +
      "The provided value is not a function.");
  }
  return value;
}

// The dictionary's object (or undefined for undefined/null), else TypeError.
function dictionaryObject(v, dictName, prefix) {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw new TypeErrorCtor(`${prefix}: The provided value is not of type '${dictName}'.`);
  return v;
}

// QueuingStrategy { unrestricted double highWaterMark; QueuingStrategySize size; }
class Strategy {
  constructor(highWaterMark, size) {
    this.highWaterMark = highWaterMark;
    this.size = size;
  }
}
function convertQueuingStrategy(v, prefix) {
  const obj = dictionaryObject(v, "QueuingStrategy", prefix);
  if (obj === undefined) return new Strategy(undefined, undefined);
  let hwm = obj.highWaterMark;
  if (hwm !== undefined) hwm = toNumber(hwm);
  const size = callbackMember(obj, "size", "QueuingStrategy", prefix);
  return new Strategy(hwm, size);
}

// ExtractHighWaterMark(strategy, defaultHWM)
function extractHighWaterMark(strategy, defaultHWM, prefix) {
  const hwm = strategy.highWaterMark;
  // 1. If strategy["highWaterMark"] does not exist, return defaultHWM.
  if (hwm === undefined) return defaultHWM;
  // 3. If highWaterMark is NaN or highWaterMark < 0, throw a RangeError exception.
  if (NumberIsNaN(hwm) || hwm < 0) {
    throw new RangeErrorCtor(
      `${prefix}: A queuing strategy's highWaterMark property must be a nonnegative, non-NaN number.`);
  }
  return hwm;
}

// ExtractSizeAlgorithm(strategy): undefined stands for "return 1".
function extractSizeAlgorithm(strategy) {
  return strategy.size;
}

// ---------------------------------------------------------------------------------------
// Buffers and views

const TypedArrayPrototypeGetSymbolToStringTag = uncurryThis(
  ObjectGetOwnPropertyDescriptor(TypedArray.prototype, SymbolToStringTag).get);
const SharedArrayBufferCtor = realGlobal.SharedArrayBuffer;
const SharedArrayBufferByteLength = SharedArrayBufferCtor
  ? uncurryThis(ObjectGetOwnPropertyDescriptor(SharedArrayBufferCtor.prototype, "byteLength").get)
  : undefined;
const Float16ArrayCtor = realGlobal.Float16Array;

// [[TypedArrayName]] -> [element size, constructor]
const typedArrayTable = ObjectCreate(null);
typedArrayTable.Int8Array = [1, Int8Array];
typedArrayTable.Uint8Array = [1, U8];
typedArrayTable.Uint8ClampedArray = [1, Uint8ClampedArray];
typedArrayTable.Int16Array = [2, Int16Array];
typedArrayTable.Uint16Array = [2, Uint16Array];
typedArrayTable.Int32Array = [4, Int32Array];
typedArrayTable.Uint32Array = [4, Uint32Array];
typedArrayTable.Float32Array = [4, Float32Array];
typedArrayTable.Float64Array = [8, Float64Array];
typedArrayTable.BigInt64Array = [8, BigInt64Array];
typedArrayTable.BigUint64Array = [8, BigUint64Array];
if (Float16ArrayCtor) typedArrayTable.Float16Array = [2, Float16ArrayCtor];

// For a value known to be an ArrayBuffer or a SharedArrayBuffer (a view's buffer). Only a
// SharedArrayBuffer makes the getter throw, so the common case costs no exception.
function isSharedArrayBuffer(buffer) {
  if (SharedArrayBufferByteLength === undefined) return false;
  try {
    ArrayBufferPrototypeByteLengthGetter(buffer);
    return false;
  } catch {
    return true;
  }
}
function isArrayBuffer(v) {
  if (!isObject(v)) return false;
  try {
    ArrayBufferPrototypeByteLengthGetter(v);
    return true;
  } catch {
    return false;
  }
}

// view.[[ViewedArrayBuffer]] / [[ByteOffset]] / [[ByteLength]] for a typed array or DataView.
function viewBuffer(view) {
  return TypedArrayPrototypeGetSymbolToStringTag(view) !== undefined
    ? TypedArrayPrototypeBufferGetter(view) : DataViewPrototypeBufferGetter(view);
}
function viewByteOffset(view) {
  return TypedArrayPrototypeGetSymbolToStringTag(view) !== undefined
    ? TypedArrayPrototypeByteOffsetGetter(view) : DataViewPrototypeByteOffsetGetter(view);
}
function viewByteLength(view) {
  if (TypedArrayPrototypeGetSymbolToStringTag(view) !== undefined) {
    return TypedArrayPrototypeByteLengthGetter(view);
  }
  // A DataView over a detached buffer throws on byteLength; its [[ByteLength]] reads as 0.
  try {
    return DataViewPrototypeByteLengthGetter(view);
  } catch {
    return 0;
  }
}
function bufferByteLength(buffer) {
  return ArrayBufferPrototypeByteLengthGetter(buffer);
}

// IsDetachedBuffer(O)
function isDetachedBuffer(buffer) {
  return ArrayBufferPrototypeDetachedGetter(buffer);
}

// TransferArrayBuffer(O): a new ArrayBuffer with O's data; O is detached. Throws TypeError
// for a buffer that cannot be detached (e.g. a WebAssembly.Memory's).
const transferToFixed = ArrayBufferPrototypeTransferToFixedLength || ArrayBufferPrototypeTransfer;
function transferArrayBuffer(buffer) {
  return transferToFixed(buffer);
}

// CanTransferArrayBuffer(O), as far as JS can tell: not detached and not shared.
function canTransferArrayBuffer(buffer) {
  return !isSharedArrayBuffer(buffer) && !isDetachedBuffer(buffer);
}

// CloneArrayBuffer(srcBuffer, srcByteOffset, srcLength, %ArrayBuffer%)
function cloneArrayBuffer(buffer, byteOffset, byteLength) {
  return ArrayBufferPrototypeSlice(buffer, byteOffset, byteOffset + byteLength);
}

// CopyDataBlockBytes(toBlock, toIndex, fromBlock, fromIndex, count)
function copyBytes(toBuffer, toIndex, fromBuffer, fromIndex, count) {
  TypedArrayPrototypeSet(new U8(toBuffer, toIndex, count), new U8(fromBuffer, fromIndex, count));
}

// IDL conversion to ArrayBufferView (no [AllowShared]).
function isArrayBufferView(v) {
  return ArrayBufferIsView(v) && !isSharedArrayBuffer(viewBuffer(v));
}

// ---------------------------------------------------------------------------------------
// Queues

// A FIFO list with O(1) shift.
class List {
  constructor() {
    this.items = [];
    this.head = 0;
  }
  get size() {
    return this.items.length - this.head;
  }
  push(item) {
    const items = this.items;
    items[items.length] = item;
  }
  peek() {
    return this.items[this.head];
  }
  shift() {
    const items = this.items;
    const head = this.head;
    const item = items[head];
    items[head] = undefined;
    if (head + 1 === items.length) {
      items.length = 0;
      this.head = 0;
    } else if (head >= 1024 && head * 2 >= items.length) {
      this.items = ArrayPrototypeSlice(items, head + 1);
      this.head = 0;
    } else {
      this.head = head + 1;
    }
    return item;
  }
  // Empty the list, returning the old items as a fresh List ("let x be list; set list to
  // a new empty list; for each ... of x").
  take() {
    const old = new List();
    old.items = this.items;
    old.head = this.head;
    this.items = [];
    this.head = 0;
    return old;
  }
}

// "Queue-with-sizes": values and sizes in parallel arrays, totalled on the container's
// [[queueTotalSize]].
class ValueQueue {
  constructor() {
    this.values = [];
    this.sizes = [];
    this.head = 0;
  }
  get size() {
    return this.values.length - this.head;
  }
}

// EnqueueValueWithSize(container, value, size)
function enqueueValueWithSize(container, value, size) {
  // 2. If ! IsNonNegativeNumber(size) is false, throw a RangeError exception.
  // 3. If size is +∞, throw a RangeError exception.
  if (typeof size !== "number" || NumberIsNaN(size) || size < 0 || size === Infinity) {
    throw new RangeErrorCtor(
      "The return value of a queuing strategy's size function must be a finite, non-NaN, non-negative number.");
  }
  const q = container.queue;
  q.values[q.values.length] = value;
  q.sizes[q.sizes.length] = size;
  container.queueTotalSize += size;
}

// DequeueValue(container)
function dequeueValue(container) {
  const q = container.queue;
  const head = q.head;
  const value = q.values[head];
  const size = q.sizes[head];
  q.values[head] = undefined;
  if (head + 1 === q.values.length) {
    q.values.length = 0;
    q.sizes.length = 0;
    q.head = 0;
  } else if (head >= 1024 && head * 2 >= q.values.length) {
    q.values = ArrayPrototypeSlice(q.values, head + 1);
    q.sizes = ArrayPrototypeSlice(q.sizes, head + 1);
    q.head = 0;
  } else {
    q.head = head + 1;
  }
  container.queueTotalSize -= size;
  // 6. If container.[[queueTotalSize]] < 0, set it to 0 (rounding errors).
  if (container.queueTotalSize < 0) container.queueTotalSize = 0;
  return value;
}

// PeekQueueValue(container)
function peekQueueValue(container) {
  const q = container.queue;
  return q.values[q.head];
}

// ResetQueue(container)
function resetQueue(container) {
  container.queue = new ValueQueue();
  container.queueTotalSize = 0;
}

// ---------------------------------------------------------------------------------------
// Interface objects

// WebIDL: operations and attributes are enumerable; @@toStringTag names the interface.
function configureInterface(Class, name) {
  const proto = Class.prototype;
  const descs = ObjectGetOwnPropertyDescriptors(proto);
  const keys = ReflectOwnKeys(descs);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === "constructor" || typeof key === "symbol") continue;
    const desc = descs[key];
    desc.enumerable = true;
    ReflectDefineProperty(proto, key, desc);
  }
  ReflectDefineProperty(proto, SymbolToStringTag, {
    value: name, writable: false, enumerable: false, configurable: true,
  });
}

// Only this file can pass it to a constructor: "create an object without running the
// public constructor's steps".
const kInternal = ObjectCreate(null);

// =======================================================================================
// Streams bound to a request
//
// workerd's rule (internals.requestIo, 40_http.js): its native streams (request and
// response bodies, Blob streams, IdentityTransformStream, FixedLengthStream...) belong to
// the request that made them, and another request's handler may not read, write, cancel or
// tee them. Streams made in JS (new ReadableStream(...), TransformStream) are bound to
// nothing, as in workerd. A record's `owner` is that request's id, 0 for none.

function currentRequest() {
  return internals.requestIo.current();
}
function crossRequestError(owner, ioType) {
  return internals.requestIo.error(owner, ioType);
}
const READABLE_IO = "readable", WRITABLE_IO = "writable", READER_IO = "reader";

// A closed stream has nothing left to do I/O for: workerd answers its reads.
function readableIoError(stream) {
  if (stream.owner === 0 || stream.state === "closed") return undefined;
  return crossRequestError(stream.owner, READABLE_IO);
}
function writableIoError(stream) {
  if (stream.owner === 0 || stream.state === "closed") return undefined;
  return crossRequestError(stream.owner, WRITABLE_IO);
}
// A reader of a bound stream is itself bound, to the request that took it.
function readerCancelError(reader) {
  return crossRequestError(reader.owner, READER_IO) ?? readableIoError(reader.stream);
}

// =======================================================================================
// ReadableStream: records and abstract operations
// https://streams.spec.whatwg.org/#rs-abstract-ops

class ReadableStreamRecord {
  constructor() {
    // InitializeReadableStream(stream)
    this.state = "readable";
    this.reader = undefined;
    this.storedError = undefined;
    this.disturbed = false;
    this.controller = undefined;
    this.obj = undefined;
    // Non-standard: the byte count a byte stream is known to deliver (FixedLengthStream,
    // fromBytes), for Content-Length.
    this.expectedLength = undefined;
    this.owner = 0; // the request a native stream belongs to (see above)
  }
}

class ReaderRecord {
  constructor(byob) {
    this.stream = undefined;
    this.closed = undefined; // Deferred: [[closedPromise]]
    this.requests = new List(); // [[readRequests]] or [[readIntoRequests]]
    this.byob = byob;
    this.obj = undefined;
    this.owner = 0;
  }
}

// IsReadableStreamLocked(stream)
function isReadableStreamLocked(stream) {
  return stream.reader !== undefined;
}

// CreateReadableStream(startAlgorithm, pullAlgorithm, cancelAlgorithm[, highWaterMark[,
// sizeAlgorithm]])
function createReadableStream(startAlgorithm, pullAlgorithm, cancelAlgorithm,
  highWaterMark = 1, sizeAlgorithm = undefined) {
  const stream = new ReadableStreamRecord();
  newReadableStreamObject(stream);
  const controller = new DefaultControllerRecord();
  setUpReadableStreamDefaultController(stream, controller, startAlgorithm, pullAlgorithm,
    cancelAlgorithm, highWaterMark, sizeAlgorithm);
  return stream;
}

// CreateReadableByteStream(startAlgorithm, pullAlgorithm, cancelAlgorithm)
function createReadableByteStream(startAlgorithm, pullAlgorithm, cancelAlgorithm,
  highWaterMark = 0, autoAllocateChunkSize = undefined) {
  const stream = new ReadableStreamRecord();
  newReadableStreamObject(stream);
  const controller = new ByteControllerRecord();
  setUpReadableByteStreamController(stream, controller, startAlgorithm, pullAlgorithm,
    cancelAlgorithm, highWaterMark, autoAllocateChunkSize);
  return stream;
}

// ReadableStreamCancel(stream, reason)
function readableStreamCancel(stream, reason) {
  // 1. Set stream.[[disturbed]] to true.
  stream.disturbed = true;
  // 2. If stream.[[state]] is "closed", return a promise resolved with undefined.
  if (stream.state === "closed") return promiseResolve(undefined);
  // 3. If stream.[[state]] is "errored", return a promise rejected with stream.[[storedError]].
  if (stream.state === "errored") return promiseReject(stream.storedError);
  // 4. Perform ! ReadableStreamClose(stream).
  readableStreamClose(stream);
  // 5-6. If reader is a ReadableStreamBYOBReader, run the close steps of its readIntoRequests.
  const reader = stream.reader;
  if (reader !== undefined && reader.byob) {
    const readIntoRequests = reader.requests.take();
    while (readIntoRequests.size > 0) readIntoRequests.shift().close(undefined);
  }
  // 7. Let sourceCancelPromise be ! stream.[[controller]].[[CancelSteps]](reason).
  const controller = stream.controller;
  const sourceCancelPromise = controller.isByte
    ? byteControllerCancelSteps(controller, reason)
    : defaultControllerCancelSteps(controller, reason);
  // 8. Return the result of reacting to sourceCancelPromise with a fulfillment step that
  //    returns undefined.
  return then(sourceCancelPromise, noop);
}

// ReadableStreamClose(stream)
function readableStreamClose(stream) {
  // 2. Set stream.[[state]] to "closed".
  stream.state = "closed";
  // 3. Let reader be stream.[[reader]]. 4. If reader is undefined, return.
  const reader = stream.reader;
  if (reader === undefined) return;
  // 5. Resolve reader.[[closedPromise]] with undefined.
  reader.closed.resolve(undefined);
  // 6. If reader implements ReadableStreamDefaultReader, run the close steps of its
  //    [[readRequests]].
  if (!reader.byob) {
    const readRequests = reader.requests.take();
    while (readRequests.size > 0) readRequests.shift().close();
  }
}

// ReadableStreamError(stream, e)
function readableStreamError(stream, e) {
  // 2. Set stream.[[state]] to "errored". 3. Set stream.[[storedError]] to e.
  stream.state = "errored";
  stream.storedError = e;
  const reader = stream.reader;
  if (reader === undefined) return;
  // 6. Reject reader.[[closedPromise]] with e; mark it handled.
  reader.closed.reject(e);
  markHandled(reader.closed.promise);
  // 8-9. Error the read requests / read-into requests.
  readerErrorRequests(reader, e);
}

// ReadableStreamAddReadRequest / ReadableStreamAddReadIntoRequest
function readableStreamAddRequest(stream, request) {
  stream.reader.requests.push(request);
}

// ReadableStreamFulfillReadRequest(stream, chunk, done)
function readableStreamFulfillReadRequest(stream, chunk, done) {
  const readRequest = stream.reader.requests.shift();
  if (done) readRequest.close();
  else readRequest.chunk(chunk);
}

// ReadableStreamFulfillReadIntoRequest(stream, chunk, done)
function readableStreamFulfillReadIntoRequest(stream, chunk, done) {
  const readIntoRequest = stream.reader.requests.shift();
  if (done) readIntoRequest.close(chunk);
  else readIntoRequest.chunk(chunk);
}

// ReadableStreamGetNumReadRequests / ReadableStreamGetNumReadIntoRequests
function readableStreamGetNumRequests(stream) {
  return stream.reader.requests.size;
}

// ReadableStreamHasDefaultReader(stream)
function readableStreamHasDefaultReader(stream) {
  const reader = stream.reader;
  return reader !== undefined && !reader.byob;
}

// ReadableStreamHasBYOBReader(stream)
function readableStreamHasBYOBReader(stream) {
  const reader = stream.reader;
  return reader !== undefined && reader.byob;
}

// ---------------------------------------------------------------------------------------
// Readers

// ReadableStreamReaderGenericInitialize(reader, stream)
function readerGenericInitialize(reader, stream) {
  reader.stream = stream;
  if (stream.owner !== 0) reader.owner = currentRequest();
  stream.reader = reader;
  if (stream.state === "readable") {
    reader.closed = new Deferred();
  } else if (stream.state === "closed") {
    reader.closed = resolvedDeferred(undefined);
  } else {
    reader.closed = rejectedDeferred(stream.storedError);
  }
}

// ReadableStreamReaderGenericCancel(reader, reason)
function readerGenericCancel(reader, reason) {
  return readableStreamCancel(reader.stream, reason);
}

function readerReleasedError() {
  return new TypeErrorCtor("This ReadableStream reader has been released.");
}

// ReadableStreamReaderGenericRelease(reader)
function readerGenericRelease(reader) {
  const stream = reader.stream;
  // 4-5. Reject (or replace) [[closedPromise]] with a TypeError; mark it handled.
  if (stream.state === "readable") {
    reader.closed.reject(readerReleasedError());
  } else {
    reader.closed = rejectedDeferred(readerReleasedError());
  }
  markHandled(reader.closed.promise);
  // 7. Perform ! stream.[[controller]].[[ReleaseSteps]]().
  const controller = stream.controller;
  if (controller.isByte) byteControllerReleaseSteps(controller);
  // 8-9.
  stream.reader = undefined;
  reader.stream = undefined;
}

// ReadableStreamDefaultReaderErrorReadRequests / ReadableStreamBYOBReaderErrorReadIntoRequests
function readerErrorRequests(reader, e) {
  const requests = reader.requests.take();
  while (requests.size > 0) requests.shift().error(e);
}

// ReadableStreamDefaultReaderRelease / ReadableStreamBYOBReaderRelease
function readerRelease(reader) {
  readerGenericRelease(reader);
  readerErrorRequests(reader, readerReleasedError());
}

function lockedError() {
  return new TypeErrorCtor("This ReadableStream is currently locked to a reader.");
}

// SetUpReadableStreamDefaultReader(reader, stream)
function setUpDefaultReader(reader, stream) {
  if (isReadableStreamLocked(stream)) throw lockedError();
  readerGenericInitialize(reader, stream);
}

// SetUpReadableStreamBYOBReader(reader, stream)
function setUpBYOBReader(reader, stream) {
  if (isReadableStreamLocked(stream)) throw lockedError();
  if (!stream.controller.isByte) {
    throw new TypeErrorCtor("This ReadableStream does not support BYOB reads.");
  }
  readerGenericInitialize(reader, stream);
}

// AcquireReadableStreamDefaultReader(stream)
function acquireDefaultReader(stream) {
  const reader = new ReaderRecord(false);
  setUpDefaultReader(reader, stream);
  return reader;
}

// AcquireReadableStreamBYOBReader(stream)
function acquireBYOBReader(stream) {
  const reader = new ReaderRecord(true);
  setUpBYOBReader(reader, stream);
  return reader;
}

// ReadableStreamDefaultReaderRead(reader, readRequest)
function defaultReaderRead(reader, readRequest) {
  const stream = reader.stream;
  stream.disturbed = true;
  if (stream.state === "closed") {
    readRequest.close();
  } else if (stream.state === "errored") {
    readRequest.error(stream.storedError);
  } else {
    const controller = stream.controller;
    if (controller.isByte) byteControllerPullSteps(controller, readRequest);
    else defaultControllerPullSteps(controller, readRequest);
  }
}

// ReadableStreamBYOBReaderRead(reader, view, min, readIntoRequest)
function byobReaderRead(reader, view, min, readIntoRequest) {
  const stream = reader.stream;
  stream.disturbed = true;
  if (stream.state === "errored") {
    readIntoRequest.error(stream.storedError);
  } else {
    byteControllerPullInto(stream.controller, view, min, readIntoRequest);
  }
}

// The read request of ReadableStreamDefaultReader.read().
class ReadRequest {
  constructor() {
    this.deferred = new Deferred();
  }
  chunk(chunk) {
    this.deferred.resolve({ value: chunk, done: false });
  }
  close() {
    this.deferred.resolve({ value: undefined, done: true });
  }
  error(e) {
    this.deferred.reject(e);
  }
}

// The read-into request of ReadableStreamBYOBReader.read().
class ReadIntoRequest {
  constructor() {
    this.deferred = new Deferred();
  }
  chunk(chunk) {
    this.deferred.resolve({ value: chunk, done: false });
  }
  close(chunk) {
    this.deferred.resolve({ value: chunk, done: true });
  }
  error(e) {
    this.deferred.reject(e);
  }
}

// =======================================================================================
// ReadableStreamDefaultController
// https://streams.spec.whatwg.org/#rs-default-controller-abstract-ops

class DefaultControllerRecord {
  constructor() {
    this.isByte = false;
    this.stream = undefined;
    this.queue = undefined;
    this.queueTotalSize = 0;
    this.started = false;
    this.closeRequested = false;
    this.pullAgain = false;
    this.pulling = false;
    this.strategySizeAlgorithm = undefined; // undefined: every chunk has size 1
    this.strategyHWM = 1;
    this.pullAlgorithm = undefined;
    this.cancelAlgorithm = undefined;
    this.obj = undefined;
    this.onPullFulfilled = undefined;
    this.onPullRejected = undefined;
  }
}

// ReadableStreamDefaultControllerCallPullIfNeeded(controller)
function defaultControllerCallPullIfNeeded(controller) {
  if (!defaultControllerShouldCallPull(controller)) return;
  if (controller.pulling) {
    controller.pullAgain = true;
    return;
  }
  controller.pulling = true;
  const pullPromise = controller.pullAlgorithm(controller);
  then(pullPromise, controller.onPullFulfilled, controller.onPullRejected);
}

// ReadableStreamDefaultControllerShouldCallPull(controller)
function defaultControllerShouldCallPull(controller) {
  const stream = controller.stream;
  if (!defaultControllerCanCloseOrEnqueue(controller)) return false;
  if (!controller.started) return false;
  if (isReadableStreamLocked(stream) && readableStreamGetNumRequests(stream) > 0) return true;
  return defaultControllerGetDesiredSize(controller) > 0;
}

// ReadableStreamDefaultControllerClearAlgorithms(controller)
function defaultControllerClearAlgorithms(controller) {
  controller.pullAlgorithm = undefined;
  controller.cancelAlgorithm = undefined;
  controller.strategySizeAlgorithm = undefined;
}

// ReadableStreamDefaultControllerClose(controller)
function defaultControllerClose(controller) {
  if (!defaultControllerCanCloseOrEnqueue(controller)) return;
  const stream = controller.stream;
  controller.closeRequested = true;
  if (controller.queue.size === 0) {
    defaultControllerClearAlgorithms(controller);
    readableStreamClose(stream);
  }
}

// ReadableStreamDefaultControllerEnqueue(controller, chunk)
function defaultControllerEnqueue(controller, chunk) {
  if (!defaultControllerCanCloseOrEnqueue(controller)) return;
  const stream = controller.stream;
  // 3. If the stream is locked and has read requests, hand the chunk to the first one.
  if (isReadableStreamLocked(stream) && readableStreamGetNumRequests(stream) > 0) {
    readableStreamFulfillReadRequest(stream, chunk, false);
  } else {
    // 4.1. Let result be the result of performing controller.[[strategySizeAlgorithm]].
    let chunkSize = 1;
    const size = controller.strategySizeAlgorithm;
    if (size !== undefined) {
      try {
        chunkSize = toNumber(FunctionPrototypeCall(size, undefined, chunk));
      } catch (e) {
        // 4.2. If result is abrupt, error the controller and return result.
        defaultControllerError(controller, e);
        throw e;
      }
    }
    try {
      enqueueValueWithSize(controller, chunk, chunkSize);
    } catch (e) {
      defaultControllerError(controller, e);
      throw e;
    }
  }
  defaultControllerCallPullIfNeeded(controller);
}

// ReadableStreamDefaultControllerError(controller, e)
function defaultControllerError(controller, e) {
  const stream = controller.stream;
  if (stream.state !== "readable") return;
  resetQueue(controller);
  defaultControllerClearAlgorithms(controller);
  readableStreamError(stream, e);
}

// ReadableStreamDefaultControllerGetDesiredSize(controller)
function defaultControllerGetDesiredSize(controller) {
  const state = controller.stream.state;
  if (state === "errored") return null;
  if (state === "closed") return 0;
  return controller.strategyHWM - controller.queueTotalSize;
}

// ReadableStreamDefaultControllerHasBackpressure(controller)
function defaultControllerHasBackpressure(controller) {
  return !defaultControllerShouldCallPull(controller);
}

// ReadableStreamDefaultControllerCanCloseOrEnqueue(controller)
function defaultControllerCanCloseOrEnqueue(controller) {
  return !controller.closeRequested && controller.stream.state === "readable";
}

// [[CancelSteps]](reason)
function defaultControllerCancelSteps(controller, reason) {
  resetQueue(controller);
  const result = controller.cancelAlgorithm(reason);
  defaultControllerClearAlgorithms(controller);
  return result;
}

// [[PullSteps]](readRequest)
function defaultControllerPullSteps(controller, readRequest) {
  const stream = controller.stream;
  if (controller.queue.size > 0) {
    const chunk = dequeueValue(controller);
    if (controller.closeRequested && controller.queue.size === 0) {
      defaultControllerClearAlgorithms(controller);
      readableStreamClose(stream);
    } else {
      defaultControllerCallPullIfNeeded(controller);
    }
    readRequest.chunk(chunk);
  } else {
    readableStreamAddRequest(stream, readRequest);
    defaultControllerCallPullIfNeeded(controller);
  }
}

// SetUpReadableStreamDefaultController(stream, controller, startAlgorithm, pullAlgorithm,
// cancelAlgorithm, highWaterMark, sizeAlgorithm)
function setUpReadableStreamDefaultController(stream, controller, startAlgorithm,
  pullAlgorithm, cancelAlgorithm, highWaterMark, sizeAlgorithm) {
  controller.stream = stream;
  resetQueue(controller);
  controller.strategySizeAlgorithm = sizeAlgorithm;
  controller.strategyHWM = highWaterMark;
  controller.pullAlgorithm = pullAlgorithm;
  controller.cancelAlgorithm = cancelAlgorithm;
  controller.onPullFulfilled = () => {
    // 7. Upon fulfillment of pullPromise: pulling = false; if pullAgain, pull again.
    controller.pulling = false;
    if (controller.pullAgain) {
      controller.pullAgain = false;
      defaultControllerCallPullIfNeeded(controller);
    }
  };
  controller.onPullRejected = (e) => {
    defaultControllerError(controller, e);
  };
  newDefaultControllerObject(controller);
  stream.controller = controller;
  // 8. Let startResult be the result of performing startAlgorithm. (This may throw.)
  const startResult = startAlgorithm(controller);
  // 9-11. Upon settlement of a promise resolved with startResult...
  then(promiseResolve(startResult), () => {
    controller.started = true;
    defaultControllerCallPullIfNeeded(controller);
  }, (r) => {
    defaultControllerError(controller, r);
  });
}

// SetUpReadableStreamDefaultControllerFromUnderlyingSource(stream, underlyingSource,
// underlyingSourceDict, highWaterMark, sizeAlgorithm)
function setUpDefaultControllerFromUnderlyingSource(stream, source, dict, highWaterMark,
  sizeAlgorithm) {
  const controller = new DefaultControllerRecord();
  const start = dict.start;
  const pull = dict.pull;
  const cancel = dict.cancel;
  const startAlgorithm = start === undefined ? noop
    : (c) => FunctionPrototypeCall(start, source, c.obj);
  const pullAlgorithm = pull === undefined ? resolvedUndefined
    : (c) => promiseCall1(pull, source, c.obj);
  const cancelAlgorithm = cancel === undefined ? resolvedUndefined
    : (reason) => promiseCall1(cancel, source, reason);
  setUpReadableStreamDefaultController(stream, controller, startAlgorithm, pullAlgorithm,
    cancelAlgorithm, highWaterMark, sizeAlgorithm);
}

// =======================================================================================
// ReadableByteStreamController
// https://streams.spec.whatwg.org/#rbs-controller-abstract-ops

class ByteControllerRecord {
  constructor() {
    this.isByte = true;
    this.stream = undefined;
    this.queue = new List(); // of ByteQueueEntry
    this.queueTotalSize = 0;
    this.started = false;
    this.closeRequested = false;
    this.pullAgain = false;
    this.pulling = false;
    this.byobRequest = null; // BYOBRequestRecord or null
    this.strategyHWM = 0;
    this.pullAlgorithm = undefined;
    this.cancelAlgorithm = undefined;
    this.autoAllocateChunkSize = undefined;
    this.pendingPullIntos = new List(); // of PullIntoDescriptor
    this.obj = undefined;
    this.onPullFulfilled = undefined;
    this.onPullRejected = undefined;
  }
}

// A readable byte stream queue entry.
class ByteQueueEntry {
  constructor(buffer, byteOffset, byteLength) {
    this.buffer = buffer;
    this.byteOffset = byteOffset;
    this.byteLength = byteLength;
  }
}

// A pull-into descriptor. readerType: "default", "byob" or "none".
class PullIntoDescriptor {
  constructor(buffer, bufferByteLength, byteOffset, byteLength, minimumFill, elementSize,
    viewConstructor, readerType) {
    this.buffer = buffer;
    this.bufferByteLength = bufferByteLength;
    this.byteOffset = byteOffset;
    this.byteLength = byteLength;
    this.bytesFilled = 0;
    this.minimumFill = minimumFill;
    this.elementSize = elementSize;
    this.viewConstructor = viewConstructor;
    this.readerType = readerType;
  }
}

class BYOBRequestRecord {
  constructor(controller, view) {
    this.controller = controller;
    this.view = view;
    this.obj = undefined;
  }
}

function byteResetQueue(controller) {
  controller.queue = new List();
  controller.queueTotalSize = 0;
}

// ReadableByteStreamControllerCallPullIfNeeded(controller)
function byteControllerCallPullIfNeeded(controller) {
  if (!byteControllerShouldCallPull(controller)) return;
  if (controller.pulling) {
    controller.pullAgain = true;
    return;
  }
  controller.pulling = true;
  const pullPromise = controller.pullAlgorithm(controller);
  then(pullPromise, controller.onPullFulfilled, controller.onPullRejected);
}

// ReadableByteStreamControllerClearAlgorithms(controller)
function byteControllerClearAlgorithms(controller) {
  controller.pullAlgorithm = undefined;
  controller.cancelAlgorithm = undefined;
}

// ReadableByteStreamControllerClearPendingPullIntos(controller)
function byteControllerClearPendingPullIntos(controller) {
  byteControllerInvalidateBYOBRequest(controller);
  controller.pendingPullIntos = new List();
}

// ReadableByteStreamControllerClose(controller)
function byteControllerClose(controller) {
  const stream = controller.stream;
  if (controller.closeRequested || stream.state !== "readable") return;
  if (controller.queueTotalSize > 0) {
    controller.closeRequested = true;
    return;
  }
  if (controller.pendingPullIntos.size > 0) {
    const firstPendingPullInto = controller.pendingPullIntos.peek();
    if (firstPendingPullInto.bytesFilled % firstPendingPullInto.elementSize !== 0) {
      const e = new TypeErrorCtor("This ReadableStream was closed with a partial read pending.");
      byteControllerError(controller, e);
      throw e;
    }
  }
  byteControllerClearAlgorithms(controller);
  readableStreamClose(stream);
}

// ReadableByteStreamControllerCommitPullIntoDescriptor(stream, pullIntoDescriptor)
function byteControllerCommitPullIntoDescriptor(stream, pullIntoDescriptor) {
  let done = false;
  if (stream.state === "closed") done = true;
  const filledView = byteControllerConvertPullIntoDescriptor(pullIntoDescriptor);
  if (pullIntoDescriptor.readerType === "default") {
    readableStreamFulfillReadRequest(stream, filledView, done);
  } else {
    readableStreamFulfillReadIntoRequest(stream, filledView, done);
  }
}

// ReadableByteStreamControllerConvertPullIntoDescriptor(pullIntoDescriptor)
function byteControllerConvertPullIntoDescriptor(pullIntoDescriptor) {
  const bytesFilled = pullIntoDescriptor.bytesFilled;
  const elementSize = pullIntoDescriptor.elementSize;
  const buffer = transferArrayBuffer(pullIntoDescriptor.buffer);
  const Ctor = pullIntoDescriptor.viewConstructor;
  return new Ctor(buffer, pullIntoDescriptor.byteOffset, bytesFilled / elementSize);
}

// ReadableByteStreamControllerEnqueue(controller, chunk), steps 1-5: the chunk's buffer is
// transferred, then byteControllerEnqueueTransferred does the rest.
function byteControllerEnqueue(controller, chunk) {
  const stream = controller.stream;
  if (controller.closeRequested || stream.state !== "readable") return;
  const buffer = viewBuffer(chunk);
  const byteOffset = viewByteOffset(chunk);
  const byteLength = viewByteLength(chunk);
  if (isDetachedBuffer(buffer)) {
    throw new TypeErrorCtor("The provided ArrayBuffer must be detachable.");
  }
  const transferredBuffer = transferArrayBuffer(buffer);
  byteControllerEnqueueTransferred(controller, transferredBuffer, byteOffset, byteLength);
}

// ReadableByteStreamControllerEnqueue, steps 6-10, for a buffer this stream now owns.
// The runtime's own sources (fromBytes, createPullStream, tee branches) come in here
// directly: their buffers are already theirs, so nothing is detached.
function byteControllerEnqueueTransferred(controller, transferredBuffer, byteOffset,
  byteLength) {
  const stream = controller.stream;
  if (controller.closeRequested || stream.state !== "readable") return;
  // 6. If controller.[[pendingPullIntos]] is not empty,
  if (controller.pendingPullIntos.size > 0) {
    const firstPendingPullInto = controller.pendingPullIntos.peek();
    if (isDetachedBuffer(firstPendingPullInto.buffer)) {
      throw new TypeErrorCtor("The BYOB request's buffer has been detached.");
    }
    byteControllerInvalidateBYOBRequest(controller);
    firstPendingPullInto.buffer = transferArrayBuffer(firstPendingPullInto.buffer);
    if (firstPendingPullInto.readerType === "none") {
      byteControllerEnqueueDetachedPullIntoToQueue(controller, firstPendingPullInto);
    }
  }
  // 7. If ! ReadableStreamHasDefaultReader(stream) is true,
  if (readableStreamHasDefaultReader(stream)) {
    byteControllerProcessReadRequestsUsingQueue(controller);
    if (readableStreamGetNumRequests(stream) === 0) {
      byteControllerEnqueueChunkToQueue(controller, transferredBuffer, byteOffset, byteLength);
    } else {
      if (controller.pendingPullIntos.size > 0) {
        byteControllerShiftPendingPullInto(controller);
      }
      const transferredView = new U8(transferredBuffer, byteOffset, byteLength);
      readableStreamFulfillReadRequest(stream, transferredView, false);
    }
  } else if (readableStreamHasBYOBReader(stream)) {
    // 8.
    byteControllerEnqueueChunkToQueue(controller, transferredBuffer, byteOffset, byteLength);
    const filledPullIntos = byteControllerProcessPullIntoDescriptorsUsingQueue(controller);
    for (let i = 0; i < filledPullIntos.length; i++) {
      byteControllerCommitPullIntoDescriptor(stream, filledPullIntos[i]);
    }
  } else {
    // 9.
    byteControllerEnqueueChunkToQueue(controller, transferredBuffer, byteOffset, byteLength);
  }
  // 10.
  byteControllerCallPullIfNeeded(controller);
}

// ReadableByteStreamControllerEnqueueChunkToQueue(controller, buffer, byteOffset, byteLength)
function byteControllerEnqueueChunkToQueue(controller, buffer, byteOffset, byteLength) {
  controller.queue.push(new ByteQueueEntry(buffer, byteOffset, byteLength));
  controller.queueTotalSize += byteLength;
}

// ReadableByteStreamControllerEnqueueClonedChunkToQueue(controller, buffer, byteOffset,
// byteLength)
function byteControllerEnqueueClonedChunkToQueue(controller, buffer, byteOffset, byteLength) {
  let cloneResult;
  try {
    cloneResult = cloneArrayBuffer(buffer, byteOffset, byteLength);
  } catch (e) {
    byteControllerError(controller, e);
    throw e;
  }
  byteControllerEnqueueChunkToQueue(controller, cloneResult, 0, byteLength);
}

// ReadableByteStreamControllerEnqueueDetachedPullIntoToQueue(controller, pullIntoDescriptor)
function byteControllerEnqueueDetachedPullIntoToQueue(controller, pullIntoDescriptor) {
  if (pullIntoDescriptor.bytesFilled > 0) {
    byteControllerEnqueueClonedChunkToQueue(controller, pullIntoDescriptor.buffer,
      pullIntoDescriptor.byteOffset, pullIntoDescriptor.bytesFilled);
  }
  byteControllerShiftPendingPullInto(controller);
}

// ReadableByteStreamControllerError(controller, e)
function byteControllerError(controller, e) {
  const stream = controller.stream;
  if (stream.state !== "readable") return;
  byteControllerClearPendingPullIntos(controller);
  byteResetQueue(controller);
  byteControllerClearAlgorithms(controller);
  readableStreamError(stream, e);
}

// ReadableByteStreamControllerFillHeadPullIntoDescriptor(controller, size, pullIntoDescriptor)
function byteControllerFillHeadPullIntoDescriptor(controller, size, pullIntoDescriptor) {
  pullIntoDescriptor.bytesFilled += size;
}

// ReadableByteStreamControllerFillPullIntoDescriptorFromQueue(controller, pullIntoDescriptor)
function byteControllerFillPullIntoDescriptorFromQueue(controller, pullIntoDescriptor) {
  const maxBytesToCopy = MathMin(controller.queueTotalSize,
    pullIntoDescriptor.byteLength - pullIntoDescriptor.bytesFilled);
  const maxBytesFilled = pullIntoDescriptor.bytesFilled + maxBytesToCopy;
  let totalBytesToCopyRemaining = maxBytesToCopy;
  let ready = false;
  const remainderBytes = maxBytesFilled % pullIntoDescriptor.elementSize;
  const maxAlignedBytes = maxBytesFilled - remainderBytes;
  // 9. If maxAlignedBytes ≥ pullIntoDescriptor's minimum fill,
  if (maxAlignedBytes >= pullIntoDescriptor.minimumFill) {
    totalBytesToCopyRemaining = maxAlignedBytes - pullIntoDescriptor.bytesFilled;
    ready = true;
  }
  const queue = controller.queue;
  // 11. While totalBytesToCopyRemaining > 0,
  while (totalBytesToCopyRemaining > 0) {
    const headOfQueue = queue.peek();
    const bytesToCopy = MathMin(totalBytesToCopyRemaining, headOfQueue.byteLength);
    const destStart = pullIntoDescriptor.byteOffset + pullIntoDescriptor.bytesFilled;
    copyBytes(pullIntoDescriptor.buffer, destStart, headOfQueue.buffer, headOfQueue.byteOffset,
      bytesToCopy);
    if (headOfQueue.byteLength === bytesToCopy) {
      queue.shift();
    } else {
      headOfQueue.byteOffset += bytesToCopy;
      headOfQueue.byteLength -= bytesToCopy;
    }
    controller.queueTotalSize -= bytesToCopy;
    byteControllerFillHeadPullIntoDescriptor(controller, bytesToCopy, pullIntoDescriptor);
    totalBytesToCopyRemaining -= bytesToCopy;
  }
  return ready;
}

// ReadableByteStreamControllerFillReadRequestFromQueue(controller, readRequest)
function byteControllerFillReadRequestFromQueue(controller, readRequest) {
  const entry = controller.queue.shift();
  controller.queueTotalSize -= entry.byteLength;
  byteControllerHandleQueueDrain(controller);
  const view = new U8(entry.buffer, entry.byteOffset, entry.byteLength);
  readRequest.chunk(view);
}

// ReadableByteStreamControllerGetBYOBRequest(controller)
function byteControllerGetBYOBRequest(controller) {
  if (controller.byobRequest === null && controller.pendingPullIntos.size > 0) {
    const firstDescriptor = controller.pendingPullIntos.peek();
    const view = new U8(firstDescriptor.buffer,
      firstDescriptor.byteOffset + firstDescriptor.bytesFilled,
      firstDescriptor.byteLength - firstDescriptor.bytesFilled);
    const byobRequest = new BYOBRequestRecord(controller, view);
    newBYOBRequestObject(byobRequest);
    controller.byobRequest = byobRequest;
  }
  return controller.byobRequest;
}

// ReadableByteStreamControllerGetDesiredSize(controller)
function byteControllerGetDesiredSize(controller) {
  const state = controller.stream.state;
  if (state === "errored") return null;
  if (state === "closed") return 0;
  return controller.strategyHWM - controller.queueTotalSize;
}

// ReadableByteStreamControllerHandleQueueDrain(controller)
function byteControllerHandleQueueDrain(controller) {
  if (controller.queueTotalSize === 0 && controller.closeRequested) {
    byteControllerClearAlgorithms(controller);
    readableStreamClose(controller.stream);
  } else {
    byteControllerCallPullIfNeeded(controller);
  }
}

// ReadableByteStreamControllerInvalidateBYOBRequest(controller)
function byteControllerInvalidateBYOBRequest(controller) {
  const byobRequest = controller.byobRequest;
  if (byobRequest === null) return;
  byobRequest.controller = undefined;
  byobRequest.view = null;
  controller.byobRequest = null;
}

// ReadableByteStreamControllerProcessPullIntoDescriptorsUsingQueue(controller)
function byteControllerProcessPullIntoDescriptorsUsingQueue(controller) {
  const filledPullIntos = [];
  const pendingPullIntos = controller.pendingPullIntos;
  while (pendingPullIntos.size > 0) {
    if (controller.queueTotalSize === 0) break;
    const pullIntoDescriptor = pendingPullIntos.peek();
    if (byteControllerFillPullIntoDescriptorFromQueue(controller, pullIntoDescriptor)) {
      byteControllerShiftPendingPullInto(controller);
      filledPullIntos[filledPullIntos.length] = pullIntoDescriptor;
    }
  }
  return filledPullIntos;
}

// ReadableByteStreamControllerProcessReadRequestsUsingQueue(controller)
function byteControllerProcessReadRequestsUsingQueue(controller) {
  const reader = controller.stream.reader;
  while (reader.requests.size > 0) {
    if (controller.queueTotalSize === 0) return;
    const readRequest = reader.requests.shift();
    byteControllerFillReadRequestFromQueue(controller, readRequest);
  }
}

// ReadableByteStreamControllerPullInto(controller, view, min, readIntoRequest)
function byteControllerPullInto(controller, view, min, readIntoRequest) {
  const stream = controller.stream;
  let elementSize = 1;
  let Ctor = DataViewCtor;
  const tag = TypedArrayPrototypeGetSymbolToStringTag(view);
  if (tag !== undefined) {
    const entry = typedArrayTable[tag];
    elementSize = entry[0];
    Ctor = entry[1];
  }
  const minimumFill = min * elementSize;
  const byteOffset = viewByteOffset(view);
  const byteLength = viewByteLength(view);
  // 10-12. Let bufferResult be TransferArrayBuffer(view.[[ViewedArrayBuffer]]).
  let buffer;
  try {
    buffer = transferArrayBuffer(viewBuffer(view));
  } catch (e) {
    readIntoRequest.error(e);
    return;
  }
  const pullIntoDescriptor = new PullIntoDescriptor(buffer, bufferByteLength(buffer),
    byteOffset, byteLength, minimumFill, elementSize, Ctor, "byob");
  // 14. If controller.[[pendingPullIntos]] is not empty, queue behind it.
  if (controller.pendingPullIntos.size > 0) {
    controller.pendingPullIntos.push(pullIntoDescriptor);
    readableStreamAddRequest(stream, readIntoRequest);
    return;
  }
  // 15. If stream.[[state]] is "closed", answer with an empty view.
  if (stream.state === "closed") {
    const emptyView = new Ctor(buffer, byteOffset, 0);
    readIntoRequest.close(emptyView);
    return;
  }
  // 16. If controller.[[queueTotalSize]] > 0,
  if (controller.queueTotalSize > 0) {
    if (byteControllerFillPullIntoDescriptorFromQueue(controller, pullIntoDescriptor)) {
      const filledView = byteControllerConvertPullIntoDescriptor(pullIntoDescriptor);
      byteControllerHandleQueueDrain(controller);
      readIntoRequest.chunk(filledView);
      return;
    }
    if (controller.closeRequested) {
      const e = new TypeErrorCtor("This ReadableStream was closed with a partial read pending.");
      byteControllerError(controller, e);
      readIntoRequest.error(e);
      return;
    }
  }
  // 17-19.
  controller.pendingPullIntos.push(pullIntoDescriptor);
  readableStreamAddRequest(stream, readIntoRequest);
  byteControllerCallPullIfNeeded(controller);
}

// ReadableByteStreamControllerRespond(controller, bytesWritten)
function byteControllerRespond(controller, bytesWritten) {
  const firstDescriptor = controller.pendingPullIntos.peek();
  const state = controller.stream.state;
  if (state === "closed") {
    if (bytesWritten !== 0) {
      throw new TypeErrorCtor("The bytesWritten must be zero after the stream is closed.");
    }
  } else {
    if (bytesWritten === 0) {
      throw new TypeErrorCtor("The bytesWritten must be more than zero while the stream is open.");
    }
    if (firstDescriptor.bytesFilled + bytesWritten > firstDescriptor.byteLength) {
      throw new RangeErrorCtor("The bytesWritten is larger than the view's remaining space.");
    }
  }
  firstDescriptor.buffer = transferArrayBuffer(firstDescriptor.buffer);
  byteControllerRespondInternal(controller, bytesWritten);
}

// ReadableByteStreamControllerRespondInClosedState(controller, firstDescriptor)
function byteControllerRespondInClosedState(controller, firstDescriptor) {
  if (firstDescriptor.readerType === "none") byteControllerShiftPendingPullInto(controller);
  const stream = controller.stream;
  if (readableStreamHasBYOBReader(stream)) {
    const filledPullIntos = [];
    while (filledPullIntos.length < readableStreamGetNumRequests(stream)) {
      filledPullIntos[filledPullIntos.length] = byteControllerShiftPendingPullInto(controller);
    }
    for (let i = 0; i < filledPullIntos.length; i++) {
      byteControllerCommitPullIntoDescriptor(stream, filledPullIntos[i]);
    }
  }
}

// ReadableByteStreamControllerRespondInReadableState(controller, bytesWritten,
// pullIntoDescriptor)
function byteControllerRespondInReadableState(controller, bytesWritten, pullIntoDescriptor) {
  byteControllerFillHeadPullIntoDescriptor(controller, bytesWritten, pullIntoDescriptor);
  const stream = controller.stream;
  if (pullIntoDescriptor.readerType === "none") {
    byteControllerEnqueueDetachedPullIntoToQueue(controller, pullIntoDescriptor);
    const filledPullIntos = byteControllerProcessPullIntoDescriptorsUsingQueue(controller);
    for (let i = 0; i < filledPullIntos.length; i++) {
      byteControllerCommitPullIntoDescriptor(stream, filledPullIntos[i]);
    }
    return;
  }
  if (pullIntoDescriptor.bytesFilled < pullIntoDescriptor.minimumFill) return;
  byteControllerShiftPendingPullInto(controller);
  const remainderSize = pullIntoDescriptor.bytesFilled % pullIntoDescriptor.elementSize;
  if (remainderSize > 0) {
    const end = pullIntoDescriptor.byteOffset + pullIntoDescriptor.bytesFilled;
    byteControllerEnqueueClonedChunkToQueue(controller, pullIntoDescriptor.buffer,
      end - remainderSize, remainderSize);
  }
  pullIntoDescriptor.bytesFilled -= remainderSize;
  const filledPullIntos = byteControllerProcessPullIntoDescriptorsUsingQueue(controller);
  byteControllerCommitPullIntoDescriptor(stream, pullIntoDescriptor);
  for (let i = 0; i < filledPullIntos.length; i++) {
    byteControllerCommitPullIntoDescriptor(stream, filledPullIntos[i]);
  }
}

// ReadableByteStreamControllerRespondInternal(controller, bytesWritten)
function byteControllerRespondInternal(controller, bytesWritten) {
  const firstDescriptor = controller.pendingPullIntos.peek();
  byteControllerInvalidateBYOBRequest(controller);
  const state = controller.stream.state;
  if (state === "closed") {
    byteControllerRespondInClosedState(controller, firstDescriptor);
  } else {
    byteControllerRespondInReadableState(controller, bytesWritten, firstDescriptor);
  }
  byteControllerCallPullIfNeeded(controller);
}

// ReadableByteStreamControllerRespondWithNewView(controller, view)
function byteControllerRespondWithNewView(controller, view) {
  const firstDescriptor = controller.pendingPullIntos.peek();
  const state = controller.stream.state;
  const viewLength = viewByteLength(view);
  if (state === "closed") {
    if (viewLength !== 0) {
      throw new TypeErrorCtor("The view byte length must be zero after the stream is closed.");
    }
  } else if (viewLength === 0) {
    throw new TypeErrorCtor(
      "The view byte length must be more than zero while the stream is open.");
  }
  const buffer = viewBuffer(view);
  if (firstDescriptor.byteOffset + firstDescriptor.bytesFilled !== viewByteOffset(view)) {
    throw new RangeErrorCtor("The region specified by view does not match byobRequest.");
  }
  if (firstDescriptor.bufferByteLength !== bufferByteLength(buffer)) {
    throw new RangeErrorCtor("The buffer of view has different capacity than byobRequest.");
  }
  if (firstDescriptor.bytesFilled + viewLength > firstDescriptor.byteLength) {
    throw new RangeErrorCtor("The region specified by view is larger than byobRequest.");
  }
  firstDescriptor.buffer = transferArrayBuffer(buffer);
  byteControllerRespondInternal(controller, viewLength);
}

// ReadableByteStreamControllerShiftPendingPullInto(controller)
function byteControllerShiftPendingPullInto(controller) {
  return controller.pendingPullIntos.shift();
}

// ReadableByteStreamControllerShouldCallPull(controller)
function byteControllerShouldCallPull(controller) {
  const stream = controller.stream;
  if (stream.state !== "readable") return false;
  if (controller.closeRequested) return false;
  if (!controller.started) return false;
  const reader = stream.reader;
  if (reader !== undefined && reader.requests.size > 0) return true;
  return byteControllerGetDesiredSize(controller) > 0;
}

// [[CancelSteps]](reason)
function byteControllerCancelSteps(controller, reason) {
  byteControllerClearPendingPullIntos(controller);
  byteResetQueue(controller);
  const result = controller.cancelAlgorithm(reason);
  byteControllerClearAlgorithms(controller);
  return result;
}

// [[PullSteps]](readRequest)
function byteControllerPullSteps(controller, readRequest) {
  const stream = controller.stream;
  if (controller.queueTotalSize > 0) {
    byteControllerFillReadRequestFromQueue(controller, readRequest);
    return;
  }
  const autoAllocateChunkSize = controller.autoAllocateChunkSize;
  if (autoAllocateChunkSize !== undefined) {
    let buffer;
    try {
      buffer = new ArrayBufferCtor(autoAllocateChunkSize);
    } catch (e) {
      readRequest.error(e);
      return;
    }
    controller.pendingPullIntos.push(new PullIntoDescriptor(buffer, autoAllocateChunkSize, 0,
      autoAllocateChunkSize, 1, 1, U8, "default"));
  }
  readableStreamAddRequest(stream, readRequest);
  byteControllerCallPullIfNeeded(controller);
}

// [[ReleaseSteps]]()
function byteControllerReleaseSteps(controller) {
  if (controller.pendingPullIntos.size > 0) {
    const firstPendingPullInto = controller.pendingPullIntos.peek();
    firstPendingPullInto.readerType = "none";
    controller.pendingPullIntos = new List();
    controller.pendingPullIntos.push(firstPendingPullInto);
  }
}

// SetUpReadableByteStreamController(stream, controller, startAlgorithm, pullAlgorithm,
// cancelAlgorithm, highWaterMark, autoAllocateChunkSize)
function setUpReadableByteStreamController(stream, controller, startAlgorithm, pullAlgorithm,
  cancelAlgorithm, highWaterMark, autoAllocateChunkSize) {
  controller.stream = stream;
  byteResetQueue(controller);
  controller.strategyHWM = highWaterMark;
  controller.pullAlgorithm = pullAlgorithm;
  controller.cancelAlgorithm = cancelAlgorithm;
  controller.autoAllocateChunkSize = autoAllocateChunkSize;
  controller.onPullFulfilled = () => {
    controller.pulling = false;
    if (controller.pullAgain) {
      controller.pullAgain = false;
      byteControllerCallPullIfNeeded(controller);
    }
  };
  controller.onPullRejected = (e) => {
    byteControllerError(controller, e);
  };
  newByteControllerObject(controller);
  stream.controller = controller;
  const startResult = startAlgorithm(controller);
  then(promiseResolve(startResult), () => {
    controller.started = true;
    byteControllerCallPullIfNeeded(controller);
  }, (r) => {
    byteControllerError(controller, r);
  });
}

// SetUpReadableByteStreamControllerFromUnderlyingSource(stream, underlyingSource,
// underlyingSourceDict, highWaterMark)
function setUpByteControllerFromUnderlyingSource(stream, source, dict, highWaterMark, prefix) {
  const controller = new ByteControllerRecord();
  const start = dict.start;
  const pull = dict.pull;
  const cancel = dict.cancel;
  const startAlgorithm = start === undefined ? noop
    : (c) => FunctionPrototypeCall(start, source, c.obj);
  const pullAlgorithm = pull === undefined ? resolvedUndefined
    : (c) => promiseCall1(pull, source, c.obj);
  const cancelAlgorithm = cancel === undefined ? resolvedUndefined
    : (reason) => promiseCall1(cancel, source, reason);
  const autoAllocateChunkSize = dict.autoAllocateChunkSize;
  // 9. If autoAllocateChunkSize is 0, then throw a TypeError exception.
  if (autoAllocateChunkSize === 0) {
    throw new TypeErrorCtor(`${prefix}: autoAllocateChunkSize must be greater than 0.`);
  }
  setUpReadableByteStreamController(stream, controller, startAlgorithm, pullAlgorithm,
    cancelAlgorithm, highWaterMark, autoAllocateChunkSize);
}

// =======================================================================================
// Tee
// https://streams.spec.whatwg.org/#readable-stream-tee

// ReadableStreamTee(stream, cloneForBranch2). `cloneForBranch2` is a function cloning a
// chunk (StructuredClone) or undefined.
function readableStreamTee(stream, cloneForBranch2) {
  const branches = stream.controller.isByte ? readableByteStreamTee(stream)
    : readableStreamDefaultTee(stream, cloneForBranch2);
  branches[0].owner = branches[1].owner = stream.owner;
  return branches;
}

// ReadableStreamDefaultTee(stream, cloneForBranch2). The state object doubles as the read
// request of the shared reader.
class DefaultTee {
  constructor(stream, cloneForBranch2) {
    this.stream = stream;
    this.reader = acquireDefaultReader(stream);
    this.reading = false;
    this.readAgain = false;
    this.canceled1 = false;
    this.canceled2 = false;
    this.reason1 = undefined;
    this.reason2 = undefined;
    this.branch1 = undefined;
    this.branch2 = undefined;
    this.cancelDeferred = new Deferred();
    this.clone = cloneForBranch2;
    this.pendingChunk = undefined;
    this.pullAlgorithm = () => this.pull();
    this.processChunk = () => this.chunkMicrotask();
  }

  // pullAlgorithm
  pull() {
    if (this.reading) {
      this.readAgain = true;
      return promiseResolve(undefined);
    }
    this.reading = true;
    defaultReaderRead(this.reader, this);
    return promiseResolve(undefined);
  }

  // readRequest chunk steps: queue a microtask to perform the rest.
  chunk(chunk) {
    this.pendingChunk = chunk;
    queueMicrotask(this.processChunk);
  }

  chunkMicrotask() {
    const chunk = this.pendingChunk;
    this.pendingChunk = undefined;
    this.readAgain = false;
    const chunk1 = chunk;
    let chunk2 = chunk;
    if (!this.canceled2 && this.clone !== undefined) {
      try {
        chunk2 = this.clone(chunk2);
      } catch (e) {
        defaultControllerError(this.branch1.controller, e);
        defaultControllerError(this.branch2.controller, e);
        this.cancelDeferred.resolve(readableStreamCancel(this.stream, e));
        return;
      }
    }
    if (!this.canceled1) defaultControllerEnqueue(this.branch1.controller, chunk1);
    if (!this.canceled2) defaultControllerEnqueue(this.branch2.controller, chunk2);
    this.reading = false;
    if (this.readAgain) this.pull();
  }

  // readRequest close steps
  close() {
    this.reading = false;
    if (!this.canceled1) defaultControllerClose(this.branch1.controller);
    if (!this.canceled2) defaultControllerClose(this.branch2.controller);
    if (!this.canceled1 || !this.canceled2) this.cancelDeferred.resolve(undefined);
  }

  // readRequest error steps
  error() {
    this.reading = false;
  }

  cancel1(reason) {
    this.canceled1 = true;
    this.reason1 = reason;
    if (this.canceled2) {
      const cancelResult = readableStreamCancel(this.stream, [this.reason1, this.reason2]);
      this.cancelDeferred.resolve(cancelResult);
    }
    return this.cancelDeferred.promise;
  }

  cancel2(reason) {
    this.canceled2 = true;
    this.reason2 = reason;
    if (this.canceled1) {
      const cancelResult = readableStreamCancel(this.stream, [this.reason1, this.reason2]);
      this.cancelDeferred.resolve(cancelResult);
    }
    return this.cancelDeferred.promise;
  }
}

function readableStreamDefaultTee(stream, cloneForBranch2) {
  const tee = new DefaultTee(stream, cloneForBranch2);
  tee.branch1 = createReadableStream(noop, tee.pullAlgorithm, (r) => tee.cancel1(r));
  tee.branch2 = createReadableStream(noop, tee.pullAlgorithm, (r) => tee.cancel2(r));
  // 18. Upon rejection of reader.[[closedPromise]] with reason r,
  then(tee.reader.closed.promise, undefined, (r) => {
    defaultControllerError(tee.branch1.controller, r);
    defaultControllerError(tee.branch2.controller, r);
    if (!tee.canceled1 || !tee.canceled2) tee.cancelDeferred.resolve(undefined);
  });
  return [tee.branch1, tee.branch2];
}

// ReadableByteStreamTee(stream). The state object is the default reader's read request;
// BYOB reads use one ByteTeeReadIntoRequest per branch.
class ByteTeeReadIntoRequest {
  constructor(tee, forBranch2) {
    this.tee = tee;
    this.forBranch2 = forBranch2;
  }
  chunk(chunk) {
    const tee = this.tee;
    tee.pendingChunk = chunk;
    tee.pendingForBranch2 = this.forBranch2;
    queueMicrotask(tee.processByobChunk);
  }
  close(chunk) {
    this.tee.byobClose(chunk, this.forBranch2);
  }
  error() {
    this.tee.reading = false;
  }
}

class ByteTee {
  constructor(stream) {
    this.stream = stream;
    this.reader = acquireDefaultReader(stream);
    this.reading = false;
    this.readAgainForBranch1 = false;
    this.readAgainForBranch2 = false;
    this.canceled1 = false;
    this.canceled2 = false;
    this.reason1 = undefined;
    this.reason2 = undefined;
    this.branch1 = undefined;
    this.branch2 = undefined;
    this.cancelDeferred = new Deferred();
    this.pendingChunk = undefined;
    this.pendingForBranch2 = false;
    this.byobRequest1 = new ByteTeeReadIntoRequest(this, false);
    this.byobRequest2 = new ByteTeeReadIntoRequest(this, true);
    this.processDefaultChunk = () => this.defaultChunkMicrotask();
    this.processByobChunk = () => this.byobChunkMicrotask();
    this.pull1Algorithm = () => this.pull1();
    this.pull2Algorithm = () => this.pull2();
  }

  // forwardReaderError(thisReader)
  forwardReaderError(thisReader) {
    then(thisReader.closed.promise, undefined, (r) => {
      if (thisReader !== this.reader) return;
      byteControllerError(this.branch1.controller, r);
      byteControllerError(this.branch2.controller, r);
      if (!this.canceled1 || !this.canceled2) this.cancelDeferred.resolve(undefined);
    });
  }

  // pullWithDefaultReader()
  pullWithDefaultReader() {
    if (this.reader.byob) {
      readerRelease(this.reader);
      this.reader = acquireDefaultReader(this.stream);
      this.forwardReaderError(this.reader);
    }
    defaultReaderRead(this.reader, this);
  }

  // Default read request: chunk steps queue a microtask.
  chunk(chunk) {
    this.pendingChunk = chunk;
    queueMicrotask(this.processDefaultChunk);
  }

  defaultChunkMicrotask() {
    const chunk = this.pendingChunk;
    this.pendingChunk = undefined;
    this.readAgainForBranch1 = false;
    this.readAgainForBranch2 = false;
    const chunk1 = chunk;
    let chunk2 = chunk;
    if (!this.canceled1 && !this.canceled2) {
      try {
        chunk2 = cloneAsUint8Array(chunk);
      } catch (e) {
        byteControllerError(this.branch1.controller, e);
        byteControllerError(this.branch2.controller, e);
        this.cancelDeferred.resolve(readableStreamCancel(this.stream, e));
        return;
      }
    }
    // The chunks are this tee's own (the reader got them out of the stream), so the
    // branches take them without another transfer.
    if (!this.canceled1) enqueueOwnedView(this.branch1.controller, chunk1);
    if (!this.canceled2) enqueueOwnedView(this.branch2.controller, chunk2);
    this.reading = false;
    if (this.readAgainForBranch1) this.pull1();
    else if (this.readAgainForBranch2) this.pull2();
  }

  // Default read request close steps.
  close() {
    this.reading = false;
    const c1 = this.branch1.controller;
    const c2 = this.branch2.controller;
    if (!this.canceled1) byteControllerClose(c1);
    if (!this.canceled2) byteControllerClose(c2);
    if (c1.pendingPullIntos.size > 0) byteControllerRespond(c1, 0);
    if (c2.pendingPullIntos.size > 0) byteControllerRespond(c2, 0);
    if (!this.canceled1 || !this.canceled2) this.cancelDeferred.resolve(undefined);
  }

  error() {
    this.reading = false;
  }

  // pullWithBYOBReader(view, forBranch2)
  pullWithBYOBReader(view, forBranch2) {
    if (!this.reader.byob) {
      readerRelease(this.reader);
      this.reader = acquireBYOBReader(this.stream);
      this.forwardReaderError(this.reader);
    }
    byobReaderRead(this.reader, view, 1, forBranch2 ? this.byobRequest2 : this.byobRequest1);
  }

  byobChunkMicrotask() {
    const chunk = this.pendingChunk;
    const forBranch2 = this.pendingForBranch2;
    this.pendingChunk = undefined;
    this.readAgainForBranch1 = false;
    this.readAgainForBranch2 = false;
    const byobBranch = forBranch2 ? this.branch2 : this.branch1;
    const otherBranch = forBranch2 ? this.branch1 : this.branch2;
    const byobCanceled = forBranch2 ? this.canceled2 : this.canceled1;
    const otherCanceled = forBranch2 ? this.canceled1 : this.canceled2;
    if (!otherCanceled) {
      let clonedChunk;
      try {
        clonedChunk = cloneAsUint8Array(chunk);
      } catch (e) {
        byteControllerError(byobBranch.controller, e);
        byteControllerError(otherBranch.controller, e);
        this.cancelDeferred.resolve(readableStreamCancel(this.stream, e));
        return;
      }
      if (!byobCanceled) byteControllerRespondWithNewView(byobBranch.controller, chunk);
      enqueueOwnedView(otherBranch.controller, clonedChunk);
    } else if (!byobCanceled) {
      byteControllerRespondWithNewView(byobBranch.controller, chunk);
    }
    this.reading = false;
    if (this.readAgainForBranch1) this.pull1();
    else if (this.readAgainForBranch2) this.pull2();
  }

  // readIntoRequest close steps(chunk)
  byobClose(chunk, forBranch2) {
    this.reading = false;
    const byobBranch = forBranch2 ? this.branch2 : this.branch1;
    const otherBranch = forBranch2 ? this.branch1 : this.branch2;
    const byobCanceled = forBranch2 ? this.canceled2 : this.canceled1;
    const otherCanceled = forBranch2 ? this.canceled1 : this.canceled2;
    if (!byobCanceled) byteControllerClose(byobBranch.controller);
    if (!otherCanceled) byteControllerClose(otherBranch.controller);
    if (chunk !== undefined) {
      if (!byobCanceled) byteControllerRespondWithNewView(byobBranch.controller, chunk);
      if (!otherCanceled && otherBranch.controller.pendingPullIntos.size > 0) {
        byteControllerRespond(otherBranch.controller, 0);
      }
    }
    if (!byobCanceled || !otherCanceled) this.cancelDeferred.resolve(undefined);
  }

  pull1() {
    if (this.reading) {
      this.readAgainForBranch1 = true;
      return promiseResolve(undefined);
    }
    this.reading = true;
    const byobRequest = byteControllerGetBYOBRequest(this.branch1.controller);
    if (byobRequest === null) this.pullWithDefaultReader();
    else this.pullWithBYOBReader(byobRequest.view, false);
    return promiseResolve(undefined);
  }

  pull2() {
    if (this.reading) {
      this.readAgainForBranch2 = true;
      return promiseResolve(undefined);
    }
    this.reading = true;
    const byobRequest = byteControllerGetBYOBRequest(this.branch2.controller);
    if (byobRequest === null) this.pullWithDefaultReader();
    else this.pullWithBYOBReader(byobRequest.view, true);
    return promiseResolve(undefined);
  }

  cancel1(reason) {
    this.canceled1 = true;
    this.reason1 = reason;
    if (this.canceled2) {
      const cancelResult = readableStreamCancel(this.stream, [this.reason1, this.reason2]);
      this.cancelDeferred.resolve(cancelResult);
    }
    return this.cancelDeferred.promise;
  }

  cancel2(reason) {
    this.canceled2 = true;
    this.reason2 = reason;
    if (this.canceled1) {
      const cancelResult = readableStreamCancel(this.stream, [this.reason1, this.reason2]);
      this.cancelDeferred.resolve(cancelResult);
    }
    return this.cancelDeferred.promise;
  }
}

function readableByteStreamTee(stream) {
  const tee = new ByteTee(stream);
  tee.branch1 = createReadableByteStream(noop, tee.pull1Algorithm, (r) => tee.cancel1(r));
  tee.branch2 = createReadableByteStream(noop, tee.pull2Algorithm, (r) => tee.cancel2(r));
  tee.forwardReaderError(tee.reader);
  return [tee.branch1, tee.branch2];
}

// CloneAsUint8Array(O)
function cloneAsUint8Array(view) {
  const buffer = cloneArrayBuffer(viewBuffer(view), viewByteOffset(view), viewByteLength(view));
  return new U8(buffer);
}

// Enqueue a view whose buffer this code owns (no transfer, nothing detached).
function enqueueOwnedView(controller, view) {
  byteControllerEnqueueTransferred(controller, viewBuffer(view), viewByteOffset(view),
    viewByteLength(view));
}

// =======================================================================================
// Piping
// https://streams.spec.whatwg.org/#readable-stream-pipe-to

function isAbortSignalLike(signal) {
  if (typeof internals.isAbortSignal === "function") return internals.isAbortSignal(signal);
  return isObject(signal) && "aborted" in signal && typeof signal.addEventListener === "function";
}

// "signal's abort reason" (an AbortError DOMException when the signal has none).
function abortReasonOf(signal) {
  const reason = signal.reason;
  if (reason !== undefined) return reason;
  return newDOMException("The operation was aborted.", "AbortError");
}

// "Add/remove an abort algorithm": the AbortSignal owner may offer internal hooks
// (internals.addAbortAlgorithm(signal, fn) / internals.removeAbortAlgorithm(signal, fn));
// otherwise an "abort" event listener does the job.
function addAbortAlgorithm(signal, algorithm) {
  if (typeof internals.addAbortAlgorithm === "function") {
    internals.addAbortAlgorithm(signal, algorithm);
  } else {
    signal.addEventListener("abort", algorithm);
  }
}
function removeAbortAlgorithm(signal, algorithm) {
  if (typeof internals.removeAbortAlgorithm === "function") {
    internals.removeAbortAlgorithm(signal, algorithm);
  } else {
    signal.removeEventListener("abort", algorithm);
  }
}

// Promise.all for the pipe's shutdown actions.
function waitForAll(promises) {
  const n = promises.length;
  if (n === 0) return promiseResolve(undefined);
  const d = new Deferred();
  let remaining = n;
  const onFulfilled = () => {
    if (--remaining === 0) d.resolve(undefined);
  };
  const onRejected = (e) => d.reject(e);
  for (let i = 0; i < n; i++) then(promises[i], onFulfilled, onRejected);
  return d.promise;
}

// ReadableStreamPipeTo(source, dest, preventClose, preventAbort, preventCancel, signal).
// The Pipe object is also the read request of the source's reader.
class Pipe {
  constructor(source, dest, preventClose, preventAbort, preventCancel, signal) {
    this.source = source;
    this.dest = dest;
    this.preventClose = preventClose;
    this.preventAbort = preventAbort;
    this.preventCancel = preventCancel;
    this.signal = signal;
    this.reader = undefined;
    this.writer = undefined;
    this.shuttingDown = false;
    this.currentWrite = promiseResolve(undefined);
    this.deferred = new Deferred();
    this.abortAlgorithm = undefined;
    this.abortAlgorithmAdded = false;
    this.onReady = () => this.readNext();
    this.onLoopError = noop;
    this.onWritten = () => {
      if (!this.shuttingDown) then(this.writer.ready.promise, this.onReady, this.onLoopError);
    };
  }

  start() {
    const source = this.source;
    const dest = this.dest;
    // 6-8. Acquire the reader and the writer. (The user agent uses a default reader.)
    this.reader = acquireDefaultReader(source);
    this.writer = acquireWritableStreamDefaultWriter(dest);
    // 9. Set source.[[disturbed]] to true.
    source.disturbed = true;
    // (A bound end of another request's fails the pipe as that end's error would.)
    const refused = readableIoError(source);
    if (refused !== undefined) {
      this.sourceErrored(refused);
      return this.deferred.promise;
    }
    const refusedDest = writableIoError(dest);
    if (refusedDest !== undefined) {
      this.destErrored(refusedDest);
      return this.deferred.promise;
    }
    // 12. If signal is not undefined,
    const signal = this.signal;
    if (signal !== undefined) {
      this.abortAlgorithm = () => this.abort();
      if (signal.aborted) {
        this.abort();
        return this.deferred.promise;
      }
      addAbortAlgorithm(signal, this.abortAlgorithm);
      this.abortAlgorithmAdded = true;
    }
    // 16.1. Errors must be propagated forward.
    if (source.state === "errored") this.sourceErrored(source.storedError);
    else then(this.reader.closed.promise, undefined, (e) => this.sourceErrored(e));
    // 16.2. Errors must be propagated backward.
    if (dest.state === "errored") this.destErrored(dest.storedError);
    else then(this.writer.closed.promise, undefined, (e) => this.destErrored(e));
    // 16.3. Closing must be propagated forward.
    if (source.state === "closed") this.sourceClosed();
    else then(this.reader.closed.promise, () => this.sourceClosed(), noop);
    // 16.4. Closing must be propagated backward.
    if (writableStreamCloseQueuedOrInFlight(dest) || dest.state === "closed") {
      const destClosed = new TypeErrorCtor(
        "The destination writable stream closed before all data could be piped to it.");
      if (!this.preventCancel) {
        this.shutdownWithAnAction(() => readableStreamCancel(source, destClosed), true, destClosed);
      } else {
        this.shutdown(true, destClosed);
      }
    }
    // 13-14. Read all chunks and write them, honouring backpressure: read only while the
    // writer is ready.
    this.loop();
    return this.deferred.promise;
  }

  abort() {
    const error = abortReasonOf(this.signal);
    const source = this.source;
    const dest = this.dest;
    const preventAbort = this.preventAbort;
    const preventCancel = this.preventCancel;
    this.shutdownWithAnAction(() => {
      const actions = [];
      if (!preventAbort) {
        actions[actions.length] = dest.state === "writable"
          ? writableStreamAbort(dest, error) : promiseResolve(undefined);
      }
      if (!preventCancel) {
        actions[actions.length] = source.state === "readable"
          ? readableStreamCancel(source, error) : promiseResolve(undefined);
      }
      return waitForAll(actions);
    }, true, error);
  }

  sourceErrored(storedError) {
    if (!this.preventAbort) {
      this.shutdownWithAnAction(() => writableStreamAbort(this.dest, storedError), true,
        storedError);
    } else {
      this.shutdown(true, storedError);
    }
  }

  destErrored(storedError) {
    if (!this.preventCancel) {
      this.shutdownWithAnAction(() => readableStreamCancel(this.source, storedError), true,
        storedError);
    } else {
      this.shutdown(true, storedError);
    }
  }

  sourceClosed() {
    if (!this.preventClose) {
      this.shutdownWithAnAction(() =>
        writableStreamDefaultWriterCloseWithErrorPropagation(this.writer), false, undefined);
    } else {
      this.shutdown(false, undefined);
    }
  }

  loop() {
    if (this.shuttingDown) return;
    // A byte-only destination (IdentityTransformStream) reports no backpressure; pump it
    // one write at a time instead, as workerd does.
    if (this.dest.byteSink !== undefined) then(this.currentWrite, this.onWritten);
    else then(this.writer.ready.promise, this.onReady, this.onLoopError);
  }

  readNext() {
    if (this.shuttingDown) return;
    defaultReaderRead(this.reader, this);
  }

  // Read request steps.
  chunk(chunk) {
    const dest = this.dest;
    if (dest.byteSink !== undefined) {
      // A byte-only destination (IdentityTransformStream): a chunk that is not bytes
      // fails the pipe, as workerd's internal streams do.
      const error = byteChunkError(chunk);
      if (error !== undefined) {
        const source = this.source;
        this.shutdownWithAnAction(() => {
          const actions = [];
          if (!this.preventAbort && dest.state === "writable") {
            actions[actions.length] = writableStreamAbort(dest, error);
          }
          if (!this.preventCancel && source.state === "readable") {
            actions[actions.length] = readableStreamCancel(source, error);
          }
          return waitForAll(actions);
        }, true, error);
        return;
      }
    }
    this.currentWrite = then(writableStreamDefaultWriterWrite(this.writer, chunk), undefined,
      noop);
    this.loop();
  }
  close() {}
  error() {}

  waitForWritesToFinish() {
    const oldCurrentWrite = this.currentWrite;
    return then(oldCurrentWrite, () =>
      (oldCurrentWrite !== this.currentWrite ? this.waitForWritesToFinish() : undefined));
  }

  // Shutdown with an action.
  shutdownWithAnAction(action, originalIsError, originalError) {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    const doTheRest = () => {
      let p;
      try {
        p = action();
      } catch (e) {
        p = promiseReject(e);
      }
      then(p, () => this.finalize(originalIsError, originalError),
        (newError) => this.finalize(true, newError));
    };
    const dest = this.dest;
    if (dest.state === "writable" && !writableStreamCloseQueuedOrInFlight(dest)) {
      then(this.waitForWritesToFinish(), doTheRest);
    } else {
      doTheRest();
    }
  }

  // Shutdown.
  shutdown(isError, error) {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    const dest = this.dest;
    if (dest.state === "writable" && !writableStreamCloseQueuedOrInFlight(dest)) {
      then(this.waitForWritesToFinish(), () => this.finalize(isError, error));
    } else {
      this.finalize(isError, error);
    }
  }

  // Finalize.
  finalize(isError, error) {
    writableStreamDefaultWriterRelease(this.writer);
    readerRelease(this.reader);
    if (this.abortAlgorithmAdded) removeAbortAlgorithm(this.signal, this.abortAlgorithm);
    if (isError) this.deferred.reject(error);
    else this.deferred.resolve(undefined);
  }
}

function readableStreamPipeTo(source, dest, preventClose, preventAbort, preventCancel, signal) {
  const pipe = new Pipe(source, dest, preventClose, preventAbort, preventCancel, signal);
  return pipe.start();
}

// StreamPipeOptions { preventAbort, preventCancel, preventClose, signal }
class PipeOptions {
  constructor(preventAbort, preventCancel, preventClose, signal) {
    this.preventAbort = preventAbort;
    this.preventCancel = preventCancel;
    this.preventClose = preventClose;
    this.signal = signal;
  }
}
function convertPipeOptions(options, prefix) {
  const obj = dictionaryObject(options, "StreamPipeOptions", prefix);
  if (obj === undefined) return new PipeOptions(false, false, false, undefined);
  const preventAbort = !!obj.preventAbort;
  const preventCancel = !!obj.preventCancel;
  const preventClose = !!obj.preventClose;
  const signal = obj.signal;
  if (signal !== undefined && !isAbortSignalLike(signal)) {
    throw new TypeErrorCtor(`${prefix}: Failed to read the 'signal' property from ` +
      "'StreamPipeOptions': Failed to convert value to 'AbortSignal'.");
  }
  return new PipeOptions(preventAbort, preventCancel, preventClose, signal);
}

// =======================================================================================
// ReadableStream.from
// https://streams.spec.whatwg.org/#readable-stream-from-iterable

// GetMethod(V, P)
function getMethod(value, key) {
  const func = value[key];
  if (func === undefined || func === null) return undefined;
  if (typeof func !== "function") throw new TypeErrorCtor(`${StringCtor(key)} is not a function`);
  return func;
}

class IteratorRecord {
  constructor(iterator, nextMethod, isSync) {
    this.iterator = iterator;
    this.nextMethod = nextMethod;
    this.isSync = isSync; // a sync iterator behind CreateAsyncFromSyncIterator
  }
}

// GetIteratorFromMethod(obj, method)
function getIteratorFromMethod(obj, method, isSync) {
  const iterator = FunctionPrototypeCall(method, obj);
  if (!isObject(iterator)) throw new TypeErrorCtor("Result of the iterator method is not an object");
  return new IteratorRecord(iterator, iterator.next, isSync);
}

// GetIterator(obj, async)
function getAsyncIterator(obj) {
  if (obj === undefined || obj === null) {
    throw new TypeErrorCtor(`${StringCtor(obj)} is not async iterable`);
  }
  const method = getMethod(obj, SymbolAsyncIterator);
  if (method === undefined) {
    const syncMethod = getMethod(obj, SymbolIterator);
    if (syncMethod === undefined) throw new TypeErrorCtor("The provided value is not iterable");
    return getIteratorFromMethod(obj, syncMethod, true);
  }
  return getIteratorFromMethod(obj, method, false);
}

// IteratorNext(iteratorRecord)
function iteratorNext(record) {
  const result = FunctionPrototypeCall(record.nextMethod, record.iterator);
  if (!isObject(result)) throw new TypeErrorCtor("Iterator result is not an object");
  return result;
}

// IteratorClose(iteratorRecord, throwCompletion): errors from "return" are swallowed.
function iteratorCloseOnThrow(record) {
  try {
    const returnMethod = getMethod(record.iterator, "return");
    if (returnMethod !== undefined) FunctionPrototypeCall(returnMethod, record.iterator);
  } catch {
    // The original throw completion wins.
  }
}

// AsyncFromSyncIteratorContinuation(result, promiseCapability, syncIteratorRecord,
// closeOnRejection)
function asyncFromSyncIteratorContinuation(result, record, closeOnRejection) {
  const done = !!result.done;
  const value = result.value;
  let valueWrapper;
  try {
    valueWrapper = promiseResolve(value);
  } catch (e) {
    if (!done && closeOnRejection) iteratorCloseOnThrow(record);
    return promiseReject(e);
  }
  const onRejected = done || !closeOnRejection ? undefined : (error) => {
    iteratorCloseOnThrow(record);
    throw error;
  };
  return then(valueWrapper, (v) => ({ value: v, done }), onRejected);
}

// %AsyncFromSyncIteratorPrototype%.next()
function asyncFromSyncNext(record) {
  let result;
  try {
    result = iteratorNext(record);
    return asyncFromSyncIteratorContinuation(result, record, true);
  } catch (e) {
    return promiseReject(e);
  }
}

// %AsyncFromSyncIteratorPrototype%.return(value)
function asyncFromSyncReturn(record, value) {
  try {
    const returnMethod = getMethod(record.iterator, "return");
    if (returnMethod === undefined) return promiseResolve({ value, done: true });
    const result = FunctionPrototypeCall(returnMethod, record.iterator, value);
    if (!isObject(result)) {
      return promiseReject(new TypeErrorCtor("Iterator result is not an object"));
    }
    return asyncFromSyncIteratorContinuation(result, record, false);
  } catch (e) {
    return promiseReject(e);
  }
}

function iterResultNotObject() {
  return new TypeErrorCtor("The iterator result must be an object");
}

// ReadableStreamFromIterable(asyncIterable)
function readableStreamFromIterable(asyncIterable) {
  let stream;
  const record = getAsyncIterator(asyncIterable);
  const onNext = (iterResult) => {
    if (!isObject(iterResult)) throw iterResultNotObject();
    const done = !!iterResult.done;
    if (done) {
      defaultControllerClose(stream.controller);
    } else {
      const value = iterResult.value;
      defaultControllerEnqueue(stream.controller, value);
    }
  };
  const pullAlgorithm = () => {
    let nextPromise;
    if (record.isSync) {
      nextPromise = asyncFromSyncNext(record);
    } else {
      try {
        nextPromise = promiseResolve(iteratorNext(record));
      } catch (e) {
        return promiseReject(e);
      }
    }
    return then(nextPromise, onNext);
  };
  const onReturn = (iterResult) => {
    if (!isObject(iterResult)) throw iterResultNotObject();
    return undefined;
  };
  const cancelAlgorithm = (reason) => {
    let returnPromise;
    if (record.isSync) {
      returnPromise = asyncFromSyncReturn(record, reason);
    } else {
      const iterator = record.iterator;
      try {
        const returnMethod = getMethod(iterator, "return");
        if (returnMethod === undefined) return promiseResolve(undefined);
        returnPromise = promiseResolve(FunctionPrototypeCall(returnMethod, iterator, reason));
      } catch (e) {
        return promiseReject(e);
      }
    }
    return then(returnPromise, onReturn);
  };
  stream = createReadableStream(noop, pullAlgorithm, cancelAlgorithm, 0);
  return stream;
}

// =======================================================================================
// Async iteration (WebIDL async iterable<any> with ReadableStreamIteratorOptions)
// https://streams.spec.whatwg.org/#rs-asynciterator

const kEndOfIteration = ObjectCreate(null);

class AsyncIteratorState {
  constructor(reader, preventCancel) {
    this.reader = reader;
    this.preventCancel = preventCancel;
    this.ongoing = null;
    this.finished = false;
    this.nextSteps = () => {
      if (this.finished) return promiseResolve({ value: undefined, done: true });
      return then(getNextIterationResult(this), this.onNextFulfilled, this.onNextRejected);
    };
    this.onNextFulfilled = (next) => {
      this.ongoing = null;
      if (next === kEndOfIteration) {
        this.finished = true;
        return { value: undefined, done: true };
      }
      return { value: next, done: false };
    };
    this.onNextRejected = (reason) => {
      this.ongoing = null;
      this.finished = true;
      throw reason;
    };
  }
}

// The read request of "get the next iteration result".
class IterationReadRequest {
  constructor(reader) {
    this.reader = reader;
    this.deferred = new Deferred();
  }
  chunk(chunk) {
    this.deferred.resolve(chunk);
  }
  close() {
    readerRelease(this.reader);
    this.deferred.resolve(kEndOfIteration);
  }
  error(e) {
    readerRelease(this.reader);
    this.deferred.reject(e);
  }
}

function getNextIterationResult(state) {
  const reader = state.reader;
  const refused = readableIoError(reader.stream);
  if (refused !== undefined) return promiseReject(refused);
  const readRequest = new IterationReadRequest(reader);
  defaultReaderRead(reader, readRequest);
  return readRequest.deferred.promise;
}

// The asynchronous iterator return steps.
function asyncIteratorReturn(state, arg) {
  const reader = state.reader;
  if (!state.preventCancel) {
    const result = readerGenericCancel(reader, arg);
    readerRelease(reader);
    return result;
  }
  readerRelease(reader);
  return promiseResolve(undefined);
}

const AsyncIteratorPrototype = ObjectGetPrototypeOf(
  ObjectGetPrototypeOf(async function* () {}).prototype);

let asyncIteratorStateOf;
class ReadableStreamAsyncIterator {
  #state;
  constructor(state) {
    this.#state = state;
  }
  static {
    asyncIteratorStateOf = (it) => {
      if (!isObject(it) || !(#state in it)) throw illegalInvocation();
      return it.#state;
    };
  }
  next() {
    let state;
    try {
      state = asyncIteratorStateOf(this);
    } catch (e) {
      return promiseReject(e);
    }
    const ongoing = state.ongoing;
    const after = ongoing !== null
      ? then(ongoing, state.nextSteps, state.nextSteps) : state.nextSteps();
    state.ongoing = after;
    return after;
  }
  return(value = undefined) {
    let state;
    try {
      state = asyncIteratorStateOf(this);
    } catch (e) {
      return promiseReject(e);
    }
    const returnSteps = () => {
      if (state.finished) return promiseResolve({ value, done: true });
      state.finished = true;
      return asyncIteratorReturn(state, value);
    };
    const ongoing = state.ongoing;
    state.ongoing = ongoing !== null ? then(ongoing, returnSteps, returnSteps) : returnSteps();
    return then(state.ongoing, () => ({ value, done: true }));
  }
}
ObjectSetPrototypeOf(ReadableStreamAsyncIterator.prototype, AsyncIteratorPrototype);
ReflectDeleteProperty(ReadableStreamAsyncIterator.prototype, "constructor");
configureInterface(ReadableStreamAsyncIterator, "ReadableStream AsyncIterator");

// =======================================================================================
// ReadableStream and friends: the interfaces
// https://streams.spec.whatwg.org/#rs-class

// UnderlyingSource { autoAllocateChunkSize, cancel, pull, start, type }
class UnderlyingSourceDict {
  constructor() {
    this.autoAllocateChunkSize = undefined;
    this.cancel = undefined;
    this.pull = undefined;
    this.start = undefined;
    this.type = undefined;
  }
}
function convertUnderlyingSource(source, prefix) {
  const dict = new UnderlyingSourceDict();
  if (source === null) return dict;
  const autoAllocateChunkSize = source.autoAllocateChunkSize;
  if (autoAllocateChunkSize !== undefined) {
    dict.autoAllocateChunkSize = enforceRangeULL(autoAllocateChunkSize, prefix,
      "Failed to read the 'autoAllocateChunkSize' property from 'UnderlyingSource':");
  }
  dict.cancel = callbackMember(source, "cancel", "UnderlyingSource", prefix);
  dict.pull = callbackMember(source, "pull", "UnderlyingSource", prefix);
  dict.start = callbackMember(source, "start", "UnderlyingSource", prefix);
  const type = source.type;
  if (type !== undefined) {
    const typeString = `${type}`;
    if (typeString !== "bytes") {
      throw new TypeErrorCtor(`${prefix}: Failed to read the 'type' property from ` +
        `'UnderlyingSource': The provided value '${typeString}' is not a valid enum value ` +
        "of type ReadableStreamType.");
    }
    dict.type = typeString;
  }
  return dict;
}

let rsRecordOf, isReadableStreamObject;

class ReadableStream {
  #r;

  // constructor(optional object underlyingSource, optional QueuingStrategy strategy = {})
  constructor(underlyingSource = undefined, strategy = undefined) {
    if (underlyingSource === kInternal) {
      this.#r = strategy;
      strategy.obj = this;
      return;
    }
    const prefix = "Failed to construct 'ReadableStream'";
    if (underlyingSource !== undefined && !isObject(underlyingSource)) {
      throw ctorError("ReadableStream", notOfType(1, "object"));
    }
    const strat = convertQueuingStrategy(strategy, prefix);
    // 1. If underlyingSource is missing, set it to null.
    const source = underlyingSource === undefined ? null : underlyingSource;
    // 2. Let underlyingSourceDict be underlyingSource, converted to UnderlyingSource.
    const dict = convertUnderlyingSource(source, prefix);
    // 3. Perform ! InitializeReadableStream(this).
    const stream = new ReadableStreamRecord();
    stream.obj = this;
    this.#r = stream;
    if (dict.type === "bytes") {
      // 4.1. If strategy["size"] exists, throw a RangeError exception.
      if (strat.size !== undefined) {
        throw new RangeErrorCtor(
          `${prefix}: The strategy for a byte stream cannot have a size function.`);
      }
      const highWaterMark = extractHighWaterMark(strat, 0, prefix);
      setUpByteControllerFromUnderlyingSource(stream, source, dict, highWaterMark, prefix);
    } else {
      const sizeAlgorithm = extractSizeAlgorithm(strat);
      const highWaterMark = extractHighWaterMark(strat, 1, prefix);
      setUpDefaultControllerFromUnderlyingSource(stream, source, dict, highWaterMark,
        sizeAlgorithm);
    }
  }

  static {
    rsRecordOf = (v) => {
      if (!isObject(v) || !(#r in v)) throw illegalInvocation();
      return v.#r;
    };
    isReadableStreamObject = (v) => isObject(v) && #r in v;
  }

  // static ReadableStream from(any asyncIterable)
  static from(asyncIterable) {
    return readableStreamFromIterable(asyncIterable).obj;
  }

  get locked() {
    return isReadableStreamLocked(rsRecordOf(this));
  }

  cancel(reason = undefined) {
    let stream;
    try {
      stream = rsRecordOf(this);
    } catch (e) {
      return promiseReject(e);
    }
    if (isReadableStreamLocked(stream)) return promiseReject(lockedError());
    const refused = readableIoError(stream);
    if (refused !== undefined) return promiseReject(refused);
    return readableStreamCancel(stream, reason);
  }

  getReader(options = undefined) {
    const stream = rsRecordOf(this);
    const prefix = "Failed to execute 'getReader' on 'ReadableStream'";
    const obj = dictionaryObject(options, "ReadableStreamGetReaderOptions", prefix);
    const mode = obj === undefined ? undefined : obj.mode;
    if (mode === undefined) return newDefaultReaderObject(acquireDefaultReader(stream));
    const modeString = `${mode}`;
    if (modeString !== "byob") {
      throw new TypeErrorCtor(`${prefix}: Failed to read the 'mode' property from ` +
        `'ReadableStreamGetReaderOptions': The provided value '${modeString}' is not a valid ` +
        "enum value of type ReadableStreamReaderMode.");
    }
    return newBYOBReaderObject(acquireBYOBReader(stream));
  }

  pipeThrough(transform, options = undefined) {
    const stream = rsRecordOf(this);
    const prefix = "Failed to execute 'pipeThrough' on 'ReadableStream'";
    if (!isObject(transform)) {
      throw new TypeErrorCtor(`${prefix}: parameter 1 is not of type 'ReadableWritablePair'.`);
    }
    const readable = transform.readable;
    if (!isReadableStreamObject(readable)) {
      throw new TypeErrorCtor(`${prefix}: Failed to read the 'readable' property from ` +
        "'ReadableWritablePair': Failed to convert value to 'ReadableStream'.");
    }
    const writable = transform.writable;
    if (!isWritableStreamObject(writable)) {
      throw new TypeErrorCtor(`${prefix}: Failed to read the 'writable' property from ` +
        "'ReadableWritablePair': Failed to convert value to 'WritableStream'.");
    }
    const opts = convertPipeOptions(options, prefix);
    // 1. If ! IsReadableStreamLocked(this) is true, throw a TypeError exception.
    if (isReadableStreamLocked(stream)) throw lockedError();
    // 2. If ! IsWritableStreamLocked(transform["writable"]) is true, throw a TypeError.
    const dest = wsRecordOf(writable);
    if (isWritableStreamLocked(dest)) throw writableLockedError();
    // 4. Let promise be ! ReadableStreamPipeTo(...). 5. Mark it handled.
    const promise = readableStreamPipeTo(stream, dest, opts.preventClose, opts.preventAbort,
      opts.preventCancel, opts.signal);
    markHandled(promise);
    return readable;
  }

  pipeTo(destination, options = undefined) {
    let stream, dest, opts;
    const prefix = "Failed to execute 'pipeTo' on 'ReadableStream'";
    try {
      stream = rsRecordOf(this);
      if (!isWritableStreamObject(destination)) {
        throw new TypeErrorCtor(`${prefix}: ${notOfType(1, "WritableStream")}`);
      }
      dest = wsRecordOf(destination);
      opts = convertPipeOptions(options, prefix);
    } catch (e) {
      return promiseReject(e);
    }
    if (isReadableStreamLocked(stream)) return promiseReject(lockedError());
    if (isWritableStreamLocked(dest)) return promiseReject(writableLockedError());
    return readableStreamPipeTo(stream, dest, opts.preventClose, opts.preventAbort,
      opts.preventCancel, opts.signal);
  }

  tee() {
    const stream = rsRecordOf(this);
    if (isReadableStreamLocked(stream)) throw lockedError();
    const refused = readableIoError(stream);
    if (refused !== undefined) throw refused;
    const branches = readableStreamTee(stream, undefined);
    return [branches[0].obj, branches[1].obj];
  }

  values(options = undefined) {
    const stream = rsRecordOf(this);
    const prefix = "Failed to execute 'values' on 'ReadableStream'";
    const obj = dictionaryObject(options, "ReadableStreamIteratorOptions", prefix);
    const preventCancel = obj === undefined ? false : !!obj.preventCancel;
    const reader = acquireDefaultReader(stream);
    return new ReadableStreamAsyncIterator(new AsyncIteratorState(reader, preventCancel));
  }
}
configureInterface(ReadableStream, "ReadableStream");
ObjectDefineProperty(ReadableStream, "from", { enumerable: true });
ObjectDefineProperty(ReadableStream.prototype, SymbolAsyncIterator, {
  value: ReadableStream.prototype.values, writable: true, enumerable: false, configurable: true,
});

function newReadableStreamObject(record) {
  return new ReadableStream(kInternal, record);
}

// ---------------------------------------------------------------------------------------

let defaultReaderRecordOf;

class ReadableStreamDefaultReader {
  #r;

  constructor(stream) {
    if (stream === kInternal) {
      const record = arguments[1];
      this.#r = record;
      record.obj = this;
      return;
    }
    if (!isReadableStreamObject(stream)) {
      throw ctorError("ReadableStreamDefaultReader", notOfType(1, "ReadableStream"));
    }
    const reader = new ReaderRecord(false);
    reader.obj = this;
    this.#r = reader;
    setUpDefaultReader(reader, rsRecordOf(stream));
  }

  static {
    defaultReaderRecordOf = (v) => {
      if (!isObject(v) || !(#r in v)) throw illegalInvocation();
      return v.#r;
    };
  }

  get closed() {
    let reader;
    try {
      reader = defaultReaderRecordOf(this);
    } catch (e) {
      return promiseReject(e);
    }
    return reader.closed.promise;
  }

  cancel(reason = undefined) {
    let reader;
    try {
      reader = defaultReaderRecordOf(this);
    } catch (e) {
      return promiseReject(e);
    }
    if (reader.stream === undefined) return promiseReject(readerReleasedError());
    const refused = readerCancelError(reader);
    if (refused !== undefined) return promiseReject(refused);
    return readerGenericCancel(reader, reason);
  }

  read() {
    let reader;
    try {
      reader = defaultReaderRecordOf(this);
    } catch (e) {
      return promiseReject(e);
    }
    if (reader.stream === undefined) return promiseReject(readerReleasedError());
    const refused = readableIoError(reader.stream);
    if (refused !== undefined) return promiseReject(refused);
    const readRequest = new ReadRequest();
    defaultReaderRead(reader, readRequest);
    return readRequest.deferred.promise;
  }

  releaseLock() {
    const reader = defaultReaderRecordOf(this);
    if (reader.stream === undefined) return;
    const refused = crossRequestError(reader.owner, READER_IO);
    if (refused !== undefined) throw refused;
    readerRelease(reader);
  }
}
configureInterface(ReadableStreamDefaultReader, "ReadableStreamDefaultReader");

function newDefaultReaderObject(record) {
  return new ReadableStreamDefaultReader(kInternal, record);
}

let byobReaderRecordOf;

class ReadableStreamBYOBReader {
  #r;

  constructor(stream) {
    if (stream === kInternal) {
      const record = arguments[1];
      this.#r = record;
      record.obj = this;
      return;
    }
    if (!isReadableStreamObject(stream)) {
      throw ctorError("ReadableStreamBYOBReader", notOfType(1, "ReadableStream"));
    }
    const reader = new ReaderRecord(true);
    reader.obj = this;
    this.#r = reader;
    setUpBYOBReader(reader, rsRecordOf(stream));
  }

  static {
    byobReaderRecordOf = (v) => {
      if (!isObject(v) || !(#r in v)) throw illegalInvocation();
      return v.#r;
    };
  }

  get closed() {
    let reader;
    try {
      reader = byobReaderRecordOf(this);
    } catch (e) {
      return promiseReject(e);
    }
    return reader.closed.promise;
  }

  cancel(reason = undefined) {
    let reader;
    try {
      reader = byobReaderRecordOf(this);
    } catch (e) {
      return promiseReject(e);
    }
    if (reader.stream === undefined) return promiseReject(readerReleasedError());
    const refused = readerCancelError(reader);
    if (refused !== undefined) return promiseReject(refused);
    return readerGenericCancel(reader, reason);
  }

  // read(ArrayBufferView view, optional ReadableStreamBYOBReaderReadOptions options = {})
  read(view, options = undefined) {
    let reader, min;
    const prefix = "Failed to execute 'read' on 'ReadableStreamBYOBReader'";
    try {
      reader = byobReaderRecordOf(this);
      if (!isArrayBufferView(view)) {
        throw new TypeErrorCtor(`${prefix}: ${notOfType(1, "ArrayBufferView")}`);
      }
      const obj = dictionaryObject(options, "ReadableStreamBYOBReaderReadOptions", prefix);
      const minValue = obj === undefined ? undefined : obj.min;
      min = minValue === undefined ? 1 : enforceRangeULL(minValue, prefix,
        "Failed to read the 'min' property from 'ReadableStreamBYOBReaderReadOptions':");
    } catch (e) {
      return promiseReject(e);
    }
    const byteLength = viewByteLength(view);
    const buffer = viewBuffer(view);
    // 1. If view.[[ByteLength]] is 0, return a promise rejected with a TypeError.
    if (byteLength === 0) {
      return promiseReject(new TypeErrorCtor(
        "You must call read() on a \"byob\" reader with a positive-sized TypedArray object."));
    }
    // 2. If view.[[ViewedArrayBuffer]].[[ArrayBufferByteLength]] is 0, reject.
    if (bufferByteLength(buffer) === 0) {
      return promiseReject(new TypeErrorCtor(
        "You must call read() on a \"byob\" reader with a positive-sized TypedArray object."));
    }
    // 3. If ! IsDetachedBuffer(view.[[ViewedArrayBuffer]]) is true, reject.
    if (isDetachedBuffer(buffer)) {
      return promiseReject(new TypeErrorCtor("The view's buffer has been detached."));
    }
    // 4. If options["min"] is 0, reject with a TypeError.
    if (min === 0) {
      return promiseReject(new TypeErrorCtor(
        `Requested invalid minimum number of bytes to read (${min}).`));
    }
    // 5-6. min must fit the view.
    if (TypedArrayPrototypeGetSymbolToStringTag(view) !== undefined) {
      const length = TypedArrayPrototypeLengthGetter(view);
      if (min > length) {
        return promiseReject(new RangeErrorCtor(
          `Minimum bytes to read (${min}) exceeds size of buffer (${length}).`));
      }
    } else if (min > byteLength) {
      return promiseReject(new RangeErrorCtor(
        `Minimum bytes to read (${min}) exceeds size of buffer (${byteLength}).`));
    }
    // 7. If this.[[stream]] is undefined, reject with a TypeError.
    if (reader.stream === undefined) return promiseReject(readerReleasedError());
    const refused = readableIoError(reader.stream);
    if (refused !== undefined) return promiseReject(refused);
    const readIntoRequest = new ReadIntoRequest();
    byobReaderRead(reader, view, min, readIntoRequest);
    return readIntoRequest.deferred.promise;
  }

  releaseLock() {
    const reader = byobReaderRecordOf(this);
    if (reader.stream === undefined) return;
    const refused = crossRequestError(reader.owner, READER_IO);
    if (refused !== undefined) throw refused;
    readerRelease(reader);
  }
}
configureInterface(ReadableStreamBYOBReader, "ReadableStreamBYOBReader");

function newBYOBReaderObject(record) {
  return new ReadableStreamBYOBReader(kInternal, record);
}

// ---------------------------------------------------------------------------------------

let defaultControllerRecordOf;

class ReadableStreamDefaultController {
  #r;

  constructor(token = undefined, record = undefined) {
    if (token !== kInternal) throw illegalConstructor();
    this.#r = record;
    record.obj = this;
  }

  static {
    defaultControllerRecordOf = (v) => {
      if (!isObject(v) || !(#r in v)) throw illegalInvocation();
      return v.#r;
    };
  }

  get desiredSize() {
    return defaultControllerGetDesiredSize(defaultControllerRecordOf(this));
  }

  close() {
    const controller = defaultControllerRecordOf(this);
    if (!defaultControllerCanCloseOrEnqueue(controller)) {
      throw new TypeErrorCtor("This ReadableStream is closed.");
    }
    defaultControllerClose(controller);
  }

  enqueue(chunk = undefined) {
    const controller = defaultControllerRecordOf(this);
    if (!defaultControllerCanCloseOrEnqueue(controller)) {
      throw new TypeErrorCtor("Unable to enqueue");
    }
    defaultControllerEnqueue(controller, chunk);
  }

  error(e = undefined) {
    defaultControllerError(defaultControllerRecordOf(this), e);
  }
}
configureInterface(ReadableStreamDefaultController, "ReadableStreamDefaultController");

function newDefaultControllerObject(record) {
  return new ReadableStreamDefaultController(kInternal, record);
}

let byteControllerRecordOf;

class ReadableByteStreamController {
  #r;

  constructor(token = undefined, record = undefined) {
    if (token !== kInternal) throw illegalConstructor();
    this.#r = record;
    record.obj = this;
  }

  static {
    byteControllerRecordOf = (v) => {
      if (!isObject(v) || !(#r in v)) throw illegalInvocation();
      return v.#r;
    };
  }

  get byobRequest() {
    const request = byteControllerGetBYOBRequest(byteControllerRecordOf(this));
    return request === null ? null : request.obj;
  }

  get desiredSize() {
    return byteControllerGetDesiredSize(byteControllerRecordOf(this));
  }

  close() {
    const controller = byteControllerRecordOf(this);
    if (controller.closeRequested) {
      throw new TypeErrorCtor("This ReadableByteStreamController is closed.");
    }
    if (controller.stream.state !== "readable") {
      throw new TypeErrorCtor("This ReadableByteStreamController is closed.");
    }
    byteControllerClose(controller);
  }

  enqueue(chunk) {
    const controller = byteControllerRecordOf(this);
    if (!isArrayBufferView(chunk)) {
      throw methodError("ReadableByteStreamController", "enqueue",
        notOfType(1, "ArrayBufferView"));
    }
    // 1. If chunk.[[ByteLength]] is 0, throw a TypeError exception.
    if (viewByteLength(chunk) === 0) {
      throw new TypeErrorCtor("Cannot enqueue a zero-length ArrayBuffer.");
    }
    // 2. If chunk.[[ViewedArrayBuffer]].[[ArrayBufferByteLength]] is 0, throw a TypeError.
    if (bufferByteLength(viewBuffer(chunk)) === 0) {
      throw new TypeErrorCtor("Cannot enqueue a zero-length ArrayBuffer.");
    }
    // 3-4.
    if (controller.closeRequested || controller.stream.state !== "readable") {
      throw new TypeErrorCtor("This ReadableByteStreamController is closed.");
    }
    byteControllerEnqueue(controller, chunk);
  }

  error(e = undefined) {
    byteControllerError(byteControllerRecordOf(this), e);
  }
}
configureInterface(ReadableByteStreamController, "ReadableByteStreamController");

function newByteControllerObject(record) {
  return new ReadableByteStreamController(kInternal, record);
}

let byobRequestRecordOf;

class ReadableStreamBYOBRequest {
  #r;

  constructor(token = undefined, record = undefined) {
    if (token !== kInternal) throw illegalConstructor();
    this.#r = record;
    record.obj = this;
  }

  static {
    byobRequestRecordOf = (v) => {
      if (!isObject(v) || !(#r in v)) throw illegalInvocation();
      return v.#r;
    };
  }

  get view() {
    return byobRequestRecordOf(this).view;
  }

  respond(bytesWritten) {
    const request = byobRequestRecordOf(this);
    const prefix = "Failed to execute 'respond' on 'ReadableStreamBYOBRequest'";
    const n = enforceRangeULL(bytesWritten, prefix, "parameter 1");
    // 1. If this.[[controller]] is undefined, throw a TypeError exception.
    if (request.controller === undefined) {
      throw new TypeErrorCtor("This ReadableStreamBYOBRequest has been invalidated.");
    }
    // 2. If ! IsDetachedBuffer(this.[[view]].[[ArrayBuffer]]) is true, throw a TypeError.
    if (isDetachedBuffer(viewBuffer(request.view))) {
      throw new TypeErrorCtor("Cannot respond with a zero-length or detached view");
    }
    byteControllerRespond(request.controller, n);
  }

  respondWithNewView(view) {
    const request = byobRequestRecordOf(this);
    if (!isArrayBufferView(view)) {
      throw methodError("ReadableStreamBYOBRequest", "respondWithNewView",
        notOfType(1, "ArrayBufferView"));
    }
    if (request.controller === undefined) {
      throw new TypeErrorCtor("This ReadableStreamBYOBRequest has been invalidated.");
    }
    if (isDetachedBuffer(viewBuffer(view))) {
      throw new TypeErrorCtor("The view's buffer has been detached.");
    }
    byteControllerRespondWithNewView(request.controller, view);
  }
}
configureInterface(ReadableStreamBYOBRequest, "ReadableStreamBYOBRequest");

function newBYOBRequestObject(record) {
  return new ReadableStreamBYOBRequest(kInternal, record);
}

// =======================================================================================
// WritableStream: records and abstract operations
// https://streams.spec.whatwg.org/#ws-abstract-ops

class WritableStreamRecord {
  constructor() {
    // InitializeWritableStream(stream)
    this.state = "writable";
    this.storedError = undefined;
    this.writer = undefined;
    this.controller = undefined;
    this.inFlightWriteRequest = undefined; // Deferred
    this.closeRequest = undefined; // Deferred
    this.inFlightCloseRequest = undefined; // Deferred
    this.pendingAbortRequest = undefined; // PendingAbortRequest
    this.writeRequests = new List(); // of Deferred
    this.backpressure = false;
    this.obj = undefined;
    // Non-standard: set for a sink that only takes bytes (IdentityTransformStream): turns a
    // written chunk into the Uint8Array to queue (null: nothing to write) or throws.
    this.byteSink = undefined;
    this.owner = 0; // the request a native stream belongs to
  }
}

class PendingAbortRequest {
  constructor(deferred, reason, wasAlreadyErroring) {
    this.deferred = deferred;
    this.reason = reason;
    this.wasAlreadyErroring = wasAlreadyErroring;
  }
}

class WriterRecord {
  constructor() {
    this.stream = undefined;
    this.closed = undefined; // Deferred: [[closedPromise]]
    this.ready = undefined; // Deferred: [[readyPromise]]
    this.obj = undefined;
  }
}

class WritableControllerRecord {
  constructor() {
    this.stream = undefined;
    this.queue = undefined;
    this.queueTotalSize = 0;
    this.started = false;
    this.strategyHWM = 1;
    this.strategySizeAlgorithm = undefined; // undefined: size 1 (until cleared)
    this.algorithmsCleared = false;
    this.writeAlgorithm = undefined;
    this.closeAlgorithm = undefined;
    this.abortAlgorithm = undefined;
    // [[abortController]], created when `signal` is first read.
    this.abortController = undefined;
    this.aborted = false;
    this.abortReason = undefined;
    this.abortHook = undefined; // non-standard: runtime sinks hear about abort at once
    this.obj = undefined;
    this.onWriteFulfilled = undefined;
    this.onWriteRejected = undefined;
  }
}

// The close sentinel in a WritableStreamDefaultController's queue.
const kCloseSentinel = ObjectCreate(null);

function writableLockedError() {
  return new TypeErrorCtor("This WritableStream is currently locked to a writer.");
}
function writerReleasedError() {
  return new TypeErrorCtor("This WritableStream writer has been released.");
}
function writableClosedError() {
  return new TypeErrorCtor("This WritableStream has been closed.");
}

// AcquireWritableStreamDefaultWriter(stream)
function acquireWritableStreamDefaultWriter(stream) {
  const writer = new WriterRecord();
  setUpWritableStreamDefaultWriter(writer, stream);
  return writer;
}

// CreateWritableStream(startAlgorithm, writeAlgorithm, closeAlgorithm, abortAlgorithm,
// highWaterMark, sizeAlgorithm)
function createWritableStream(startAlgorithm, writeAlgorithm, closeAlgorithm, abortAlgorithm,
  highWaterMark, sizeAlgorithm) {
  const stream = new WritableStreamRecord();
  newWritableStreamObject(stream);
  const controller = new WritableControllerRecord();
  setUpWritableStreamDefaultController(stream, controller, startAlgorithm, writeAlgorithm,
    closeAlgorithm, abortAlgorithm, highWaterMark, sizeAlgorithm);
  return stream;
}

// IsWritableStreamLocked(stream)
function isWritableStreamLocked(stream) {
  return stream.writer !== undefined;
}

// SetUpWritableStreamDefaultWriter(writer, stream)
function setUpWritableStreamDefaultWriter(writer, stream) {
  if (isWritableStreamLocked(stream)) throw writableLockedError();
  writer.stream = stream;
  stream.writer = writer;
  const state = stream.state;
  if (state === "writable") {
    if (!writableStreamCloseQueuedOrInFlight(stream) && stream.backpressure) {
      writer.ready = new Deferred();
    } else {
      writer.ready = resolvedDeferred(undefined);
    }
    writer.closed = new Deferred();
  } else if (state === "erroring") {
    writer.ready = rejectedDeferred(stream.storedError);
    writer.closed = new Deferred();
  } else if (state === "closed") {
    writer.ready = resolvedDeferred(undefined);
    writer.closed = resolvedDeferred(undefined);
  } else {
    const storedError = stream.storedError;
    writer.ready = rejectedDeferred(storedError);
    writer.closed = rejectedDeferred(storedError);
  }
}

// "Signal abort on controller.[[abortController]] with reason."
function signalAbort(controller, reason) {
  if (controller.aborted) return;
  controller.aborted = true;
  controller.abortReason = reason;
  const abortController = controller.abortController;
  if (abortController !== undefined) abortController.abort(reason);
  const hook = controller.abortHook;
  if (hook !== undefined) hook(reason);
}

// WritableStreamAbort(stream, reason)
function writableStreamAbort(stream, reason) {
  // 1. If stream.[[state]] is "closed" or "errored", return a promise resolved with undefined.
  if (stream.state === "closed" || stream.state === "errored") return promiseResolve(undefined);
  // 2. Signal abort on stream.[[controller]].[[abortController]] with reason.
  signalAbort(stream.controller, reason);
  // 3-4. The signal's listeners may have changed the state.
  const state = stream.state;
  if (state === "closed" || state === "errored") return promiseResolve(undefined);
  // 5. If stream.[[pendingAbortRequest]] is not undefined, return its promise.
  if (stream.pendingAbortRequest !== undefined) return stream.pendingAbortRequest.deferred.promise;
  // 7-8.
  let wasAlreadyErroring = false;
  if (state === "erroring") {
    wasAlreadyErroring = true;
    reason = undefined;
  }
  const deferred = new Deferred();
  stream.pendingAbortRequest = new PendingAbortRequest(deferred, reason, wasAlreadyErroring);
  if (!wasAlreadyErroring) writableStreamStartErroring(stream, reason);
  return deferred.promise;
}

// WritableStreamClose(stream)
function writableStreamClose(stream) {
  const state = stream.state;
  if (state === "closed" || state === "errored") return promiseReject(writableClosedError());
  const deferred = new Deferred();
  stream.closeRequest = deferred;
  const writer = stream.writer;
  if (writer !== undefined && stream.backpressure && state === "writable") {
    writer.ready.resolve(undefined);
  }
  writableControllerClose(stream.controller);
  return deferred.promise;
}

// WritableStreamAddWriteRequest(stream)
function writableStreamAddWriteRequest(stream) {
  const deferred = new Deferred();
  stream.writeRequests.push(deferred);
  return deferred.promise;
}

// WritableStreamCloseQueuedOrInFlight(stream)
function writableStreamCloseQueuedOrInFlight(stream) {
  return stream.closeRequest !== undefined || stream.inFlightCloseRequest !== undefined;
}

// WritableStreamDealWithRejection(stream, error)
function writableStreamDealWithRejection(stream, error) {
  if (stream.state === "writable") {
    writableStreamStartErroring(stream, error);
    return;
  }
  writableStreamFinishErroring(stream);
}

// WritableStreamFinishErroring(stream)
function writableStreamFinishErroring(stream) {
  stream.state = "errored";
  // 4. Perform ! stream.[[controller]].[[ErrorSteps]]().
  resetQueue(stream.controller);
  const storedError = stream.storedError;
  const writeRequests = stream.writeRequests.take();
  while (writeRequests.size > 0) writeRequests.shift().reject(storedError);
  const abortRequest = stream.pendingAbortRequest;
  if (abortRequest === undefined) {
    writableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
    return;
  }
  stream.pendingAbortRequest = undefined;
  if (abortRequest.wasAlreadyErroring) {
    abortRequest.deferred.reject(storedError);
    writableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
    return;
  }
  // 12. Let promise be ! stream.[[controller]].[[AbortSteps]](abortRequest's reason).
  const promise = writableControllerAbortSteps(stream.controller, abortRequest.reason);
  then(promise, () => {
    abortRequest.deferred.resolve(undefined);
    writableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
  }, (reason) => {
    abortRequest.deferred.reject(reason);
    writableStreamRejectCloseAndClosedPromiseIfNeeded(stream);
  });
}

// WritableStreamFinishInFlightClose(stream)
function writableStreamFinishInFlightClose(stream) {
  stream.inFlightCloseRequest.resolve(undefined);
  stream.inFlightCloseRequest = undefined;
  if (stream.state === "erroring") {
    stream.storedError = undefined;
    if (stream.pendingAbortRequest !== undefined) {
      stream.pendingAbortRequest.deferred.resolve(undefined);
      stream.pendingAbortRequest = undefined;
    }
  }
  stream.state = "closed";
  const writer = stream.writer;
  if (writer !== undefined) writer.closed.resolve(undefined);
}

// WritableStreamFinishInFlightCloseWithError(stream, error)
function writableStreamFinishInFlightCloseWithError(stream, error) {
  stream.inFlightCloseRequest.reject(error);
  stream.inFlightCloseRequest = undefined;
  if (stream.pendingAbortRequest !== undefined) {
    stream.pendingAbortRequest.deferred.reject(error);
    stream.pendingAbortRequest = undefined;
  }
  writableStreamDealWithRejection(stream, error);
}

// WritableStreamFinishInFlightWrite(stream)
function writableStreamFinishInFlightWrite(stream) {
  stream.inFlightWriteRequest.resolve(undefined);
  stream.inFlightWriteRequest = undefined;
}

// WritableStreamFinishInFlightWriteWithError(stream, error)
function writableStreamFinishInFlightWriteWithError(stream, error) {
  stream.inFlightWriteRequest.reject(error);
  stream.inFlightWriteRequest = undefined;
  writableStreamDealWithRejection(stream, error);
}

// WritableStreamHasOperationMarkedInFlight(stream)
function writableStreamHasOperationMarkedInFlight(stream) {
  return stream.inFlightWriteRequest !== undefined || stream.inFlightCloseRequest !== undefined;
}

// WritableStreamMarkCloseRequestInFlight(stream)
function writableStreamMarkCloseRequestInFlight(stream) {
  stream.inFlightCloseRequest = stream.closeRequest;
  stream.closeRequest = undefined;
}

// WritableStreamMarkFirstWriteRequestInFlight(stream)
function writableStreamMarkFirstWriteRequestInFlight(stream) {
  stream.inFlightWriteRequest = stream.writeRequests.shift();
}

// WritableStreamRejectCloseAndClosedPromiseIfNeeded(stream)
function writableStreamRejectCloseAndClosedPromiseIfNeeded(stream) {
  if (stream.closeRequest !== undefined) {
    stream.closeRequest.reject(stream.storedError);
    stream.closeRequest = undefined;
  }
  const writer = stream.writer;
  if (writer !== undefined) {
    writer.closed.reject(stream.storedError);
    markHandled(writer.closed.promise);
  }
}

// WritableStreamStartErroring(stream, reason)
function writableStreamStartErroring(stream, reason) {
  const controller = stream.controller;
  stream.state = "erroring";
  stream.storedError = reason;
  const writer = stream.writer;
  if (writer !== undefined) writableStreamDefaultWriterEnsureReadyPromiseRejected(writer, reason);
  if (!writableStreamHasOperationMarkedInFlight(stream) && controller.started) {
    writableStreamFinishErroring(stream);
  }
}

// WritableStreamUpdateBackpressure(stream, backpressure)
function writableStreamUpdateBackpressure(stream, backpressure) {
  const writer = stream.writer;
  if (writer !== undefined && backpressure !== stream.backpressure) {
    if (backpressure) writer.ready = new Deferred();
    else writer.ready.resolve(undefined);
  }
  stream.backpressure = backpressure;
}

// ---------------------------------------------------------------------------------------
// Writers

// WritableStreamDefaultWriterAbort(writer, reason)
function writableStreamDefaultWriterAbort(writer, reason) {
  return writableStreamAbort(writer.stream, reason);
}

// WritableStreamDefaultWriterClose(writer)
function writableStreamDefaultWriterClose(writer) {
  return writableStreamClose(writer.stream);
}

// WritableStreamDefaultWriterCloseWithErrorPropagation(writer)
function writableStreamDefaultWriterCloseWithErrorPropagation(writer) {
  const stream = writer.stream;
  const state = stream.state;
  if (writableStreamCloseQueuedOrInFlight(stream) || state === "closed") {
    return promiseResolve(undefined);
  }
  if (state === "errored") return promiseReject(stream.storedError);
  return writableStreamDefaultWriterClose(writer);
}

// WritableStreamDefaultWriterEnsureClosedPromiseRejected(writer, error)
function writableStreamDefaultWriterEnsureClosedPromiseRejected(writer, error) {
  if (writer.closed.state === 0) writer.closed.reject(error);
  else writer.closed = rejectedDeferred(error);
  markHandled(writer.closed.promise);
}

// WritableStreamDefaultWriterEnsureReadyPromiseRejected(writer, error)
function writableStreamDefaultWriterEnsureReadyPromiseRejected(writer, error) {
  if (writer.ready.state === 0) writer.ready.reject(error);
  else writer.ready = rejectedDeferred(error);
  markHandled(writer.ready.promise);
}

// WritableStreamDefaultWriterGetDesiredSize(writer)
function writableStreamDefaultWriterGetDesiredSize(writer) {
  const stream = writer.stream;
  const state = stream.state;
  if (state === "errored" || state === "erroring") return null;
  if (state === "closed") return 0;
  return writableControllerGetDesiredSize(stream.controller);
}

// WritableStreamDefaultWriterRelease(writer)
function writableStreamDefaultWriterRelease(writer) {
  const stream = writer.stream;
  const releasedError = writerReleasedError();
  writableStreamDefaultWriterEnsureReadyPromiseRejected(writer, releasedError);
  writableStreamDefaultWriterEnsureClosedPromiseRejected(writer, releasedError);
  stream.writer = undefined;
  writer.stream = undefined;
}

// WritableStreamDefaultWriterWrite(writer, chunk)
function writableStreamDefaultWriterWrite(writer, chunk) {
  const stream = writer.stream;
  const controller = stream.controller;
  const byteSink = stream.byteSink;
  // 3. Let chunkSize be ! WritableStreamDefaultControllerGetChunkSize(controller, chunk).
  //    (A byte sink sizes the bytes it queues, below.)
  const chunkSize = byteSink === undefined ? writableControllerGetChunkSize(controller, chunk) : 0;
  // 4. If stream is not equal to writer.[[stream]], reject with a TypeError.
  if (stream !== writer.stream) return promiseReject(writerReleasedError());
  const state = stream.state;
  if (state === "errored") return promiseReject(stream.storedError);
  if (writableStreamCloseQueuedOrInFlight(stream) || state === "closed") {
    return promiseReject(writableClosedError());
  }
  if (state === "erroring") return promiseReject(stream.storedError);
  if (byteSink !== undefined) {
    // workerd's internal writable side: a chunk that is not bytes rejects this write and
    // leaves the stream as it was; an empty one is written at once.
    let bytes;
    try {
      bytes = byteSink(chunk);
    } catch (e) {
      return promiseReject(e);
    }
    if (bytes === null) return promiseResolve(undefined);
    const promise = writableStreamAddWriteRequest(stream);
    writableControllerWrite(controller, bytes, writableControllerGetChunkSize(controller, bytes));
    return promise;
  }
  const promise = writableStreamAddWriteRequest(stream);
  writableControllerWrite(controller, chunk, chunkSize);
  return promise;
}

// ---------------------------------------------------------------------------------------
// WritableStreamDefaultController
// https://streams.spec.whatwg.org/#ws-default-controller-abstract-ops

// SetUpWritableStreamDefaultController(stream, controller, startAlgorithm, writeAlgorithm,
// closeAlgorithm, abortAlgorithm, highWaterMark, sizeAlgorithm)
function setUpWritableStreamDefaultController(stream, controller, startAlgorithm,
  writeAlgorithm, closeAlgorithm, abortAlgorithm, highWaterMark, sizeAlgorithm) {
  controller.stream = stream;
  stream.controller = controller;
  resetQueue(controller);
  controller.strategySizeAlgorithm = sizeAlgorithm;
  controller.strategyHWM = highWaterMark;
  controller.writeAlgorithm = writeAlgorithm;
  controller.closeAlgorithm = closeAlgorithm;
  controller.abortAlgorithm = abortAlgorithm;
  controller.onWriteFulfilled = () => {
    // WritableStreamDefaultControllerProcessWrite, 4. Upon fulfillment of sinkWritePromise:
    writableStreamFinishInFlightWrite(stream);
    const state = stream.state;
    dequeueValue(controller);
    if (!writableStreamCloseQueuedOrInFlight(stream) && state === "writable") {
      writableStreamUpdateBackpressure(stream, writableControllerGetBackpressure(controller));
    }
    writableControllerAdvanceQueueIfNeeded(controller);
  };
  controller.onWriteRejected = (reason) => {
    // 5. Upon rejection of sinkWritePromise with reason:
    if (stream.state === "writable") writableControllerClearAlgorithms(controller);
    writableStreamFinishInFlightWriteWithError(stream, reason);
  };
  newWritableControllerObject(controller);
  const backpressure = writableControllerGetBackpressure(controller);
  writableStreamUpdateBackpressure(stream, backpressure);
  const startResult = startAlgorithm(controller);
  then(promiseResolve(startResult), () => {
    controller.started = true;
    writableControllerAdvanceQueueIfNeeded(controller);
  }, (r) => {
    controller.started = true;
    writableStreamDealWithRejection(stream, r);
  });
}

// UnderlyingSink { abort, close, start, type, write }
function setUpWritableControllerFromUnderlyingSink(stream, sink, dict, highWaterMark,
  sizeAlgorithm) {
  const controller = new WritableControllerRecord();
  const start = dict.start;
  const write = dict.write;
  const close = dict.close;
  const abort = dict.abort;
  const startAlgorithm = start === undefined ? noop
    : (c) => FunctionPrototypeCall(start, sink, c.obj);
  const writeAlgorithm = write === undefined ? resolvedUndefined
    : (chunk) => promiseCall2(write, sink, chunk, controller.obj);
  const closeAlgorithm = close === undefined ? resolvedUndefined
    : () => promiseCall0(close, sink);
  const abortAlgorithm = abort === undefined ? resolvedUndefined
    : (reason) => promiseCall1(abort, sink, reason);
  setUpWritableStreamDefaultController(stream, controller, startAlgorithm, writeAlgorithm,
    closeAlgorithm, abortAlgorithm, highWaterMark, sizeAlgorithm);
}

// WritableStreamDefaultControllerAdvanceQueueIfNeeded(controller)
function writableControllerAdvanceQueueIfNeeded(controller) {
  const stream = controller.stream;
  if (!controller.started) return;
  if (stream.inFlightWriteRequest !== undefined) return;
  const state = stream.state;
  if (state === "erroring") {
    writableStreamFinishErroring(stream);
    return;
  }
  if (controller.queue.size === 0) return;
  const value = peekQueueValue(controller);
  if (value === kCloseSentinel) writableControllerProcessClose(controller);
  else writableControllerProcessWrite(controller, value);
}

// WritableStreamDefaultControllerClearAlgorithms(controller)
function writableControllerClearAlgorithms(controller) {
  controller.writeAlgorithm = undefined;
  controller.closeAlgorithm = undefined;
  controller.abortAlgorithm = undefined;
  controller.strategySizeAlgorithm = undefined;
  controller.algorithmsCleared = true;
}

// WritableStreamDefaultControllerClose(controller)
function writableControllerClose(controller) {
  enqueueValueWithSize(controller, kCloseSentinel, 0);
  writableControllerAdvanceQueueIfNeeded(controller);
}

// WritableStreamDefaultControllerError(controller, error)
function writableControllerError(controller, error) {
  writableControllerClearAlgorithms(controller);
  writableStreamStartErroring(controller.stream, error);
}

// WritableStreamDefaultControllerErrorIfNeeded(controller, error)
function writableControllerErrorIfNeeded(controller, error) {
  if (controller.stream.state === "writable") writableControllerError(controller, error);
}

// WritableStreamDefaultControllerGetBackpressure(controller)
function writableControllerGetBackpressure(controller) {
  return writableControllerGetDesiredSize(controller) <= 0;
}

// WritableStreamDefaultControllerGetChunkSize(controller, chunk)
function writableControllerGetChunkSize(controller, chunk) {
  // 1. If controller.[[strategySizeAlgorithm]] is undefined (cleared), return 1.
  if (controller.algorithmsCleared) return 1;
  const size = controller.strategySizeAlgorithm;
  if (size === undefined) return 1;
  try {
    return toNumber(FunctionPrototypeCall(size, undefined, chunk));
  } catch (e) {
    writableControllerErrorIfNeeded(controller, e);
    return 1;
  }
}

// WritableStreamDefaultControllerGetDesiredSize(controller)
function writableControllerGetDesiredSize(controller) {
  return controller.strategyHWM - controller.queueTotalSize;
}

// WritableStreamDefaultControllerProcessClose(controller)
function writableControllerProcessClose(controller) {
  const stream = controller.stream;
  writableStreamMarkCloseRequestInFlight(stream);
  dequeueValue(controller);
  const sinkClosePromise = controller.closeAlgorithm();
  writableControllerClearAlgorithms(controller);
  then(sinkClosePromise, () => {
    writableStreamFinishInFlightClose(stream);
  }, (reason) => {
    writableStreamFinishInFlightCloseWithError(stream, reason);
  });
}

// WritableStreamDefaultControllerProcessWrite(controller, chunk)
function writableControllerProcessWrite(controller, chunk) {
  writableStreamMarkFirstWriteRequestInFlight(controller.stream);
  const sinkWritePromise = controller.writeAlgorithm(chunk);
  then(sinkWritePromise, controller.onWriteFulfilled, controller.onWriteRejected);
}

// WritableStreamDefaultControllerWrite(controller, chunk, chunkSize)
function writableControllerWrite(controller, chunk, chunkSize) {
  try {
    enqueueValueWithSize(controller, chunk, chunkSize);
  } catch (e) {
    writableControllerErrorIfNeeded(controller, e);
    return;
  }
  const stream = controller.stream;
  if (!writableStreamCloseQueuedOrInFlight(stream) && stream.state === "writable") {
    writableStreamUpdateBackpressure(stream, writableControllerGetBackpressure(controller));
  }
  writableControllerAdvanceQueueIfNeeded(controller);
}

// [[AbortSteps]](reason)
function writableControllerAbortSteps(controller, reason) {
  const abortAlgorithm = controller.abortAlgorithm;
  const result = abortAlgorithm === undefined ? promiseResolve(undefined) : abortAlgorithm(reason);
  writableControllerClearAlgorithms(controller);
  return result;
}

// =======================================================================================
// WritableStream and friends: the interfaces
// https://streams.spec.whatwg.org/#ws-class

class UnderlyingSinkDict {
  constructor() {
    this.abort = undefined;
    this.close = undefined;
    this.start = undefined;
    this.type = undefined;
    this.write = undefined;
  }
}
function convertUnderlyingSink(sink, prefix) {
  const dict = new UnderlyingSinkDict();
  if (sink === null) return dict;
  dict.abort = callbackMember(sink, "abort", "UnderlyingSink", prefix);
  dict.close = callbackMember(sink, "close", "UnderlyingSink", prefix);
  dict.start = callbackMember(sink, "start", "UnderlyingSink", prefix);
  dict.type = sink.type;
  dict.write = callbackMember(sink, "write", "UnderlyingSink", prefix);
  return dict;
}

let wsRecordOf, isWritableStreamObject;

class WritableStream {
  #r;

  // constructor(optional object underlyingSink, optional QueuingStrategy strategy = {})
  constructor(underlyingSink = undefined, strategy = undefined) {
    if (underlyingSink === kInternal) {
      this.#r = strategy;
      strategy.obj = this;
      return;
    }
    const prefix = "Failed to construct 'WritableStream'";
    if (underlyingSink !== undefined && !isObject(underlyingSink)) {
      throw ctorError("WritableStream", notOfType(1, "object"));
    }
    const strat = convertQueuingStrategy(strategy, prefix);
    const sink = underlyingSink === undefined ? null : underlyingSink;
    const dict = convertUnderlyingSink(sink, prefix);
    // 3. If underlyingSinkDict["type"] exists, throw a RangeError exception.
    if (dict.type !== undefined) {
      throw new RangeErrorCtor(`${prefix}: Invalid type is specified.`);
    }
    const stream = new WritableStreamRecord();
    stream.obj = this;
    this.#r = stream;
    const sizeAlgorithm = extractSizeAlgorithm(strat);
    const highWaterMark = extractHighWaterMark(strat, 1, prefix);
    setUpWritableControllerFromUnderlyingSink(stream, sink, dict, highWaterMark, sizeAlgorithm);
  }

  static {
    wsRecordOf = (v) => {
      if (!isObject(v) || !(#r in v)) throw illegalInvocation();
      return v.#r;
    };
    isWritableStreamObject = (v) => isObject(v) && #r in v;
  }

  get locked() {
    return isWritableStreamLocked(wsRecordOf(this));
  }

  abort(reason = undefined) {
    let stream;
    try {
      stream = wsRecordOf(this);
    } catch (e) {
      return promiseReject(e);
    }
    if (isWritableStreamLocked(stream)) return promiseReject(writableLockedError());
    const refused = writableIoError(stream);
    if (refused !== undefined) return promiseReject(refused);
    return writableStreamAbort(stream, reason);
  }

  close() {
    let stream;
    try {
      stream = wsRecordOf(this);
    } catch (e) {
      return promiseReject(e);
    }
    if (isWritableStreamLocked(stream)) return promiseReject(writableLockedError());
    const refused = writableIoError(stream);
    if (refused !== undefined) return promiseReject(refused);
    if (writableStreamCloseQueuedOrInFlight(stream)) {
      return promiseReject(new TypeErrorCtor("Cannot close a writer that is already being closed"));
    }
    return writableStreamClose(stream);
  }

  getWriter() {
    return newWriterObject(acquireWritableStreamDefaultWriter(wsRecordOf(this)));
  }
}
configureInterface(WritableStream, "WritableStream");

function newWritableStreamObject(record) {
  return new WritableStream(kInternal, record);
}

let writerRecordOf;

class WritableStreamDefaultWriter {
  #r;

  constructor(stream) {
    if (stream === kInternal) {
      const record = arguments[1];
      this.#r = record;
      record.obj = this;
      return;
    }
    if (!isWritableStreamObject(stream)) {
      throw ctorError("WritableStreamDefaultWriter", notOfType(1, "WritableStream"));
    }
    const writer = new WriterRecord();
    writer.obj = this;
    this.#r = writer;
    setUpWritableStreamDefaultWriter(writer, wsRecordOf(stream));
  }

  static {
    writerRecordOf = (v) => {
      if (!isObject(v) || !(#r in v)) throw illegalInvocation();
      return v.#r;
    };
  }

  get closed() {
    let writer;
    try {
      writer = writerRecordOf(this);
    } catch (e) {
      return promiseReject(e);
    }
    return writer.closed.promise;
  }

  get desiredSize() {
    const writer = writerRecordOf(this);
    if (writer.stream === undefined) throw writerReleasedError();
    return writableStreamDefaultWriterGetDesiredSize(writer);
  }

  get ready() {
    let writer;
    try {
      writer = writerRecordOf(this);
    } catch (e) {
      return promiseReject(e);
    }
    return writer.ready.promise;
  }

  abort(reason = undefined) {
    let writer;
    try {
      writer = writerRecordOf(this);
    } catch (e) {
      return promiseReject(e);
    }
    if (writer.stream === undefined) return promiseReject(writerReleasedError());
    const refused = writableIoError(writer.stream);
    if (refused !== undefined) return promiseReject(refused);
    return writableStreamDefaultWriterAbort(writer, reason);
  }

  close() {
    let writer;
    try {
      writer = writerRecordOf(this);
    } catch (e) {
      return promiseReject(e);
    }
    const stream = writer.stream;
    if (stream === undefined) return promiseReject(writerReleasedError());
    const refused = writableIoError(stream);
    if (refused !== undefined) return promiseReject(refused);
    if (writableStreamCloseQueuedOrInFlight(stream)) {
      return promiseReject(new TypeErrorCtor("Cannot close a writer that is already being closed"));
    }
    return writableStreamDefaultWriterClose(writer);
  }

  releaseLock() {
    const writer = writerRecordOf(this);
    if (writer.stream === undefined) return;
    writableStreamDefaultWriterRelease(writer);
  }

  write(chunk = undefined) {
    let writer;
    try {
      writer = writerRecordOf(this);
    } catch (e) {
      return promiseReject(e);
    }
    if (writer.stream === undefined) return promiseReject(writerReleasedError());
    const refused = writableIoError(writer.stream);
    if (refused !== undefined) return promiseReject(refused);
    return writableStreamDefaultWriterWrite(writer, chunk);
  }
}
configureInterface(WritableStreamDefaultWriter, "WritableStreamDefaultWriter");

function newWriterObject(record) {
  return new WritableStreamDefaultWriter(kInternal, record);
}

// An AbortSignal for WritableStreamDefaultController.signal: the runtime's AbortController
// when there is one, else a minimal stand-in with the same surface.
class StreamAbortSignal {
  constructor() {
    this.aborted = false;
    this.reason = undefined;
    this.onabort = null;
    this.listeners = [];
  }
  throwIfAborted() {
    if (this.aborted) throw this.reason;
  }
  addEventListener(type, listener) {
    if (type === "abort" && typeof listener === "function") {
      this.listeners[this.listeners.length] = listener;
    }
  }
  removeEventListener(type, listener) {
    const listeners = this.listeners;
    for (let i = 0; i < listeners.length; i++) {
      if (listeners[i] === listener) {
        this.listeners = ArrayPrototypeSlice(listeners, 0, i);
        for (let j = i + 1; j < listeners.length; j++) {
          this.listeners[this.listeners.length] = listeners[j];
        }
        return;
      }
    }
  }
}
class StreamAbortController {
  constructor() {
    this.signal = new StreamAbortSignal();
  }
  abort(reason) {
    const signal = this.signal;
    if (signal.aborted) return;
    signal.aborted = true;
    signal.reason = reason === undefined
      ? newDOMException("This operation was aborted", "AbortError") : reason;
    const event = { type: "abort", target: signal };
    if (typeof signal.onabort === "function") FunctionPrototypeCall(signal.onabort, signal, event);
    const listeners = signal.listeners;
    for (let i = 0; i < listeners.length; i++) {
      FunctionPrototypeCall(listeners[i], signal, event);
    }
  }
}
function newAbortController() {
  const AbortControllerCtor = internals.AbortController || realGlobal.AbortController;
  if (typeof AbortControllerCtor === "function") return new AbortControllerCtor();
  return new StreamAbortController();
}

let writableControllerRecordOf;

class WritableStreamDefaultController {
  #r;

  constructor(token = undefined, record = undefined) {
    if (token !== kInternal) throw illegalConstructor();
    this.#r = record;
    record.obj = this;
  }

  static {
    writableControllerRecordOf = (v) => {
      if (!isObject(v) || !(#r in v)) throw illegalInvocation();
      return v.#r;
    };
  }

  get signal() {
    const controller = writableControllerRecordOf(this);
    let abortController = controller.abortController;
    if (abortController === undefined) {
      abortController = newAbortController();
      controller.abortController = abortController;
      if (controller.aborted) abortController.abort(controller.abortReason);
    }
    return abortController.signal;
  }

  error(e = undefined) {
    const controller = writableControllerRecordOf(this);
    if (controller.stream.state !== "writable") return;
    writableControllerError(controller, e);
  }
}
configureInterface(WritableStreamDefaultController, "WritableStreamDefaultController");

function newWritableControllerObject(record) {
  return new WritableStreamDefaultController(kInternal, record);
}

// =======================================================================================
// TransformStream
// https://streams.spec.whatwg.org/#ts-abstract-ops

class TransformStreamRecord {
  constructor() {
    this.backpressure = undefined;
    this.backpressureChangePromise = undefined; // Deferred
    this.controller = undefined;
    this.readable = undefined; // ReadableStreamRecord
    this.writable = undefined; // WritableStreamRecord
    this.obj = undefined;
  }
}

class TransformControllerRecord {
  constructor() {
    this.stream = undefined;
    this.transformAlgorithm = undefined;
    this.flushAlgorithm = undefined;
    this.cancelAlgorithm = undefined;
    this.finishPromise = undefined; // Deferred
    this.obj = undefined;
  }
}

// InitializeTransformStream(stream, startPromise, writableHighWaterMark,
// writableSizeAlgorithm, readableHighWaterMark, readableSizeAlgorithm)
function initializeTransformStream(stream, startPromise, writableHighWaterMark,
  writableSizeAlgorithm, readableHighWaterMark, readableSizeAlgorithm) {
  const startAlgorithm = () => startPromise;
  const writeAlgorithm = (chunk) => transformStreamDefaultSinkWriteAlgorithm(stream, chunk);
  const abortAlgorithm = (reason) => transformStreamDefaultSinkAbortAlgorithm(stream, reason);
  const closeAlgorithm = () => transformStreamDefaultSinkCloseAlgorithm(stream);
  stream.writable = createWritableStream(startAlgorithm, writeAlgorithm, closeAlgorithm,
    abortAlgorithm, writableHighWaterMark, writableSizeAlgorithm);
  const pullAlgorithm = () => transformStreamDefaultSourcePullAlgorithm(stream);
  const cancelAlgorithm = (reason) => transformStreamDefaultSourceCancelAlgorithm(stream, reason);
  stream.readable = createReadableStream(startAlgorithm, pullAlgorithm, cancelAlgorithm,
    readableHighWaterMark, readableSizeAlgorithm);
  stream.backpressure = undefined;
  stream.backpressureChangePromise = undefined;
  transformStreamSetBackpressure(stream, true);
  stream.controller = undefined;
}

// TransformStreamError(stream, e)
function transformStreamError(stream, e) {
  defaultControllerError(stream.readable.controller, e);
  transformStreamErrorWritableAndUnblockWrite(stream, e);
}

// TransformStreamErrorWritableAndUnblockWrite(stream, e)
function transformStreamErrorWritableAndUnblockWrite(stream, e) {
  transformControllerClearAlgorithms(stream.controller);
  writableControllerErrorIfNeeded(stream.writable.controller, e);
  transformStreamUnblockWrite(stream);
}

// TransformStreamSetBackpressure(stream, backpressure)
function transformStreamSetBackpressure(stream, backpressure) {
  if (stream.backpressureChangePromise !== undefined) {
    stream.backpressureChangePromise.resolve(undefined);
  }
  stream.backpressureChangePromise = new Deferred();
  stream.backpressure = backpressure;
}

// TransformStreamUnblockWrite(stream)
function transformStreamUnblockWrite(stream) {
  if (stream.backpressure) transformStreamSetBackpressure(stream, false);
}

// SetUpTransformStreamDefaultController(stream, controller, transformAlgorithm,
// flushAlgorithm, cancelAlgorithm)
function setUpTransformStreamDefaultController(stream, controller, transformAlgorithm,
  flushAlgorithm, cancelAlgorithm) {
  controller.stream = stream;
  stream.controller = controller;
  controller.transformAlgorithm = transformAlgorithm;
  controller.flushAlgorithm = flushAlgorithm;
  controller.cancelAlgorithm = cancelAlgorithm;
  newTransformControllerObject(controller);
}

// SetUpTransformStreamDefaultControllerFromTransformer(stream, transformer, transformerDict)
function setUpTransformControllerFromTransformer(stream, transformer, dict) {
  const controller = new TransformControllerRecord();
  const transform = dict.transform;
  const flush = dict.flush;
  const cancel = dict.cancel;
  // 2. The default transformAlgorithm enqueues the chunk unchanged.
  const transformAlgorithm = transform === undefined ? (chunk) => {
    try {
      transformControllerEnqueue(controller, chunk);
    } catch (e) {
      return promiseReject(e);
    }
    return promiseResolve(undefined);
  } : (chunk) => promiseCall2(transform, transformer, chunk, controller.obj);
  const flushAlgorithm = flush === undefined ? resolvedUndefined
    : () => promiseCall1(flush, transformer, controller.obj);
  const cancelAlgorithm = cancel === undefined ? resolvedUndefined
    : (reason) => promiseCall1(cancel, transformer, reason);
  setUpTransformStreamDefaultController(stream, controller, transformAlgorithm, flushAlgorithm,
    cancelAlgorithm);
}

// TransformStreamDefaultControllerClearAlgorithms(controller)
function transformControllerClearAlgorithms(controller) {
  if (controller === undefined) return;
  controller.transformAlgorithm = undefined;
  controller.flushAlgorithm = undefined;
  controller.cancelAlgorithm = undefined;
}

// TransformStreamDefaultControllerEnqueue(controller, chunk)
function transformControllerEnqueue(controller, chunk) {
  const stream = controller.stream;
  const readableController = stream.readable.controller;
  if (!defaultControllerCanCloseOrEnqueue(readableController)) {
    throw new TypeErrorCtor("The readable side of this TransformStream is not readable.");
  }
  try {
    defaultControllerEnqueue(readableController, chunk);
  } catch (e) {
    transformStreamErrorWritableAndUnblockWrite(stream, e);
    throw stream.readable.storedError;
  }
  const backpressure = defaultControllerHasBackpressure(readableController);
  if (backpressure !== stream.backpressure) transformStreamSetBackpressure(stream, true);
}

// TransformStreamDefaultControllerError(controller, e)
function transformControllerError(controller, e) {
  transformStreamError(controller.stream, e);
}

// TransformStreamDefaultControllerPerformTransform(controller, chunk)
function transformControllerPerformTransform(controller, chunk) {
  const transformPromise = controller.transformAlgorithm(chunk);
  return then(transformPromise, undefined, (r) => {
    transformStreamError(controller.stream, r);
    throw r;
  });
}

// TransformStreamDefaultControllerTerminate(controller)
function transformControllerTerminate(controller) {
  const stream = controller.stream;
  defaultControllerClose(stream.readable.controller);
  const error = new TypeErrorCtor("The transform stream has been terminated.");
  transformStreamErrorWritableAndUnblockWrite(stream, error);
}

// TransformStreamDefaultSinkWriteAlgorithm(stream, chunk)
function transformStreamDefaultSinkWriteAlgorithm(stream, chunk) {
  const controller = stream.controller;
  if (stream.backpressure) {
    return then(stream.backpressureChangePromise.promise, () => {
      const writable = stream.writable;
      if (writable.state === "erroring") throw writable.storedError;
      return transformControllerPerformTransform(controller, chunk);
    });
  }
  return transformControllerPerformTransform(controller, chunk);
}

// TransformStreamDefaultSinkAbortAlgorithm(stream, reason)
function transformStreamDefaultSinkAbortAlgorithm(stream, reason) {
  const controller = stream.controller;
  if (controller.finishPromise !== undefined) return controller.finishPromise.promise;
  const readable = stream.readable;
  const finish = new Deferred();
  controller.finishPromise = finish;
  const cancelPromise = controller.cancelAlgorithm(reason);
  transformControllerClearAlgorithms(controller);
  then(cancelPromise, () => {
    if (readable.state === "errored") {
      finish.reject(readable.storedError);
    } else {
      defaultControllerError(readable.controller, reason);
      finish.resolve(undefined);
    }
  }, (r) => {
    defaultControllerError(readable.controller, r);
    finish.reject(r);
  });
  return finish.promise;
}

// TransformStreamDefaultSinkCloseAlgorithm(stream)
function transformStreamDefaultSinkCloseAlgorithm(stream) {
  const controller = stream.controller;
  if (controller.finishPromise !== undefined) return controller.finishPromise.promise;
  const readable = stream.readable;
  const finish = new Deferred();
  controller.finishPromise = finish;
  const flushPromise = controller.flushAlgorithm();
  transformControllerClearAlgorithms(controller);
  then(flushPromise, () => {
    if (readable.state === "errored") {
      finish.reject(readable.storedError);
    } else {
      defaultControllerClose(readable.controller);
      finish.resolve(undefined);
    }
  }, (r) => {
    defaultControllerError(readable.controller, r);
    finish.reject(r);
  });
  return finish.promise;
}

// TransformStreamDefaultSourceCancelAlgorithm(stream, reason)
function transformStreamDefaultSourceCancelAlgorithm(stream, reason) {
  const controller = stream.controller;
  if (controller.finishPromise !== undefined) return controller.finishPromise.promise;
  const writable = stream.writable;
  const finish = new Deferred();
  controller.finishPromise = finish;
  const cancelPromise = controller.cancelAlgorithm(reason);
  transformControllerClearAlgorithms(controller);
  then(cancelPromise, () => {
    if (writable.state === "errored") {
      finish.reject(writable.storedError);
    } else {
      writableControllerErrorIfNeeded(writable.controller, reason);
      transformStreamUnblockWrite(stream);
      finish.resolve(undefined);
    }
  }, (r) => {
    writableControllerErrorIfNeeded(writable.controller, r);
    transformStreamUnblockWrite(stream);
    finish.reject(r);
  });
  return finish.promise;
}

// TransformStreamDefaultSourcePullAlgorithm(stream)
function transformStreamDefaultSourcePullAlgorithm(stream) {
  transformStreamSetBackpressure(stream, false);
  return stream.backpressureChangePromise.promise;
}

// ---------------------------------------------------------------------------------------

class TransformerDict {
  constructor() {
    this.cancel = undefined;
    this.flush = undefined;
    this.readableType = undefined;
    this.start = undefined;
    this.transform = undefined;
    this.writableType = undefined;
  }
}
function convertTransformer(transformer, prefix) {
  const dict = new TransformerDict();
  if (transformer === null) return dict;
  dict.cancel = callbackMember(transformer, "cancel", "Transformer", prefix);
  dict.flush = callbackMember(transformer, "flush", "Transformer", prefix);
  dict.readableType = transformer.readableType;
  dict.start = callbackMember(transformer, "start", "Transformer", prefix);
  dict.transform = callbackMember(transformer, "transform", "Transformer", prefix);
  dict.writableType = transformer.writableType;
  return dict;
}

let tsRecordOf;

class TransformStream {
  #r;

  // constructor(optional object transformer, optional QueuingStrategy writableStrategy = {},
  //             optional QueuingStrategy readableStrategy = {})
  constructor(transformer = undefined, writableStrategy = undefined,
    readableStrategy = undefined) {
    if (transformer === kInternal) {
      this.#r = writableStrategy;
      writableStrategy.obj = this;
      return;
    }
    const prefix = "Failed to construct 'TransformStream'";
    if (transformer !== undefined && !isObject(transformer)) {
      throw ctorError("TransformStream", notOfType(1, "object"));
    }
    const writableStrat = convertQueuingStrategy(writableStrategy, prefix);
    const readableStrat = convertQueuingStrategy(readableStrategy, prefix);
    const t = transformer === undefined ? null : transformer;
    const dict = convertTransformer(t, prefix);
    if (dict.readableType !== undefined) {
      throw new RangeErrorCtor(`${prefix}: Invalid readableType specified`);
    }
    if (dict.writableType !== undefined) {
      throw new RangeErrorCtor(`${prefix}: Invalid writableType specified`);
    }
    const readableHighWaterMark = extractHighWaterMark(readableStrat, 0, prefix);
    const readableSizeAlgorithm = extractSizeAlgorithm(readableStrat);
    const writableHighWaterMark = extractHighWaterMark(writableStrat, 1, prefix);
    const writableSizeAlgorithm = extractSizeAlgorithm(writableStrat);
    const startPromise = new Deferred();
    const stream = new TransformStreamRecord();
    stream.obj = this;
    this.#r = stream;
    initializeTransformStream(stream, startPromise.promise, writableHighWaterMark,
      writableSizeAlgorithm, readableHighWaterMark, readableSizeAlgorithm);
    setUpTransformControllerFromTransformer(stream, t, dict);
    if (dict.start !== undefined) {
      startPromise.resolve(FunctionPrototypeCall(dict.start, t, stream.controller.obj));
    } else {
      startPromise.resolve(undefined);
    }
  }

  static {
    tsRecordOf = (v) => {
      if (!isObject(v) || !(#r in v)) throw illegalInvocation();
      return v.#r;
    };
  }

  get readable() {
    return tsRecordOf(this).readable.obj;
  }

  get writable() {
    return tsRecordOf(this).writable.obj;
  }
}
configureInterface(TransformStream, "TransformStream");

let transformControllerRecordOf;

class TransformStreamDefaultController {
  #r;

  constructor(token = undefined, record = undefined) {
    if (token !== kInternal) throw illegalConstructor();
    this.#r = record;
    record.obj = this;
  }

  static {
    transformControllerRecordOf = (v) => {
      if (!isObject(v) || !(#r in v)) throw illegalInvocation();
      return v.#r;
    };
  }

  get desiredSize() {
    const controller = transformControllerRecordOf(this);
    return defaultControllerGetDesiredSize(controller.stream.readable.controller);
  }

  enqueue(chunk = undefined) {
    transformControllerEnqueue(transformControllerRecordOf(this), chunk);
  }

  error(reason = undefined) {
    transformControllerError(transformControllerRecordOf(this), reason);
  }

  terminate() {
    transformControllerTerminate(transformControllerRecordOf(this));
  }
}
configureInterface(TransformStreamDefaultController, "TransformStreamDefaultController");

function newTransformControllerObject(record) {
  return new TransformStreamDefaultController(kInternal, record);
}

// =======================================================================================
// Queuing strategies
// https://streams.spec.whatwg.org/#qs

function convertQueuingStrategyInit(init, iface) {
  const prefix = `Failed to construct '${iface}'`;
  if (init !== undefined && init !== null && !isObject(init)) {
    throw new TypeErrorCtor(`${prefix}: ${notOfType(1, "QueuingStrategyInit")}`);
  }
  const hwm = init === undefined || init === null ? undefined : init.highWaterMark;
  if (hwm === undefined) {
    throw new TypeErrorCtor(`${prefix}: Failed to read the 'highWaterMark' property from ` +
      "'QueuingStrategyInit': Required member is undefined.");
  }
  return toNumber(hwm);
}

// The byte length queuing strategy size function (one per realm; not a constructor).
const byteLengthSizeFunction = {
  size(chunk) {
    return chunk.byteLength;
  },
}.size;
// The count queuing strategy size function.
const countSizeFunction = {
  size() {
    return 1;
  },
}.size;

let byteLengthStrategyHWM;
class ByteLengthQueuingStrategy {
  #highWaterMark;
  constructor(init) {
    this.#highWaterMark = convertQueuingStrategyInit(init, "ByteLengthQueuingStrategy");
  }
  static {
    byteLengthStrategyHWM = (v) => {
      if (!isObject(v) || !(#highWaterMark in v)) throw illegalInvocation();
      return v.#highWaterMark;
    };
  }
  get highWaterMark() {
    return byteLengthStrategyHWM(this);
  }
  get size() {
    byteLengthStrategyHWM(this);
    return byteLengthSizeFunction;
  }
}
configureInterface(ByteLengthQueuingStrategy, "ByteLengthQueuingStrategy");

let countStrategyHWM;
class CountQueuingStrategy {
  #highWaterMark;
  constructor(init) {
    this.#highWaterMark = convertQueuingStrategyInit(init, "CountQueuingStrategy");
  }
  static {
    countStrategyHWM = (v) => {
      if (!isObject(v) || !(#highWaterMark in v)) throw illegalInvocation();
      return v.#highWaterMark;
    };
  }
  get highWaterMark() {
    return countStrategyHWM(this);
  }
  get size() {
    countStrategyHWM(this);
    return countSizeFunction;
  }
}
configureInterface(CountQueuingStrategy, "CountQueuingStrategy");

// =======================================================================================
// IdentityTransformStream and FixedLengthStream (workerd, non-standard)
// src/workerd/api/streams/identity-transform-stream.c++
//
// A byte pipe: the readable side is a byte stream (BYOB reads work); the writable side
// takes ArrayBuffer/ArrayBufferView chunks. Nothing is buffered between the two: a write
// settles once readers have taken all of its bytes (workerd's "rendezvous"). The writable
// side's desiredSize counts bytes against `highWaterMark` when one is given, and is always
// 1 otherwise (as in workerd). FixedLengthStream also counts the bytes against the length
// it was made with.

const STRING_CHUNK_MESSAGE = "This TransformStream is being used as a byte stream, but " +
  "received a string on its writable side. If you wish to write a string, you'll probably " +
  "want to explicitly UTF-8-encode it with TextEncoder.";
const NON_BYTES_CHUNK_MESSAGE = "This TransformStream is being used as a byte stream, but " +
  "received an object of non-ArrayBuffer/ArrayBufferView type on its writable side.";
const TOO_MANY_BYTES_MESSAGE = "Attempt to write too many bytes through a FixedLengthStream.";
const TOO_FEW_BYTES_MESSAGE = "FixedLengthStream did not see all expected bytes before close().";

// The TypeError a byte-only writable side answers `chunk` with, or undefined.
function byteChunkError(chunk) {
  if (ArrayBufferIsView(chunk) || isArrayBuffer(chunk)) return undefined;
  if (typeof chunk === "string") return new TypeErrorCtor(STRING_CHUNK_MESSAGE);
  return new TypeErrorCtor(NON_BYTES_CHUNK_MESSAGE);
}

// The byte sink of an identity stream's writable side: a copy of the chunk's bytes, taken
// now (workerd keeps the backing store, so later changes to the chunk do not show), or
// null for an empty chunk.
function identityByteSink(chunk) {
  const error = byteChunkError(chunk);
  if (error !== undefined) throw error;
  let buffer, offset, length;
  if (ArrayBufferIsView(chunk)) {
    length = viewByteLength(chunk);
    if (length === 0) return null;
    buffer = viewBuffer(chunk);
    offset = viewByteOffset(chunk);
  } else {
    length = bufferByteLength(chunk);
    if (length === 0) return null;
    buffer = chunk;
    offset = 0;
  }
  if (isSharedArrayBuffer(buffer)) {
    throw new TypeErrorCtor("Cannot construct an array buffer from a shared backing store");
  }
  return new U8(ArrayBufferPrototypeSlice(buffer, offset, offset + length));
}

function identityChunkSize(bytes) {
  return TypedArrayPrototypeByteLengthGetter(bytes);
}
const zeroSize = () => 0;

class IdentityPipe {
  constructor(expectedLength) {
    this.readable = undefined; // ReadableStreamRecord (byte stream)
    this.writable = undefined; // WritableStreamRecord
    this.pending = null; // the write being read: a Uint8Array we own
    this.pendingOffset = 0;
    this.pendingDeferred = null;
    this.expected = expectedLength; // undefined for IdentityTransformStream
    this.total = 0;
  }

  readPending() {
    const stream = this.readable;
    if (stream.state !== "readable") return false;
    const reader = stream.reader;
    return reader !== undefined && reader.requests.size > 0;
  }

  // Hand as much of the pending write to the waiting read as it takes.
  serve() {
    const controller = this.readable.controller;
    const bytes = this.pending;
    const offset = this.pendingOffset;
    const remaining = TypedArrayPrototypeByteLengthGetter(bytes) - offset;
    const deferred = this.pendingDeferred;
    if (controller.pendingPullIntos.size > 0) {
      // A BYOB read (or an auto-allocated buffer): fill it.
      const descriptor = controller.pendingPullIntos.peek();
      const n = MathMin(descriptor.byteLength - descriptor.bytesFilled, remaining);
      copyBytes(descriptor.buffer, descriptor.byteOffset + descriptor.bytesFilled,
        TypedArrayPrototypeBufferGetter(bytes), offset, n);
      const finished = n === remaining;
      if (finished) this.clearPending();
      else this.pendingOffset = offset + n;
      byteControllerRespond(controller, n);
      if (finished) deferred.resolve(undefined);
    } else {
      // A default read: it takes the rest of the write.
      this.clearPending();
      byteControllerEnqueueTransferred(controller, TypedArrayPrototypeBufferGetter(bytes), offset,
        remaining);
      deferred.resolve(undefined);
    }
  }

  clearPending() {
    this.pending = null;
    this.pendingOffset = 0;
    this.pendingDeferred = null;
  }

  failPending(reason) {
    const deferred = this.pendingDeferred;
    this.clearPending();
    if (deferred !== null) deferred.reject(reason);
  }

  // Readable side: pullAlgorithm / cancelAlgorithm.
  pull() {
    if (this.pending !== null && this.readPending()) this.serve();
    return promiseResolve(undefined);
  }

  cancel(reason) {
    this.failPending(reason);
    writableControllerErrorIfNeeded(this.writable.controller, reason);
    return promiseResolve(undefined);
  }

  // Writable side: writeAlgorithm / closeAlgorithm / abortAlgorithm, and the abort hook.
  write(bytes) {
    const readable = this.readable;
    if (readable.state === "errored") return promiseReject(readable.storedError);
    if (readable.state === "closed") return promiseReject(writableClosedError());
    const length = TypedArrayPrototypeByteLengthGetter(bytes);
    if (this.expected !== undefined && this.total + length > this.expected) {
      const error = new TypeErrorCtor(TOO_MANY_BYTES_MESSAGE);
      byteControllerError(readable.controller, error);
      return promiseReject(error);
    }
    this.total += length;
    const deferred = new Deferred();
    this.pending = bytes;
    this.pendingOffset = 0;
    this.pendingDeferred = deferred;
    if (this.readPending()) this.serve();
    return deferred.promise;
  }

  close() {
    const readable = this.readable;
    if (readable.state === "errored") return promiseReject(readable.storedError);
    if (this.expected !== undefined && this.total !== this.expected) {
      const error = new TypeErrorCtor(TOO_FEW_BYTES_MESSAGE);
      byteControllerError(readable.controller, error);
      return promiseReject(error);
    }
    closeByteStream(readable.controller);
    return promiseResolve(undefined);
  }

  abort(reason) {
    this.failPending(reason);
    byteControllerError(this.readable.controller, reason);
    return promiseResolve(undefined);
  }
}

// Close a byte stream from its source and answer pending BYOB reads with "done".
function closeByteStream(controller) {
  if (controller.closeRequested || controller.stream.state !== "readable") return;
  byteControllerClose(controller);
  if (controller.stream.state === "closed" && controller.pendingPullIntos.size > 0) {
    byteControllerRespond(controller, 0);
  }
}

function createIdentityTransform(expectedLength, highWaterMark) {
  const pipe = new IdentityPipe(expectedLength);
  pipe.readable = createReadableByteStream(noop, () => pipe.pull(), (r) => pipe.cancel(r));
  const hasHWM = highWaterMark !== undefined;
  pipe.writable = createWritableStream(noop, (bytes) => pipe.write(bytes), () => pipe.close(),
    (r) => pipe.abort(r), hasHWM ? highWaterMark : 1, hasHWM ? identityChunkSize : zeroSize);
  pipe.writable.byteSink = identityByteSink;
  pipe.writable.controller.abortHook = (reason) => {
    pipe.failPending(reason);
    byteControllerError(pipe.readable.controller, reason);
  };
  if (expectedLength !== undefined) pipe.readable.expectedLength = expectedLength;
  pipe.readable.owner = pipe.writable.owner = currentRequest();
  const stream = new TransformStreamRecord();
  stream.readable = pipe.readable;
  stream.writable = pipe.writable;
  return stream;
}

// IdentityTransformStream.QueuingStrategy { optional uint64 highWaterMark }
function identityHighWaterMark(options, iface) {
  const prefix = `Failed to construct '${iface}'`;
  const obj = dictionaryObject(options, "QueuingStrategy", prefix);
  if (obj === undefined) return undefined;
  const hwm = obj.highWaterMark;
  if (hwm === undefined) return undefined;
  return enforceRangeULL(typeof hwm === "bigint" ? NumberCtor(hwm) : hwm, prefix,
    "Failed to read the 'highWaterMark' property from 'QueuingStrategy':");
}

class IdentityTransformStream extends TransformStream {
  constructor(options = undefined) {
    if (options === kInternal) {
      super(kInternal, arguments[1]);
      return;
    }
    const highWaterMark = identityHighWaterMark(options, "IdentityTransformStream");
    super(kInternal, createIdentityTransform(undefined, highWaterMark));
  }
}
configureInterface(IdentityTransformStream, "IdentityTransformStream");

class FixedLengthStream extends IdentityTransformStream {
  constructor(expectedLength, options = undefined) {
    let length = typeof expectedLength === "bigint" ? NumberCtor(expectedLength)
      : toNumber(expectedLength);
    if (!NumberIsFinite(length) || length < 0 || length !== MathTrunc(length) ||
      length > 9007199254740991) {
      throw new TypeErrorCtor("FixedLengthStream requires an integer expected length less than 2^53.");
    }
    if (length === 0) length = 0; // -0
    let highWaterMark = identityHighWaterMark(options, "FixedLengthStream");
    // workerd: no highWaterMark above the expected length.
    if (highWaterMark !== undefined) highWaterMark = MathMin(highWaterMark, length);
    super(kInternal, createIdentityTransform(length, highWaterMark));
  }
}
configureInterface(FixedLengthStream, "FixedLengthStream");

// =======================================================================================
// For the runtime: internals.streams

// readAll(stream): every chunk, concatenated once. Chunks must be bytes.
class AllReader {
  constructor(reader) {
    this.reader = reader;
    this.stream = reader.stream;
    this.chunks = [];
    this.total = 0;
    this.deferred = new Deferred();
    this.inPump = false;
    this.delivered = false;
    this.done = false;
    this.pumpFn = () => this.pump();
  }

  pump() {
    this.inPump = true;
    do {
      this.delivered = false;
      defaultReaderRead(this.reader, this);
    } while (this.delivered && !this.done);
    this.inPump = false;
  }

  chunk(chunk) {
    let bytes;
    if (ArrayBufferIsView(chunk)) {
      bytes = TypedArrayPrototypeGetSymbolToStringTag(chunk) === "Uint8Array" ? chunk
        : new U8(viewBuffer(chunk), viewByteOffset(chunk), viewByteLength(chunk));
    } else if (isArrayBuffer(chunk)) {
      bytes = new U8(chunk);
    } else {
      this.fail(new TypeErrorCtor("This ReadableStream did not return bytes."));
      return;
    }
    const chunks = this.chunks;
    chunks[chunks.length] = bytes;
    this.total += TypedArrayPrototypeByteLengthGetter(bytes);
    if (this.inPump) this.delivered = true;
    else queueMicrotask(this.pumpFn);
  }

  close() {
    this.done = true;
    readerRelease(this.reader);
    const chunks = this.chunks;
    let result;
    if (chunks.length === 1) {
      result = chunks[0];
    } else {
      result = new U8(this.total);
      let offset = 0;
      for (let i = 0; i < chunks.length; i++) {
        const c = chunks[i];
        TypedArrayPrototypeSet(result, c, offset);
        offset += TypedArrayPrototypeByteLengthGetter(c);
      }
    }
    this.chunks = [];
    this.deferred.resolve(result);
  }

  error(e) {
    this.done = true;
    this.chunks = [];
    readerRelease(this.reader);
    this.deferred.reject(e);
  }

  fail(e) {
    this.done = true;
    this.chunks = [];
    const cancelPromise = readableStreamCancel(this.stream, e);
    markHandled(cancelPromise);
    readerRelease(this.reader);
    this.deferred.reject(e);
  }
}

function readAll(streamObj) {
  let stream;
  try {
    stream = rsRecordOf(streamObj);
  } catch (e) {
    return promiseReject(e);
  }
  if (isReadableStreamLocked(stream)) return promiseReject(lockedError());
  const refused = readableIoError(stream);
  if (refused !== undefined) return promiseReject(refused);
  const all = new AllReader(acquireDefaultReader(stream));
  all.pump();
  return all.deferred.promise;
}

// A Uint8Array over the bytes of an ArrayBuffer or ArrayBufferView (no copy).
function bytesOf(value) {
  if (ArrayBufferIsView(value)) {
    return TypedArrayPrototypeGetSymbolToStringTag(value) === "Uint8Array" ? value
      : new U8(viewBuffer(value), viewByteOffset(value), viewByteLength(value));
  }
  if (isArrayBuffer(value)) return new U8(value);
  throw new TypeErrorCtor("Expected an ArrayBuffer or ArrayBufferView.");
}

// fromBytes(bytes, owner): a byte stream that delivers `bytes` (taken over, not copied: the
// caller must not change them) and closes; bound to request `owner` (default: the current).
function fromBytes(bytes, owner = currentRequest()) {
  const view = bytesOf(bytes);
  const length = TypedArrayPrototypeByteLengthGetter(view);
  const stream = createReadableByteStream((controller) => {
    if (length > 0) {
      byteControllerEnqueueTransferred(controller, TypedArrayPrototypeBufferGetter(view),
        TypedArrayPrototypeByteOffsetGetter(view), length);
    }
    byteControllerClose(controller);
  }, resolvedUndefined, resolvedUndefined);
  stream.expectedLength = length;
  stream.owner = owner;
  return stream.obj;
}

// The controller a createPullStream source is given.
class HostByteController {
  constructor(controller) {
    this.controller = controller;
  }
  get desiredSize() {
    return byteControllerGetDesiredSize(this.controller);
  }
  // Enqueue bytes the stream takes over (no copy, nothing detached). Ignored once the
  // stream is closed, errored or cancelled.
  enqueue(bytes) {
    const view = bytesOf(bytes);
    const length = TypedArrayPrototypeByteLengthGetter(view);
    if (length === 0) return;
    byteControllerEnqueueTransferred(this.controller, TypedArrayPrototypeBufferGetter(view),
      TypedArrayPrototypeByteOffsetGetter(view), length);
  }
  close() {
    closeByteStream(this.controller);
  }
  error(e) {
    byteControllerError(this.controller, e);
  }
}

// createPullStream({pull(controller), cancel(reason)}, {highWaterMark = 0, expectedLength})
function createPullStream(source, options = undefined) {
  const highWaterMark = options && options.highWaterMark !== undefined
    ? options.highWaterMark : 0;
  let host;
  const pull = source.pull;
  const cancel = source.cancel;
  const pullAlgorithm = typeof pull === "function"
    ? () => promiseCall1(pull, source, host) : resolvedUndefined;
  const cancelAlgorithm = typeof cancel === "function"
    ? (reason) => promiseCall1(cancel, source, reason) : resolvedUndefined;
  const stream = createReadableByteStream(noop, pullAlgorithm, cancelAlgorithm, highWaterMark);
  host = new HostByteController(stream.controller);
  if (options && options.expectedLength !== undefined) {
    stream.expectedLength = options.expectedLength;
  }
  // Where the bytes come from in the host ({op, args, cancel, first, done, taken()}): a
  // body passed on unread can then be sent by the host itself (takeHostSource).
  if (options && options.hostSource !== undefined) stream.hostSource = options.hostSource;
  stream.owner = currentRequest();
  return stream.obj;
}

// A reader for the runtime's own use: immune to changes to the reader prototypes, and
// callback-based so no result object goes through promise resolution.
class RuntimeReader {
  constructor(stream) {
    this.reader = acquireDefaultReader(stream);
  }
  // onChunk(chunk) / onClose() / onError(e); may be called synchronously.
  read(onChunk, onClose, onError) {
    if (this.reader.stream === undefined) {
      onError(readerReleasedError());
      return;
    }
    defaultReaderRead(this.reader, new CallbackReadRequest(onChunk, onClose, onError));
  }
  cancel(reason) {
    if (this.reader.stream === undefined) return promiseResolve(undefined);
    return readerGenericCancel(this.reader, reason);
  }
  release() {
    if (this.reader.stream !== undefined) readerRelease(this.reader);
  }
}
class CallbackReadRequest {
  constructor(onChunk, onClose, onError) {
    this.chunk = onChunk;
    this.close = onClose;
    this.error = onError;
  }
}

internals.streams = {
  __proto__: null,
  ReadableStream,
  ReadableStreamDefaultReader,
  ReadableStreamBYOBReader,
  WritableStream,
  WritableStreamDefaultWriter,
  TransformStream,
  IdentityTransformStream,
  FixedLengthStream,
  isReadableStream: (x) => isReadableStreamObject(x),
  isWritableStream: (x) => isWritableStreamObject(x),
  isDisturbed: (stream) => rsRecordOf(stream).disturbed,
  isLocked: (stream) => isReadableStreamLocked(rsRecordOf(stream)),
  // "readable", "closed" or "errored"
  state: (stream) => rsRecordOf(stream).state,
  storedError: (stream) => rsRecordOf(stream).storedError,
  readAll,
  fromBytes,
  createPullStream,
  // Both branches keep a known expected length.
  tee(streamObj) {
    const stream = rsRecordOf(streamObj);
    if (isReadableStreamLocked(stream)) throw lockedError();
    const refused = readableIoError(stream);
    if (refused !== undefined) throw refused;
    const branches = readableStreamTee(stream, undefined);
    const length = stream.expectedLength;
    if (length !== undefined) {
      branches[0].expectedLength = length;
      branches[1].expectedLength = length;
    }
    return [branches[0].obj, branches[1].obj];
  },
  // ReadableStreamCancel, locked or not; the stream ends up disturbed.
  cancel: (stream, reason = undefined) => readableStreamCancel(rsRecordOf(stream), reason),
  // The byte count the stream will deliver, when known and nothing was read yet.
  expectedLength(streamObj) {
    const stream = rsRecordOf(streamObj);
    return stream.disturbed ? undefined : stream.expectedLength;
  },
  setExpectedLength(streamObj, length) {
    rsRecordOf(streamObj).expectedLength = length;
  },
  reader: (stream) => new RuntimeReader(rsRecordOf(stream)),
  // A createPullStream body nobody has read: its host source, and the stream is locked and
  // disturbed for good (the host reads it from now on). Otherwise undefined.
  takeHostSource(streamObj) {
    const stream = rsRecordOf(streamObj);
    const source = stream.hostSource;
    if (source === undefined || stream.disturbed || stream.state !== "readable" ||
        isReadableStreamLocked(stream)) return undefined;
    stream.hostSource = undefined;
    acquireDefaultReader(stream);
    stream.disturbed = true;
    return source;
  },
  // Binds both sides of a TransformStream that stands for a native one of workerd's
  // (CompressionStream, DecompressionStream) to the current request.
  bindToRequest(transformObj) {
    const transform = tsRecordOf(transformObj);
    transform.readable.owner = transform.writable.owner = currentRequest();
  },
  // The request a body stream is bound to (0: none, or closed: nothing left to guard).
  owner(streamObj) {
    const stream = rsRecordOf(streamObj);
    return stream.state === "closed" ? 0 : stream.owner;
  },
  // pipeTo without the public method (e.g. a body into a writable side).
  pipeTo(readableObj, writableObj, options = undefined) {
    const source = rsRecordOf(readableObj);
    const dest = wsRecordOf(writableObj);
    if (isReadableStreamLocked(source)) return promiseReject(lockedError());
    if (isWritableStreamLocked(dest)) return promiseReject(writableLockedError());
    const opts = convertPipeOptions(options, "pipeTo");
    return readableStreamPipeTo(source, dest, opts.preventClose, opts.preventAbort,
      opts.preventCancel, opts.signal);
  },
};

// =======================================================================================
// Globals

internals.defineGlobal("ReadableStream", ReadableStream);
internals.defineGlobal("ReadableStreamDefaultReader", ReadableStreamDefaultReader);
internals.defineGlobal("ReadableStreamBYOBReader", ReadableStreamBYOBReader);
internals.defineGlobal("ReadableStreamBYOBRequest", ReadableStreamBYOBRequest);
internals.defineGlobal("ReadableStreamDefaultController", ReadableStreamDefaultController);
internals.defineGlobal("ReadableByteStreamController", ReadableByteStreamController);
internals.defineGlobal("WritableStream", WritableStream);
internals.defineGlobal("WritableStreamDefaultWriter", WritableStreamDefaultWriter);
internals.defineGlobal("WritableStreamDefaultController", WritableStreamDefaultController);
internals.defineGlobal("TransformStream", TransformStream);
internals.defineGlobal("TransformStreamDefaultController", TransformStreamDefaultController);
internals.defineGlobal("ByteLengthQueuingStrategy", ByteLengthQueuingStrategy);
internals.defineGlobal("CountQueuingStrategy", CountQueuingStrategy);
internals.defineGlobal("IdentityTransformStream", IdentityTransformStream);
internals.defineGlobal("FixedLengthStream", FixedLengthStream);
