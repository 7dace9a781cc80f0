"""Event, EventTarget, CustomEvent, AbortController, AbortSignal (js/50_events.js).

Expected values and messages are workerd's (checked against workerd 1.20261117).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import JSError

RunJS = Callable[..., Any]


def test_event_defaults_and_members(run_js: RunJS) -> None:
    out = run_js("""
      const e = new Event("x");
      return [e.type, e.eventPhase, e.bubbles, e.cancelable, e.composed, e.defaultPrevented,
        e.returnValue, e.target, e.currentTarget, e.isTrusted, typeof e.timeStamp,
        e.composedPath().length, String(e), Event.AT_TARGET, e.NONE,
        Object.keys(Event.prototype).join(",")];
    """)
    assert out == [
        "x", 0, False, False, False, False, True, None, None, False, "number", 0,
        "[object Event]", 2, 0,
        "type,eventPhase,composed,bubbles,cancelable,defaultPrevented,returnValue,"
        "currentTarget,target,srcElement,timeStamp,isTrusted,cancelBubble,"
        "stopImmediatePropagation,preventDefault,stopPropagation,composedPath,"
        "NONE,CAPTURING_PHASE,AT_TARGET,BUBBLING_PHASE",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("new Event()", "Failed to construct 'Event': constructor parameter 1 is not of type 'string'."),
        ("new Event('x', 5)", "Failed to construct 'Event': constructor parameter 2 is not of type 'Init'."),
        ("new EventTarget().addEventListener('x', 5)",
         "Failed to execute 'addEventListener' on 'EventTarget': parameter 2 is not of type 'function or HandlerObject'."),
        ("new EventTarget().addEventListener('x', () => {}, { signal: 1 })",
         "Incorrect type for the 'signal' field on 'AddEventListenerOptions': the provided value is not of type 'AbortSignal'."),
        ("new EventTarget().dispatchEvent({})",
         "Failed to execute 'dispatchEvent' on 'EventTarget': parameter 1 is not of type 'Event'."),
        ("new AbortSignal()", "Illegal constructor"),
        ("AbortSignal.any([1])",
         "Incorrect type for array element 0: the provided value is not of type 'AbortSignal'."),
        ("AbortSignal.timeout()",
         "Failed to execute 'timeout' on 'AbortSignal': parameter 1 is not of type 'number'."),
        ("Event.prototype.type", "Illegal invocation"),
        ("EventTarget.prototype.addEventListener.call({}, 'x', null)", "Illegal invocation"),
        ("Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted').get.call({})",
         "Illegal invocation"),
    ],
)  # fmt: skip
def test_type_errors_use_workerd_wording(run_js: RunJS, code: str, message: str) -> None:
    with pytest.raises(JSError) as info:
        run_js(code)
    assert (info.value.name, info.value.message) == ("TypeError", message)


def test_dispatch_calls_listeners_in_order_with_the_target(run_js: RunJS) -> None:
    out = run_js("""
      const et = new EventTarget(); const log = [];
      const e = new Event("x", { cancelable: true });
      et.addEventListener("x", function (ev) {
        log.push(["fn", this === et, ev.target === et, ev.currentTarget === et, ev.eventPhase,
          ev.composedPath().length]);
        ev.preventDefault();
      });
      et.addEventListener("x", { handleEvent(ev) { log.push(["obj", this !== et]); } });
      et.addEventListener("y", () => log.push("other type"));
      const result = et.dispatchEvent(e);
      return [result, e.defaultPrevented, log, e.eventPhase, e.currentTarget === et,
        e.composedPath().length];
    """)
    assert out == [False, True, [["fn", True, True, True, 2, 1], ["obj", True]], 0, True, 0]


def test_listener_options_once_capture_passive_duplicates(run_js: RunJS) -> None:
    out = run_js("""
      const et = new EventTarget(); let n = 0, m = 0;
      const f = () => n++;
      et.addEventListener("x", f);
      et.addEventListener("x", f);                    // duplicate: ignored
      et.addEventListener("x", f, { capture: true }); // a different listener
      et.addEventListener("x", () => m++, { once: true });
      et.dispatchEvent(new Event("x"));
      et.dispatchEvent(new Event("x"));
      et.removeEventListener("x", f, true);
      et.dispatchEvent(new Event("x"));
      const p = new Event("p", { cancelable: true });
      et.addEventListener("p", (ev) => ev.preventDefault(), { passive: true });
      return [n, m, et.dispatchEvent(p), p.defaultPrevented];
    """)
    assert out == [5, 1, True, False]


def test_removal_during_dispatch_and_stop_immediate(run_js: RunJS) -> None:
    out = run_js("""
      const et = new EventTarget(); const log = [];
      const b = () => log.push("b");
      et.addEventListener("x", () => { log.push("a"); et.removeEventListener("x", b); });
      et.addEventListener("x", b);
      et.dispatchEvent(new Event("x"));
      const t2 = new EventTarget();
      t2.addEventListener("x", (e) => { log.push("1"); e.stopImmediatePropagation(); });
      t2.addEventListener("x", () => log.push("2"));
      t2.dispatchEvent(new Event("x"));
      return log;
    """)
    assert out == ["a", "1"]


def test_listener_errors_propagate_out_of_dispatch_like_workerd(run_js: RunJS) -> None:
    out = run_js("""
      const et = new EventTarget();
      et.addEventListener("x", () => { throw new RangeError("boom"); });
      let thrown; try { et.dispatchEvent(new Event("x")); } catch (e) { thrown = `${e.name}: ${e.message}`; }
      const o = {}; const t2 = new EventTarget(); t2.addEventListener("x", o);
      let bad; try { t2.dispatchEvent(new Event("x")); } catch (e) { bad = e.message; }
      const e = new Event("x"); const t3 = new EventTarget();
      t3.addEventListener("x", () => t3.dispatchEvent(e));
      let again; try { t3.dispatchEvent(e); } catch (err) { again = `${err.name}: ${err.message}`; }
      return [thrown, bad, again];
    """)
    assert out == [
        "RangeError: boom",
        "Incorrect type for the 'handleEvent' field on 'HandlerObject': the provided value is not of type 'function'.",
        "InvalidStateError: The event is already being dispatched.",
    ]  # fmt: skip


def test_custom_event_and_subclassing(run_js: RunJS) -> None:
    out = run_js("""
      class Ping extends EventTarget { ping() { return this.dispatchEvent(new CustomEvent("ping", { detail: { n: 1 } })); } }
      const p = new Ping(); let got;
      p.addEventListener("ping", (e) => { got = [e.detail, e instanceof Event, String(e)]; });
      p.ping();
      return [got, new CustomEvent("x").detail];
    """)
    assert out == [[{"n": 1}, True, "[object CustomEvent]"], None]


def test_abort_controller(run_js: RunJS) -> None:
    out = run_js("""
      const c = new AbortController(); const log = [];
      c.signal.addEventListener("abort", (e) => log.push([e.type, e.isTrusted, e.target === c.signal]));
      c.signal.onabort = function (e) { log.push(["onabort", this !== c.signal]); };
      const before = c.signal.aborted;
      c.abort();
      const r = c.signal.reason;
      c.abort("second");  // no effect
      let thrown; try { c.signal.throwIfAborted(); } catch (e) { thrown = e === r; }
      const custom = new AbortController(); custom.abort(42);
      return [before, c.signal.aborted, r.name, r.message, r instanceof DOMException, log,
        thrown, custom.signal.reason, typeof c.signal.onabort, String(c.signal)];
    """)
    assert out == [
        False, True, "AbortError", "The operation was aborted", True,
        [["abort", True, True], ["onabort", True]], True, 42, "function", "[object AbortSignal]",
    ]  # fmt: skip


def test_static_abort_and_any(run_js: RunJS) -> None:
    out = run_js("""
      const a = AbortSignal.abort(); const b = AbortSignal.abort("why");
      const c1 = new AbortController(), c2 = new AbortController();
      const any = AbortSignal.any([c1.signal, c2.signal]);
      const nested = AbortSignal.any([any]);
      const log = [];
      any.addEventListener("abort", () => log.push("any"));
      nested.addEventListener("abort", () => log.push("nested"));
      c2.abort("two");
      const pre = AbortSignal.any([new AbortController().signal, AbortSignal.abort(1)]);
      return [a.aborted, a.reason.name, b.reason, any.aborted, any.reason, nested.reason, log,
        pre.aborted, pre.reason, AbortSignal.any([]).aborted];
    """)
    assert out == [True, "AbortError", "why", True, "two", "two", ["any", "nested"], True, 1, False]


def test_timeout_looks_up_set_timeout_when_called(run_js: RunJS) -> None:
    out = run_js(
        """
      const s = AbortSignal.timeout(10);
      const before = s.aborted;
      await new Promise((resolve) => s.addEventListener("abort", resolve));
      return [before, s.aborted, s.reason.name, s.reason.message, delays];
    """,
        # No bridge in these tests: a stand-in setTimeout that fires on the next microtask.
        setup="globalThis.delays = []; globalThis.setTimeout = (fn, ms) => "
        "{ delays.push(ms); Promise.resolve().then(fn); return 1; };",
    )
    assert out == [False, True, "TimeoutError", "The operation was aborted due to timeout", [10]]


def test_listener_signal_removes_the_listener(run_js: RunJS) -> None:
    out = run_js("""
      const et = new EventTarget(); const c = new AbortController(); let n = 0;
      et.addEventListener("x", () => n++, { signal: c.signal });
      et.dispatchEvent(new Event("x"));
      c.abort();
      et.dispatchEvent(new Event("x"));
      et.addEventListener("x", () => n++, { signal: AbortSignal.abort() });  // never added
      et.dispatchEvent(new Event("x"));
      return n;
    """)
    assert out == 1


def test_internal_hooks(run_internal_js: RunJS) -> None:
    out = run_internal_js("""
      const c = new AbortController(); const log = [];
      const alg = (reason) => log.push(["alg", reason]);
      const gone = () => log.push("removed");
      c.signal.addEventListener("abort", () => log.push("event"));
      internals.addAbortAlgorithm(c.signal, alg);
      internals.addAbortAlgorithm(c.signal, gone);
      internals.removeAbortAlgorithm(c.signal, gone);
      c.abort("r");
      const never = internals.newNeverAbortSignal();
      return [log, internals.isAbortSignal(c.signal), internals.isAbortSignal({ aborted: false }),
        never.aborted, internals.isAbortSignal(never),
        internals.isAbortSignal(new Request("http://a/").signal)];
    """)
    assert out == [[["alg", "r"], "event"], True, False, False, True, True]


def test_pipe_to_stops_on_abort(run_js: RunJS) -> None:
    out = run_js("""
      const c = new AbortController();
      const rs = new ReadableStream({ pull(ctl) { ctl.enqueue("x"); } });
      const ws = new WritableStream({ write() { c.abort(new Error("stop")); } });
      try { await rs.pipeTo(ws, { signal: c.signal }); return "done"; }
      catch (e) { return e.message; }
    """)
    assert out == "stop"


def test_request_signal(run_js: RunJS) -> None:
    out = run_js("""
      const c = new AbortController();
      const r = new Request("http://a/", { signal: c.signal });
      const plain = new Request("http://a/");
      return [r.signal === c.signal, String(plain.signal), plain.signal.aborted,
        new Request(r).signal === c.signal];
    """)
    assert out == [True, "[object AbortSignal]", False, True]
