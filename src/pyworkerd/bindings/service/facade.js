// env.<service binding>: a Fetcher for another worker of this runtime (bindings/service).
// `fetch()` is the global fetch over the "service.fetch" transport; every other property
// is an RPC method of the target's WorkerEntrypoint (js/75_rpc.js), called with
// "service.call".

(() => {
  const { ObjectCreate, TypeError: TypeErrorCtor, Proxy: ProxyCtor } = internals.primordials;

  class Fetcher {
    constructor() { throw new TypeErrorCtor("Illegal constructor"); }
  }

  function makeFetcher(name) {
    const via = { op: "service.fetch", binding: name };
    const rpc = internals.rpc;
    const call = (method, args) => internals.host.call("service.call", {
      binding: name, method, args: rpc.encode(args, rpc.exportRef),
    });
    const methods = ObjectCreate(null);
    methods.fetch = function fetch(input, init = undefined) {
      return internals.fetchVia(via, input, init);
    };
    methods.connect = function connect() {
      throw new TypeErrorCtor("connect() through a service binding is not supported by pyworkerd.");
    };
    const stub = rpc.makeStub(call, () => {}, false);
    return new ProxyCtor(ObjectCreate(Fetcher.prototype), {
      get(_target, prop) {
        if (typeof prop === "string" && methods[prop] !== undefined) return methods[prop];
        return stub[prop];
      },
    });
  }

  internals.bindings.service = (_descriptor, name) => makeFetcher(name);
})();
