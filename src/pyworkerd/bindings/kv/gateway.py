"""KV semantics: validation with Cloudflare's messages, expiry, listing, bulk reads.

The checks and their wording follow workerd (`src/workerd/api/kv.c++`: key names are
checked in the runtime, failures of the service become `Error("KV <OP> failed: <status>
<message>")`) and Miniflare's KV service (`workers/kv/validator.worker.ts`,
`namespace.worker.ts`), which is what `wrangler dev` runs. Nothing here knows HTTP or V8:
the host ops (`__init__`) and the CLI call it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, BinaryIO, TypeVar

from pyworkerd.storage import (
    GroupCommit,
    KeyValueStore,
    KvDelete,
    KvEntry,
    KvPut,
    KvUpload,
    ListedKey,
)

__all__ = [
    "CHUNK_MAX",
    "MAX_BULK_GET_KEYS",
    "MAX_BULK_SIZE",
    "MAX_KEY_SIZE",
    "MAX_LIST_KEYS",
    "MAX_METADATA_SIZE",
    "MAX_VALUE_SIZE",
    "MIN_CACHE_TTL",
    "MIN_EXPIRATION_TTL",
    "KVError",
    "KvGateway",
    "PendingPut",
    "validate_cache_ttl",
    "validate_key",
    "validate_key_length",
    "validate_key_name",
    "validate_list_options",
    "validate_put_options",
]

# As Cloudflare documents them, and as Miniflare enforces them (workers/kv/constants.ts).
MAX_KEY_SIZE = 512  # bytes of UTF-8
MAX_VALUE_SIZE = 25 * 1024 * 1024
MAX_METADATA_SIZE = 1024  # bytes of the JSON text
MAX_LIST_KEYS = 1000
MAX_BULK_GET_KEYS = 100
MAX_BULK_SIZE = 25 * 1024 * 1024
MIN_EXPIRATION_TTL = 60
MIN_CACHE_TTL = 30  # was 60 until 2025; Miniflare and the platform now accept 30
CHUNK_MAX = 256 * 1024  # the bridge's limit on the bytes of one host result
# Hot small values are served from memory while the database is unchanged (any commit,
# by this process or another, empties the cache): a get then needs no thread hop.
CACHE_VALUE_MAX = 64 * 1024
CACHE_BYTES = 16 * 1024 * 1024

T = TypeVar("T")


class KVError(Exception):
    """A failure of the KV service: the worker sees `Error("KV GET failed: 400 …")`."""

    def __init__(self, op: str, status: int, message: str) -> None:
        super().__init__(f"KV {op} failed: {status} {message}")
        self.op = op
        self.status = status
        self.message = message


class KeyNameError(TypeError):
    """A key name the runtime itself refuses (before any request): a TypeError."""


def _utf8(key: str) -> bytes:
    return key.encode("utf-8", "surrogatepass").decode("utf-8", "replace").encode()


# -- validation: one small function per input -------------------------------------------


def validate_key_name(op: str, key: str) -> bytes:
    """workerd's own check of a key name (kv.c++ validateKeyName); returns its UTF-8."""
    if key == "":
        raise KeyNameError("Key name cannot be empty.")
    if key == ".":
        raise KeyNameError('"." is not allowed as a key name.')
    if key == "..":
        raise KeyNameError('".." is not allowed as a key name.')
    data = _utf8(key)
    if len(data) > MAX_KEY_SIZE:
        raise KVError(
            op,
            414,
            f"UTF-8 encoded length of {len(data)} exceeds key length limit of {MAX_KEY_SIZE}.",
        )
    return data


def validate_key_length(op: str, key: str) -> bytes:
    data = _utf8(key)
    if len(data) > MAX_KEY_SIZE:
        raise KVError(
            op,
            414,
            f"UTF-8 encoded length of {len(data)} exceeds key length limit of {MAX_KEY_SIZE}.",
        )
    return data


