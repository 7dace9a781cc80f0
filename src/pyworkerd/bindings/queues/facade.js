// env.<queue producer>: a WorkerQueue as workerd's api/queue.c++ presents it (send,
// sendBatch, metrics), and the "queue" invoker that hands a batch of messages to the
// worker's queue(batch, env, ctx) handler (bindings/queues/broker.py delivers them).
// Bodies are serialized here, as workerd does before its request to the queue service:
// json (JSON text), text, bytes, v8 (a structured clone, in the RPC wire form of 75_rpc.js);
// the broker checks sizes and delays (gateway.py) and answers with the queue's backlog.

(() => {
  const {
    ArrayBufferIsView, ArrayPrototypePush, Date: DateCtor, Error: ErrorCtor, JSONParse,
    JSONStringify, Map: MapCtor, MapPrototypeHas, MapPrototypeSet, MapPrototypeForEach,
    MathTrunc, NumberIsFinite, ObjectCreate, ObjectDefineProperty, Promise: PromiseCtor,
    PromisePrototypeThen, Set: SetCtor, SetPrototypeAdd, SetPrototypeForEach, SetPrototypeHas,
    String: StringCtor, StringPrototypeToLowerCase, SymbolIterator, TypeError: TypeErrorCtor,
    TypedArrayPrototypeBufferGetter, TypedArrayPrototypeByteLengthGetter,
    WeakMap: WeakMapCtor, WeakMapPrototypeGet,
    WeakMapPrototypeSet,
  } = internals.primordials;
  const webidl = internals.webidl;

  const CONTENT_TYPES = ["text", "bytes", "json", "v8"];
  const INT_RANGE_MESSAGE = "Value out of range. Must be between -2147483648 and 2147483647 " +
    "(inclusive).";

  const bindings = new WeakMapCtor(); // WorkerQueue -> { name, contentType }

  const rejected = internals.webidl.rejectedPromise;

  function bindingOf(self) {
    const found = self !== null && typeof self === "object" ? WeakMapPrototypeGet(bindings, self) : undefined;
    if (found === undefined) throw new TypeErrorCtor("Illegal invocation");
    return found;
  }

  function isObject(value) {
    return value !== null && (typeof value === "object" || typeof value === "function");
  }

  // jsg's conversion to `int` (delaySeconds).
  function int32(value) {
    const number = +value;
    if (!NumberIsFinite(number)) return 0;
    const integer = MathTrunc(number);
    if (integer < -2147483648 || integer > 2147483647) throw new TypeErrorCtor(INT_RANGE_MESSAGE);
    return integer === 0 ? 0 : integer;
  }
  function optionalDelay(value) { return value === undefined ? null : int32(value); }

  function contentTypeOf(value) {
    const type = StringPrototypeToLowerCase(StringCtor(value));
    for (let i = 0; i < CONTENT_TYPES.length; i++) {
      if (CONTENT_TYPES[i] === type) return type;
    }
    throw new TypeErrorCtor(`Unsupported queue message content type: ${StringCtor(value)}`);
  }

  function typeOf(value) { return value === null ? "object" : typeof value; }

  // workerd's serialize(): the body's bytes for a content type.
  function serialize(body, type) {
    if (body === undefined) throw new TypeErrorCtor("Message body cannot be undefined");
    if (type === "text") {
      if (typeof body !== "string") {
        throw new TypeErrorCtor(`Content Type "text" requires a value of type string, but received: ${typeOf(body)}`);
      }
      return internals.utf8Encode(body);
    }
    if (type === "bytes") {
      if (!ArrayBufferIsView(body)) {
        throw new TypeErrorCtor(`Content Type "bytes" requires a value of type ArrayBufferView, but received: ${typeOf(body)}`);
      }
      return webidl.toUint8Array(body);
    }
    if (type === "json") {
      const text = JSONStringify(body);
      // workerd sends V8's "undefined" for a value JSON cannot hold (a function, a
      // symbol), which the queue service cannot parse: Miniflare answers 500.
      if (text === undefined) throw new ErrorCtor("Queue send failed: Internal Server Error");
      return internals.utf8Encode(text);
    }
    return internals.utf8Encode(JSONStringify(internals.rpc.encode(body, null)));
  }

  function deserialize(body, type) {
    if (type === "text") return body;
    if (type === "json") return JSONParse(body);
    if (type === "bytes") return TypedArrayPrototypeBufferGetter(internals.base64Decode(body));
    return internals.rpc.decode(JSONParse(body), null);
  }

  // The broker's backlog, as workerd hands it over (no timestamp when the queue is empty).
  function metricsOf(raw) {
    const out = { backlogCount: raw.backlogCount, backlogBytes: raw.backlogBytes };
    if (raw.oldestMessageTimestamp) out.oldestMessageTimestamp = new DateCtor(raw.oldestMessageTimestamp);
    return out;
  }

  function options(value, method, name) {
    if (value === undefined || value === null) return null;
    if (!isObject(value)) {
      throw new TypeErrorCtor(`Failed to execute '${method}' on 'WorkerQueue': parameter 2 is not of type '${name}'.`);
    }
    return value;
  }

  const concat = internals.pieces.concat;

  class WorkerQueue {
    constructor() { throw new TypeErrorCtor("Illegal constructor"); }

    send(body, opts) {
      try {
        const binding = bindingOf(this);
        if (arguments.length === 0) {
          throw new TypeErrorCtor("Failed to execute 'send' on 'WorkerQueue': parameter 1 is not of type 'JsValue'.");
        }
        if (body === undefined) throw new TypeErrorCtor("Message body cannot be undefined");
        const o = options(opts, "send", "SendOptions");
        let type = binding.contentType, delay = null;
        if (o !== null) {
          if (o.contentType !== undefined) type = contentTypeOf(o.contentType);
          delay = optionalDelay(o.delaySeconds);
        }
        const bytes = serialize(body, type);
        return PromisePrototypeThen(
          internals.host.call("queues.send", [binding.name, type, delay], bytes),
          (result) => ({ metadata: { metrics: metricsOf(result[0]) } }));
      } catch (err) {
        return rejected(err);
      }
    }

    sendBatch(messages, opts) {
      try {
        const binding = bindingOf(this);
        if (!isObject(messages) || typeof messages[SymbolIterator] !== "function") {
          throw new TypeErrorCtor("Failed to execute 'sendBatch' on 'WorkerQueue': parameter 1 is not of type 'Sequence'.");
        }
        const items = [];
        for (const message of messages) {
          if (message === undefined || message === null) {
            throw new TypeErrorCtor("Cannot initialize N7workerd3api11WorkerQueue18MessageSendRequestE with required " +
              "members from an undefined or null value.");
          }
          if (!isObject(message)) {
            throw new TypeErrorCtor("Incorrect type: the provided value is not of type 'MessageSendRequest'.");
          }
          ArrayPrototypePush(items, message);
        }
        if (items.length === 0) throw new TypeErrorCtor("sendBatch() requires at least one message");
        const o = options(opts, "sendBatch", "SendBatchOptions");
        const batchDelay = o === null ? null : optionalDelay(o.delaySeconds);
        const meta = [], pieces = [];
        let total = 0;
        for (let i = 0; i < items.length; i++) {
          const item = items[i];
          const body = item.body;
          if (body === undefined) throw new TypeErrorCtor("Message body cannot be undefined");
          const type = item.contentType === undefined ? binding.contentType : contentTypeOf(item.contentType);
          const delay = optionalDelay(item.delaySeconds);
          const bytes = serialize(body, type);
          const size = TypedArrayPrototypeByteLengthGetter(bytes);
          ArrayPrototypePush(meta, [type, delay, size]);
          ArrayPrototypePush(pieces, bytes);
          total += size;
        }
        return PromisePrototypeThen(
          internals.host.call("queues.sendBatch", [binding.name, meta, batchDelay], concat(pieces, total)),
          (result) => ({ metadata: { metrics: metricsOf(result[0]) } }));
      } catch (err) {
        return rejected(err);
      }
    }

    metrics() {
      try {
        const binding = bindingOf(this);
        return PromisePrototypeThen(internals.host.call("queues.metrics", [binding.name]),
          (result) => metricsOf(result[0]));
      } catch (err) {
        return rejected(err);
      }
    }
  }

  internals.bindings.queue = (descriptor, name) => {
    const queue = { __proto__: WorkerQueue.prototype };
    WeakMapPrototypeSet(bindings, queue, { name, contentType: descriptor.contentType });
    return queue;
  };

  // ------------------------------------------------------------------ consumers

  function warn(text) {
    if (internals.logSink) internals.logSink("warn", text);
  }

  // workerd's warning when a call is ignored because an earlier one already settled the
  // message (`id` given) or the batch.
  function ignored(call, earlier, id) {
    const on = id === undefined ? "" : ` on message ${id}`;
    const subject = id === undefined ? "" : " on a message";
    warn(`Received a call to ${call}()${on} after ${earlier}() was already called. ` +
      `Calling ${call}()${subject} after calling ${earlier}() has no effect.`);
  }

  function readonly(target, key, value) {
    ObjectDefineProperty(target, key, { value, writable: false, enumerable: true, configurable: true });
  }

  // What the handler decided (workerd's QueueEventResult).
  function newResult() {
    return {
      acks: new SetCtor(), retries: new MapCtor(), ackAll: false, retryAll: false, retryDelay: null,
    };
  }

  function retryDelayOf(opts) {
    if (opts === undefined || opts === null) return null;
    return optionalDelay(opts.delaySeconds);
  }

  const messageResults = new WeakMapCtor(); // QueueMessage -> result
  const batchResults = new WeakMapCtor(); // QueueController -> result

  function resultOf(results, self) {
    const result = WeakMapPrototypeGet(results, self);
    if (result === undefined) throw new TypeErrorCtor("Illegal invocation");
    return result;
  }

  class QueueMessage {
    constructor() { throw new TypeErrorCtor("Illegal constructor"); }

    retry(opts) {
      const result = resultOf(messageResults, this);
      const id = this.id;
      if (result.ackAll) {
        ignored("retry", "ackAll", id);
        return;
      }
      if (SetPrototypeHas(result.acks, id)) {
        ignored("retry", "ack", id);
        return;
      }
      const delay = retryDelayOf(opts);
      if (!MapPrototypeHas(result.retries, id) || delay !== null) MapPrototypeSet(result.retries, id, delay);
    }

    ack() {
      const result = resultOf(messageResults, this);
      const id = this.id;
      if (result.ackAll) return;
      if (result.retryAll) {
        ignored("ack", "retryAll", id);
        return;
      }
      if (MapPrototypeHas(result.retries, id)) {
        ignored("ack", "retry", id);
        return;
      }
      SetPrototypeAdd(result.acks, id);
    }
  }

  class QueueController {
    constructor() { throw new TypeErrorCtor("Illegal constructor"); }

    retryAll(opts) {
      const result = resultOf(batchResults, this);
      if (result.ackAll) {
        ignored("retryAll", "ackAll");
        return;
      }
      result.retryAll = true;
      const delay = retryDelayOf(opts);
      if (delay !== null) result.retryDelay = delay;
    }

    ackAll() {
      const result = resultOf(batchResults, this);
      if (result.retryAll) {
        ignored("ackAll", "retryAll");
        return;
      }
      result.ackAll = true;
    }
  }

  function makeMessage(raw, result) {
    const message = ObjectCreate(QueueMessage.prototype);
    readonly(message, "attempts", raw.attempts);
    readonly(message, "body", deserialize(raw.body, raw.contentType));
    readonly(message, "timestamp", new DateCtor(raw.timestamp));
    readonly(message, "id", raw.id);
    WeakMapPrototypeSet(messageResults, message, result);
    return message;
  }

  function errorOf(err) {
    try {
      if (isObject(err)) {
        return { name: StringCtor(err.name ?? "Error"), message: StringCtor(err.message ?? ""), stack: StringCtor(err.stack ?? "") };
      }
      return { name: "Error", message: StringCtor(err), stack: "Uncaught " + StringCtor(err) };
    } catch {
      return { name: "Error", message: "<unprintable>", stack: "" };
    }
  }

  // The answer to the broker: explicit acks and retries, ackAll/retryAll, and the error
  // the handler threw (the batch is retried, explicitly acknowledged messages excepted).
  function outcome(result, err) {
    const retries = [];
    MapPrototypeForEach(result.retries, (delay, id) => { ArrayPrototypePush(retries, [id, delay]); });
    const acks = [];
    SetPrototypeForEach(result.acks, (id) => { ArrayPrototypePush(acks, id); });
    return {
      acks, retries, ackAll: result.ackAll, retryAll: result.retryAll,
      retryDelay: result.retryDelay, error: err === null ? null : errorOf(err),
    };
  }

  // args: {queue, messages: [{id, timestamp, contentType, body, attempts}], metadata}.
  internals.invokers.queue = (entrypoint, _name, args, ctx) => {
    const handler = internals.exportedHandler(entrypoint, "queue", ctx);
    if (handler === null) throw new ErrorCtor("Handler does not export a queue() function.");
    const result = newResult();
    const messages = [];
    for (let i = 0; i < args.messages.length; i++) {
      ArrayPrototypePush(messages, makeMessage(args.messages[i], result));
    }
    const batch = ObjectCreate(QueueController.prototype);
    const raw = args.metadata.metrics;
    readonly(batch, "metadata", { metrics: metricsOf(raw) });
    readonly(batch, "queue", args.queue);
    readonly(batch, "messages", messages);
    WeakMapPrototypeSet(batchResults, batch, result);
    let returned;
    try {
      returned = handler(batch);
    } catch (err) {
      return outcome(result, err);
    }
    return PromisePrototypeThen(PromiseCtor.resolve(returned),
      () => outcome(result, null), (err) => outcome(result, err));
  };
})();
