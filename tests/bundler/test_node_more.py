"""nodejs_compat's brotli, crypto keys, Node globals as properties and the node:http client,
behind the real server. Each worker in node_more/ ran unchanged on workerd 1.20261117
(nodejs_compat, 2025-09-01); node_more/workerd/<name>.json is what workerd answered."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pyworkerd.bundler import bundle
from pyworkerd.bundler.nodecompat import node_compat
from pyworkerd.testing import running_server
from tests.bundler.conftest import Write
from tests.server.conftest import request, write_project

HERE = Path(__file__).parent / "node_more"
V2 = {"compatibility_date": "2025-09-01", "compatibility_flags": ["nodejs_compat"]}

#: Where pyworkerd answers otherwise, on purpose: workerd cannot read a SEC1 private key
#: ("Failed to parse private key"); Node and pyworkerd can.
DIFFERENT = {"keys": {"ecSec1": True}}


def answers(tmp_path: Path, name: str) -> dict[str, object]:
    project = write_project(tmp_path / name, {}, V2)
    (project / "src").mkdir()
    shutil.copyfile(HERE / f"{name}.js", project / "src" / "index.js")
    with running_server(project, "--no-persist") as server:
        reply = request(server.url, timeout=60)
        assert reply.status == 200, server.output()
    got: dict[str, object] = reply.json()
    return got


@pytest.mark.parametrize("name", ["brotli", "keys", "globals", "http"])
def test_answers_as_workerd(tmp_path: Path, name: str) -> None:
    expected = json.loads((HERE / "workerd" / f"{name}.json").read_text())
    expected |= DIFFERENT.get(name, {})
    assert answers(tmp_path, name) == expected


def test_brotli_wasm_rides_only_with_zlib(project: Path, write: Write, esbuild_bin: Path) -> None:
    v2 = node_compat("2025-09-01", ["nodejs_compat"])

    def wasm_modules(source: str) -> list[str]:
        write("src/index.js", source)
        b = bundle(Path("src/index.js"), project_dir=project, esbuild=esbuild_bin, node_compat=v2)
        return [spec for spec, m in b.modules.items() if m.kind == "wasm"]

    assert wasm_modules('import c from "node:crypto";\nexport default { c };\n') == []
    assert wasm_modules("export default { b: globalThis.Buffer, p: global.process };\n") == []
    zlib = wasm_modules('import z from "node:zlib";\nexport default { z };\n')
    assert len(zlib) == 1 and zlib[0].endswith("brotli_wasm_bg.wasm")
