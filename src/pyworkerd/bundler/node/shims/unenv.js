// The "not implemented" errors of the modules and functions a worker cannot have,
// worded as wrangler's unenv polyfills word them.
export function notImplemented(name) {
  const fn = () => { throw new Error(`[unenv] ${name} is not implemented yet!`); };
  return Object.assign(fn, { __unenv__: true });
}

export function notImplementedClass(name) {
  return class {
    constructor() { throw new Error(`[unenv] ${name} is not implemented yet!`); }
  };
}
