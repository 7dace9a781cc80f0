"""The one place that touches mini-racer, including the native layer below its public API.

mini-racer's public API costs several thread hops per call. The bridge needs three things
it does not offer: posting a call without waiting (``mr_call_function`` with a callback id),
a JS function that wakes Python without carrying data (``mr_make_js_callback``), and
cancelling a running task. Everything here relies on mini-racer's private ``Context``
internals at the exact version pinned in pyproject; ``check_native_contract`` fails loudly
when an upgrade changes any of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import logging
from collections.abc import Callable
from typing import Any

from py_mini_racer import _context as _ctx_module
from py_mini_racer import _mini_racer as _mr_module
from py_mini_racer import init_mini_racer
from py_mini_racer._exc import (
    JSEvalException,
    JSOOMException,
    JSParseException,
    JSTerminatedException,
)

__all__ = [
    "PINNED_MINI_RACER",
    "JSEvalException",
    "JSOOMException",
    "JSParseException",
    "JSTerminatedException",
    "NativeContext",
    "Value",
    "check_native_contract",
]

PINNED_MINI_RACER = "0.14.1"
# mini-racer's value types from 200 up are exceptions (parse, execute, OOM, terminated …).
_FIRST_ERROR_TYPE = 200

# A retained JS value: keeps the V8 handle alive while Python holds it.
Value = Any
Callback = Callable[[Any], None]


def check_native_contract() -> None:
    """Raise RuntimeError if the installed mini-racer is not the layout this module uses."""
    version = importlib.metadata.version("mini-racer")
    problems = []
    if version != PINNED_MINI_RACER:
        problems.append(f"mini-racer {version} installed, {PINNED_MINI_RACER} required")
    ctx_cls = _ctx_module.Context
    for attr in (
        "_dll",
        "_ctx",
        "_next_async_callback_id",
        "_active_cancelable_mr_task_callbacks",
        "_python_to_value_handle",
        "_value_handle_to_python",
        "_wrap_raw_handle",
        "handle_callback_from_v8",
    ):
        if attr not in ctx_cls.__dataclass_fields__ and not hasattr(ctx_cls, attr):
            problems.append(f"Context.{attr} is gone")
    if not hasattr(_mr_module, "_make_context"):
        problems.append("_make_context is gone")
    if problems:
        raise RuntimeError("pyworkerd's engine cannot use this mini-racer: " + "; ".join(problems))


# V8 flags for every isolate of the process: eval() and new Function() are refused, as on
# workerd ("Code generation from strings disallowed for this context").
V8_FLAGS = ("--single-threaded", "--disallow-code-generation-from-strings")


def _init_v8() -> None:
    init_mini_racer(flags=V8_FLAGS, ignore_duplicate_init=True)


class NativeContext:
    """One V8 isolate (mini-racer context) running JS on its own thread.

    Must be created inside the running asyncio loop: mini-racer delivers every callback to
    the loop that was running when the context was made.
    """

    def __init__(self, heap_limit_bytes: int | None = None) -> None:
        _init_v8()
        self._maker = _mr_module._make_context(asyncio.get_running_loop())
        self._c = self._maker.__enter__()
        self._dll = self._c._dll
        self._raw_ctx = self._c._ctx
        self._callbacks: dict[int, Callback] = self._c._active_cancelable_mr_task_callbacks
        self._sync: dict[int, Callable[[], None]] = {}
        self._from_v8 = self._c.handle_callback_from_v8
        object.__setattr__(self._c, "handle_callback_from_v8", self._dispatch_from_v8)
        self.closed = False
        self.set_heap_limit(heap_limit_bytes)

    def _dispatch_from_v8(self, callback_id: int, raw_value: Any) -> None:
        """mini-racer's callback, on the isolate's thread while its JS waits: the
        synchronous channels run right here; everything else goes to the event loop."""
        fn = self._sync.get(callback_id)
        if fn is None:
            self._from_v8(callback_id, raw_value)
            return
        self._c._wrap_raw_handle(raw_value)  # freed when dropped
        try:
            fn()
        except BaseException:
            logging.getLogger("pyworkerd.engine").exception("synchronous host call failed")

    def register_sync(self, fn: Callable[[], None]) -> int:
        """An id whose notifier runs `fn` synchronously on the isolate's thread: the JS
        that calls it waits until `fn` returns. `fn` must be quick, thread-safe, and must
        not touch asyncio objects (it does not run on the event loop)."""
        callback_id = next(self._c._next_async_callback_id)
        self._sync[callback_id] = fn
        return callback_id

    def set_heap_limit(self, limit_bytes: int | None) -> None:
        """Hard heap limit: V8 terminates the running JS when it is reached (0/None: none)."""
        self._dll.mr_set_hard_memory_limit(self._raw_ctx, limit_bytes or 0)

    # -- synchronous use, only while no JS of this isolate can be running (tests)
    def eval(self, source: str) -> Any:
        """Evaluate a script and wait for its result (blocks the event loop)."""
        return self._c.eval(source)

    # -- awaitable use: the event loop keeps running; cancelling terminates the JS
    async def eval_async(self, source: str) -> Any:
        return await self._c.eval_cancelable(source)

    async def call_async(self, fn: Any, *args: Any) -> Any:
        """Call a JS function (a value returned by eval) without blocking the loop."""
        return await fn.cancelable()(*args)

    # -- the non-blocking bridge
    def handle(self, value: Any) -> Value:
        """A retained native handle for a Python str/number/None or a JS object."""
        return self._c._python_to_value_handle(value)

    def register_callback(self, fn: Callback) -> int:
        """An id under which mini-racer delivers a task result or notification to `fn`.

        `fn` receives the decoded value, or the JSEvalException the task ended with.
        """
        callback_id = next(self._c._next_async_callback_id)
        decode = self._c._value_handle_to_python

        def deliver(value_handle: Any) -> None:
            value: Any
            try:
                value = decode(value_handle)
            except JSEvalException as exc:
                value = exc
            fn(value)

        self._callbacks[callback_id] = deliver
        return callback_id

    def notifier(self, callback_id: int) -> Any:
        """A JS function that, when called, makes mini-racer deliver to `callback_id`."""
        raw = self._dll.mr_make_js_callback(self._raw_ctx, callback_id)
        return self._c._value_handle_to_python(self._c._wrap_raw_handle(raw))

    def post_call(self, fn: Value, this: Value, argv: Value, callback_id: int) -> int:
        """Queue `fn.apply(this, argv)` on the isolate thread; return at once with a task id."""
        return int(
            self._dll.mr_call_function(self._raw_ctx, fn.raw, this.raw, argv.raw, callback_id)
        )

    def post_call_silent(self, fn: Value, this: Value, argv: Value) -> int:
        """Like post_call, without waking the event loop when it is done.

        The result lands on mini-racer's queue for synchronous calls (callback id 0),
        which nothing else reads once an isolate serves requests; `take_silent_failure`
        empties it.
        """
        return int(self._dll.mr_call_function(self._raw_ctx, fn.raw, this.raw, argv.raw, 0))

    def take_silent_failure(self) -> JSEvalException | None:
        """Empty the silent results; the first error among them (OOM, termination), if any."""
        queue = self._c._non_cancelable_mr_task_results_queue
        failure: JSEvalException | None = None
        while not queue.empty():
            handle = queue.get_nowait()
            raw: Any = handle.raw
            if failure is None and raw.contents.type >= _FIRST_ERROR_TYPE:
                try:
                    self._c._value_handle_to_python(handle)
                except JSEvalException as exc:
                    failure = exc
        return failure

    def cancel(self, task_id: int) -> None:
        """Terminate a task that is running (or drop one that has not started)."""
        if not self.closed:
            self._dll.mr_cancel_task(self._raw_ctx, task_id)

    def memory_limit_reached(self) -> bool:
        return (not self.closed) and bool(self._dll.mr_hard_memory_limit_reached(self._raw_ctx))

    def collect_garbage(self) -> None:
        """A full, compacting GC (V8's low-memory notification). Blocks until the isolate
        thread has done it: only call while no JS of this isolate is running."""
        if not self.closed:
            self._dll.mr_low_memory_notification(self._raw_ctx)

    def heap_stats(self) -> dict[str, int]:
        import json

        return dict(json.loads(self._c.heap_stats()))

    def close(self) -> None:
        """Free the isolate, terminating whatever JS it is running (call on the loop thread)."""
        self.detach()
        with contextlib.suppress(Exception):
            self._maker.__exit__(None, None, None)

    def detach(self) -> None:
        """Stop all use of the context from Python: callbacks are dropped, and handles that
        Python frees later no longer reach the freed native context."""
        if self.closed:
            return
        self.closed = True
        self._callbacks.clear()
        self._sync.clear()
        object.__setattr__(self._c, "_free", _drop)


def _drop(_raw: Any) -> None:
    return None
