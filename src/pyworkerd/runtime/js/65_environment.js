// What a worker can learn about where it runs: navigator, performance, self.
// workerd reports itself as "Cloudflare-Workers" with one core; libraries (Hono's
// getRuntimeKey, for one) detect the platform from navigator.userAgent.

const { DateNow, ObjectFreeze } = internals.primordials;

class Navigator {
  get userAgent() { return "Cloudflare-Workers"; }
  get hardwareConcurrency() { return 1; }
  get language() { return "en"; }
  get languages() { return ["en"]; }
}
internals.defineGlobal("Navigator", Navigator);
internals.defineGlobal("navigator", new Navigator());

// performance.now() counts from the isolate's start, like workerd's (which does not
// freeze the clock locally either).
const timeOrigin = DateNow();
class Performance {
  get timeOrigin() { return timeOrigin; }
  now() { return DateNow() - timeOrigin; }
  toJSON() { return ObjectFreeze({ timeOrigin }); }
}
internals.defineGlobal("Performance", Performance);
internals.defineGlobal("performance", new Performance());
internals.defineGlobal("self", globalThis);
