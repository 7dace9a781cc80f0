"""env.KV as a worker sees it, through a real server: every method, option and error."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pyworkerd.testing import RunningServer, running_server
from tests.bindings.kv.conftest import make_kv_project
from tests.server.conftest import request

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("kv-state")


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory, state: Path) -> Iterator[RunningServer]:
    project = make_kv_project(tmp_path_factory.mktemp("kv"))
    with running_server(project, "--persist-to", str(state)) as srv:
        yield srv


def op(dev: RunningServer, method: str, *args: Any, ns: str = "KV") -> list[Any]:
    body = json.dumps({"method": method, "args": list(args)}).encode()
    reply = request(dev.url, f"/op?ns={ns}", method="POST", body=body)
    assert reply.status == 200, reply.text
    result: list[Any] = reply.json()
    return result


def ok(dev: RunningServer, method: str, *args: Any, ns: str = "KV") -> Any:
    outcome, value = op(dev, method, *args, ns=ns)
    assert outcome == "ok", value
    return value


def case(dev: RunningServer, name: str) -> Any:
    reply = request(dev.url, f"/case?name={name}", timeout=120)
    assert reply.status == 200, reply.text
    return reply.json()


# -- get / put / delete -------------------------------------------------------------------


def test_put_then_get_in_every_type(dev: RunningServer) -> None:
    assert ok(dev, "put", "greeting", '{"hello": ["world", 1]}') is None
    assert ok(dev, "get", "greeting") == '{"hello": ["world", 1]}'
    assert ok(dev, "get", "greeting", "text") == '{"hello": ["world", 1]}'
    assert ok(dev, "get", "greeting", "json") == {"hello": ["world", 1]}
    assert ok(dev, "get", "greeting", {"type": "json"}) == {"hello": ["world", 1]}
    assert ok(dev, "get", "greeting", "arrayBuffer") == {"bytes": list(b'{"hello": ["world", 1]}')}
    assert ok(dev, "get", "greeting", "stream") == {"stream": '{"hello": ["world", 1]}'}
    assert ok(dev, "get", "greeting", {"cacheTtl": 60}) == '{"hello": ["world", 1]}'
    assert ok(dev, "get", "greeting", {"type": "text", "cacheTtl": 30}) == '{"hello": ["world", 1]}'


def test_missing_keys_are_null(dev: RunningServer) -> None:
    assert ok(dev, "get", "never-written") is None
    assert ok(dev, "get", "never-written", "stream") is None
    assert ok(dev, "getWithMetadata", "never-written") == {
        "value": None,
        "metadata": None,
        "cacheStatus": None,
    }
    # an unknown type only fails when there is a value to convert (as workerd)
    assert ok(dev, "get", "never-written", "bogus") is None


def test_unknown_type_is_a_type_error(dev: RunningServer) -> None:
    ok(dev, "put", "typed", "x")
    assert op(dev, "get", "typed", "bogus") == [
        "TypeError",
        'Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".',
    ]


def test_invalid_json_is_a_syntax_error(dev: RunningServer) -> None:
    ok(dev, "put", "not-json", "{oops")
    outcome, _message = op(dev, "get", "not-json", "json")
    assert outcome == "SyntaxError"


def test_values_of_every_accepted_type(dev: RunningServer) -> None:
    got = case(dev, "values")
    assert got["string"] == "text ✓"
    assert got["buffer"] == [1, 2, 3]
    assert got["view"] == [1, 2, 3, 4]
    assert got["dataview"] == [8, 7]
    assert got["stream"] == "from a stream"
    assert got["empty"] == ""
    assert got["number"] == "42"
    message = (
        "KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams "
        "as values."
    )
    assert got["bad"] == [["TypeError", message]] * 4


def test_delete_removes_and_tolerates_missing_keys(dev: RunningServer) -> None:
    ok(dev, "put", "doomed", "x")
    assert ok(dev, "delete", "doomed") is None
    assert ok(dev, "get", "doomed") is None
    assert ok(dev, "delete", "doomed") is None


def test_overwrite_replaces_value_and_metadata(dev: RunningServer) -> None:
    ok(dev, "put", "over", "one", {"metadata": {"v": 1}})
    ok(dev, "put", "over", "two")
    assert ok(dev, "getWithMetadata", "over") == {
        "value": "two",
        "metadata": None,
        "cacheStatus": None,
    }


def test_keys_are_case_sensitive_and_unicode(dev: RunningServer) -> None:
    ok(dev, "put", "Case", "upper")
    ok(dev, "put", "case", "lower")
    ok(dev, "put", "ключ/🔑 with spaces?&=", "unicode")
    assert ok(dev, "get", "Case") == "upper"
    assert ok(dev, "get", "case") == "lower"
    assert ok(dev, "get", "ключ/🔑 with spaces?&=") == "unicode"


# -- metadata and expiration --------------------------------------------------------------


def test_get_with_metadata(dev: RunningServer) -> None:
    ok(dev, "put", "meta", "value", {"metadata": {"tags": ["a", "b"], "n": 1.5}})
    assert ok(dev, "getWithMetadata", "meta") == {
        "value": "value",
        "metadata": {"tags": ["a", "b"], "n": 1.5},
        "cacheStatus": None,
    }
    assert op(dev, "getWithMetadata", "meta", "json")[0] == "SyntaxError"
    assert ok(dev, "getWithMetadata", "meta", {"type": "arrayBuffer"})["value"] == {
        "bytes": list(b"value")
    }
    assert ok(dev, "getWithMetadata", "meta", "stream")["value"] == {"stream": "value"}
    ok(dev, "put", "meta-scalar", "v", {"metadata": "just a string"})
    assert ok(dev, "getWithMetadata", "meta-scalar")["metadata"] == "just a string"
    ok(dev, "put", "meta-null", "v", {"metadata": None})
    assert ok(dev, "getWithMetadata", "meta-null")["metadata"] is None


def test_metadata_size_limit(dev: RunningServer) -> None:
    padding = "x" * (1024 - len('{"key":""}'))
    assert ok(dev, "put", "meta-max", "v", {"metadata": {"key": padding}}) is None
    assert op(dev, "put", "meta-big", "v", {"metadata": {"key": padding + "x"}}) == [
        "Error",
        "KV PUT failed: 413 Metadata length of 1025 exceeds limit of 1024.",
    ]


def test_expiration_ttl_and_expiration_are_listed(dev: RunningServer) -> None:
    now = int(time.time())
    ok(dev, "put", "exp/ttl", "v", {"expirationTtl": 120})
    ok(dev, "put", "exp/abs", "v", {"expiration": now + 3600, "metadata": {"m": True}})
    page = ok(dev, "list", {"prefix": "exp/"})
    keys = {k["name"]: k for k in page["keys"]}
    assert now + 119 <= keys["exp/ttl"]["expiration"] <= now + 122
    assert keys["exp/abs"] == {"name": "exp/abs", "expiration": now + 3600, "metadata": {"m": True}}
    assert ok(dev, "get", "exp/ttl") == "v"


def test_expiration_errors(dev: RunningServer) -> None:
    now = int(time.time())
    assert op(dev, "put", "k", "v", {"expirationTtl": 30}) == [
        "Error",
        "KV PUT failed: 400 Invalid expiration_ttl of 30. Expiration TTL must be at least 60.",
    ]
    assert op(dev, "put", "k", "v", {"expirationTtl": 0}) == [
        "Error",
        "KV PUT failed: 400 Invalid expiration_ttl of 0. Please specify integer greater than 0.",
    ]
    assert op(dev, "put", "k", "v", {"expirationTtl": -5}) == [
        "Error",
        "KV PUT failed: 400 Invalid expiration_ttl of -5. Please specify integer greater than 0.",
    ]
    outcome, message = op(dev, "put", "k", "v", {"expiration": now - 10})
    assert outcome == "Error"
    assert message == (
        f"KV PUT failed: 400 Invalid expiration of {now - 10}. Please specify integer greater "
        "than the current number of seconds since the UNIX epoch."
    )
    outcome, message = op(dev, "put", "k", "v", {"expiration": now + 30})
    assert message == (
        f"KV PUT failed: 400 Invalid expiration of {now + 30}. Expiration times must be at "
        "least 60 seconds in the future."
    )
    # expirationTtl wins when both are given
    assert ok(dev, "put", "both", "v", {"expiration": now - 10, "expirationTtl": 60}) is None


def test_numbers_convert_as_workerd_converts_int(dev: RunningServer) -> None:
    assert case(dev, "int32") == [
        [
            "TypeError",
            "Value out of range. Must be between -2147483648 and 2147483647 (inclusive).",
        ],
        [
            "Error",
            "KV PUT failed: 400 Invalid expiration_ttl of 0. Please specify integer greater than 0.",
        ],
        [
            "Error",
            "KV PUT failed: 400 Invalid expiration of 0. Please specify integer greater than the "
            "current number of seconds since the UNIX epoch.",
        ],
        ["Error", "KV GET failed: 400 Invalid cache_ttl of 0. Cache TTL must be at least 30."],
    ]


def test_cache_ttl_is_validated(dev: RunningServer) -> None:
    ok(dev, "put", "cached", "v")
    assert op(dev, "get", "cached", {"cacheTtl": 10}) == [
        "Error",
        "KV GET failed: 400 Invalid cache_ttl of 10. Cache TTL must be at least 30.",
    ]
    assert op(dev, "getWithMetadata", "cached", {"cacheTtl": 29})[0] == "Error"


# -- key names ----------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "name"), [("get", "GET"), ("put", "PUT"), ("delete", "DELETE")])
def test_key_names_are_validated(dev: RunningServer, method: str, name: str) -> None:
    extra = ["v"] if method == "put" else []
    assert op(dev, method, "", *extra) == ["TypeError", "Key name cannot be empty."]
    assert op(dev, method, ".", *extra) == ["TypeError", '"." is not allowed as a key name.']
    assert op(dev, method, "..", *extra) == ["TypeError", '".." is not allowed as a key name.']
    assert op(dev, method, "x" * 513, *extra) == [
        "Error",
        f"KV {name} failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.",
    ]
    # the limit counts UTF-8 bytes: 171 three-byte characters are 513 bytes
    assert op(dev, method, "€" * 171, *extra)[1].endswith(
        "length of 513 exceeds key length limit of 512."
    )
    assert op(dev, method, "x" * 512, *extra)[0] == "ok"


def test_binding_methods_check_their_receiver(dev: RunningServer) -> None:
    assert case(dev, "illegal") == [
        ["TypeError", "Illegal invocation"],
        ["TypeError", "Illegal invocation"],
        "[object KvNamespace]",
        "[object KvNamespace]",
    ]


# -- list ---------------------------------------------------------------------------------


def test_list_sorts_by_utf8_bytes_and_paginates(dev: RunningServer) -> None:
    names = ["l/b", "l/a", "l/é", "l/Z", "l/~", "l/\U0001f600", "l/\uffff", "l/aa"]
    for name in names:
        ok(dev, "put", name, "v")
    expected = sorted(names, key=lambda n: n.encode())
    page = ok(dev, "list", {"prefix": "l/"})
    assert [k["name"] for k in page["keys"]] == expected
    assert page["list_complete"] is True and "cursor" not in page
    assert page["cacheStatus"] is None
    seen: list[str] = []
    cursor = None
    while True:
        options: dict[str, Any] = {"prefix": "l/", "limit": 3}
        if cursor:
            options["cursor"] = cursor
        page = ok(dev, "list", options)
        seen += [k["name"] for k in page["keys"]]
        if page["list_complete"]:
            break
        assert isinstance(page["cursor"], str) and len(page["keys"]) == 3
        cursor = page["cursor"]
    assert seen == expected


def test_list_result_shape(dev: RunningServer) -> None:
    ok(dev, "put", "shape/1", "v")
    ok(dev, "put", "shape/2", "v")
    assert ok(dev, "list", {"prefix": "shape/", "limit": 1}) == {
        "keys": [{"name": "shape/1"}],
        "list_complete": False,
        "cursor": ok(dev, "list", {"prefix": "shape/", "limit": 1})["cursor"],
        "cacheStatus": None,
    }
    assert ok(dev, "list", {"prefix": "nothing-has-this-prefix"}) == {
        "keys": [],
        "list_complete": True,
        "cacheStatus": None,
    }


def test_list_prefix_is_literal(dev: RunningServer) -> None:
    for name in ["p\\_%1", "p\\a", "p\\_%2"]:
        ok(dev, "put", name, "v")
    assert [k["name"] for k in ok(dev, "list", {"prefix": "p\\_%"})["keys"]] == ["p\\_%1", "p\\_%2"]


def test_list_limits(dev: RunningServer) -> None:
    assert op(dev, "list", {"limit": 1001}) == [
        "Error",
        "KV GET failed: 400 Invalid key_count_limit of 1001. Please specify an integer less than 1000.",
    ]
    # workerd sends no limit unless it is > 0: 0 and negatives mean the default
    assert ok(dev, "list", {"limit": 0, "prefix": "shape/"})["list_complete"] is True
    assert ok(dev, "list", {"limit": -3, "prefix": "shape/"})["list_complete"] is True
    assert op(dev, "list", {"prefix": "x" * 513}) == [
        "Error",
        "KV GET failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.",
    ]
    assert ok(dev, "list", {"prefix": None, "cursor": None})["cacheStatus"] is None


def test_list_default_limit_is_1000(dev: RunningServer) -> None:
    for i in range(1005):
        ok(dev, "put", f"many/{i:05d}", "v")
    first = ok(dev, "list", {"prefix": "many/"})
    assert len(first["keys"]) == 1000 and first["list_complete"] is False
    rest = ok(dev, "list", {"prefix": "many/", "cursor": first["cursor"]})
    assert [k["name"] for k in rest["keys"]] == [f"many/{i:05d}" for i in range(1000, 1005)]
    assert rest["list_complete"] is True


# -- bulk get -----------------------------------------------------------------------------


def test_bulk_get(dev: RunningServer) -> None:
    ok(dev, "put", "bulk/a", '{"x": 1}', {"metadata": {"m": "a"}})
    ok(dev, "put", "bulk/b", "plain")
    ok(dev, "put", "bulk/empty", "")
    assert ok(dev, "get", ["bulk/a", "bulk/missing", "bulk/b"]) == {
        "map": [["bulk/a", '{"x": 1}'], ["bulk/missing", None], ["bulk/b", "plain"]]
    }
    assert ok(dev, "get", ["bulk/a"], "json") == {"map": [["bulk/a", {"x": 1}]]}
    assert ok(dev, "get", ["bulk/a"], {"type": "json", "cacheTtl": 60}) == {
        "map": [["bulk/a", {"x": 1}]]
    }
    assert ok(dev, "getWithMetadata", ["bulk/a", "bulk/b", "bulk/missing", "bulk/empty"]) == {
        "map": [
            ["bulk/a", {"value": '{"x": 1}', "metadata": {"m": "a"}}],
            ["bulk/b", {"value": "plain", "metadata": None}],
            ["bulk/missing", None],
            # Miniflare pairs only truthy values with their metadata
            ["bulk/empty", ""],
        ]
    }
    # duplicates collapse; array-index-like keys are left out of the Map (as workerd does)
    ok(dev, "put", "7", "seven")
    assert ok(dev, "get", ["bulk/b", "7", "bulk/b"]) == {"map": [["bulk/b", "plain"]]}


def test_bulk_get_errors(dev: RunningServer) -> None:
    assert op(dev, "get", [f"k{i}" for i in range(101)]) == [
        "Error",
        "KV GET_BULK failed: 400 You can request a maximum of 100 keys",
    ]
    assert op(dev, "get", []) == [
        "Error",
        "KV GET_BULK failed: 400 You must request a minimum of 1 key",
    ]
    assert op(dev, "get", ["k"], "arrayBuffer") == [
        "Error",
        'KV GET_BULK failed: 400 "arrayBuffer" is not a valid type. Use "json" or "text"',
    ]
    ok(dev, "put", "bulk/text", "not json")
    assert op(dev, "get", ["bulk/text"], "json") == [
        "Error",
        "KV GET_BULK failed: 400 At least one of the requested keys corresponds to a non-json value",
    ]
    assert op(dev, "get", [""]) == ["Error", "KV GET_BULK failed: 400 Key names must not be empty"]
    assert op(dev, "get", ["."]) == [
        "Error",
        'KV GET_BULK failed: 400 Illegal key name ".". Please use a different name.',
    ]
    assert op(dev, "get", ["x" * 513]) == [
        "Error",
        "KV GET_BULK failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.",
    ]
    assert op(dev, "get", ["k"], {"cacheTtl": 5}) == [
        "Error",
        "KV GET_BULK failed: 400 Invalid cache_ttl of 5. Cache TTL must be at least 30.",
    ]
    assert ok(dev, "get", [f"none{i}" for i in range(100)])["map"][99] == ["none99", None]


# -- large values and streams -------------------------------------------------------------


def test_large_values_round_trip_in_pieces(dev: RunningServer) -> None:
    assert case(dev, "large") == {
        "same": True,
        "streamed": 3 * MiB + 7,
        "text": True,
        "withMeta": 3 * MiB + 7,
        "metadata": None,
    }


def test_value_size_limit(dev: RunningServer) -> None:
    limit = 25 * MiB
    assert case(dev, "limits") == [
        ["ok", None],
        limit,
        ["Error", f"KV PUT failed: 413 Value length of {limit + 1} exceeds limit of {limit}."],
        ["Error", f"KV PUT failed: 413 Value length of {limit + 5} exceeds limit of {limit}."],
        ["ok", None],
        ["ok", None],
    ]


def test_request_body_streams_into_kv_and_back(dev: RunningServer) -> None:
    data = bytes(range(256)) * (5 * 4096)  # 5 MiB
    reply = request(dev.url, "/put-stream?key=upload", method="POST", body=data)
    assert reply.json() == ["ok", None]
    back = request(dev.url, "/get?key=upload&type=stream")
    assert back.status == 200 and back.body == data
    assert request(dev.url, "/get?key=upload&type=arrayBuffer").body == data


def test_stream_errors_reject_the_put(dev: RunningServer) -> None:
    assert case(dev, "streamError") == [
        ["RangeError", "source broke"],
        ["ok", None],
        ["TypeError", "This ReadableStream did not return bytes."],
    ]


def test_namespaces_are_separate(dev: RunningServer, state: Path) -> None:
    ok(dev, "put", "shared-name", "in KV")
    ok(dev, "put", "shared-name", "in OTHER", ns="OTHER")
    assert ok(dev, "get", "shared-name") == "in KV"
    assert ok(dev, "get", "shared-name", ns="OTHER") == "in OTHER"
    # one SQLite file per namespace: the id from the config, else the binding name
    assert (state / "kv" / "0f2ac74b498b48028cb68387c421e279.sqlite3").is_file()
    assert (state / "kv" / "OTHER.sqlite3").is_file()
