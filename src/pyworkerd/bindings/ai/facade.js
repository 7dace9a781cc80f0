// env.<AI binding>: an Ai object, as workerd's cloudflare-internal:ai-api presents it.
// run(model, inputs, options) is one host call ("ai.run", bindings/ai/__init__.py lists
// the ops); with inputs.stream the result is a ReadableStream of Workers AI's server-sent
// events, read piece by piece ("ai.read"). A failure rejects with InferenceUpstreamError
// named as the service names it ("AiError") and the message "<code>: <description>".

(() => {
  const {
    Error: ErrorCtor, JSONStringify, ObjectDefineProperty, Promise: PromiseCtor,
    PromisePrototypeThen, String: StringCtor, SymbolToStringTag, TypeError: TypeErrorCtor,
    WeakMap: WeakMapCtor, WeakMapPrototypeGet, WeakMapPrototypeSet, globalThis: global,
  } = internals.primordials;
  const ResponseCtor = global.Response; // captured before any worker code runs

  const names = new WeakMapCtor(); // Ai -> binding name
  const requestIds = new WeakMapCtor(); // Ai -> lastRequestId

  class InferenceUpstreamError extends ErrorCtor {
    constructor(message, name = "InferenceUpstreamError") {
      super(message);
      this.name = name;
    }
  }

  const rejected = internals.webidl.rejectedPromise;

  function call(op, args) { return internals.host.call(op, args); }

  function bindingOf(self) {
    const name = self !== null && typeof self === "object" ? WeakMapPrototypeGet(names, self) : undefined;
    if (name === undefined) throw new TypeErrorCtor("Illegal invocation");
    return name;
  }

  function failure(error) { return new InferenceUpstreamError(error.message, error.name); }

  function eventStream(binding, token) {
    let ended = false;
    return internals.streams.createPullStream({
      pull(controller) {
        if (ended) { controller.close(); return undefined; }
        return PromisePrototypeThen(call("ai.read", [binding, token]), (result) => {
          const head = result[0];
          if (head !== null && head.error !== undefined) {
            ended = true;
            controller.error(failure(head.error));
            return;
          }
          if (result[1] !== null) controller.enqueue(result[1]);
          if (head[0] === true) { ended = true; controller.close(); }
        }, (err) => { ended = true; controller.error(err); });
      },
      cancel() {
        if (!ended) {
          ended = true;
          PromisePrototypeThen(call("ai.cancel", [binding, token]), undefined, () => {});
        }
      },
    });
  }

  class Ai {
    constructor() { throw new TypeErrorCtor("Illegal constructor"); }

    get lastRequestId() {
      bindingOf(this);
      const id = WeakMapPrototypeGet(requestIds, this);
      return id === undefined ? null : id;
    }

    run(model, inputs, options) {
      try {
        const binding = bindingOf(this);
        const raw = options !== undefined && options !== null && options.returnRawResponse === true;
        const body = JSONStringify(inputs === undefined ? {} : inputs);
        WeakMapPrototypeSet(requestIds, this, "");
        return PromisePrototypeThen(call("ai.run", [binding, StringCtor(model), body]), (result) => {
          const out = result[0];
          WeakMapPrototypeSet(requestIds, this, out.id);
          if (out.error !== undefined) throw failure(out.error);
          if (out.stream !== undefined) {
            const stream = eventStream(binding, out.stream);
            if (!raw) return stream;
            return new ResponseCtor(stream, { headers: { "content-type": "text/event-stream" } });
          }
          if (!raw) return out.result;
          return new ResponseCtor(JSONStringify(out.result), { headers: { "content-type": "application/json" } });
        });
      } catch (err) {
        return rejected(err);
      }
    }

    // Deprecated in workerd; kept for workers that still call it.
    getLogs() { return []; }
  }
  ObjectDefineProperty(Ai.prototype, SymbolToStringTag, {
    value: "Ai", writable: false, enumerable: false, configurable: true,
  });

  internals.bindings.ai = (descriptor, name) => {
    const ai = { __proto__: Ai.prototype };
    WeakMapPrototypeSet(names, ai, name);
    return ai;
  };
})();
