"""DOMException and the internals.webidl helpers (05_dom_exception.js)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import JSError


def test_dom_exception_basics(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      function make() { return new DOMException('it broke', 'NotFoundError'); }
      const e = make();
      return [e.name, e.message, e.code, e instanceof DOMException, e instanceof Error,
              String(e), Object.prototype.toString.call(e), e.stack.split('\\n')[0],
              e.stack.split('\\n')[1].trim().startsWith('at make'),
              Object.getPrototypeOf(DOMException.prototype) === Error.prototype];
    """)
    assert got == [
        "NotFoundError", "it broke", 8, True, True, "NotFoundError: it broke",
        "[object DOMException]", "NotFoundError: it broke", True, True,
    ]


def test_dom_exception_defaults_and_codes(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      const names = ['IndexSizeError', 'HierarchyRequestError', 'InvalidCharacterError',
                     'NotSupportedError', 'InvalidStateError', 'SyntaxError', 'SecurityError',
                     'NetworkError', 'AbortError', 'QuotaExceededError', 'TimeoutError',
                     'DataCloneError', 'EncodingError', 'NotAllowedError', 'OperationError',
                     'Whatever'];
      const d = new DOMException();
      return [d.name, d.message, d.code, new DOMException(undefined, undefined).name,
              new DOMException(42, null).name, names.map((n) => new DOMException('', n).code)];
    """)
    assert got == [
        "Error", "", 0, "Error", "null",
        [1, 3, 5, 9, 11, 12, 18, 19, 20, 22, 23, 25, 0, 0, 0, 0],
    ]


def test_dom_exception_constants(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      const d = Object.getOwnPropertyDescriptor(DOMException, 'ABORT_ERR');
      return [DOMException.INDEX_SIZE_ERR, DOMException.DOMSTRING_SIZE_ERR,
              DOMException.prototype.DATA_CLONE_ERR, new DOMException().TIMEOUT_ERR,
              d.writable, d.enumerable, d.configurable, DOMException.length,
              Object.keys(DOMException.prototype).slice(0, 3)];
    """)
    assert got == [1, 2, 25, 23, False, True, False, 0, ["message", "name", "code"]]


def test_dom_exception_brand_checks(run_js: Callable[..., Any]) -> None:
    with pytest.raises(JSError) as exc:
        run_js("return DOMException.prototype.name")
    assert (exc.value.name, exc.value.message) == ("TypeError", "Illegal invocation")
    with pytest.raises(JSError) as exc:
        run_js("DOMException('x')")
    assert exc.value.name == "TypeError"


def test_dom_exception_subclass_and_symbol_message(run_js: Callable[..., Any]) -> None:
    got = run_js("""
      class MyErr extends DOMException { constructor() { super('m', 'DataError'); } }
      const e = new MyErr();
      let symbolError;
      try { new DOMException(Symbol('s')); } catch (err) { symbolError = [err.name, err.message]; }
      return [e.name, e.code, e instanceof MyErr, e instanceof DOMException, symbolError];
    """)
    assert got == [
        "DataError", 0, True, True,
        ["TypeError",
         "Failed to construct 'DOMException': parameter 1 is a symbol, which cannot be "
         "converted to a string."],
    ]


def test_internal_dom_exception_survives_global_replacement(run_internal_js: Callable[..., Any]) -> None:
    got = run_internal_js("""
      globalThis.DOMException = function Fake() {};
      const e = internals.domException('t', 'TimeoutError');
      return [e.name, e.code, internals.isDOMException(e), internals.isDOMException({})];
    """)
    assert got == ["TimeoutError", 23, True, False]


# ---------------------------------------------------------------------------------------
# internals.webidl


WEBIDL_ERRORS: list[tuple[str, list[str]]] = [
    (
        "w.requiredArguments(1, 2, w.methodPrefix('URLSearchParams', 'append'))",
        ["TypeError", "Failed to execute 'append' on 'URLSearchParams': 2 arguments required, "
                      "but only 1 present."],
    ),
    (
        "w.requiredArguments(0, 1, w.constructorPrefix('Thing'))",
        ["TypeError", "Failed to construct 'Thing': 1 argument required, but only 0 present."],
    ),
    (
        "w.converters.BufferSource('x', w.methodPrefix('TextDecoder', 'decode'), w.arg(0))",
        ["TypeError", "Failed to execute 'decode' on 'TextDecoder': parameter 1 is not of type "
                      "'ArrayBuffer or ArrayBufferView'."],
    ),
    (
        "w.converters.ByteString('a\\u0100', w.setterPrefix('Headers', 'x'), 'the provided value')",
        ["TypeError", "Failed to set the 'x' property on 'Headers': the provided value is not a "
                      "valid ByteString: the character at index 1 has a value of 256 which is "
                      "greater than 255."],
    ),
    ("w.illegalConstructor()", ["TypeError", "Illegal constructor"]),
    ("w.assertBranded({}, (o) => false)", ["TypeError", "Illegal invocation"]),
    (
        "w.createEnumConverter('RequestMode', ['cors', 'no-cors'])('nope', "
        "w.constructorPrefix('Request'), 'mode')",
        ["TypeError", "Failed to construct 'Request': The provided value 'nope' is not a valid "
                      "enum value of type RequestMode."],
    ),
    (
        "w.converters['unsigned long'](-1, 'P', 'parameter 1', { enforceRange: true })",
        ["TypeError", "P: parameter 1 is outside the accepted range of 0 to 4294967295."],
    ),
    (
        "w.createSequenceConverter(w.converters.DOMString)(5, 'P', 'parameter 1')",
        ["TypeError", "P: parameter 1 can not be converted to sequence."],
    ),
    (
        "w.createDictionaryConverter('Opts', [{ key: 'need', converter: w.converters.any, "
        "required: true }])({}, 'P', 'parameter 1')",
        ["TypeError", "P: parameter 1 can not be converted to 'Opts' because 'need' is required "
                      "in 'Opts'."],
    ),
]


