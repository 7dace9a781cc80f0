// Value formatting for console.*: Node's util.inspect, which is also what workerd's console
// prints (its inspect is a port of Node's). The algorithm — depth, circular markers, the
// "three innermost levels on one line if they fit in breakLength" rule, array grouping in
// columns, error stacks with their own properties — follows Node's lib/internal/util/inspect.js
// so that a worker's log lines read the same here as under wrangler / workerd.
//
//   internals.inspect(value, { depth = 2, colors = false, showHidden = false,
//                              breakLength = 80, compact = 3, maxArrayLength = 100,
//                              maxStringLength = 10000, sorted = false }) -> string
//   internals.formatLogArgs(args, options?) -> string    console.log's formatting: printf-style
//       %s %d %i %f %j %o %O %c %% in a leading string, then the rest space-joined
//       (strings raw, everything else inspected) — Node's util.format
//   internals.formatWithOptions(options, args) -> string  (the same, options first)
//   internals.inspect.custom                   Symbol.for("nodejs.util.inspect.custom"):
//       an object's [custom](depth, options, inspect) method replaces its formatting, as in
//       Node; a runtime class can return e.g. inspect({ ...fields }, options).
//
// What pure JS cannot see is approximated: a Promise's state (always "<pending>"), a
// Proxy (inspected as what its traps show), Map/Set iterators (no preview).

const {
  ArrayIsArray,
  ArrayPrototypeFilter,
  ArrayPrototypeIncludes,
  ArrayPrototypeJoin,
  ArrayPrototypeMap,
  ArrayPrototypePop,
  ArrayPrototypePush,
  ArrayPrototypeSort,
  ArrayPrototypeUnshift,
  BigIntPrototypeValueOf,
  BooleanPrototypeValueOf,
  DatePrototypeGetTime,
  DatePrototypeToISOString,
  DatePrototypeToString,
  ErrorPrototypeToString,
  FunctionPrototypeToString,
  JSONStringify,
  MapPrototypeEntries,
  MapPrototypeGet,
  MapPrototypeSet,
  MapPrototypeSizeGetter,
  MathFloor,
  MathMax,
  MathMin,
  MathRound,
  MathSqrt,
  Number,
  NumberIsNaN,
  NumberParseFloat,
  NumberParseInt,
  NumberPrototypeValueOf,
  ObjectGetOwnPropertyDescriptor,
  ObjectGetOwnPropertyNames,
  ObjectGetOwnPropertySymbols,
  ObjectGetPrototypeOf,
  ObjectIs,
  ObjectKeys,
  ObjectPrototypeHasOwnProperty,
  ObjectPrototypePropertyIsEnumerable,
  ObjectPrototypeToString,
  RegExpPrototypeExec,
  RegExpPrototypeToString,
  SetPrototypeSizeGetter,
  SetPrototypeValues,
  String,
  StringPrototypeCharCodeAt,
  StringPrototypeEndsWith,
  StringPrototypeIncludes,
  StringPrototypeIndexOf,
  StringPrototypePadEnd,
  StringPrototypePadStart,
  StringPrototypeRepeat,
  StringPrototypeReplace,
  StringPrototypeSlice,
  StringPrototypeSplit,
  StringPrototypeStartsWith,
  StringPrototypeValueOf,
  SymbolFor,
  SymbolIterator,
  SymbolPrototypeToString,
  SymbolPrototypeValueOf,
  SymbolToStringTag,
  TypedArrayPrototypeLengthGetter,
  uncurryThis,
  ArrayBuffer,
  ArrayPrototypeIndexOf,
  ArrayPrototypeSlice,
  ArrayPrototypeSplice,
  DataView,
  Error,
  Map,
  NumberPrototypeToString,
  Promise,
  RangeError,
  ReflectApply,
  RegExp,
  Set,
  SetPrototypeHas,
  TypeError,
  Uint8Array,
  WeakMap,
  WeakSet,
} = internals.primordials;

const SetIteratorPrototypeNext = uncurryThis(ObjectGetPrototypeOf(new Set().values()).next);
const MapIteratorPrototypeNext = uncurryThis(ObjectGetPrototypeOf(new Map().entries()).next);

const customInspectSymbol = SymbolFor("nodejs.util.inspect.custom");

const TypedArrayPrototypeGetSymbolToStringTag = uncurryThis(
  ObjectGetOwnPropertyDescriptor(ObjectGetPrototypeOf(Uint8Array.prototype), SymbolToStringTag).get,
);

