"""env.BUCKET through a real worker behind the real server: every method, option and
error of the R2 binding (the scenarios live in worker.js)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pyworkerd.testing import RunningServer, running_server
from tests.bindings.r2.conftest import make_r2_project
from tests.server.conftest import ok_text, request

OBJECT_KEYS = [
    "key",
    "version",
    "size",
    "etag",
    "httpEtag",
    "checksums",
    "uploaded",
    "httpMetadata",
    "customMetadata",
    "range",
    "storageClass",
    "ssecKeyMd5",
]


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("r2")
    project = make_r2_project(root / "project")
    with running_server(project, "--persist-to", str(root / "state")) as srv:
        yield srv


def run(dev: RunningServer, scenario: str) -> Any:
    return json.loads(ok_text(dev.url, f"/t/{scenario}", timeout=60))


def err(name: str, message: str) -> dict[str, Any]:
    return {"error": {"name": name, "message": message}}


def test_put_takes_every_body_type(dev: RunningServer) -> None:
    out = run(dev, "putTypes")
    assert out["string"] == {"size": 6, "bytes": list("héllo".encode())}
    assert out["arraybuffer"] == {"size": 6, "bytes": list(b"buffer")}
    assert out["view"] == {"size": 3, "bytes": [2, 3, 4]}
    assert out["blob"] == {"size": 10, "bytes": list(b"blob parts")}
    assert out["null"] == {"size": 0, "bytes": []}
    assert out["stream"] == {"size": 6, "bytes": list(b"stream")}
    assert out["unknownLength"] == err(
        "TypeError",
        "Provided readable stream must have a known length (request/response body or "
        "readable half of FixedLengthStream)",
    )
    bad = err(
        "TypeError",
        "Failed to execute 'put' on 'R2Bucket': parameter 2 is not of type "
        "'ReadableStream or ArrayBuffer or ArrayBufferView or string or Blob'.",
    )
    assert out["badType"] == bad and out["badObject"] == bad


def test_r2_object_fields_metadata_and_write_http_metadata(dev: RunningServer) -> None:
    out = run(dev, "putResult")
    put, head = out["put"], out["head"]
    assert put["proto"] == "HeadResult" and put["keys"] == OBJECT_KEYS and not put["hasBody"]
    assert put["uploadedIsDate"] and head["uploadedIsDate"]
    md5 = hashlib.md5(b"abc").hexdigest()
    j = put["json"]
    assert j["key"] == "meta/a" and j["size"] == 3 and j["etag"] == md5
    assert j["httpEtag"] == f'"{md5}"' and len(j["version"]) == 32
    assert j["checksums"] == {"md5": md5} and j["storageClass"] == "Standard"
    assert j["httpMetadata"] == {
        "contentType": "text/plain",
        "cacheControl": "max-age=60",
        "cacheExpiry": "2023-11-14T22:13:20.000Z",
    }
    assert j["customMetadata"] == {"owner": "me", "n": "7"}
    assert "range" not in j  # a put's result has none
    assert head["json"]["range"] == {"offset": 0, "length": 3}
    assert head["json"]["version"] == j["version"] and head["json"]["uploaded"] == j["uploaded"]
    assert out["written"] == [
        ["cache-control", "max-age=60"],
        ["content-type", "text/plain"],
        ["expires", "Tue, 14 Nov 2023 22:13:20 GMT"],
    ]
    assert out["fromHeaders"] == {
        "contentType": "image/png",
        "contentLanguage": "fr",
        "cacheExpiry": "2015-10-21T07:28:00.000Z",
    }
    assert out["putFromHeaders"] == "image/png"
    assert out["md5Buffer"] == 16
    assert out["missing"] is None
    assert out["tooBig"] == err(
        "Error", "put: Your metadata headers exceed the maximum allowed metadata size. (10012)"
    )


def test_checksums_are_checked_and_reported(dev: RunningServer) -> None:
    out = run(dev, "checksums")
    data = b"checksum me"
    md5 = hashlib.md5(data).hexdigest()
    assert out["sha256"] == {"md5": md5, "sha256": hashlib.sha256(data).hexdigest()}
    assert out["sha1"] == {"md5": md5, "sha1": hashlib.sha1(data).hexdigest()}
    assert out["mismatch"] == err(
        "Error",
        "put: The MD5 checksum you specified did not match what we received.\n"
        f"You provided a MD5 checksum with value: {'0' * 32}\n"
        f"Actual MD5 was: {md5} (10037)",
    )
    assert out["stillMissing"] is None
    assert out["two"] == err("TypeError", "You cannot specify multiple hashing algorithms.")
    assert out["shortHex"] == err("TypeError", "SHA-1 is 40 hex characters, not 3")
    assert out["badHex"] == err("TypeError", "Provided MD5 wasn't a valid hex string")
    assert out["shortBuffer"] == err("TypeError", "SHA-512 is 64 bytes, not 3")


def test_put_only_if(dev: RunningServer) -> None:
    out = run(dev, "putOnlyIf")
    assert out == {
        "wrongEtag": None,
        "rightEtag": True,
        "createOnlyExisting": None,
        "createOnlyNew": True,
        "missingMatch": None,
        "text": "three",
        "quoted": err("TypeError", 'Conditional ETag should not be wrapped in quotes ("abc").'),
    }


def test_get_ranges(dev: RunningServer) -> None:
    out = run(dev, "getRanges")
    assert out["offsetLength"] == {"range": {"offset": 2, "length": 3}, "text": "234"}
    assert out["offset"] == {"range": {"offset": 7, "length": 3}, "text": "789"}
    assert out["length"] == {"range": {"offset": 0, "length": 4}, "text": "0123"}
    assert out["suffix"] == {"range": {"offset": 7, "length": 3}, "text": "789"}
    assert out["bigLength"] == {"range": {"offset": 8, "length": 2}, "text": "89"}
    assert out["header"] == {"range": {"offset": 4, "length": 3}, "text": "456"}
    assert out["headerOpen"] == {"range": {"offset": 8, "length": 2}, "text": "89"}
    assert out["headerMulti"] == {"range": {"offset": 0, "length": 10}, "text": "0123456789"}
    unsatisfiable = err("Error", "get: The requested range is not satisfiable (10039)")
    assert out["pastEnd"] == unsatisfiable and out["zeroLength"] == unsatisfiable
    assert out["negative"] == err(
        "RangeError", "Invalid range. Starting offset (-1) must be greater than or equal to 0."
    )
    assert out["fraction"] == err(
        "RangeError", "Invalid range. Starting offset (1.5) must be an integer, not floating point."
    )
    assert out["suffixAndOffset"] == err("TypeError", "Suffix is incompatible with offset.")


def test_get_only_if_gives_an_object_without_body_when_it_fails(dev: RunningServer) -> None:
    out = run(dev, "getOnlyIf")
    mismatch = out["etagMismatch"]
    assert mismatch["proto"] == "HeadResult" and not mismatch["hasBody"]
    assert mismatch["keys"] == OBJECT_KEYS and mismatch["json"]["key"] == "gcond/a"
    assert out["etagMatches"] is True
    assert out["ifNoneMatch"] is False and out["ifNoneMatchWeak"] is False
    assert out["ifMatchList"] is True
    assert out["uploadedBeforePast"] is False and out["uploadedBeforeFuture"] is True
    assert out["uploadedAfterFuture"] is False and out["modifiedSince"] is False
    assert out["missing"] is None
    assert out["badHeader"] == err("Error", "Unclosed double quote for Etag")


def test_object_body_readers(dev: RunningServer) -> None:
    out = run(dev, "bodies")
    assert out["before"] is False and out["after"] is True
    assert out["json"] == {"a": [1, 2]}
    assert out["again"] == err(
        "TypeError",
        "Body has already been used. It can only be used once. Use tee() first if you need "
        "to read it twice.",
    )
    assert out["blobType"] == "application/json" and out["blobSize"] == 11
    assert out["bytesIsU8"] and out["bytesLength"] == 11 and out["abIsBuffer"]
    assert out["viaResponse"] == '{"a":[1,2]}'
    assert out["getMissing"] is None
    assert out["descr"]["proto"] == "GetResult" and out["descr"]["hasBody"]
    assert out["descr"]["keys"] == OBJECT_KEYS  # body and bodyUsed live on the prototype


def test_cancelled_bodies_and_failed_uploads_leave_nothing_behind(dev: RunningServer) -> None:
    out = run(dev, "aborts")
    assert out == {
        "firstLength": 256 * 1024,  # bodies come in pieces of 256 KiB
        "failed": err("Error", "gave up"),
        "broken": None,
        "again": 1024 * 1024,
    }
    state = Path(dev.output().split("state: ")[1].splitlines()[0])
    blobs = state / "r2" / "test-bucket.blobs"
    assert [p.name for p in blobs.iterdir() if p.name.startswith(".tmp-")] == []


def test_delete_one_or_many_and_missing_keys(dev: RunningServer) -> None:
    count = err(
        "Error",
        "delete: The number of keys in the request must be between 1 and 1000 inclusive. (10027)",
    )
    assert run(dev, "deletes") == {"left": [], "tooMany": count, "none": count}


def test_list(dev: RunningServer) -> None:
    out = run(dev, "lists")
    assert out["all"] == ["ls/a", "ls/b/1", "ls/b/2", "ls/c", "ls/d/x/y", "ls/e"]
    assert out["pages"] == [
        {"keys": ["ls/a", "ls/b/1"], "truncated": True, "hasCursor": True},
        {"keys": ["ls/b/2", "ls/c"], "truncated": True, "hasCursor": True},
        {"keys": ["ls/d/x/y", "ls/e"], "truncated": False, "hasCursor": False},
    ]
    assert out["delimited"] == {
        "keys": ["ls/a", "ls/c", "ls/e"],
        "prefixes": ["ls/b/", "ls/d/"],
        "truncated": False,
    }
    assert out["delimitedPages"] == [
        {"keys": ["ls/a"], "prefixes": ["ls/b/"], "truncated": True},
        {"keys": ["ls/c"], "prefixes": ["ls/d/"], "truncated": True},
        {"keys": ["ls/e"], "prefixes": [], "truncated": False},
    ]
    assert out["startAfter"] == ["ls/c", "ls/d/x/y", "ls/e"]
    assert out["plainMeta"] == [True, True]
    assert out["includedMeta"] == [{"contentType": "text/plain"}, {"k": "ls/a"}]
    assert out["writeWithoutInclude"] == err(
        "TypeError",
        "HTTP metadata unknown for key `ls/a`. Did you forget to add 'httpMetadata' to "
        "`include` when listing?",
    )
    max_keys = err("Error", "list: MaxKeys params must be positive integer <= 1000. (10022)")
    assert out["limitZero"] == max_keys and out["limitBig"] == max_keys
    assert out["badInclude"] == err("RangeError", "Unsupported include value nope")
    assert out["emptyPrefix"] == {"objects": [], "truncated": False, "delimitedPrefixes": []}


def test_keys_longer_than_1024_bytes_are_refused(dev: RunningServer) -> None:
    out = run(dev, "keys")
    for action, field in (("put", "put"), ("get", "get"), ("head", "head"), ("delete", "del")):
        assert out[field] == err(
            "Error", f"{action}: The specified object name is not valid. (10020)"
        )
    assert out["exact"] == 1024
    assert out["unicode"] == "ünï/☃" and out["unicodeBack"] == "snow"
    assert out["noArgs"] == err(
        "TypeError", "Failed to execute 'get' on 'R2Bucket': parameter 1 is not of type 'string'."
    )


def test_multipart_uploads(dev: RunningServer) -> None:
    out = run(dev, "multipart")
    assert out["uploadIdType"] == "string" and out["key"] == "mp/a"
    assert out["parts"] == [1, 2, "string"]
    part1 = hashlib.md5(b"a" * (5 * 1024 * 1024)).digest()
    part2 = hashlib.md5(b"tail").digest()
    etag = hashlib.md5(part1 + part2).hexdigest() + "-2"
    assert out["done"] == {"size": 5 * 1024 * 1024 + 4, "etag": etag, "checksums": {}}
    assert out["contentType"] == "text/x-mp" and out["custom"] == {"m": "1"}
    assert out["length"] == 5 * 1024 * 1024 + 4 and out["ok"] is True
    assert out["ranged"] == "aata"
    assert out["tooSmall"] == err(
        "Error",
        "completeMultipartUpload: Your proposed upload is smaller than the minimum allowed "
        "object size. (10011)",
    )
    assert out["wrongEtag"] == err(
        "Error",
        "completeMultipartUpload: One or more of the specified parts could not be found. (10025)",
    )
    assert out["single"] == 4
    assert out["afterAbort"] == err(
        "Error", "uploadPart: The specified multipart upload does not exist. (10024)"
    )
    assert out["completeAfterAbort"] == err(
        "Error", "completeMultipartUpload: The specified multipart upload does not exist. (10024)"
    )
    assert out["abortUnknown"] == err(
        "Error",
        "abortMultipartUpload: We encountered an internal error. Please try again. (10001)",
    )
    assert out["badPart"] == err(
        "TypeError", "Part number must be between 1 and 10000 (inclusive). Actual value was: 0"
    )
    assert out["overwritten"] == 5 and out["afterOverwrite"] == "plain"


def test_http_round_trip_with_conditional_and_range_headers(dev: RunningServer) -> None:
    body = bytes(range(256)) * 4000  # ~1 MB: several pieces each way
    put = request(
        dev.url,
        "/obj/http/blob.bin",
        method="PUT",
        body=body,
        headers={"content-type": "application/octet-stream"},
    ).json()
    assert put == {"size": len(body), "etag": hashlib.md5(body).hexdigest()}
    got = request(dev.url, "/obj/http/blob.bin")
    assert got.status == 200 and got.body == body
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["content-length"] == str(len(body))
    etag = got.headers["etag"]
    assert request(dev.url, "/obj/http/blob.bin", headers={"if-none-match": etag}).status == 304
    part = request(dev.url, "/obj/http/blob.bin", headers={"range": "bytes=1000-1999"})
    assert part.status == 206 and part.body == body[1000:2000]
    assert request(dev.url, "/obj/http/blob.bin", method="DELETE").status == 204
    assert request(dev.url, "/obj/http/blob.bin").status == 404


def test_state_lives_in_the_state_directory(dev: RunningServer, tmp_path: Path) -> None:
    request(dev.url, "/obj/where", method="PUT", body=b"here")
    state = Path(dev.output().split("state: ")[1].splitlines()[0])
    assert (state / "r2" / "test-bucket.sqlite3").is_file()
    blobs = state / "r2" / "test-bucket.blobs"
    assert any(p.read_bytes() == b"here" for p in blobs.iterdir() if p.is_file())
