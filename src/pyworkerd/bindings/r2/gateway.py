"""R2's semantics over one bucket's store: validation, preconditions, ranges, listing,
multipart rules, and the platform's errors. Knows nothing of HTTP, V8 or host calls.

Errors carry R2's v4 code and message; a worker sees them as workerd shows them:
`new Error("<action>: <message> (<code>)")`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pyworkerd.storage.objects import (
    UPLOAD_IN_PROGRESS,
    BlobReader,
    BlobWriter,
    ObjectRow,
    ObjectStore,
    PartRow,
    new_id,
)

__all__ = [
    "MAX_KEY_SIZE",
    "MAX_LIST_KEYS",
    "MAX_METADATA_SIZE",
    "MAX_VALUE_SIZE",
    "MIN_PART_SIZE",
    "GetResult",
    "R2Error",
    "R2Gateway",
    "Upload",
    "entity_too_large",
    "iter_reader",
]

MAX_LIST_KEYS = 1000
MAX_DELETE_KEYS = 1000
MAX_KEY_SIZE = 1024  # bytes of UTF-8
MAX_VALUE_SIZE = 5_368_709_120 - 5_242_880  # 5 GiB - 5 MiB
MAX_METADATA_SIZE = 2048
MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PART_NUMBER = 10_000
HASHES = (
    ("md5", "MD5"),
    ("sha1", "SHA-1"),
    ("sha256", "SHA-256"),
    ("sha384", "SHA-384"),
    ("sha512", "SHA-512"),
)
HTTP_FIELDS = (
    "contentType",
    "contentLanguage",
    "contentDisposition",
    "contentEncoding",
    "cacheControl",
    "cacheExpiry",
)


class R2Error(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def for_action(self, action: str) -> str:
        return f"{action}: {self.message} ({self.code})"


def internal_error() -> R2Error:
    return R2Error(10001, "We encountered an internal error. Please try again.")


def no_such_key() -> R2Error:
    return R2Error(10007, "The specified key does not exist.")


def entity_too_large() -> R2Error:
    return R2Error(100100, "Your proposed upload exceeds the maximum allowed object size.")


def entity_too_small() -> R2Error:
    return R2Error(10011, "Your proposed upload is smaller than the minimum allowed object size.")


def metadata_too_large() -> R2Error:
    return R2Error(10012, "Your metadata headers exceed the maximum allowed metadata size.")


def invalid_object_name() -> R2Error:
    return R2Error(10020, "The specified object name is not valid.")


def invalid_delete_count() -> R2Error:
    return R2Error(10027, "The number of keys in the request must be between 1 and 1000 inclusive.")


def invalid_max_keys() -> R2Error:
    return R2Error(10022, "MaxKeys params must be positive integer <= 1000.")


def no_such_upload() -> R2Error:
    return R2Error(10024, "The specified multipart upload does not exist.")


def invalid_part() -> R2Error:
    return R2Error(10025, "One or more of the specified parts could not be found.")


def precondition_failed() -> R2Error:
    return R2Error(10031, "At least one of the pre-conditions you specified did not hold.")


def bad_digest(name: str, provided: bytes, actual: bytes) -> R2Error:
    return R2Error(
        10037,
        f"The {name} checksum you specified did not match what we received.\n"
        f"You provided a {name} checksum with value: {provided.hex()}\n"
        f"Actual {name} was: {actual.hex()}",
    )


def invalid_range() -> R2Error:
    return R2Error(10039, "The requested range is not satisfiable")


def bad_upload() -> R2Error:
    return R2Error(10048, "There was a problem with the multipart upload.")


class PreconditionFailed(R2Error):
    """Raised inside a transaction; carries the current row (for get's R2Object)."""

    def __init__(self, row: ObjectRow | None) -> None:
        failed = precondition_failed()
        super().__init__(failed.code, failed.message)
        self.row = row


# ---------------------------------------------------------------------- validation
def validate_key(key: str) -> None:
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_SIZE:
        raise invalid_object_name()


def _serialised_length(text: str) -> int:
    return len(text) * 2 if any(ord(c) >= 256 for c in text) else len(text)


def validate_metadata_size(custom: dict[str, str]) -> None:
    total = sum(_serialised_length(k) + _serialised_length(v) for k, v in custom.items())
    if total > MAX_METADATA_SIZE:
        raise metadata_too_large()


def _etag_in(conditions: list[dict[str, Any]], etag: str, weak: bool) -> bool:
    for cond in conditions:
        kind = cond.get("type")
        if kind == "wildcard":
            return True
        if cond.get("value") == etag and (kind == "strong" or weak):
            return True
    return False


def condition_holds(cond: dict[str, Any], row: ObjectRow | None) -> bool:
    """RFC 7232 section 6 over R2's conditional ({etagMatches: [{type, value}],
    etagDoesNotMatch, uploadedBefore: ms, uploadedAfter: ms, secondsGranularity})."""
    matches = cond.get("etagMatches")
    none_match = cond.get("etagDoesNotMatch")
    before = cond.get("uploadedBefore")
    after = cond.get("uploadedAfter")
    if row is None:
        return matches is None and after is None

    def trunc(ms: float) -> float:
        return (ms // 1000) * 1000 if cond.get("secondsGranularity") else ms

    if_match = matches is None or _etag_in(matches, row.etag, weak=False)
    if_none_match = none_match is None or not _etag_in(none_match, row.etag, weak=True)
    uploaded = trunc(row.uploaded)
    modified_since = (
        after is None or trunc(after) < uploaded or (none_match is not None and if_none_match)
    )
    unmodified_since = (
        before is None or uploaded < trunc(before) or (matches is not None and if_match)
    )
    return if_match and if_none_match and modified_since and unmodified_since


def _header_range(header: str, size: int) -> tuple[int, int] | None:
    """One satisfiable `bytes=` range as [start, end); anything else: None (whole object)."""
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    if not dash:
        return None
    first, last = first.strip(), last.strip()
    try:
        if first == "":
            n = int(last)
            if n <= 0 or size == 0:
                return None
            return max(0, size - n), size
        start = int(first)
        end = int(last) + 1 if last else size
    except ValueError:
        return None
    if start < 0 or start >= size or end <= start:
        return None
    return start, min(end, size)


def resolve_range(options: dict[str, Any], size: int) -> tuple[int, int] | None:
    """The [start, end) asked for by `range` or `rangeHeader`; None for the whole object."""
    header = options.get("rangeHeader")
    if isinstance(header, str):
        return _header_range(header, size)
    rng = options.get("range")
    if not isinstance(rng, dict):
        return None
    offset, length, suffix = rng.get("offset"), rng.get("length"), rng.get("suffix")
    if suffix is not None:
        suffix = int(suffix)
        if suffix <= 0:
            raise invalid_range()
        suffix = min(suffix, size)
        offset, length = size - suffix, suffix
    offset = 0 if offset is None else int(offset)
    length = size - offset if length is None else int(length)
    if offset < 0 or offset > size or length <= 0:
        raise invalid_range()
    return offset, min(offset + length, size)


def _successor(prefix: str) -> str | None:
    """The least string above every string that starts with `prefix` (None: no bound)."""
    chars = list(prefix)
    while chars:
        c = ord(chars.pop())
        if c < 0x10FFFF:
            c += 1
            if 0xD800 <= c <= 0xDFFF:
                c = 0xE000
            return "".join(chars) + chr(c)
    return None


def object_meta(
    row: ObjectRow,
    *,
    http: bool = True,
    custom: bool = True,
    rng: tuple[int, int] | None = None,
    with_range: bool = False,
) -> dict[str, Any]:
    """An object as the facade builds its R2Object from."""
    checksums = dict(row.checksums)
    if row.blob is not None:
        checksums["md5"] = row.etag  # single-part objects always carry their MD5
    meta: dict[str, Any] = {
        "key": row.key,
        "version": row.version,
        "size": row.size,
        "etag": row.etag,
        "uploaded": row.uploaded,
        "checksums": checksums,
        "httpMetadata": row.http_metadata if http else None,
        "customMetadata": row.custom_metadata if custom else None,
        "storageClass": row.storage_class,
        "range": None,
    }
    if rng is not None:
        meta["range"] = {"offset": rng[0], "length": rng[1] - rng[0]}
    elif with_range:
        meta["range"] = {"offset": 0, "length": row.size}
    return meta


def clean_http_metadata(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        return {}
    out: dict[str, Any] = {}
    for name in HTTP_FIELDS:
        value = raw.get(name)
        if value is None:
            continue
        out[name] = value if name == "cacheExpiry" else str(value)
    return out


def clean_custom_metadata(raw: Any) -> dict[str, str]:
    if not isinstance(raw, dict):
        return {}
    return {str(k): str(v) for k, v in raw.items()}


# ---------------------------------------------------------------------- uploads
@dataclass
class Upload:
    """A put or part in progress: the blob being written and what to check at the end."""

    kind: str  # "put" | "part"
    key: str
    size: int
    writer: BlobWriter
    options: dict[str, Any]
    expected: dict[str, bytes]  # algorithm -> digest the caller gave
    upload_id: str = ""
    part_number: int = 0

    @property
    def action(self) -> str:
        return "put" if self.kind == "put" else "uploadPart"

    def write(self, chunk: bytes) -> None:
        if self.writer.size + len(chunk) > self.size:
            raise R2Error(
                10029, f"The body is longer than its declared length of {self.size} bytes."
            )
        self.writer.write(chunk)

    def discard(self) -> None:
        self.writer.discard()


@dataclass
class GetResult:
    meta: dict[str, Any]
    reader: BlobReader | None  # None: precondition failed, no body
    length: int


# A get that races an overwrite of its key reads the row again this many times.
GET_ATTEMPTS = 5


class R2Gateway:
    """One bucket's operations (blocking; run them off the event loop)."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store

    # -------------------------------------------------------------- read
    def head(self, key: str) -> dict[str, Any] | None:
        validate_key(key)
        row = self.store.get_row(key)
        return None if row is None else object_meta(row, with_range=True)

    def get(self, key: str, options: dict[str, Any]) -> GetResult | None:
        validate_key(key)
        for attempt in range(GET_ATTEMPTS):
            found = self.store.get_row_and_parts(key)
            if found is None:
                return None
            row, parts = found
            cond = options.get("onlyIf")
            if isinstance(cond, dict) and not condition_holds(cond, row):
                return GetResult(object_meta(row, with_range=True), None, 0)
            rng = resolve_range(options, row.size)
            start, end = rng if rng is not None else (0, row.size)
            try:
                reader = self.store.reader(row, parts, start, end)
            except FileNotFoundError:
                # Overwritten (here or by another process) between reading the row and
                # opening its file: read the new version.
                if attempt + 1 == GET_ATTEMPTS:
                    raise
                continue
            meta = object_meta(row, rng=(start, end))
            return GetResult(meta, reader, end - start)
        return None

    def list_objects(self, options: dict[str, Any]) -> dict[str, Any]:
        limit = options.get("limit")
        limit = MAX_LIST_KEYS if limit is None else int(limit)
        if limit < 1 or limit > MAX_LIST_KEYS:
            raise invalid_max_keys()
        prefix = str(options.get("prefix") or "")
        delimiter = options.get("delimiter") or None
        include = options.get("include") or []
        http, custom = "httpMetadata" in include, "customMetadata" in include
        after = options.get("startAfter")
        cursor = options.get("cursor")
        if cursor:
            try:
                from_cursor = base64.urlsafe_b64decode(cursor.encode() + b"==").decode("utf-8")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                raise R2Error(10029, "The cursor is not valid.") from None
            if after is None or from_cursor > after:
                after = from_cursor
        upper = _successor(prefix) if prefix else None
        objects: list[dict[str, Any]] = []
        prefixes: list[str] = []
        last: str | None = None
        lower = prefix
        truncated = False
        while True:
            rows = self.store.list_rows(lower, after, upper, min(limit + 1, 256))
            if not rows:
                break
            for row in rows:
                if len(objects) + len(prefixes) == limit:
                    truncated = True
                    break
                rest = row.key[len(prefix) :]
                at = rest.find(delimiter) if delimiter else -1
                if at >= 0:
                    assert delimiter is not None
                    group = prefix + rest[: at + len(delimiter)]
                    prefixes.append(group)
                    group_end = _successor(group)
                    last = self.store.last_key(group, group_end) or row.key
                    after = last
                    break  # query again past the group
                objects.append(object_meta(row, http=http, custom=custom))
                last = after = row.key
            if truncated:
                break
        result: dict[str, Any] = {
            "objects": objects,
            "truncated": truncated,
            "delimitedPrefixes": prefixes,
        }
        if truncated and last is not None:
            result["cursor"] = base64.urlsafe_b64encode(last.encode()).decode().rstrip("=")
        return result

    # -------------------------------------------------------------- write
    def begin_put(self, key: str, size: int, options: dict[str, Any]) -> Upload:
        validate_key(key)
        if size > MAX_VALUE_SIZE:
            raise entity_too_large()
        custom = clean_custom_metadata(options.get("customMetadata"))
        validate_metadata_size(custom)
        expected: dict[str, bytes] = {}
        for field, _ in HASHES:
            value = (options.get("checksums") or {}).get(field)
            if isinstance(value, str):
                expected[field] = bytes.fromhex(value)
        writer = self.store.writer(expected)
        return Upload("put", key, size, writer, options, expected)

    def finish_put(self, upload: Upload) -> dict[str, Any] | None:
        """Check the body, seal its blob, commit the row (if the precondition holds)."""
        writer = upload.writer
        try:
            self._check_body(upload)
        except BaseException:
            writer.discard()
            raise
        digests = writer.digests()
        checksums = {field: digests[field].hex() for field in upload.expected}
        options = upload.options
        blob = writer.seal()
        row = ObjectRow(
            key=upload.key,
            blob=blob,
            version=new_id(),
            size=writer.size,
            etag=digests["md5"].hex(),
            uploaded=int(time.time() * 1000),
            checksums=checksums,
            http_metadata=clean_http_metadata(options.get("httpMetadata")),
            custom_metadata=clean_custom_metadata(options.get("customMetadata")),
            storage_class=str(options.get("storageClass") or "Standard"),
        )
        cond = options.get("onlyIf")

        def check(current: ObjectRow | None) -> None:
            if isinstance(cond, dict) and not condition_holds(cond, current):
                raise PreconditionFailed(current)

        try:
            self.store.put_row(row, check)
        except PreconditionFailed:
            self.store.discard_blobs([blob])
            return None
        except BaseException:
            self.store.discard_blobs([blob])
            raise
        return object_meta(row)

    def _check_body(self, upload: Upload) -> None:
        writer = upload.writer
        if writer.size != upload.size:
            raise R2Error(
                10029,
                f"The body is {writer.size} bytes, not the {upload.size} its length declared.",
            )
        digests = writer.digests()
        for field, name in HASHES:
            want = upload.expected.get(field)
            if want is not None and want != digests[field]:
                raise bad_digest(name, want, digests[field])

    def delete(self, keys: list[str]) -> None:
        if not 1 <= len(keys) <= MAX_DELETE_KEYS:
            raise invalid_delete_count()
        for key in keys:
            validate_key(key)
        self.store.delete(keys)

    # -------------------------------------------------------------- multipart
    def create_multipart_upload(self, key: str, options: dict[str, Any]) -> str:
        validate_key(key)
        custom = clean_custom_metadata(options.get("customMetadata"))
        validate_metadata_size(custom)
        return self.store.create_upload(
            key,
            clean_http_metadata(options.get("httpMetadata")),
            custom,
            str(options.get("storageClass") or "Standard"),
        )

    def begin_part(self, key: str, upload_id: str, part_number: int, size: int) -> Upload:
        validate_key(key)
        if size > MAX_VALUE_SIZE:
            raise entity_too_large()
        if self.store.upload_state(key, upload_id) != UPLOAD_IN_PROGRESS:
            raise no_such_upload()
        upload = Upload("part", key, size, self.store.writer(), {}, {})
        upload.upload_id = upload_id
        upload.part_number = part_number
        return upload

    def finish_part(self, upload: Upload) -> dict[str, Any]:
        try:
            self._check_body(upload)
        except BaseException:
            upload.writer.discard()
            raise
        md5 = upload.writer.digests()["md5"].hex()
        size = upload.writer.size
        blob = upload.writer.seal()
        part = PartRow(upload.upload_id, upload.part_number, blob, size, new_id(), md5)

        def check(state: int | None) -> None:
            if state != UPLOAD_IN_PROGRESS:
                raise no_such_upload()

        try:
            self.store.put_part(upload.key, part, check)
        except BaseException:
            self.store.discard_blobs([blob])
            raise
        return {"partNumber": part.part_number, "etag": part.etag}

    def complete_multipart_upload(
        self, key: str, upload_id: str, selected: list[dict[str, Any]]
    ) -> dict[str, Any]:
        validate_key(key)

        def build(
            state: int | None, uploaded: dict[int, PartRow], meta: dict[str, Any]
        ) -> tuple[ObjectRow, list[int]]:
            if state is None:
                raise internal_error()
            if state != UPLOAD_IN_PROGRESS:
                raise no_such_upload()
            numbers = [int(p["partNumber"]) for p in selected]
            if len(set(numbers)) != len(numbers):
                raise internal_error()
            parts: list[PartRow] = []
            for p in selected:
                found = uploaded.get(int(p["partNumber"]))
                if found is None or found.etag != p.get("etag"):
                    raise invalid_part()
                parts.append(found)
            for part in parts[:-1]:
                if part.size < MIN_PART_SIZE:
                    raise entity_too_small()
            parts.sort(key=lambda p: p.part_number)
            first_size: int | None = None
            for part in parts[:-1]:
                first_size = part.size if first_size is None else first_size
                if part.size < MIN_PART_SIZE or part.size != first_size:
                    raise bad_upload()
            if first_size is not None and parts[-1].size > first_size:
                raise bad_upload()
            md5 = hashlib.md5()
            for part in parts:
                md5.update(bytes.fromhex(part.md5))
            row = ObjectRow(
                key=key,
                blob=None,
                version=new_id(),
                size=sum(p.size for p in parts),
                etag=f"{md5.hexdigest()}-{len(parts)}",
                uploaded=int(time.time() * 1000),
                checksums={},
                http_metadata=meta["http_metadata"],
                custom_metadata=meta["custom_metadata"],
                storage_class=meta["storage_class"],
            )
            return row, [p.part_number for p in parts]

        row = self.store.complete_upload(key, upload_id, build)
        return object_meta(row)

    def abort_multipart_upload(self, key: str, upload_id: str) -> None:
        validate_key(key)

        def check(state: int | None) -> bool:
            if state is None:
                raise internal_error()
            return state == UPLOAD_IN_PROGRESS

        self.store.abort_upload(key, upload_id, check)


def iter_reader(reader: BlobReader, piece: int) -> Iterator[bytes]:
    try:
        while chunk := reader.read(piece):
            yield chunk
    finally:
        reader.close()