def test_webidl_messages(run_internal_js: Callable[..., Any]) -> None:
    got = run_internal_js(
        """
        const w = internals.webidl;
        return globalThis.__E.map((check) => {
          try { check(w); return ['no throw']; }
          catch (e) { return [e.name, e.message]; }
        });
        """,
        # Compiled by the embedder: a worker's eval() is refused, as on workerd.
        "globalThis.__E = [" + ", ".join(f"(w) => {expr}" for expr, _ in WEBIDL_ERRORS) + "]",
    )
    assert got == [want for _, want in WEBIDL_ERRORS]


def test_webidl_converters(run_internal_js: Callable[..., Any]) -> None:
    got = run_internal_js("""
      const c = internals.webidl.converters;
      const w = internals.webidl;
      const ul = c['unsigned long'];
      const bytes = new Uint8Array([1, 2, 3, 4]);
      const view = c.BufferSourceAsUint8Array(new DataView(bytes.buffer, 1, 2));
      view[0] = 9;
      const dict = w.createDictionaryConverter('D', [
        { key: 'a', converter: c.boolean, defaultValue: true },
        { key: 'b', converter: c.DOMString },
      ]);
      return [
        ul(-1), ul(2 ** 32 + 5), ul(3.9), ul(NaN), ul(Infinity), ul(300, '', '', { clamp: true }),
        c.octet(256 + 7), c.byte(200), c.long(2 ** 31), c['long long'](-5.5),
        c['unsigned short'](1.5, '', '', { clamp: true }),
        c['unsigned short'](2.5, '', '', { clamp: true }),
        c.boolean(''), c.boolean({}), c.DOMString(null), c.DOMString(null, '', '', { treatNullAsEmptyString: true }),
        c.USVString('a\\ud800'), c.ByteString('\\xff'),
        w.createSequenceConverter(c.DOMString)(new Set([1, 'x'])),
        w.createRecordConverter(c.DOMString, c.long)({ a: '1', b: 2.9 }),
        Array.from(bytes), view.byteLength, w.toUint8Array(bytes.buffer).length,
        dict(undefined), dict({ b: 5 }), w.type(null), w.type(1n), w.type(() => 0),
        w.isArrayBuffer(new ArrayBuffer(1)), w.isArrayBuffer(new Uint8Array(1)),
        w.isTypedArray(new Int8Array(1)), w.isDataView(new DataView(new ArrayBuffer(1))),
        w.createNullableConverter(c.DOMString)(undefined),
      ];
    """)
    assert got == [
        4294967295, 5, 3, 0, 0, 300,
        7, -56, -2147483648, -5,
        2, 2,
        False, True, "null", "",
        "a\ufffd", "\xff",
        ["1", "x"],
        {"a": 1, "b": 2},
        [1, 9, 3, 4], 2, 4,
        {"a": True}, {"a": True, "b": "5"}, "Null", "BigInt", "Object",
        True, False, True, True,
        None,
    ]


def test_webidl_interface_helpers(run_internal_js: Callable[..., Any]) -> None:
    got = run_internal_js("""
      const w = internals.webidl;
      let isThing;
      class Thing {
        #items = [['k1', 'v1'], ['k2', 'v2']];
        get size() { w.assertBranded(this, isThing); return this.#items.length; }
        method() {}
        static { isThing = (o) => w.isObject(o) && #items in o; }
        static items(o) { return o.#items; }
      }
      w.configureInterface(Thing);
      w.mixinPairIterable('Thing', Thing, (self) => {
        if (!isThing(self)) w.illegalInvocation();
        return Thing.items(self);
      });
      const t = new Thing();
      const seen = [];
      t.forEach(function (v, k, o) { seen.push([k, v, o === t, this.tag]); }, { tag: 'this' });
      let illegal;
      try { Thing.prototype.keys.call({}); } catch (e) { illegal = e.message; }
      return [Object.prototype.toString.call(t), Object.keys(Thing.prototype), [...t],
              [...t.keys()], [...t.values()], seen,
              Object.prototype.toString.call(t.entries()),
              Object.getPrototypeOf(Object.getPrototypeOf(t.entries())) === w.IteratorPrototype,
              illegal, t.size];
    """)
    assert got == [
        "[object Thing]", ["size", "method", "entries", "keys", "values", "forEach"],
        [["k1", "v1"], ["k2", "v2"]], ["k1", "k2"], ["v1", "v2"],
        [["k1", "v1", True, "this"], ["k2", "v2", True, "this"]],
        "[object Thing Iterator]", True, "Illegal invocation", 2,
    ]
