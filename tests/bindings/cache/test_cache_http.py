"""The cache behind real HTTP: bodies of any size streamed in and out, conditional and
range requests from a client, entries on disk that survive a restart, shared by every
worker of a state directory, expired ones purged."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from pathlib import Path

from pyworkerd.testing import running_server
from tests.bindings.cache.conftest import make_front_project
from tests.server.conftest import request

MIB = 1024 * 1024


def _rows(state: Path) -> int:
    with sqlite3.connect(state / "cache" / "cache.sqlite3") as conn:
        return int(conn.execute("SELECT count(*) FROM entries").fetchone()[0])


def _blobs(state: Path) -> list[str]:
    return [n for n in os.listdir(state / "cache" / "blobs") if not n.startswith(".")]


def test_big_bodies_stream_through_and_survive_a_restart(tmp_path: Path) -> None:
    project = make_front_project(tmp_path / "project")
    state = tmp_path / "state"
    body = os.urandom(3 * MIB + 123)
    with running_server(project, "--persist-to", str(state)) as srv:
        assert request(srv.url, "/c/big", method="PUT", body=body).text == "stored"
        hit = request(srv.url, "/c/big")
        assert hit.status == 200
        assert hashlib.sha256(hit.body).digest() == hashlib.sha256(body).digest()
        assert hit.header("content-length") == str(len(body))
        assert hit.header("cf-cache-status") == "HIT"
        assert hit.header("etag") == '"v1"'
        part = request(srv.url, "/c/big", headers={"Range": f"bytes={MIB - 5}-{2 * MIB + 4}"})
        assert part.status == 206
        assert part.body == body[MIB - 5 : 2 * MIB + 5]
        assert part.header("content-range") == f"bytes {MIB - 5}-{2 * MIB + 4}/{len(body)}"
        not_modified = request(srv.url, "/c/big", headers={"If-None-Match": '"v1"'})
        assert (not_modified.status, not_modified.body) == (304, b"")
        # A stream of unknown length, generated in the worker.
        assert request(srv.url, "/gen/gen?n=2500000", method="PUT").text == "stored"
        gen = request(srv.url, "/c/gen")
        assert len(gen.body) == 2_500_000
        assert gen.body[:5] == bytes([0, 1, 2, 3, 4]) and gen.body[-1] == (2_500_000 - 1) % 251
        assert len(_blobs(state)) == 2  # bodies over one piece live in blob files
    with running_server(project, "--persist-to", str(state)) as srv:
        again = request(srv.url, "/c/big")
        assert again.body == body
        assert request(srv.url, "/c/big", method="DELETE").text == "true"
        assert request(srv.url, "/c/big").status == 404
        assert request(srv.url, "/c/big", method="DELETE").text == "false"
        assert len(_blobs(state)) == 1


def test_replacing_an_entry_keeps_one_blob(tmp_path: Path) -> None:
    project = make_front_project(tmp_path / "project")
    state = tmp_path / "state"
    with running_server(project, "--persist-to", str(state)) as srv:
        for fill in (b"a", b"b", b"c"):
            request(srv.url, "/c/same", method="PUT", body=fill * MIB)
        assert request(srv.url, "/c/same").body == b"c" * MIB
        assert len(_blobs(state)) == 1
        small = request(srv.url, "/c/same", method="PUT", body=b"small")
        assert small.text == "stored"
        assert request(srv.url, "/c/same").body == b"small"
        assert _blobs(state) == []  # a small body lives in its row


def test_caches_are_shared_by_every_worker_of_a_state_dir(tmp_path: Path) -> None:
    state = tmp_path / "state"
    a = make_front_project(tmp_path / "a", "worker-a")
    b = make_front_project(tmp_path / "b", "worker-b")
    with (
        running_server(a, "--persist-to", str(state)) as srv_a,
        running_server(b, "--persist-to", str(state)) as srv_b,
    ):
        request(srv_a.url, "/c/shared", method="PUT", body=b"from a")
        request(srv_a.url, "/c/named?cache=mine", method="PUT", body=b"named")
        assert request(srv_b.url, "/c/shared").body == b"from a"
        assert request(srv_b.url, "/c/named?cache=mine").body == b"named"
        assert request(srv_b.url, "/c/named").status == 404  # caches.default is another cache
        assert request(srv_b.url, "/c/shared?cache=mine").status == 404


def test_expired_entries_are_not_served_and_get_purged(tmp_path: Path) -> None:
    project = make_front_project(tmp_path / "project")
    state = tmp_path / "state"
    with running_server(project, "--persist-to", str(state)) as srv:
        request(srv.url, "/c/brief?cc=max-age%3D1", method="PUT", body=b"x" * (MIB // 2))
        request(srv.url, "/c/other?cc=max-age%3D1", method="PUT", body=b"y")
        assert request(srv.url, "/c/brief").status == 200
        assert _rows(state) == 2 and len(_blobs(state)) == 1
        time.sleep(1.3)
        assert request(srv.url, "/c/brief").status == 404
        assert len(_blobs(state)) == 0  # the match that found it expired removed it
        # The next put purges every expired entry, of every cache.
        request(srv.url, "/c/fresh", method="PUT", body=b"z")
        assert _rows(state) == 1