def validate_key(op: str, key: str) -> bytes:
    """The service's check of a key (reached by bulk gets, which the runtime passes as is)."""
    if key == "":
        raise KVError(op, 400, "Key names must not be empty")
    if key in (".", ".."):
        raise KVError(op, 400, f'Illegal key name "{key}". Please use a different name.')
    return validate_key_length(op, key)


def validate_cache_ttl(op: str, cache_ttl: int | None) -> None:
    if cache_ttl is not None and cache_ttl < MIN_CACHE_TTL:
        raise KVError(
            op,
            400,
            f"Invalid cache_ttl of {cache_ttl}. Cache TTL must be at least {MIN_CACHE_TTL}.",
        )


def validate_put_options(
    now: int, expiration: int | None, expiration_ttl: int | None, metadata: str | None
) -> int | None:
    """The absolute expiration (seconds since the epoch) a put asks for, or None."""
    result: int | None = None
    if expiration_ttl is not None:
        if expiration_ttl <= 0:
            raise KVError(
                "PUT",
                400,
                f"Invalid expiration_ttl of {expiration_ttl}. "
                "Please specify integer greater than 0.",
            )
        if expiration_ttl < MIN_EXPIRATION_TTL:
            raise KVError(
                "PUT",
                400,
                f"Invalid expiration_ttl of {expiration_ttl}. "
                f"Expiration TTL must be at least {MIN_EXPIRATION_TTL}.",
            )
        result = now + expiration_ttl
    elif expiration is not None:
        if expiration <= now:
            raise KVError(
                "PUT",
                400,
                f"Invalid expiration of {expiration}. Please specify integer greater than the "
                "current number of seconds since the UNIX epoch.",
            )
        if expiration < now + MIN_EXPIRATION_TTL:
            raise KVError(
                "PUT",
                400,
                f"Invalid expiration of {expiration}. Expiration times must be at least "
                f"{MIN_EXPIRATION_TTL} seconds in the future.",
            )
        result = expiration
    if metadata is not None:
        length = len(metadata.encode("utf-8", "surrogatepass"))
        if length > MAX_METADATA_SIZE:
            raise KVError(
                "PUT",
                413,
                f"Metadata length of {length} exceeds limit of {MAX_METADATA_SIZE}.",
            )
    return result


def validate_value_size(length: int) -> None:
    if length > MAX_VALUE_SIZE:
        raise KVError("PUT", 413, f"Value length of {length} exceeds limit of {MAX_VALUE_SIZE}.")


def validate_list_options(limit: int | None, prefix: str | None) -> tuple[int, bytes]:
    if limit is not None:
        if limit < 1:
            raise KVError(
                "GET",
                400,
                f"Invalid key_count_limit of {limit}. Please specify an integer greater than 0.",
            )
        if limit > MAX_LIST_KEYS:
            raise KVError(
                "GET",
                400,
                f"Invalid key_count_limit of {limit}. "
                f"Please specify an integer less than {MAX_LIST_KEYS}.",
            )
    data = b"" if prefix is None else validate_key_length("GET", prefix)
    return (MAX_LIST_KEYS if limit is None else limit), data


def _decode_cursor(cursor: str | None) -> bytes | None:
    if cursor is None or cursor == "":
        return None
    try:
        return base64.b64decode(cursor + "=" * (-len(cursor) % 4), validate=False)
    except (binascii.Error, ValueError):
        return cursor.encode()


