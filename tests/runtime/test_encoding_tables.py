"""The multi-byte encoding tables are not part of the runtime: an isolate fetches each one
(the "encoding.table" sync op, runtime/encoding.py) the first time it decodes with it.

`run_in_worker` runs JS inside a real worker isolate (runtime, bridge and the runtime's
sync ops), as the legacy-encoding tests need the host to answer the table fetches.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pyworkerd.bundler import wrap_script
from pyworkerd.engine.hostops import HostCall, SyncOp, runtime_sync_ops
from pyworkerd.engine.types import WorkerSpec
from pyworkerd.runtime import runtime_source
from pyworkerd.runtime.encoding import packed_index
from pyworkerd.runtime.encoding_tables import MULTI_INDEXES, TABLES_FILE, tables_source
from pyworkerd.testing.server import running_server
from tests.conftest import JSError, fetch_json, started_isolate
from tests.server.conftest import request, write_project

_WORKER = """{setup}
module.exports.default = {{
  async fetch() {{
    try {{
      const value = await (async () => {{ {body}\n}})();
      return Response.json({{ ok: value === undefined ? null : value }});
    }} catch (e) {{
      return Response.json({{ error: {{ name: String(e && e.name), message: String(e && e.message),
                                       stack: String(e && e.stack) }} }});
    }}
  }},
}};
"""


class RecordedSyncOps(Mapping[str, SyncOp]):
    """The runtime's sync ops, each call noted in `calls` as (op, args)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def __getitem__(self, name: str) -> SyncOp:
        op = runtime_sync_ops()[name]

        def recorded(call: HostCall) -> Any:
            self.calls.append((call.op, call.args))
            return op(call)

        return recorded

    def __iter__(self) -> Iterator[str]:
        return iter(runtime_sync_ops())

    def __len__(self) -> int:
        return len(runtime_sync_ops())


def run_in_worker(
    body: str,
    setup: str = "",
    *,
    sync_ops: Mapping[str, SyncOp] | None = None,
    expose_internals: bool = False,
) -> Any:
    """Run `body` (an async function's body) in a request of a real worker isolate whose
    top level is `setup`; its JSON result. A JS throw raises JSError."""

    async def go() -> Any:
        spec = WorkerSpec(
            name="enc",
            script=wrap_script(_WORKER.format(setup=setup, body=body)),
            cpu_ms=None,
            sync_ops=runtime_sync_ops() if sync_ops is None else sync_ops,
        )
        async with started_isolate(spec, expose_internals=expose_internals) as isolate:
            return await fetch_json(isolate)

    out = asyncio.run(asyncio.wait_for(go(), 60))
    if "error" in out:
        raise JSError(**out["error"])
    return out["ok"]


def test_the_runtime_source_carries_no_multi_byte_table() -> None:
    source = runtime_source()
    for name in MULTI_INDEXES:
        _length, packed = packed_index(name)
        assert packed[:64] not in source, name
    assert len(tables_source()) < 12_000  # labels and the single-byte tables only
    assert TABLES_FILE.startswith("09_")


def test_an_isolate_fetches_a_table_once_and_only_when_a_decoder_needs_it() -> None:
    recorded = RecordedSyncOps()
    got = run_in_worker(
        """
      const r = [];
      const sjis = (bytes) => new TextDecoder('shift_jis').decode(new Uint8Array(bytes));
      r.push(new TextDecoder().decode(new Uint8Array([0xe6, 0x97, 0xa5])));
      r.push(new TextDecoder('windows-1252').decode(new Uint8Array([0x80])));
      r.push(sjis([0x41, 0x42, 0xb1]));  // ASCII and half-width katakana: no table
      r.push(sjis([0x83, 0x56, 0x83, 0x74]), sjis([0x93, 0xfa]));
      r.push(new TextDecoder('euc-jp').decode(new Uint8Array([0xc6, 0xfc])));  // jis0208 again
      return r;
    """,
        sync_ops=recorded,
    )
    assert got == ["日", "€", "ABｱ", "シフ", "日", "日"]
    assert recorded.calls == [("encoding.table", "jis0208")]


def test_an_isolate_that_decodes_no_multi_byte_text_fetches_nothing() -> None:
    recorded = RecordedSyncOps()
    got = run_in_worker(
        """
      return [new TextDecoder('gbk').encoding, new TextDecoder('big5').decode(new Uint8Array([0x61])),
              new TextDecoder('koi8-r').decode(new Uint8Array([0xc1]))];
    """,
        sync_ops=recorded,
    )
    assert got == ["gbk", "a", "а"]
    assert recorded.calls == []


def test_every_table_is_served_and_unknown_names_are_refused() -> None:
    got = run_in_worker(
        """
      const host = internals.host, out = {};
      for (const name of globalThis.__N) {
        const [length, packed] = host.callSync('encoding.table', name, { pureData: true });
        out[name] = [length, packed.length];
      }
      try { host.callSync('encoding.table', 'utf-7', { pureData: true }); }
      catch (e) { out.error = `${e.name}: ${e.message}`; }
      return out;
    """,
        setup="globalThis.__N = " + json.dumps(sorted(MULTI_INDEXES)),
        expose_internals=True,
    )
    error = got.pop("error")
    assert error == "TypeError: There is no encoding table 'utf-7'."
    assert {name: tuple(v) for name, v in got.items()} == {
        name: (length, len(packed))
        for name, (length, packed) in ((n, packed_index(n)) for n in MULTI_INDEXES)
    }


def test_decoding_at_the_top_level_fetches_the_table_there() -> None:
    recorded = RecordedSyncOps()
    got = run_in_worker(
        "return globalThis.__top;",
        setup="globalThis.__top = new TextDecoder('euc-kr').decode(new Uint8Array([0xc7, 0xd1]));",
        sync_ops=recorded,
    )
    assert got == "한"
    assert recorded.calls == [("encoding.table", "euc-kr")]


def test_other_sync_calls_are_still_refused_at_the_top_level() -> None:
    got = run_in_worker(
        "return [globalThis.__top, internals.host.callSync('encoding.table', 'big5')[0]];",
        setup="""
      try { internals.host.callSync('encoding.table', 'big5'); globalThis.__top = 'allowed'; }
      catch (e) { globalThis.__top = e.message; }
    """,
        expose_internals=True,
    )
    assert got == [
        "Some functionality, such as asynchronous I/O, timeouts, and generating random values, "
        "can only be performed while handling a request.",
        packed_index("big5")[0],
    ]


TOP_LEVEL_WORKER = """
const greeting = new TextDecoder('gbk').decode(new Uint8Array([0xc4, 0xe3, 0xba, 0xc3]));
export default {
  async fetch(request) {
    const bytes = new Uint8Array(await request.arrayBuffer());
    const label = new URL(request.url).searchParams.get('label');
    return new Response(`${greeting} ${new TextDecoder(label, { fatal: true }).decode(bytes)}`);
  },
};
"""


def test_a_worker_decodes_at_its_top_level_through_the_real_server(tmp_path: Path) -> None:
    project = write_project(tmp_path / "w", {"src/index.js": TOP_LEVEL_WORKER}, {})
    with running_server(project) as server:
        big5 = request(server.url, "/?label=big5", method="POST", body="繁體".encode("big5"))
        sjis = request(server.url, "/?label=sjis", method="POST", body="テスト".encode("cp932"))
        bad = request(server.url, "/?label=euc-kr", method="POST", body=b"\xc7")
    assert (big5.status, big5.text) == (200, "你好 繁體")
    assert (sjis.status, sjis.text) == (200, "你好 テスト")
    assert bad.status == 500
