"""structuredClone (47_structured_clone.js): V8's structured serialisation, as workerd
exposes it, and reportError."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

RunJs = Callable[..., Any]


def test_values_and_shape(run_js: RunJs) -> None:
    out = run_js(
        """
        const shared = { s: 1 };
        const o = { n: -0, nan: NaN, u: undefined, str: "s", big: 10n, d: new Date(5),
                    r: /x+/gi, m: new Map([[shared, shared]]), set: new Set(["q", shared]),
                    w: [new Number(3), new String("s"), Object(4n), new Boolean(false)],
                    arr: [1, , 3], shared, [Symbol("hidden")]: 1 };
        o.self = o;
        Object.defineProperty(o, "hidden", { value: 1, enumerable: false });
        const c = structuredClone(o);
        const [mk, mv] = [...c.m][0];
        return [c !== o, c.self === c, Object.is(c.n, -0), Number.isNaN(c.nan), "u" in c,
                String(c.big), c.d instanceof Date && c.d.getTime(), String(c.r), c.r.lastIndex,
                mk === mv && mk === c.shared && mk !== shared, c.set.has(c.shared),
                c.w.map((x) => typeof x + ":" + String(x)), 1 in c.arr, c.arr.length,
                Object.getOwnPropertySymbols(c).length, "hidden" in c,
                structuredClone(5), structuredClone(null), structuredClone("x"), structuredClone()];
        """
    )
    assert out == [
        True,
        True,
        True,
        True,
        True,
        "10",
        5,
        "/x+/gi",
        0,
        True,
        True,
        ["object:3", "object:s", "object:4", "object:false"],
        False,
        3,
        0,
        False,
        5,
        None,
        "x",
        None,
    ]


def test_class_instances_become_plain_objects(run_js: RunJs) -> None:
    out = run_js(
        """
        class Point { #secret = 1; constructor() { this.x = 1; } get y() { return 2; } }
        const c = structuredClone(new Point());
        const withGetter = structuredClone({ get g() { return "called"; } });
        const protoKey = structuredClone({ ["__proto__"]: 1 });
        const proto = structuredClone(Object.create({ inherited: 1 }, { own: { value: 2, enumerable: true } }));
        return [Object.getPrototypeOf(c) === Object.prototype, JSON.stringify(c), withGetter.g,
                JSON.stringify(proto), protoKey.__proto__ === 1 && Object.getPrototypeOf(protoKey) === Object.prototype];
        """
    )
    assert out == [True, '{"x":1}', "called", '{"own":2}', True]


def test_buffers_views_and_transfer(run_js: RunJs) -> None:
    out = run_js(
        """
        const buf = new ArrayBuffer(8);
        const u8 = new Uint8Array(buf, 2, 4);
        u8[0] = 7;
        const f64 = new Float64Array([1.5]);
        const dv = new DataView(buf, 1, 3);
        const c = structuredClone({ buf, u8, dv, f64, big: new BigInt64Array([5n]) });
        const copyKept = buf.byteLength;
        const rz = structuredClone(new ArrayBuffer(2, { maxByteLength: 16 }));
        const moved = structuredClone({ u8 }, { transfer: [buf] });
        return [c.u8 instanceof Uint8Array, c.u8.buffer === c.buf, c.dv.buffer === c.buf,
                c.u8.byteOffset, c.u8.length, c.u8[0], c.dv.byteOffset, c.dv.byteLength,
                c.f64[0], String(c.big[0]), copyKept, rz.resizable, rz.maxByteLength,
                buf.detached, buf.byteLength, u8.length, moved.u8[0], moved.u8.buffer.byteLength];
        """
    )
    assert out == [True, True, True, 2, 4, 7, 1, 3, 1.5, "5", 8, True, 16, True, 0, 0, 7, 8]


def test_transfer_errors_leave_buffers_alone(run_js: RunJs) -> None:
    out = run_js(
        """
        const buf = new ArrayBuffer(4);
        const out = [];
        const attempts = [
          () => structuredClone({ f() {} }, { transfer: [buf] }),
          () => structuredClone(1, { transfer: [buf, buf] }),
          () => structuredClone(1, { transfer: [{}] }),
          () => structuredClone(1, { transfer: 5 }),
        ];
        for (const f of attempts) {
          try { f(); out.push("ok"); } catch (e) { out.push(e.name); }
        }
        const gone = new ArrayBuffer(1);
        structuredClone(gone, { transfer: [gone] });
        try { structuredClone(gone); } catch (e) { out.push(e.name + ": " + e.message); }
        out.push(buf.byteLength);
        return out;
        """
    )
    assert out == [
        "DataCloneError",
        "DataCloneError",
        "DataCloneError",
        "TypeError",
        "DataCloneError: An ArrayBuffer is detached and could not be cloned.",
        4,
    ]


def test_errors_blobs_and_dom_exceptions(run_js: RunJs) -> None:
    out = run_js(
        """
        const e = new RangeError("bad", { cause: { why: 1 } });
        const c = structuredClone(e);
        class MyError extends TypeError { name = "MyError"; }
        const custom = structuredClone(new MyError("m"));
        const f = structuredClone(new File(["hi"], "f.txt", { type: "text/plain", lastModified: 9 }));
        const b = structuredClone(new Blob(["blob"], { type: "x/y" }));
        const d = structuredClone(new DOMException("gone", "AbortError"));
        return [c instanceof RangeError, c.message, c.cause.why, c.cause !== e.cause,
                typeof c.stack === "string" && c.stack.startsWith("RangeError: bad"),
                custom.constructor.name, custom.message,
                f instanceof File, f.name, f.type, f.lastModified, await f.text(),
                b instanceof File, b.type, await b.text(),
                d instanceof DOMException, d.name, d.message, d.code];
        """
    )
    assert out == [
        True,
        "bad",
        1,
        True,
        True,
        "Error",
        "m",
        True,
        "f.txt",
        "text/plain",
        9,
        "hi",
        False,
        "x/y",
        "blob",
        True,
        "AbortError",
        "gone",
        20,
    ]


def test_uncloneable_values(run_js: RunJs) -> None:
    out = run_js(
        """
        const out = [];
        for (const v of [() => 1, Symbol("s"), { nested: [function named() {}] }, new WeakMap(),
                         new WeakSet(), Promise.resolve(), new Request("http://x/"), new Headers(),
                         new URL("http://x/"), new ReadableStream(), new FormData()]) {
          try { structuredClone(v); out.push("cloned"); }
          catch (e) { out.push(e instanceof DOMException ? e.name + ": " + e.message : "not a DOMException"); }
        }
        return out;
        """
    )

    def unsupported(name: str) -> str:
        return (
            f'DataCloneError: Could not serialize object of type "{name}". '
            "This type does not support serialization."
        )

    assert out == [
        "DataCloneError: () => 1 could not be cloned.",
        "DataCloneError: Symbol(s) could not be cloned.",
        "DataCloneError: function named() {} could not be cloned.",
        "DataCloneError: #<WeakMap> could not be cloned.",
        "DataCloneError: #<WeakSet> could not be cloned.",
        "DataCloneError: #<Promise> could not be cloned.",
        unsupported("Request"),
        unsupported("Headers"),
        unsupported("URL"),
        unsupported("ReadableStream"),
        unsupported("FormData"),
    ]


def test_report_error_goes_to_internals(run_internal_js: RunJs) -> None:
    out = run_internal_js(
        """
        const seen = [];
        internals.reportError = (e) => seen.push(e.message);
        reportError(new Error("reported"));
        let missing;
        try { reportError(); } catch (e) { missing = e.message; }
        return [seen, missing, typeof reportError, Object.getOwnPropertyDescriptor(globalThis, "reportError").enumerable];
        """
    )
    assert out == [
        ["reported"],
        "Failed to execute 'reportError' on 'ServiceWorkerGlobalScope': 1 argument required, "
        "but only 0 present.",
        "function",
        False,
    ]