def _encode_cursor(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _is_json(text: str) -> bool:
    try:
        json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return False
    return True


# -- open reads and uploads, held between host calls ------------------------------------


class _OpenRead:
    __slots__ = ("file", "owner", "remaining", "touched")

    def __init__(self, file: BinaryIO, remaining: int, owner: tuple[str, int]) -> None:
        self.file = file
        self.remaining = remaining
        self.owner = owner
        self.touched = time.monotonic()


class PendingPut:
    """A put whose value arrives in pieces; validated before the first piece."""

    __slots__ = ("expiration", "key", "metadata", "owner", "size", "touched", "upload")

    def __init__(
        self,
        key: bytes,
        expiration: int | None,
        metadata: str | None,
        upload: KvUpload | None,
        owner: tuple[str, int],
    ) -> None:
        self.key = key
        self.expiration = expiration
        self.metadata = metadata
        self.upload = upload
        self.size = 0
        self.owner = owner
        self.touched = time.monotonic()


IDLE_TIMEOUT_S = 300.0  # an open read or upload nobody touched for this long is dropped
MAX_OPEN = 10_000


class KvGateway:
    """One namespace's semantics over its `KeyValueStore`; the store's work runs off the
    loop, and whole-value puts and deletes are group-committed."""

    def __init__(self, store: KeyValueStore) -> None:
        self.store = store
        self.clock = store.clock
        self._writes = GroupCommit(store)
        self._cache: OrderedDict[bytes, KvEntry | None] = OrderedDict()
        self._cache_bytes = 0
        self._cache_version = -1
        self._reads: dict[int, _OpenRead] = {}
        self._puts: dict[int, PendingPut] = {}
        self._next = 1

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.store.executor, fn, *args)

    def _token(self) -> int:
        token = self._next
        self._next += 1
        return token

    # ------------------------------------------------------------------ get
    async def get(
        self, key: str, cache_ttl: int | None, as_text: bool, owner: tuple[str, int] = ("", 0)
    ) -> tuple[Any, bytes | None]:
        """`None` when missing, else `[metadata, size, read token | None, text | None]` and
        the bytes: the whole value when it fits one result, else its first piece."""
        data = validate_key_name("GET", key)
        validate_cache_ttl("GET", cache_ttl)
        now = self.clock()
        version = self.store.version()
        if version != self._cache_version:
            self._cache.clear()
            self._cache_bytes = 0
            self._cache_version = version
        if data in self._cache:
            cached = self._cache[data]
            if cached is None:
                self._cache.move_to_end(data)
                return None, None
            if cached.expiration is None or cached.expiration > now:
                self._cache.move_to_end(data)
                return self._small(cached, as_text)
        found = await self._run(self.store.get_with_file, data, now)
        if found is None:
            self._remember(data, None, version)
            return None, None
        entry, file = found
        if file is None and entry.size <= CACHE_VALUE_MAX:
            self._remember(data, entry, version)
        if file is None:
            assert entry.value is not None
            value = entry.value
            if as_text and len(value) <= CHUNK_MAX:
                return [entry.metadata, entry.size, None, _text(value)], None
            if len(value) <= CHUNK_MAX:
                return [entry.metadata, entry.size, None, None], value
            file_value: bytes = value
            first = file_value[:CHUNK_MAX]
            token = self._open_memory(file_value, owner)
            return [entry.metadata, entry.size, token, None], first
        first = await self._run(file.read, CHUNK_MAX)
        if len(first) >= entry.size:
            file.close()
            return [entry.metadata, entry.size, None, None], first
        self._sweep()
        token = self._token()
        self._reads[token] = _OpenRead(file, entry.size - len(first), owner)
        return [entry.metadata, entry.size, token, None], first

    @staticmethod
    def _small(entry: KvEntry, as_text: bool) -> tuple[Any, bytes | None]:
        value = entry.value or b""
        if as_text:
            return [entry.metadata, entry.size, None, _text(value)], None
        return [entry.metadata, entry.size, None, None], value

    def _remember(self, key: bytes, entry: KvEntry | None, version: int) -> None:
        """Cache what a read found, unless something committed since the read began."""
        if self.store.version() != version or version != self._cache_version:
            return
        if key in self._cache:
            self._cache_bytes -= _cost(key, self._cache.pop(key))
        self._cache[key] = entry
        self._cache_bytes += _cost(key, entry)
        while self._cache_bytes > CACHE_BYTES and self._cache:
            self._cache_bytes -= _cost(*self._cache.popitem(last=False))

    def _open_memory(self, value: bytes, owner: tuple[str, int]) -> int:
        import io

        buf = io.BytesIO(value)
        buf.seek(CHUNK_MAX)
        token = self._token()
        self._reads[token] = _OpenRead(buf, len(value) - CHUNK_MAX, owner)
        return token

    async def read(self, token: int, worker: str) -> tuple[bool, bytes | None]:
        """The next piece of an open read, and whether it was the last (the read is then
        closed)."""
        state = self._reads.get(token)
        if state is None or state.owner[0] != worker:
            raise KVError("GET", 500, "The value is no longer available.")
        state.touched = time.monotonic()
        if state.remaining <= 0:
            self.close_read(token)
            return True, None
        piece = await self._run(state.file.read, min(CHUNK_MAX, state.remaining))
        state.remaining -= len(piece)
        if not piece or state.remaining <= 0:
            self.close_read(token)
            return True, piece or None
        return False, piece

    def close_read(self, token: int, worker: str | None = None) -> None:
        state = self._reads.get(token)
        if state is None or (worker is not None and state.owner[0] != worker):
            return
        del self._reads[token]
        state.file.close()

    # ------------------------------------------------------------------ bulk get
    async def get_bulk(
        self, keys: list[str], type_: str | None, with_metadata: bool, cache_ttl: int | None
    ) -> list[list[Any]]:
        """`[[key, text | None, metadata | None], …]` in request order (the service's
        checks and limits of `POST /bulk/get`)."""
        op = "GET_BULK"
        if type_ and type_ not in ("text", "json"):
            raise KVError(op, 400, f'"{type_}" is not a valid type. Use "json" or "text"')
        if len(keys) > MAX_BULK_GET_KEYS:
            raise KVError(op, 400, f"You can request a maximum of {MAX_BULK_GET_KEYS} keys")
        if len(keys) < 1:
            raise KVError(op, 400, "You must request a minimum of 1 key")
        return await self._run(self._get_bulk_sync, keys, type_ or "text", cache_ttl)

    def _get_bulk_sync(self, keys: list[str], type_: str, cache_ttl: int | None) -> list[list[Any]]:
        op = "GET_BULK"
        now = self.clock()
        out: list[list[Any]] = []
        total = 0
        for key in keys:
            data = validate_key(op, key)
            validate_cache_ttl(op, cache_ttl)
            entry = self.store.get(data, now)
            if entry is None:
                out.append([key, None, None])
                continue
            text = _text(self.store.value_bytes(entry))
            if type_ == "json" and not _is_json(text):
                raise KVError(
                    op,
                    400,
                    f"At least one of the requested keys corresponds to a non-{type_} value",
                )
            total += len(text.encode("utf-16-le")) // 2
            out.append([key, text, entry.metadata])
        if total > MAX_BULK_SIZE:
            raise KVError(
                op,
                413,
                f"Total size of request exceeds the limit of {MAX_BULK_SIZE // 1024 // 1024}MB",
            )
        return out

    # ------------------------------------------------------------------ put
    def _check_put(
        self,
        key: str,
        expiration: int | None,
        expiration_ttl: int | None,
        metadata: str | None,
        length: int | None,
    ) -> tuple[bytes, int | None]:
        data = validate_key_name("PUT", key)
        absolute = validate_put_options(int(self.clock()), expiration, expiration_ttl, metadata)
        if length is not None:
            validate_value_size(length)
        return data, absolute

    async def put(
        self,
        key: str,
        value: bytes,
        expiration: int | None = None,
        expiration_ttl: int | None = None,
        metadata: str | None = None,
    ) -> None:
        data, absolute = self._check_put(key, expiration, expiration_ttl, metadata, len(value))
        await self._writes.write(KvPut(data, value, absolute, metadata))

    async def put_start(
        self,
        key: str,
        expiration: int | None,
        expiration_ttl: int | None,
        metadata: str | None,
        length: int | None,
        owner: tuple[str, int] = ("", 0),
    ) -> int:
        data, absolute = self._check_put(key, expiration, expiration_ttl, metadata, length)
        upload = self.store.new_upload()
        self._sweep()
        token = self._token()
        self._puts[token] = PendingPut(data, absolute, metadata, upload, owner)
        return token

    def _pending(self, token: int, worker: str) -> PendingPut:
        pending = self._puts.get(token)
        if pending is None or pending.owner[0] != worker:
            raise KVError("PUT", 500, "The upload is no longer available.")
        pending.touched = time.monotonic()
        return pending

    async def put_write(self, token: int, chunk: bytes, worker: str = "") -> None:
        pending = self._pending(token, worker)
        pending.size += len(chunk)
        upload = pending.upload
        if upload is None:
            return
        if pending.size > MAX_VALUE_SIZE:
            # Too large: keep counting (the error names the whole length), store nothing.
            pending.upload = None
            await self._run(upload.discard)
            return
        await self._run(upload.write, chunk)

    async def put_commit(self, token: int, worker: str = "") -> None:
        pending = self._pending(token, worker)
        del self._puts[token]
        upload = pending.upload
        if upload is None:
            validate_value_size(pending.size)
            return
        try:
            await self._run(
                self.store.put, pending.key, upload, pending.expiration, pending.metadata
            )
        except BaseException:
            await self._run(upload.discard)
            raise

    async def put_abort(self, token: int, worker: str = "") -> None:
        pending = self._puts.get(token)
        if pending is None or pending.owner[0] != worker:
            return
        del self._puts[token]
        if pending.upload is not None:
            await self._run(pending.upload.discard)

    # ------------------------------------------------------------------ delete, list
    async def delete(self, key: str) -> None:
        data = validate_key_name("DELETE", key)
        await self._writes.write(KvDelete(data))

    async def list(
        self, limit: int | None = None, prefix: str | None = None, cursor: str | None = None
    ) -> dict[str, Any]:
        count, prefix_bytes = validate_list_options(limit, prefix)
        keys, more = await self._run(
            self.store.list, prefix_bytes, _decode_cursor(cursor), count, self.clock()
        )
        result: dict[str, Any] = {"keys": [_listed(k) for k in keys]}
        if more and keys:
            result["list_complete"] = False
            result["cursor"] = _encode_cursor(keys[-1].name)
        else:
            result["list_complete"] = True
        result["cacheStatus"] = None
        return result

    # ------------------------------------------------------------------ housekeeping
    def release(self, worker: str, request_id: int) -> None:
        """Drop the open reads and uploads of a finished request."""
        owner = (worker, request_id)
        for token in [t for t, s in self._reads.items() if s.owner == owner]:
            self.close_read(token)
        for token in [t for t, p in self._puts.items() if p.owner == owner]:
            pending = self._puts.pop(token)
            if pending.upload is not None:
                pending.upload.discard()

    def _sweep(self) -> None:
        now = time.monotonic()
        if len(self._reads) + len(self._puts) < MAX_OPEN and not any(
            now - s.touched > IDLE_TIMEOUT_S for s in self._reads.values()
        ):
            return
        for token in [t for t, s in self._reads.items() if now - s.touched > IDLE_TIMEOUT_S]:
            self.close_read(token)
        for token in [t for t, p in self._puts.items() if now - p.touched > IDLE_TIMEOUT_S]:
            pending = self._puts.pop(token)
            if pending.upload is not None:
                pending.upload.discard()


def _cost(key: bytes, entry: KvEntry | None) -> int:
    return len(key) + (0 if entry is None else entry.size)


def _listed(key: ListedKey) -> dict[str, Any]:
    out: dict[str, Any] = {"name": key.name.decode("utf-8", "replace")}
    if key.expiration is not None:
        out["expiration"] = key.expiration
    if key.metadata is not None:
        out["metadata"] = key.metadata  # JSON text: the runtime parses it, as workerd does
    return out