// Brand checks that do not trust the value (no instanceof: prototypes can lie).
function brandCheck(getter) {
  return (value) => {
    try {
      getter(value);
      return true;
    } catch {
      return false;
    }
  };
}
const isMap = brandCheck(MapPrototypeSizeGetter);
const isSet = brandCheck(SetPrototypeSizeGetter);
const isDate = brandCheck(DatePrototypeGetTime);
const isRegExp = brandCheck(uncurryThis(ObjectGetOwnPropertyDescriptor(RegExp.prototype, "source").get));
const isArrayBuffer = brandCheck(
  uncurryThis(ObjectGetOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength").get),
);
const SharedArrayBufferCtor = internals.primordials.globalThis.SharedArrayBuffer;
const isSharedArrayBuffer = SharedArrayBufferCtor ?
  brandCheck(uncurryThis(
    ObjectGetOwnPropertyDescriptor(SharedArrayBufferCtor.prototype, "byteLength").get,
  )) : () => false;
const isDataView = brandCheck(
  uncurryThis(ObjectGetOwnPropertyDescriptor(DataView.prototype, "byteLength").get),
);
const isWeakMap = brandCheck(uncurryThis(WeakMap.prototype.has));
const isWeakSet = brandCheck(uncurryThis(WeakSet.prototype.has));
const isNumberObject = brandCheck(NumberPrototypeValueOf);
const isStringObject = brandCheck(StringPrototypeValueOf);
const isBooleanObject = brandCheck(BooleanPrototypeValueOf);
const isBigIntObject = brandCheck(BigIntPrototypeValueOf);
const isSymbolObject = brandCheck(SymbolPrototypeValueOf);
function isPromise(value) {
  // A Promise's internal slot is what `then` checks on a non-promise receiver — but calling
  // it on a real promise would attach a reaction. ObjectPrototypeToString reads the tag,
  // which a plain object can fake; good enough for display.
  return ObjectPrototypeToString(value) === "[object Promise]" && value instanceof Promise;
}
function isTypedArray(value) {
  return TypedArrayPrototypeGetSymbolToStringTag(value) !== undefined;
}
function isError(value) {
  return value instanceof Error || ObjectPrototypeToString(value) === "[object Error]";
}
function isArgumentsObject(value) {
  return ObjectPrototypeToString(value) === "[object Arguments]";
}

const AsyncFunctionPrototype = ObjectGetPrototypeOf(async function () {});
const GeneratorFunctionPrototype = ObjectGetPrototypeOf(function* () {});
const AsyncGeneratorFunctionPrototype = ObjectGetPrototypeOf(async function* () {});
function protoChainHas(value, proto) {
  let p = ObjectGetPrototypeOf(value);
  while (p !== null) {
    if (p === proto) return true;
    p = ObjectGetPrototypeOf(p);
  }
  return false;
}

// Constructors whose instances print without their own toString under %s.
const builtInObjects = new Set(
  ArrayPrototypeFilter(
    ObjectGetOwnPropertyNames(internals.primordials.globalThis),
    (e) => RegExpPrototypeExec(/^[A-Z][a-zA-Z0-9]+$/, e) !== null,
  ),
);

// ---------------------------------------------------------------------------------------
// Options and styles

const inspectDefaultOptions = {
  showHidden: false,
  depth: 2,
  colors: false,
  customInspect: true,
  showProxy: false,
  maxArrayLength: 100,
  maxStringLength: 10000,
  breakLength: 80,
  compact: 3,
  sorted: false,
  getters: false,
  numericSeparator: false,
};

const colorCodes = {
  __proto__: null,
  bold: [1, 22],
  italic: [3, 23],
  underline: [4, 24],
  inverse: [7, 27],
  white: [37, 39],
  grey: [90, 39],
  black: [30, 39],
  blue: [34, 39],
  cyan: [36, 39],
  green: [32, 39],
  magenta: [35, 39],
  red: [31, 39],
  yellow: [33, 39],
};

const styles = {
  __proto__: null,
  special: "cyan",
  number: "yellow",
  bigint: "yellow",
  boolean: "yellow",
  undefined: "grey",
  null: "bold",
  string: "green",
  symbol: "green",
  date: "magenta",
  regexp: "red",
  module: "underline",
};

function stylizeWithColor(str, styleType) {
  const style = styles[styleType];
  if (style !== undefined) {
    const color = colorCodes[style];
    if (color !== undefined) return `\u001b[${color[0]}m${str}\u001b[${color[1]}m`;
  }
  return str;
}

function stylizeNoColor(str) {
  return str;
}

const ansiPattern = /\u001b\[\d\d?m/g;
function removeColors(str) {
  return StringPrototypeReplace(str, ansiPattern, "");
}

// ---------------------------------------------------------------------------------------
// Strings

const kObjectType = 0;
const kArrayType = 1;
const kArrayExtrasType = 2;

const meta = [
  "\\x00", "\\x01", "\\x02", "\\x03", "\\x04", "\\x05", "\\x06", "\\x07",
  "\\b", "\\t", "\\n", "\\x0B", "\\f", "\\r", "\\x0E", "\\x0F",
  "\\x10", "\\x11", "\\x12", "\\x13", "\\x14", "\\x15", "\\x16", "\\x17",
  "\\x18", "\\x19", "\\x1A", "\\x1B", "\\x1C", "\\x1D", "\\x1E", "\\x1F",
];

// Characters that need escaping: C0 controls, the quote, backslash, DEL, lone surrogates.
const strEscapeSequencesRegExp = /[\x00-\x1f\x27\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const strEscapeSequencesRegExpSingle = /[\x00-\x1f\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function escapeChar(c, quote) {
  if (c < 0x20) return meta[c];
  if (c === 0x5c) return "\\\\";
  if (c === quote) return "\\'";
  if (c === 0x7f) return "\\x7F";
  if (c >= 0x80 && c <= 0x9f) return "\\x" + StringPrototypePadStart(StringPrototypeToUpperCaseSafe(NumberPrototypeToString(c, 16)), 2, "0");
  return "\\u" + NumberPrototypeToString(c, 16);
}

/** Quote a string like Node: single quotes unless it contains ' but not " (or `). */
function strEscape(str) {
  let escapeTest = strEscapeSequencesRegExp;
  let singleQuote = 0x27;
  let quoteChar = "'";
  if (StringPrototypeIncludes(str, "'")) {
    if (!StringPrototypeIncludes(str, '"')) {
      singleQuote = -2;
      quoteChar = '"';
    } else if (!StringPrototypeIncludes(str, "`") && !StringPrototypeIncludes(str, "${")) {
      singleQuote = -1;
      quoteChar = "`";
    }
    if (singleQuote !== 0x27) escapeTest = strEscapeSequencesRegExpSingle;
  }
  if (str.length < 5000 && RegExpPrototypeExec(escapeTest, str) === null) {
    return quoteChar + str + quoteChar;
  }
  let result = "";
  let last = 0;
  for (let i = 0; i < str.length; i++) {
    const point = StringPrototypeCharCodeAt(str, i);
    if (point === singleQuote || point === 0x5c || point < 0x20 ||
        (point >= 0x7f && point <= 0x9f)) {
      if (last === i) result += escapeChar(point, singleQuote);
      else result += StringPrototypeSlice(str, last, i) + escapeChar(point, singleQuote);
      last = i + 1;
    } else if (point >= 0xd800 && point <= 0xdfff) {
      if (point <= 0xdbff && i + 1 < str.length) {
        const next = StringPrototypeCharCodeAt(str, i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          i++;
          continue;
        }
      }
      result += StringPrototypeSlice(str, last, i) + "\\u" + NumberPrototypeToString(point, 16);
      last = i + 1;
    }
  }
  if (last !== str.length) result += StringPrototypeSlice(str, last);
  return quoteChar + result + quoteChar;
}

// ---------------------------------------------------------------------------------------
// Primitives

function formatNumber(fn, number) {
  // Format -0 as '-0'.
  if (ObjectIs(number, -0)) return fn("-0", "number");
  return fn(`${number}`, "number");
}

function formatBigInt(fn, bigint) {
  return fn(`${bigint}n`, "bigint");
}

const kMinLineWidth = 16;

function formatPrimitive(fn, value, ctx) {
  if (typeof value === "string") {
    let trailer = "";
    if (value.length > ctx.maxStringLength) {
      const remaining = value.length - ctx.maxStringLength;
      value = StringPrototypeSlice(value, 0, ctx.maxStringLength);
      trailer = `... ${remaining} more character${remaining > 1 ? "s" : ""}`;
    }
    if (ctx.compact !== true && value.length > kMinLineWidth &&
        value.length > ctx.breakLength - ctx.indentationLvl - 4) {
      // Long strings are split after each newline, one quoted piece per line.
      const lines = [];
      let start = 0;
      for (;;) {
        const nl = StringPrototypeIndexOf(value, "\n", start);
        if (nl === -1 || nl === value.length - 1) {
          ArrayPrototypePush(lines, StringPrototypeSlice(value, start));
          break;
        }
        ArrayPrototypePush(lines, StringPrototypeSlice(value, start, nl + 1));
        start = nl + 1;
      }
      return ArrayPrototypeJoin(
        ArrayPrototypeMap(lines, (line) => fn(strEscape(line), "string")),
        ` +\n${StringPrototypeRepeat(" ", ctx.indentationLvl + 2)}`,
      ) + trailer;
    }
    return fn(strEscape(value), "string") + trailer;
  }
  if (typeof value === "number") return formatNumber(fn, value);
  if (typeof value === "bigint") return formatBigInt(fn, value);
  if (typeof value === "boolean") return fn(`${value}`, "boolean");
  if (typeof value === "undefined") return fn("undefined", "undefined");
  // es6 symbol primitive
  return fn(SymbolPrototypeToString(value), "symbol");
}

// ---------------------------------------------------------------------------------------
// Objects

function getUserOptions(ctx) {
  const ret = {
    stylize: ctx.stylize,
    showHidden: ctx.showHidden,
    depth: ctx.depth,
    colors: ctx.colors,
    customInspect: ctx.customInspect,
    showProxy: ctx.showProxy,
    maxArrayLength: ctx.maxArrayLength,
    maxStringLength: ctx.maxStringLength,
    breakLength: ctx.breakLength,
    compact: ctx.compact,
    sorted: ctx.sorted,
    getters: ctx.getters,
    numericSeparator: ctx.numericSeparator,
  };
  return ret;
}

function formatValue(ctx, value, recurseTimes, typedArray) {
  // Primitive types cannot have properties.
  if (typeof value !== "object" && typeof value !== "function") {
    return formatPrimitive(ctx.stylize, value, ctx);
  }
  if (value === null) return ctx.stylize("null", "null");

  // Provide a hook for user-specified inspect functions.
  if (ctx.customInspect) {
    let maybeCustom;
    try {
      maybeCustom = value[customInspectSymbol];
    } catch {
      maybeCustom = undefined;
    }
    if (typeof maybeCustom === "function" && maybeCustom !== inspect) {
      const depth = ctx.depth === null ? null : ctx.depth - recurseTimes;
      const options = getUserOptions(ctx);
      options.depth = depth;
      const ret = ReflectApply(maybeCustom, value, [depth, options, inspect]);
      // If the custom inspection method returned `this`, don't go into infinite recursion.
      if (ret !== value) {
        if (typeof ret !== "string") return formatValue(ctx, ret, recurseTimes);
        return StringPrototypeReplace(
          ret, /\n/g, `\n${StringPrototypeRepeat(" ", ctx.indentationLvl)}`,
        );
      }
    }
  }

  // Using an array here is actually better for the average case than using a Set: seen
  // will only check for the depth and will never grow too large.
  if (ArrayPrototypeIncludes(ctx.seen, value)) {
    let index = 1;
    if (ctx.circular === undefined) {
      ctx.circular = new Map();
      MapPrototypeSet(ctx.circular, value, index);
    } else {
      index = MapPrototypeGet(ctx.circular, value);
      if (index === undefined) {
        index = MapPrototypeSizeGetter(ctx.circular) + 1;
        MapPrototypeSet(ctx.circular, value, index);
      }
    }
    return ctx.stylize(`[Circular *${index}]`, "special");
  }

  return formatRaw(ctx, value, recurseTimes, typedArray);
}

function isInstanceof(object, proto) {
  try {
    return object instanceof proto;
  } catch {
    return false;
  }
}

function getConstructorName(obj, ctx, recurseTimes) {
  let firstProto;
  const tmp = obj;
  while (obj) {
    const descriptor = ObjectGetOwnPropertyDescriptor(obj, "constructor");
    if (descriptor !== undefined && typeof descriptor.value === "function" &&
        descriptor.value.name !== "" && isInstanceof(tmp, descriptor.value)) {
      return String(descriptor.value.name);
    }
    obj = ObjectGetPrototypeOf(obj);
    if (firstProto === undefined) firstProto = obj;
  }
  if (firstProto === null) return null;
  const res = internalGetConstructorName(tmp);
  if (recurseTimes > ctx.depth && ctx.depth !== null) return `${res} <Complex prototype>`;
  const protoConstr = getConstructorName(firstProto, ctx, recurseTimes + 1);
  if (protoConstr === null) {
    return `${res} <${inspect(firstProto, { ...getUserOptions(ctx), customInspect: false, depth: -1 })}>`;
  }
  return `${res} <${protoConstr}>`;
}

// V8's own idea of the class name is not reachable from JS; "Object" is what it says for
// the objects that get here (their prototype chain has no usable constructor).
function internalGetConstructorName(_obj) {
  return "Object";
}

function getPrefix(constructor, tag, fallback, size = "") {
  if (constructor === null) {
    if (tag !== "" && fallback !== tag) return `[${fallback}${size}: null prototype] [${tag}] `;
    return `[${fallback}${size}: null prototype] `;
  }
  if (tag !== "" && constructor !== tag) return `${constructor}${size} [${tag}] `;
  return `${constructor}${size} `;
}

// The own keys to print: enumerable string keys and enumerable symbols (all own keys with
// showHidden).
function getKeys(value, showHidden) {
  let keys;
  const symbols = ObjectGetOwnPropertySymbols(value);
  if (showHidden) {
    keys = ObjectGetOwnPropertyNames(value);
    for (let i = 0; i < symbols.length; i++) ArrayPrototypePush(keys, symbols[i]);
  } else {
    keys = ObjectKeys(value);
    for (let i = 0; i < symbols.length; i++) {
      if (ObjectPrototypePropertyIsEnumerable(value, symbols[i])) {
        ArrayPrototypePush(keys, symbols[i]);
      }
    }
  }
  return keys;
}

const reIndex = /^(0|[1-9][0-9]*)$/;
function isIndexKey(key, length) {
  return typeof key === "string" && RegExpPrototypeExec(reIndex, key) !== null &&
    Number(key) < length && Number(key) < 4294967295;
}

function getOwnNonIndexProperties(value, showHidden) {
  const keys = getKeys(value, showHidden);
  return ArrayPrototypeFilter(keys, (k) => !isIndexKey(k, 2 ** 32 - 1));
}

function getFunctionBase(value, constructor, tag) {
  const stringified = FunctionPrototypeToString(value);
  if (StringPrototypeStartsWith(stringified, "class") && StringPrototypeEndsWith(stringified, "}")) {
    const slice = StringPrototypeSlice(stringified, 5, -1);
    const bracketIndex = StringPrototypeIndexOf(slice, "{");
    if (bracketIndex !== -1 &&
        (!StringPrototypeIncludes(StringPrototypeSlice(slice, 0, bracketIndex), "(") ||
         RegExpPrototypeExec(/^\s*(?:extends\s+[^{(]*)?\{/, slice) !== null)) {
      return getClassBase(value, constructor, tag);
    }
  }
  let type = "Function";
  if (protoChainHas(value, GeneratorFunctionPrototype)) type = `Generator${type}`;
  if (protoChainHas(value, AsyncFunctionPrototype)) type = `Async${type}`;
  if (protoChainHas(value, AsyncGeneratorFunctionPrototype)) type = "AsyncGeneratorFunction";
  let base = `[${type}`;
  if (constructor === null) base += " (null prototype)";
  if (value.name === "") base += " (anonymous)";
  else base += `: ${value.name}`;
  base += "]";
  if (constructor !== type && constructor !== null) base += ` ${constructor}`;
  if (tag !== "" && constructor !== tag) base += ` [${tag}]`;
  return base;
}

function getClassBase(value, constructor, tag) {
  const hasName = ObjectPrototypeHasOwnProperty(value, "name");
  const name = (hasName && value.name) || "(anonymous)";
  let base = `class ${name}`;
  if (constructor !== "Function" && constructor !== null) base += ` [${constructor}]`;
  if (tag !== "" && constructor !== tag) base += ` [${tag}]`;
  if (constructor !== null) {
    const superName = ObjectGetPrototypeOf(value).name;
    if (superName) base += ` extends ${superName}`;
  } else {
    base += " extends [null prototype]";
  }
  return `[${base}]`;
}

function getBoxedBase(value, ctx, keys, constructor, tag) {
  let fn, type;
  if (isNumberObject(value)) {
    fn = NumberPrototypeValueOf;
    type = "Number";
  } else if (isStringObject(value)) {
    fn = StringPrototypeValueOf;
    type = "String";
    // For boxed Strings, we have to remove the 0-n indexed entries, since they just noisy
    // up the output and are redundant. Make boxed primitive Strings look like such.
    const len = value.length;
    ArrayPrototypeSplice(keys, 0, len);
  } else if (isBooleanObject(value)) {
    fn = BooleanPrototypeValueOf;
    type = "Boolean";
  } else if (isBigIntObject(value)) {
    fn = BigIntPrototypeValueOf;
    type = "BigInt";
  } else {
    fn = SymbolPrototypeValueOf;
    type = "Symbol";
  }
  let base = `[${type}`;
  if (type !== constructor) {
    if (constructor === null) base += " (null prototype)";
    else base += ` (${constructor})`;
  }
  base += `: ${formatPrimitive(stylizeNoColor, fn(value), ctx)}]`;
  if (tag !== "" && tag !== constructor) base += ` [${tag}]`;
  if (keys.length !== 0 || ctx.stylize === stylizeNoColor) return base;
  return ctx.stylize(base, StringPrototypeToLowerCaseSafe(type));
}

function StringPrototypeToLowerCaseSafe(s) {
  return internals.primordials.StringPrototypeToLowerCase(s);
}

function StringPrototypeToUpperCaseSafe(s) {
  return internals.primordials.StringPrototypeToUpperCase(s);
}

function isBoxedPrimitive(value) {
  return isNumberObject(value) || isStringObject(value) || isBooleanObject(value) ||
    isBigIntObject(value) || isSymbolObject(value);
}

function formatRaw(ctx, value, recurseTimes, typedArray) {
  let keys;
  const constructor = getConstructorName(value, ctx, recurseTimes);
  let tag;
  try {
    tag = value[SymbolToStringTag];
  } catch {
    tag = undefined;
  }
  // Only list the tag in case it's non-enumerable / not an own property. Otherwise we'd
  // print this twice.
  if (typeof tag !== "string" ||
      (tag !== "" && (ctx.showHidden ? ObjectPrototypeHasOwnProperty :
        ObjectPrototypePropertyIsEnumerable)(value, SymbolToStringTag))) {
    tag = "";
  }
  let base = "";
  let formatter = getEmptyFormatArray;
  let braces;
  let noIterator = true;
  let extrasType = kObjectType;

  // Iterators and the rest are split to reduce checks.
  if (SymbolIterator in value || constructor === null) {
    noIterator = false;
    if (ArrayIsArray(value)) {
      // Only set the constructor for non ordinary ("Array [...]") arrays.
      const prefix = (constructor !== "Array" || tag !== "") ?
        getPrefix(constructor, tag, "Array", `(${value.length})`) : "";
      keys = getOwnNonIndexProperties(value, ctx.showHidden);
      braces = [`${prefix}[`, "]"];
      if (value.length === 0 && keys.length === 0) return `${braces[0]}]`;
      extrasType = kArrayExtrasType;
      formatter = formatArray;
    } else if (isSet(value)) {
      const size = SetPrototypeSizeGetter(value);
      const prefix = getPrefix(constructor, tag, "Set", `(${size})`);
      keys = getKeys(value, ctx.showHidden);
      formatter = (c, v, r) => formatSet(value, c, v, r);
      if (size === 0 && keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, "}"];
    } else if (isMap(value)) {
      const size = MapPrototypeSizeGetter(value);
      const prefix = getPrefix(constructor, tag, "Map", `(${size})`);
      keys = getKeys(value, ctx.showHidden);
      formatter = (c, v, r) => formatMap(value, c, v, r);
      if (size === 0 && keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, "}"];
    } else if (isTypedArray(value)) {
      keys = getOwnNonIndexProperties(value, ctx.showHidden);
      const fallback = constructor === null ? TypedArrayPrototypeGetSymbolToStringTag(value) : "";
      const size = TypedArrayPrototypeLengthGetter(value);
      const prefix = getPrefix(constructor, tag, fallback, `(${size})`);
      braces = [`${prefix}[`, "]"];
      if (size === 0 && keys.length === 0 && !ctx.showHidden) return `${braces[0]}]`;
      formatter = (c, v, r) => formatTypedArray(value, size, c, v, r);
      extrasType = kArrayExtrasType;
    } else {
      noIterator = true;
    }
  }
  if (noIterator) {
    keys = getKeys(value, ctx.showHidden);
    braces = ["{", "}"];
    if (typeof value === "function") {
      base = getFunctionBase(value, constructor, tag);
      if (keys.length === 0) return ctx.stylize(base, "special");
    } else if (constructor === "Object") {
      if (isArgumentsObject(value)) {
        braces[0] = "[Arguments] {";
      } else if (tag !== "") {
        braces[0] = `${getPrefix(constructor, tag, "Object")}{`;
      }
      if (keys.length === 0) return `${braces[0]}}`;
    } else if (isRegExp(value)) {
      // Make RegExps say that they are RegExps.
      base = RegExpPrototypeToString(constructor !== null ? value : new RegExp(value));
      const prefix = getPrefix(constructor, tag, "RegExp");
      if (prefix !== "RegExp ") base = `${prefix}${base}`;
      if (keys.length === 0 || (recurseTimes > ctx.depth && ctx.depth !== null)) {
        return ctx.stylize(base, "regexp");
      }
    } else if (isDate(value)) {
      // Make dates with properties first say the date.
      const str = NumberIsNaN(DatePrototypeGetTime(value)) ?
        DatePrototypeToString(value) : DatePrototypeToISOString(value);
      const prefix = getPrefix(constructor, tag, "Date");
      base = prefix !== "Date " ? `${prefix}${str}` : str;
      if (keys.length === 0) return ctx.stylize(base, "date");
    } else if (isError(value)) {
      base = formatError(value, constructor, tag, ctx, keys);
      if (keys.length === 0) return base;
    } else if (isArrayBuffer(value) || isSharedArrayBuffer(value)) {
      // Fast path for ArrayBuffer and SharedArrayBuffer.
      const arrayType = isArrayBuffer(value) ? "ArrayBuffer" : "SharedArrayBuffer";
      const prefix = getPrefix(constructor, tag, arrayType);
      if (typedArray === undefined) {
        formatter = formatArrayBuffer;
      } else if (keys.length === 0) {
        return prefix + `{ byteLength: ${formatNumber(ctx.stylize, value.byteLength)} }`;
      }
      braces[0] = `${prefix}{`;
      ArrayPrototypeUnshift(keys, "byteLength");
    } else if (isDataView(value)) {
      braces[0] = `${getPrefix(constructor, tag, "DataView")}{`;
      // .buffer goes last, it's not a primitive like the others.
      ArrayPrototypeUnshift(keys, "byteLength", "byteOffset", "buffer");
    } else if (isPromise(value)) {
      braces[0] = `${getPrefix(constructor, tag, "Promise")}{`;
      formatter = formatPromise;
    } else if (isWeakSet(value)) {
      braces[0] = `${getPrefix(constructor, tag, "WeakSet")}{`;
      formatter = formatWeakCollection;
    } else if (isWeakMap(value)) {
      braces[0] = `${getPrefix(constructor, tag, "WeakMap")}{`;
      formatter = formatWeakCollection;
    } else if (isBoxedPrimitive(value)) {
      base = getBoxedBase(value, ctx, keys, constructor, tag);
      if (keys.length === 0) return base;
    } else {
      if (keys.length === 0) return `${getPrefix(constructor, tag, "Object")}{}`;
      braces[0] = `${getPrefix(constructor, tag, "Object")}{`;
    }
  }

  if (recurseTimes > ctx.depth && ctx.depth !== null) {
    let constructorName = StringPrototypeSlice(getPrefix(constructor, tag, "Object"), 0, -1);
    if (constructor !== null) constructorName = `[${constructorName}]`;
    return ctx.stylize(constructorName, "special");
  }
  recurseTimes += 1;

  ArrayPrototypePush(ctx.seen, value);
  ctx.currentDepth = recurseTimes;
  let output;
  try {
    output = formatter(ctx, value, recurseTimes);
    for (let i = 0; i < keys.length; i++) {
      ArrayPrototypePush(output, formatProperty(ctx, value, recurseTimes, keys[i], extrasType));
    }
  } catch (err) {
    ArrayPrototypePop(ctx.seen);
    if (err instanceof RangeError && ctx.seen.length > 0) {
      // Maximum call stack size exceeded deep inside: say so at this level.
      const constructorName = StringPrototypeSlice(getPrefix(constructor, tag, "Object"), 0, -1);
      return ctx.stylize(`[${constructorName}: Inspection interrupted prematurely. ` +
        "Maximum call stack size exceeded.]", "special");
    }
    throw err;
  }
  if (ctx.circular !== undefined) {
    const index = MapPrototypeGet(ctx.circular, value);
    if (index !== undefined) {
      const reference = ctx.stylize(`<ref *${index}>`, "special");
      // Add reference always to the very beginning of the output.
      if (ctx.compact !== true) base = base === "" ? reference : `${reference} ${base}`;
      else braces[0] = `${reference} ${braces[0]}`;
    }
  }
  ArrayPrototypePop(ctx.seen);

  if (ctx.sorted) {
    const comparator = ctx.sorted === true ? undefined : ctx.sorted;
    if (extrasType === kObjectType) {
      ArrayPrototypeSort(output, comparator);
    } else if (keys.length > 1) {
      const sorted = ArrayPrototypeSort(
        ArrayPrototypeSlice(output, output.length - keys.length), comparator,
      );
      for (let i = 0; i < sorted.length; i++) output[output.length - keys.length + i] = sorted[i];
    }
  }

  const res = reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value);
  const budget = ctx.budget[ctx.indentationLvl] || 0;
  const newLength = budget + res.length;
  ctx.budget[ctx.indentationLvl] = newLength;
  // If any indentationLvl exceeds this limit, limit further inspecting to the minimum.
  if (newLength > 2 ** 27) ctx.depth = -1;
  return res;
}

function getEmptyFormatArray() {
  return [];
}

function getStackString(error) {
  let stack;
  try {
    stack = error.stack;
  } catch {
    stack = undefined;
  }
  if (stack) return String(stack);
  try {
    return ErrorPrototypeToString(error);
  } catch {
    return "Error";
  }
}

function removeDuplicateErrorKeys(ctx, keys, err, stack) {
  if (!ctx.showHidden && keys.length !== 0) {
    const names = ["name", "message", "stack"];
    for (let n = 0; n < names.length; n++) {
      const name = names[n];
      const index = ArrayPrototypeIndexOf(keys, name);
      // Only hide the property in case it's part of the original stack.
      if (index !== -1 && StringPrototypeIncludes(stack, String(err[name]))) {
        ArrayPrototypeSplice(keys, index, 1);
      }
    }
  }
}

function improveStack(stack, constructor, name, tag) {
  // A stack trace may contain arbitrary data. Only manipulate the output for "regular
  // errors" (errors that "look normal") for now.
  let len = name.length;
  if (constructor === null ||
      (StringPrototypeEndsWith(name, "Error") && StringPrototypeStartsWith(stack, name) &&
       (stack.length === len || stack[len] === ":" || stack[len] === "\n"))) {
    let fallback = "Error";
    if (constructor === null) {
      const start = RegExpPrototypeExec(/^([A-Z][a-z_ A-Z0-9[\]()-]+)(?::|\n\s+at)/, stack) ||
        RegExpPrototypeExec(/^([a-z_A-Z0-9-]*Error)$/, stack);
      fallback = (start && start[1]) || "";
      len = fallback.length;
      fallback = fallback || "Error";
    }
    const prefix = StringPrototypeSlice(getPrefix(constructor, tag, fallback), 0, -1);
    if (name !== prefix) {
      if (StringPrototypeIncludes(prefix, name)) {
        if (len === 0) stack = `${prefix}: ${stack}`;
        else stack = `${prefix}${StringPrototypeSlice(stack, len)}`;
      } else {
        stack = `${prefix} [${name}]${StringPrototypeSlice(stack, len)}`;
      }
    }
  }
  return stack;
}

function formatError(err, constructor, tag, ctx, keys) {
  let name;
  let message;
  try {
    name = err.name != null ? String(err.name) : "Error";
    message = err.message;
  } catch {
    name = "Error";
  }
  let stack = getStackString(err);
  removeDuplicateErrorKeys(ctx, keys, err, stack);
  if ("cause" in err && (keys.length === 0 || !ArrayPrototypeIncludes(keys, "cause"))) {
    ArrayPrototypePush(keys, "cause");
  }
  // Print errors aggregated into AggregateError.
  if (ArrayIsArray(err.errors) &&
      (keys.length === 0 || !ArrayPrototypeIncludes(keys, "errors"))) {
    ArrayPrototypePush(keys, "errors");
  }
  stack = improveStack(stack, constructor, name, tag);
  // Ignore the error message if it's contained in the stack.
  let pos = (message && StringPrototypeIndexOf(stack, String(message))) || -1;
  if (pos !== -1) pos += String(message).length;
  // Wrap the error in brackets in case it has no stack trace.
  const stackStart = StringPrototypeIndexOf(stack, "\n    at", pos);
  if (stackStart === -1) {
    stack = `[${stack}]`;
  } else if (ctx.colors) {
    // Grey out the stack frames.
    const head = StringPrototypeSlice(stack, 0, stackStart);
    const lines = StringPrototypeSplit(StringPrototypeSlice(stack, stackStart + 1), "\n");
    stack = head;
    for (let i = 0; i < lines.length; i++) stack += "\n" + ctx.stylize(lines[i], "undefined");
  }
  // The message and the stack have to be indented as well!
  if (ctx.indentationLvl !== 0) {
    const indentation = StringPrototypeRepeat(" ", ctx.indentationLvl);
    stack = StringPrototypeReplace(stack, /\n/g, `\n${indentation}`);
  }
  return stack;
}

function formatArrayBuffer(ctx, value) {
  let buffer;
  try {
    buffer = new Uint8Array(value);
  } catch {
    return [ctx.stylize("(detached)", "special")];
  }
  const n = MathMin(ctx.maxArrayLength, buffer.length);
  let str = "";
  for (let i = 0; i < n; i++) {
    const b = buffer[i];
    str += (i === 0 ? "" : " ") + (b < 16 ? "0" : "") + NumberPrototypeToString(b, 16);
  }
  const remaining = buffer.length - ctx.maxArrayLength;
  if (remaining > 0) str += ` ... ${remaining} more byte${remaining > 1 ? "s" : ""}`;
  return [`${ctx.stylize("[Uint8Contents]", "special")}: <${str}>`];
}

function remainingText(remaining) {
  return `... ${remaining} more item${remaining > 1 ? "s" : ""}`;
}

// The array is sparse and/or has extra keys.
function formatSpecialArray(ctx, value, recurseTimes, maxLength, output, i) {
  const keys = ObjectKeys(value);
  let index = i;
  for (; i < keys.length && output.length < maxLength; i++) {
    const key = keys[i];
    const tmp = +key;
    // Arrays can only have up to 2^32 - 1 entries.
    if (tmp > 2 ** 32 - 2) break;
    if (`${index}` !== key) {
      if (RegExpPrototypeExec(reIndex, key) === null) break;
      const emptyItems = tmp - index;
      const ending = emptyItems > 1 ? "s" : "";
      const message = `<${emptyItems} empty item${ending}>`;
      ArrayPrototypePush(output, ctx.stylize(message, "undefined"));
      index = tmp;
      if (output.length === maxLength) break;
    }
    ArrayPrototypePush(output, formatProperty(ctx, value, recurseTimes, key, kArrayType));
    index++;
  }
  const remaining = value.length - index;
  if (output.length !== maxLength) {
    if (remaining > 0) {
      const ending = remaining > 1 ? "s" : "";
      const message = `<${remaining} empty item${ending}>`;
      ArrayPrototypePush(output, ctx.stylize(message, "undefined"));
    }
  } else if (remaining > 0) {
    ArrayPrototypePush(output, remainingText(remaining));
  }
  return output;
}

function formatArray(ctx, value, recurseTimes) {
  const valLen = value.length;
  const len = MathMin(MathMax(0, ctx.maxArrayLength), valLen);
  const remaining = valLen - len;
  const output = [];
  for (let i = 0; i < len; i++) {
    // Special handle sparse arrays.
    if (!ObjectPrototypeHasOwnProperty(value, i)) {
      return formatSpecialArray(ctx, value, recurseTimes, len, output, i);
    }
    ArrayPrototypePush(output, formatProperty(ctx, value, recurseTimes, i, kArrayType));
  }
  if (remaining > 0) ArrayPrototypePush(output, remainingText(remaining));
  return output;
}

function formatTypedArray(value, length, ctx, _ignored, _recurseTimes) {
  const maxLength = MathMin(MathMax(0, ctx.maxArrayLength), length);
  const remaining = length - maxLength;
  const output = [];
  const elementFormatter = length > 0 && typeof value[0] === "number" ?
    formatNumber : formatBigInt;
  for (let i = 0; i < maxLength; ++i) {
    ArrayPrototypePush(output, elementFormatter(ctx.stylize, value[i]));
  }
  if (remaining > 0) ArrayPrototypePush(output, remainingText(remaining));
  if (ctx.showHidden) {
    // .buffer goes last, it's not a primitive like the others. All besides `BYTES_PER_ELEMENT`
    // are actually getters.
    ctx.indentationLvl += 2;
    const extras = ["BYTES_PER_ELEMENT", "length", "byteLength", "byteOffset", "buffer"];
    for (let i = 0; i < extras.length; i++) {
      const key = extras[i];
      const str = formatValue(ctx, value[key], ctx.currentDepth, true);
      ArrayPrototypePush(output, `[${key}]: ${str}`);
    }
    ctx.indentationLvl -= 2;
  }
  return output;
}

function formatSet(value, ctx, _ignored, recurseTimes) {
  const length = SetPrototypeSizeGetter(value);
  const maxLength = MathMin(MathMax(0, ctx.maxArrayLength), length);
  const remaining = length - maxLength;
  const output = [];
  ctx.indentationLvl += 2;
  let i = 0;
  const iter = SetPrototypeValues(value);
  for (;;) {
    if (i >= maxLength) break;
    const step = SetIteratorPrototypeNext(iter);
    if (step.done) break;
    ArrayPrototypePush(output, formatValue(ctx, step.value, recurseTimes));
    i++;
  }
  if (remaining > 0) ArrayPrototypePush(output, remainingText(remaining));
  ctx.indentationLvl -= 2;
  return output;
}

function formatMap(value, ctx, _ignored, recurseTimes) {
  const length = MapPrototypeSizeGetter(value);
  const maxLength = MathMin(MathMax(0, ctx.maxArrayLength), length);
  const remaining = length - maxLength;
  const output = [];
  ctx.indentationLvl += 2;
  let i = 0;
  const iter = MapPrototypeEntries(value);
  for (;;) {
    if (i >= maxLength) break;
    const step = MapIteratorPrototypeNext(iter);
    if (step.done) break;
    const k = step.value[0];
    const v = step.value[1];
    ArrayPrototypePush(
      output, `${formatValue(ctx, k, recurseTimes)} => ${formatValue(ctx, v, recurseTimes)}`,
    );
    i++;
  }
  if (remaining > 0) ArrayPrototypePush(output, remainingText(remaining));
  ctx.indentationLvl -= 2;
  return output;
}

function formatWeakCollection(ctx) {
  return [ctx.stylize("<items unknown>", "special")];
}

function formatPromise(ctx, _value, _recurseTimes) {
  // The state of a promise cannot be read synchronously from JS.
  return [ctx.stylize("<pending>", "special")];
}

const keyStrRegExp = /^[a-zA-Z_][a-zA-Z_0-9]*$/;

function formatProperty(ctx, value, recurseTimes, key, type, desc) {
  let name, str;
  let extra = " ";
  desc = desc || ObjectGetOwnPropertyDescriptor(value, key) ||
    { value: value[key], enumerable: true };
  if (desc.value !== undefined) {
    const diff = (ctx.compact !== true || type !== kObjectType) ? 2 : 3;
    ctx.indentationLvl += diff;
    str = formatValue(ctx, desc.value, recurseTimes);
    if (diff === 3 && ctx.breakLength < removeColors(str).length) {
      extra = `\n${StringPrototypeRepeat(" ", ctx.indentationLvl)}`;
    }
    ctx.indentationLvl -= diff;
  } else if (desc.get !== undefined) {
    const label = desc.set !== undefined ? "Getter/Setter" : "Getter";
    const s = ctx.stylize;
    const sp = "special";
    if (ctx.getters && (ctx.getters === true ||
        (ctx.getters === "get" && desc.set === undefined) ||
        (ctx.getters === "set" && desc.set !== undefined))) {
      try {
        const tmp = ReflectApply(desc.get, value, []);
        ctx.indentationLvl += 2;
        if (tmp === null) {
          str = `${s(`[${label}:`, sp)} ${s("null", "null")}${s("]", sp)}`;
        } else if (typeof tmp === "object") {
          str = `${s(`[${label}]`, sp)} ${formatValue(ctx, tmp, recurseTimes)}`;
        } else {
          const primitive = formatPrimitive(s, tmp, ctx);
          str = `${s(`[${label}:`, sp)} ${primitive}${s("]", sp)}`;
        }
        ctx.indentationLvl -= 2;
      } catch (err) {
        const message = `<Inspection threw (${err && err.message})>`;
        str = `${s(`[${label}:`, sp)} ${message}${s("]", sp)}`;
      }
    } else {
      str = ctx.stylize(`[${label}]`, sp);
    }
  } else if (desc.set !== undefined) {
    str = ctx.stylize("[Setter]", "special");
  } else {
    str = ctx.stylize("undefined", "undefined");
  }
  if (type === kArrayType) return str;
  if (typeof key === "symbol") {
    name = `[${ctx.stylize(escapeKey(SymbolPrototypeToString(key)), "symbol")}]`;
  } else if (key === "__proto__") {
    name = "['__proto__']";
  } else if (desc.enumerable === false) {
    name = `[${escapeKey(key)}]`;
  } else if (RegExpPrototypeExec(keyStrRegExp, key) !== null) {
    name = ctx.stylize(key, "name");
  } else {
    name = ctx.stylize(strEscape(key), "string");
  }
  return `${name}:${extra}${str}`;
}

function escapeKey(key) {
  // Escape control characters and lone surrogates, without quoting.
  const quoted = strEscape(key);
  return StringPrototypeSlice(quoted, 1, -1);
}

function isBelowBreakLength(ctx, output, start, base) {
  // Each entry is separated by at least a comma. Thus, we start with a total length of at
  // least `output.length`. In addition, some entries contain ANSI escape codes.
  let totalLength = output.length + start;
  if (totalLength + output.length > ctx.breakLength) return false;
  for (let i = 0; i < output.length; i++) {
    if (ctx.colors) totalLength += removeColors(output[i]).length;
    else totalLength += output[i].length;
    if (totalLength > ctx.breakLength) return false;
  }
  // Do not line up properties on the same line if `base` contains line breaks.
  return base === "" || !StringPrototypeIncludes(base, "\n");
}

function groupArrayElements(ctx, output, value) {
  let totalLength = 0;
  let maxLength = 0;
  let i = 0;
  let outputLength = output.length;
  if (ctx.maxArrayLength < output.length) {
    // This makes sure the "... n more items" part is not taken into account.
    outputLength--;
  }
  const separatorSpace = 2; // Add 1 for the space and 1 for the separator.
  const dataLen = new Array(outputLength);
  // Calculate the total length of all output entries and the individual max entry length
  // of all output entries. We have to remove colors first, otherwise the length would not
  // be calculated properly.
  for (; i < outputLength; i++) {
    const len = ctx.colors ? removeColors(output[i]).length : output[i].length;
    dataLen[i] = len;
    totalLength += len + separatorSpace;
    if (maxLength < len) maxLength = len;
  }
  // Add two to `maxLength` as we add a single whitespace character plus a comma in-between
  // two entries.
  const actualMax = maxLength + separatorSpace;
  // Check if at least three entries fit next to each other and prevent grouping of arrays
  // that contains entries of very different length (i.e., if a single entry is longer than
  // 1/5 of all other entries combined). Otherwise the space in-between small entries would
  // be enormous.
  if (actualMax * 3 + ctx.indentationLvl < ctx.breakLength &&
      (totalLength / actualMax > 5 || maxLength <= 6)) {
    const approxCharHeights = 2.5;
    const averageBias = MathSqrt(actualMax - totalLength / output.length);
    const biasedMax = MathMax(actualMax - 3 - averageBias, 1);
    // Dynamically check how many columns seem possible.
    const columns = MathMin(
      // Ideally a square should be drawn. We expect a character to be about 2.5 times as
      // high as wide. This is the area formula to calculate a square which contains n
      // rectangles of size `actualMax * approxCharHeights`. Divide that by `actualMax` to
      // receive the correct number of columns. The added bias increases the columns for
      // short entries.
      MathRound(MathSqrt(approxCharHeights * biasedMax * outputLength) / biasedMax),
      // Do not exceed the breakLength.
      MathFloor((ctx.breakLength - ctx.indentationLvl) / actualMax),
      // Limit array grouping for small `compact` modes as the user requested minimal
      // grouping.
      ctx.compact * 4,
      // Limit the columns to a maximum of fifteen.
      15,
    );
    // Return with the original output if no grouping should happen.
    if (columns <= 1) return output;
    const tmp = [];
    const maxLineLength = [];
    for (let i = 0; i < columns; i++) {
      let lineLength = 0;
      for (let j = i; j < output.length; j += columns) {
        if (dataLen[j] > lineLength) lineLength = dataLen[j];
      }
      ArrayPrototypePush(maxLineLength, lineLength + separatorSpace);
    }
    let order = StringPrototypePadStart;
    if (value !== undefined) {
      for (let i = 0; i < output.length; i++) {
        if (typeof value[i] !== "number" && typeof value[i] !== "bigint") {
          order = StringPrototypePadEnd;
          break;
        }
      }
    }
    // Each iteration creates a single line of grouped entries.
    for (let i = 0; i < outputLength; i += columns) {
      // The last lines may contain less entries than columns.
      const max = MathMin(i + columns, outputLength);
      let str = "";
      let j = i;
      for (; j < max - 1; j++) {
        // Calculate extra color padding in case it's active. This has to be done line by
        // line as some lines might contain more colors than others.
        const padding = maxLineLength[j - i] + output[j].length - dataLen[j];
        str += order(`${output[j]}, `, padding, " ");
      }
      if (order === StringPrototypePadStart) {
        const padding = maxLineLength[j - i] + output[j].length - dataLen[j] - separatorSpace;
        str += StringPrototypePadStart(output[j], padding, " ");
      } else {
        str += output[j];
      }
      ArrayPrototypePush(tmp, str);
    }
    if (ctx.maxArrayLength < output.length) ArrayPrototypePush(tmp, output[outputLength]);
    output = tmp;
  }
  return output;
}

function reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value) {
  if (ctx.compact !== true) {
    if (typeof ctx.compact === "number" && ctx.compact >= 1) {
      // Memorize the original output length. In case the output is grouped, prevent lining
      // up the entries on a single line.
      const entries = output.length;
      // Group array elements together if the array contains at least six separate entries.
      if (extrasType === kArrayExtrasType && entries > 6) {
        output = groupArrayElements(ctx, output, value);
      }
      // `ctx.currentDepth` is set to the most inner depth of the currently inspected object
      // part while `recurseTimes` is the actual current depth that is inspected.
      // Consolidate all entries of the local most inner depth up to `ctx.compact`, as long
      // as the properties are smaller than `ctx.breakLength`.
      if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
        // Line up all entries on a single line in case the entries do not exceed
        // `breakLength`. Add 10 as constant to start next to all other factors that may
        // reduce `breakLength`.
        const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10;
        if (isBelowBreakLength(ctx, output, start, base)) {
          const joinedOutput = ArrayPrototypeJoin(output, ", ");
          if (!StringPrototypeIncludes(joinedOutput, "\n")) {
            return `${base ? `${base} ` : ""}${braces[0]} ${joinedOutput}` + ` ${braces[1]}`;
          }
        }
      }
    }
    // Line up each entry on an individual line.
    const indentation = `\n${StringPrototypeRepeat(" ", ctx.indentationLvl)}`;
    return `${base ? `${base} ` : ""}${braces[0]}${indentation}  ${
      ArrayPrototypeJoin(output, `,${indentation}  `)}${indentation}${braces[1]}`;
  }
  // Line up all entries on a single line in case the entries do not exceed `breakLength`.
  if (isBelowBreakLength(ctx, output, 0, base)) {
    return `${braces[0]}${base ? ` ${base}` : ""} ${ArrayPrototypeJoin(output, ", ")} ` +
      braces[1];
  }
  const indentation = StringPrototypeRepeat(" ", ctx.indentationLvl);
  // If the opening "brace" is too large, like in the case of "Set {", we need to force the
  // first item to be on the next line or the items will not line up correctly.
  const ln = base === "" && braces[0].length === 1 ? " " : `${base ? ` ${base}` : ""}\n${indentation}  `;
  // Line up each entry on an individual line.
  return `${braces[0]}${ln}${ArrayPrototypeJoin(output, `,\n${indentation}  `)} ${braces[1]}`;
}

// ---------------------------------------------------------------------------------------
// Entry points

/** util.inspect(value, options). */
function inspect(value, opts = undefined) {
  const ctx = {
    budget: {},
    indentationLvl: 0,
    seen: [],
    currentDepth: 0,
    stylize: stylizeNoColor,
    showHidden: inspectDefaultOptions.showHidden,
    depth: inspectDefaultOptions.depth,
    colors: inspectDefaultOptions.colors,
    customInspect: inspectDefaultOptions.customInspect,
    showProxy: inspectDefaultOptions.showProxy,
    maxArrayLength: inspectDefaultOptions.maxArrayLength,
    maxStringLength: inspectDefaultOptions.maxStringLength,
    breakLength: inspectDefaultOptions.breakLength,
    compact: inspectDefaultOptions.compact,
    sorted: inspectDefaultOptions.sorted,
    getters: inspectDefaultOptions.getters,
    numericSeparator: inspectDefaultOptions.numericSeparator,
    circular: undefined,
  };
  if (opts !== undefined && opts !== null && typeof opts === "object") {
    const optKeys = ObjectKeys(opts);
    for (let i = 0; i < optKeys.length; i++) {
      const key = optKeys[i];
      if (ObjectPrototypeHasOwnProperty(inspectDefaultOptions, key) || key === "stylize") {
        ctx[key] = opts[key];
      }
    }
  }
  if (ctx.colors) ctx.stylize = stylizeWithColor;
  else if (ctx.stylize === undefined || opts?.stylize === undefined) ctx.stylize = stylizeNoColor;
  if (ctx.maxArrayLength === null) ctx.maxArrayLength = Infinity;
  if (ctx.maxStringLength === null) ctx.maxStringLength = Infinity;
  if (ctx.depth === Infinity) ctx.depth = null;
  return formatValue(ctx, value, 0);
}
inspect.custom = customInspectSymbol;
inspect.defaultOptions = inspectDefaultOptions;

function hasBuiltInToString(value) {
  // Count objects that have no `toString` function as built-in.
  let toString;
  try {
    toString = value.toString;
  } catch {
    return true;
  }
  if (typeof toString !== "function") return true;
  // The object has a own `toString` property. Thus it's not a built-in one.
  if (ObjectPrototypeHasOwnProperty(value, "toString")) return false;
  // Find the object that has the `toString` property as own property in the prototype
  // chain.
  let pointer = value;
  do {
    pointer = ObjectGetPrototypeOf(pointer);
  } while (pointer !== null && !ObjectPrototypeHasOwnProperty(pointer, "toString"));
  if (pointer === null) return true;
  // Check closer if the object is a built-in.
  const descriptor = ObjectGetOwnPropertyDescriptor(pointer, "constructor");
  return descriptor !== undefined && typeof descriptor.value === "function" &&
    SetPrototypeHas(builtInObjects, descriptor.value.name);
}

function tryStringify(arg) {
  try {
    return JSONStringify(arg);
  } catch (err) {
    if (err instanceof TypeError && StringPrototypeIncludes(String(err.message), "circular")) {
      return "[Circular]";
    }
    throw err;
  }
}

/** console.log's formatting: printf-style placeholders in a leading string, then the rest. */
function formatWithOptions(inspectOptions, args) {
  const first = args[0];
  let a = 0;
  let str = "";
  let join = "";
  if (typeof first === "string") {
    if (args.length === 1) return first;
    let tempStr;
    let lastPos = 0;
    for (let i = 0; i < first.length - 1; i++) {
      if (StringPrototypeCharCodeAt(first, i) === 37) { // '%'
        const nextChar = StringPrototypeCharCodeAt(first, ++i);
        if (a + 1 !== args.length) {
          switch (nextChar) {
            case 115: { // 's'
              const tempArg = args[++a];
              if (typeof tempArg === "number") {
                tempStr = formatNumber(stylizeNoColor, tempArg);
              } else if (typeof tempArg === "bigint") {
                tempStr = formatBigInt(stylizeNoColor, tempArg);
              } else if (typeof tempArg !== "object" || tempArg === null ||
                         !hasBuiltInToString(tempArg)) {
                tempStr = String(tempArg);
              } else {
                tempStr = inspect(tempArg, { ...inspectOptions, depth: 0, colors: false, compact: 3 });
              }
              break;
            }
            case 106: // 'j'
              tempStr = tryStringify(args[++a]);
              break;
            case 100: { // 'd'
              const tempNum = args[++a];
              if (typeof tempNum === "bigint") tempStr = formatBigInt(stylizeNoColor, tempNum);
              else if (typeof tempNum === "symbol") tempStr = "NaN";
              else tempStr = formatNumber(stylizeNoColor, Number(tempNum));
              break;
            }
            case 79: // 'O'
              tempStr = inspect(args[++a], inspectOptions);
              break;
            case 111: // 'o'
              tempStr = inspect(args[++a], {
                ...inspectOptions, showHidden: true, showProxy: true, depth: 4,
              });
              break;
            case 105: { // 'i'
              const tempInteger = args[++a];
              if (typeof tempInteger === "bigint") {
                tempStr = formatBigInt(stylizeNoColor, tempInteger);
              } else if (typeof tempInteger === "symbol") {
                tempStr = "NaN";
              } else {
                tempStr = formatNumber(stylizeNoColor, NumberParseInt(tempInteger));
              }
              break;
            }
            case 102: { // 'f'
              const tempFloat = args[++a];
              if (typeof tempFloat === "symbol") tempStr = "NaN";
              else tempStr = formatNumber(stylizeNoColor, NumberParseFloat(tempFloat));
              break;
            }
            case 99: // 'c'
              a += 1;
              tempStr = "";
              break;
            case 37: // '%'
              str += StringPrototypeSlice(first, lastPos, i);
              lastPos = i + 1;
              continue;
            default: // Any other character is not a correct placeholder
              continue;
          }
          if (lastPos !== i - 1) str += StringPrototypeSlice(first, lastPos, i - 1);
          str += tempStr;
          lastPos = i + 1;
        } else if (nextChar === 37) {
          str += StringPrototypeSlice(first, lastPos, i);
          lastPos = i + 1;
        }
      }
    }
    if (lastPos !== 0) {
      a++;
      join = " ";
      if (lastPos < first.length) str += StringPrototypeSlice(first, lastPos);
    }
  }
  while (a < args.length) {
    const value = args[a];
    str += join;
    str += typeof value !== "string" ? inspect(value, inspectOptions) : value;
    join = " ";
    a++;
  }
  return str;
}

function formatLogArgs(args, options = undefined) {
  return formatWithOptions(options, args);
}

internals.inspect = inspect;
internals.formatLogArgs = formatLogArgs;
internals.formatWithOptions = formatWithOptions;
internals.inspectCustom = customInspectSymbol; // === internals.inspect.custom
