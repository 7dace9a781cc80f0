// node:diagnostics_channel: named channels with subscribers.
const channels = new Map();

class Channel {
  constructor(name) { this.name = name; this._subscribers = []; }
  get hasSubscribers() { return this._subscribers.length > 0; }
  subscribe(fn) { this._subscribers.push(fn); }
  unsubscribe(fn) {
    const i = this._subscribers.indexOf(fn);
    if (i < 0) return false;
    this._subscribers.splice(i, 1);
    return true;
  }
  publish(message) {
    for (const fn of this._subscribers.slice()) {
      try { fn(message, this.name); } catch (err) { queueMicrotask(() => { throw err; }); }
    }
  }
  runStores(data, fn, thisArg, ...args) {
    this.publish(data);
    return Reflect.apply(fn, thisArg, args);
  }
}

function channel(name) {
  let ch = channels.get(name);
  if (!ch) { ch = new Channel(name); channels.set(name, ch); }
  return ch;
}
const hasSubscribers = (name) => channels.get(name)?.hasSubscribers ?? false;
const subscribe = (name, fn) => channel(name).subscribe(fn);
const unsubscribe = (name, fn) => channel(name).unsubscribe(fn);

function tracingChannel(nameOrChannels) {
  const names = ["start", "end", "asyncStart", "asyncEnd", "error"];
  const ch = {};
  for (const n of names) {
    ch[n] = typeof nameOrChannels === "string" ? channel(`tracing:${nameOrChannels}:${n}`) : nameOrChannels[n];
  }
  return {
    ...ch,
    get hasSubscribers() { return names.some((n) => ch[n].hasSubscribers); },
    subscribe(handlers) { for (const n of names) if (handlers[n]) ch[n].subscribe(handlers[n]); },
    unsubscribe(handlers) { let all = true; for (const n of names) if (handlers[n]) all = ch[n].unsubscribe(handlers[n]) && all; return all; },
    traceSync(fn, context = {}, thisArg, ...args) {
      ch.start.publish(context);
      try {
        const result = Reflect.apply(fn, thisArg, args);
        context.result = result;
        return result;
      } catch (err) {
        context.error = err;
        ch.error.publish(context);
        throw err;
      } finally {
        ch.end.publish(context);
      }
    },
    tracePromise(fn, context = {}, thisArg, ...args) {
      ch.start.publish(context);
      try {
        const promise = Reflect.apply(fn, thisArg, args);
        return Promise.resolve(promise).then((result) => {
          context.result = result;
          ch.asyncStart.publish(context);
          ch.asyncEnd.publish(context);
          return result;
        }, (err) => {
          context.error = err;
          ch.error.publish(context);
          ch.asyncStart.publish(context);
          ch.asyncEnd.publish(context);
          throw err;
        });
      } finally {
        ch.end.publish(context);
      }
    },
  };
}

module.exports = { channel, hasSubscribers, subscribe, unsubscribe, tracingChannel, Channel };
