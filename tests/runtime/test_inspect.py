"""internals.inspect and internals.formatLogArgs (15_inspect.js) against Node's util.inspect.

NODE_CASES and NODE_FORMAT_CASES hold JS expressions and what Node 20's util.inspect /
util.format print for them (generated once with node; workerd's console formats the same
way). Two things V8 alone cannot tell are not covered: the class name of an object whose
prototype chain has no constructor, and a Promise's state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

NODE_CASES: list[tuple[str, str]] = [
    ('1',
     '1'),
    ('-0',
     '-0'),
    ("'hello'",
     "'hello'"),
    ('"it\'s"',
     '"it\'s"'),
    ('`it\'s "x"`',
     '`it\'s "x"`'),
    ("'a\\nb\\tc\\x00\\x7f'",
     "'a\\nb\\tc\\x00\\x7F'"),
    ("'\\ud800x'",
     "'\\ud800x'"),
    ('10n',
     '10n'),
    ("Symbol('s')",
     'Symbol(s)'),
    ('undefined',
     'undefined'),
    ('null',
     'null'),
    ('true',
     'true'),
    ('[1, 2, 3]',
     '[ 1, 2, 3 ]'),
    ('[]',
     '[]'),
    ('({})',
     '{}'),
    ("({ a: 1, b: 'two', c: [3] })",
     "{ a: 1, b: 'two', c: [ 3 ] }"),
    ('({ a: { b: { c: { d: 1 } } } })',
     '{ a: { b: { c: [Object] } } }'),
    ('({ a: 1, b: { c: { d: { e: 1 } } } })',
     '{ a: 1, b: { c: { d: [Object] } } }'),
    ("({ alpha: 'aaaaaaaaaaaaaaaaaaaa', beta: 'bbbbbbbbbbbbbbbbbbbbbbbb', gamma: 'cccccccccccccccccccccc' })",
     "{\n  alpha: 'aaaaaaaaaaaaaaaaaaaa',\n  beta: 'bbbbbbbbbbbbbbbbbbbbbbbb',\n  gamma: 'cccccccccccccccccccccc'\n}"),
    ('Array.from({length: 120}, (_, i) => i)',
     '[\n   0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11,\n  12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,\n  24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,\n  36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47,\n  48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59,\n  60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71,\n  72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83,\n  84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95,\n  96, 97, 98, 99,\n  ... 20 more items\n]'),
    ('Array.from({length: 26}, (_, i) => i * 1000)',
     '[\n      0,  1000,  2000,  3000,\n   4000,  5000,  6000,  7000,\n   8000,  9000, 10000, 11000,\n  12000, 13000, 14000, 15000,\n  16000, 17000, 18000, 19000,\n  20000, 21000, 22000, 23000,\n  24000, 25000\n]'),
    ("['apple', 'banana', 'cherry', 'date', 'elderberry', 'fig', 'grape', 'honeydew']",
     "[\n  'apple',\n  'banana',\n  'cherry',\n  'date',\n  'elderberry',\n  'fig',\n  'grape',\n  'honeydew'\n]"),
    ("new Map([['a', 1], ['b', { c: 2 }]])",
     "Map(2) { 'a' => 1, 'b' => { c: 2 } }"),
    ("new Set([1, 'two', [3]])",
     "Set(3) { 1, 'two', [ 3 ] }"),
    ('new Map()',
     'Map(0) {}'),
    ("(() => { class Foo { constructor() { this.x = 1; this.y = 'y'; } } return new Foo(); })()",
     "Foo { x: 1, y: 'y' }"),
    ('(() => { class Bar {} return new Bar(); })()',
     'Bar {}'),
    ("(() => { const o = { name: 'o' }; o.self = o; o.list = [o]; return o; })()",
     "<ref *1> { name: 'o', self: [Circular *1], list: [ [Circular *1] ] }"),
    ('function foo() {}',
     '[Function: foo]'),
    ('(() => () => {})()',
     '[Function (anonymous)]'),
    ('async function af() {}',
     '[AsyncFunction: af]'),
    ('function* g() {}',
     '[GeneratorFunction: g]'),
    ('class K {}',
     '[class K]'),
    ('(() => { class A {} class B extends A {} return B; })()',
     '[class B extends A]'),
    ('Object.assign(function f() {}, { x: 1 })',
     '[Function: f] { x: 1 }'),
    ('new Date(0)',
     '1970-01-01T00:00:00.000Z'),
    ('new Date(NaN)',
     'Invalid Date'),
    ('/ab+c/gi',
     '/ab+c/gi'),
    ('new Uint8Array([1, 2, 3])',
     'Uint8Array(3) [ 1, 2, 3 ]'),
    ('new Float64Array(2)',
     'Float64Array(2) [ 0, 0 ]'),
    ('new Uint8Array(150)',
     'Uint8Array(150) [\n  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,\n  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,\n  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,\n  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,\n  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,\n  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,\n  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,\n  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,\n  0, 0, 0, 0,\n  ... 50 more items\n]'),
    ('new Uint8Array([1, 2, 255]).buffer',
     'ArrayBuffer { [Uint8Contents]: <01 02 ff>, byteLength: 3 }'),
    ('new DataView(new ArrayBuffer(2))',
     'DataView {\n  byteLength: 2,\n  byteOffset: 0,\n  buffer: ArrayBuffer { [Uint8Contents]: <00 00>, byteLength: 2 }\n}'),
    ('Object.assign(Object.create(null), { a: 1 })',
     '[Object: null prototype] { a: 1 }'),
    ('[1, , 3, , , 6]',
     '[ 1, <1 empty item>, 3, <2 empty items>, 6 ]'),
    ('new WeakMap()',
     'WeakMap { <items unknown> }'),
    ("[new Number(3), new String('ab'), new Boolean(false), Object(Symbol('q')), Object(10n)]",
     "[\n  [Number: 3],\n  [String: 'ab'],\n  [Boolean: false],\n  [Symbol: Symbol(q)],\n  [BigInt: 10n]\n]"),
    ("({ [Symbol('k')]: 1, 'a-b': 2, valid_id: 3 })",
     "{ 'a-b': 2, valid_id: 3, [Symbol(k)]: 1 }"),
    ('({ get a() { return 1; }, set b(v) {}, get c() { return 1; }, set c(v) {} })',
     '{ a: [Getter], b: [Setter], c: [Getter/Setter] }'),
    ("({ text: 'line one\\nline two\\nline three and more text here to be long enough' })",
     "{\n  text: 'line one\\nline two\\nline three and more text here to be long enough'\n}"),
    ('[[[[1]]]]',
     '[ [ [ [Array] ] ] ]'),
    ("[{ a: 1 }, [2, [3, [4]]], 'x', null, undefined]",
     "[ { a: 1 }, [ 2, [ 3, [Array] ] ], 'x', null, undefined ]"),
    ('Array.from({length: 8}, (_, i) => ({ id: i }))',
     '[\n  { id: 0 }, { id: 1 },\n  { id: 2 }, { id: 3 },\n  { id: 4 }, { id: 5 },\n  { id: 6 }, { id: 7 }\n]'),
    ("Array.from({length: 10}, (_, i) => 'item number ' + i)",
     "[\n  'item number 0',\n  'item number 1',\n  'item number 2',\n  'item number 3',\n  'item number 4',\n  'item number 5',\n  'item number 6',\n  'item number 7',\n  'item number 8',\n  'item number 9'\n]"),
    ("({ [Symbol.toStringTag]: 'Custom', a: 1 })",
     "{ a: 1, [Symbol(Symbol.toStringTag)]: 'Custom' }"),
    ("(() => { class T { get [Symbol.toStringTag]() { return 'Tee'; } } return new T(); })()",
     'T [Tee] {}'),
    ("({ [Symbol.for('nodejs.util.inspect.custom')]() { return 'CUSTOM!'; } })",
     'CUSTOM!'),
    ("({ inner: { [Symbol.for('nodejs.util.inspect.custom')](depth, opts, inspect) { return inspect({ z: 1 }, opts); } } })",
     '{ inner: { z: 1 } }'),
    ('new Map([[{ k: 1 }, new Set([1, 2])]])',
     'Map(1) { { k: 1 } => Set(2) { 1, 2 } }'),
    ("({ a: 'x'.repeat(30), b: 'y'.repeat(30), c: 'z'.repeat(10) })",
     "{\n  a: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',\n  b: 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyy',\n  c: 'zzzzzzzzzz'\n}"),
    ('(function () { return arguments; })(1, 2)',
     "[Arguments] { '0': 1, '1': 2 }"),
    ('[1.5, -0, NaN, Infinity, 1e21, 0.1]',
     '[ 1.5, -0, NaN, Infinity, 1e+21, 0.1 ]'),
    ("Object.fromEntries(Array.from({length: 30}, (_, i) => ['key' + i, i]))",
     '{\n  key0: 0,\n  key1: 1,\n  key2: 2,\n  key3: 3,\n  key4: 4,\n  key5: 5,\n  key6: 6,\n  key7: 7,\n  key8: 8,\n  key9: 9,\n  key10: 10,\n  key11: 11,\n  key12: 12,\n  key13: 13,\n  key14: 14,\n  key15: 15,\n  key16: 16,\n  key17: 17,\n  key18: 18,\n  key19: 19,\n  key20: 20,\n  key21: 21,\n  key22: 22,\n  key23: 23,\n  key24: 24,\n  key25: 25,\n  key26: 26,\n  key27: 27,\n  key28: 28,\n  key29: 29\n}'),
    ("({ 'has space': 1, '0': 2, __proto__x: 3 })",
     "{ '0': 2, 'has space': 1, __proto__x: 3 }"),
    ("(() => { const e = new Error('boom'); e.stack = 'Error: boom\\n    at foo (file.js:1:1)'; return e; })()",
     'Error: boom\n    at foo (file.js:1:1)'),
    ("(() => { const e = new TypeError('bad'); e.stack = 'TypeError: bad\\n    at foo (file.js:1:1)'; e.code = 'E_BAD'; return e; })()",
     "TypeError: bad\n    at foo (file.js:1:1) {\n  code: 'E_BAD'\n}"),
    ("(() => { const e = new RangeError('r'); e.stack = ''; return e; })()",
     '[RangeError: r]'),
    ("(() => { class MyErr extends Error {} const e = new MyErr('m'); e.stack = 'Error: m\\n    at x (y.js:1:1)'; return e; })()",
     'MyErr [Error]: m\n    at x (y.js:1:1)'),
    ("(() => { class HttpError extends Error { constructor(m) { super(m); this.name = 'HttpError'; } } const e = new HttpError('h'); e.stack = 'HttpError: h\\n    at x (y.js:1:1)'; return e; })()",
     'HttpError: h\n    at x (y.js:1:1)'),
    ("(() => { const e = new Error('inner'); e.stack = 'Error: inner\\n    at z (a.js:1:1)'; return { err: e }; })()",
     '{\n  err: Error: inner\n      at z (a.js:1:1)\n}'),
    ("(() => { const c = new Error('cause'); c.stack = 'Error: cause\\n    at c (c.js:1:1)'; const e = new Error('outer', { cause: c }); e.stack = 'Error: outer\\n    at o (o.js:1:1)'; return e; })()",
     'Error: outer\n    at o (o.js:1:1) {\n  [cause]: Error: cause\n      at c (c.js:1:1)\n}'),
    ("'x'.repeat(100)",
     "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'"),
    ('[[1, 2, [3, 4, [5, [6]]]], { a: [1, { b: [2] }] }]',
     '[ [ 1, 2, [ 3, 4, [Array] ] ], { a: [ 1, [Object] ] } ]'),
    ('({ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10, k: 11, l: 12, m: 13, n: 14, o: 15, p: 16, q: 17, r: 18, s: 19, t: 20, u: 21, v: 22, w: 23 })',
     '{\n  a: 1,\n  b: 2,\n  c: 3,\n  d: 4,\n  e: 5,\n  f: 6,\n  g: 7,\n  h: 8,\n  i: 9,\n  j: 10,\n  k: 11,\n  l: 12,\n  m: 13,\n  n: 14,\n  o: 15,\n  p: 16,\n  q: 17,\n  r: 18,\n  s: 19,\n  t: 20,\n  u: 21,\n  v: 22,\n  w: 23\n}'),
    ("[{ name: 'alice', age: 30, tags: ['a', 'b'] }, { name: 'bob', age: 25, tags: [] }]",
     "[\n  { name: 'alice', age: 30, tags: [ 'a', 'b' ] },\n  { name: 'bob', age: 25, tags: [] }\n]"),
    ('new Set(Array.from({length: 10}, (_, i) => i))',
     'Set(10) { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 }'),
    ('Object.assign([1, 2], { extra: true })',
     '[ 1, 2, extra: true ]'),
    ('new Set()',
     'Set(0) {}'),
    ('Symbol()',
     'Symbol()'),
    ('new Promise(() => {})',
     'Promise { <pending> }'),
]

NODE_FORMAT_CASES: list[tuple[str, str]] = [
    ("('%s is %d years', 'Bob', 42.5)", 'Bob is 42.5 years'),
    ("('%i %f %j', '42.9px', '1.5e3', { a: [1] })", '42 1500 {"a":[1]}'),
    ("('%o', { a: 1 })", '{ a: 1 }'),
    ("('%O', { a: { b: { c: { d: 1 } } } })", '{ a: { b: { c: [Object] } } }'),
    ("('100%% sure %s', 'x', 'extra', 3)", '100% sure x extra 3'),
    ("('%c styled', 'color: red')", ' styled'),
    ("('a', 'b', 1, { c: 2 })", 'a b 1 { c: 2 }'),
    ("('%s', { a: 1 })", '{ a: 1 }'),
    ("('%s', [1, [2, [3]]])", '[ 1, [Array] ]'),
    ("('%d', '0x10')", '16'),
    ("(1, 'str')", '1 str'),
    ("('%s %s', 'only one')", 'only one %s'),
    ("('%x', 1)", '%x 1'),
    ("('%s', Symbol('s'))", 'Symbol(s)'),
    ("('%d', 10n)", '10n'),
    ("('%s', null)", 'null'),
    ("('%s', (() => { class A { toString() { return 'custom A'; } } return new A(); })())", 'custom A'),
    ("('%o', [1, 2])", '[ 1, 2, [length]: 2 ]'),
]


def test_matches_node_inspect(run_internal_js: Callable[..., Any]) -> None:
    exprs = [expr for expr, _ in NODE_CASES]
    got = run_internal_js(
        """
        return globalThis.__E.map((make) => internals.inspect(make()));
        """,
        # Compiled by the embedder (a worker's eval() is refused, as on workerd).
        setup="globalThis.__E = [" + ", ".join(f"() => ({expr})" for expr in exprs) + "]",
    )
    mismatches = [
        f"{expr}\n--- node:\n{want}\n--- ours:\n{have}"
        for (expr, want), have in zip(NODE_CASES, got, strict=True)
        if want != have
    ]
    assert mismatches == [], "\n\n".join(mismatches)


def test_matches_node_format(run_internal_js: Callable[..., Any]) -> None:
    exprs = [args for args, _ in NODE_FORMAT_CASES]
    got = run_internal_js(
        """
        return globalThis.__E.map((make) => internals.formatLogArgs(make()));
        """,
        setup="globalThis.__E = [" + ", ".join(f"() => ((...a) => a){args}" for args in exprs) + "]",
    )
    mismatches = [
        f"{args}: node {want!r} ours {have!r}"
        for (args, want), have in zip(NODE_FORMAT_CASES, got, strict=True)
        if want != have
    ]
    assert mismatches == [], "\n".join(mismatches)


def test_errors_print_their_stack(run_internal_js: Callable[..., Any]) -> None:
    got = run_internal_js("""
      function thrower() { return new TypeError('bad thing'); }
      const e = thrower();
      const withProps = Object.assign(new Error('x'), { code: 'E_X' });
      return [internals.inspect(e), internals.inspect(withProps),
              internals.inspect(new DOMException('gone', 'AbortError')),
              internals.inspect({ nested: new RangeError('r') }),
              internals.formatLogArgs(['failed:', e])];
    """)
    plain, with_props, dom, nested, logged = got
    assert plain.startswith("TypeError: bad thing\n    at thrower (")
    assert with_props.startswith("Error: x\n    at ")
    assert with_props.endswith(" {\n  code: 'E_X'\n}")
    assert dom.startswith("DOMException [AbortError]: gone\n    at ")
    assert nested.startswith("{\n  nested: RangeError: r\n      at ")
    assert logged.startswith("failed: TypeError: bad thing\n    at thrower (")


def test_options(run_internal_js: Callable[..., Any]) -> None:
    got = run_internal_js("""
      const deep = { a: { b: { c: { d: { e: 1 } } } } };
      return [internals.inspect(deep, { depth: 0 }), internals.inspect(deep, { depth: Infinity }),
              internals.inspect({ s: 'x', n: 1, u: undefined }, { colors: true }),
              internals.inspect(Array.from({ length: 5 }, (_, i) => i), { maxArrayLength: 2 }),
              internals.inspect({ b: 1, a: 2 }, { sorted: true }),
              internals.inspect({ a: [1, 2, 3] }, { breakLength: 10 }),
              internals.inspect('x'.repeat(20), { maxStringLength: 4 })];
    """)
    assert got == [
        "{ a: [Object] }",
        "{\n  a: {\n    b: { c: { d: { e: 1 } } }\n  }\n}",
        "{ s: \x1b[32m'x'\x1b[39m, n: \x1b[33m1\x1b[39m, u: \x1b[90mundefined\x1b[39m }",
        "[ 0, 1, ... 3 more items ]",
        "{ a: 2, b: 1 }",
        "{\n  a: [\n    1,\n    2,\n    3\n  ]\n}",
        "'xxxx'... 16 more characters",
    ]


def test_custom_inspect_and_top_level_strings(run_js: Callable[..., Any], run_internal_js: Callable[..., Any]) -> None:
    got = run_internal_js("""
      const custom = { [internals.inspectCustom](depth, options, inspect) {
        return 'Custom<' + inspect({ depth }, options) + '>';
      } };
      return [internals.inspect(custom), internals.inspect({ c: custom }),
              internals.formatLogArgs(['plain string', 'second', 3, 'x']),
              internals.formatLogArgs([{ s: 'quoted inside' }]),
              internals.inspect('quoted at top level with inspect'),
              internals.inspect(Symbol.for('nodejs.util.inspect.custom') === internals.inspectCustom)];
    """)
    assert got == [
        "Custom<{ depth: 2 }>",
        "{ c: Custom<{ depth: 1 }> }",
        "plain string second 3 x",
        "{ s: 'quoted inside' }",
        "'quoted at top level with inspect'",
        "true",
    ]


def test_hostile_values_do_not_break_inspect(run_internal_js: Callable[..., Any]) -> None:
    got = run_internal_js("""
      const throwingGetter = { get boom() { throw new Error('no'); } };
      const proxy = new Proxy({}, { ownKeys() { return ['a']; },
                                    getOwnPropertyDescriptor() { return { value: 1, enumerable: true, configurable: true }; } });
      const nameless = Object.create(null, { constructor: { value: 5 } });
      let deep = {}; const root = deep;
      for (let i = 0; i < 5000; i++) { deep.next = {}; deep = deep.next; }
      const saved = Array.prototype.join;
      Array.prototype.join = () => 'patched';
      let joined;
      try { joined = internals.inspect([1, 2]); } finally { Array.prototype.join = saved; }
      return [internals.inspect(throwingGetter), internals.inspect(proxy),
              internals.inspect(nameless), internals.inspect(root, { depth: 3 }), joined];
    """)
    assert got == [
        "{ boom: [Getter] }",
        "{ a: 1 }",
        "[Object: null prototype] {}",
        "{\n  next: { next: { next: { next: [Object] } } }\n}",
        "[ 1, 2 ]",
    ]
