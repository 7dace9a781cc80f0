"""Where bindings keep their state: one state directory per project, and the storage
interfaces behind KV, R2 and D1 (and later Durable Objects, Queues, Cache).

- `KeyValueStore` (kv.py): ordered byte keys, values of any size, expiration, metadata,
  listing by prefix and cursor, atomic batches; `GroupCommit` (group.py) batches the
  writes of concurrent requests into one transaction.
- `BlobStore` (blobs.py): immutable blobs written piece by piece and sealed atomically,
  read from an offset as a stream, sized, deleted, listed.
- `ObjectStore` (objects.py): R2 buckets, an index in a `SqlDatabase` and bytes in a
  `BlobStore`.
- `SqlDatabase` (sql.py): a provider of SQLite connections (D1 is SQLite by nature).

`backend_for(state)` (backend.py) picks the implementations: SQLite files and blob
folders under the state directory (the default), or memory. Redis, PostgreSQL or
S3-compatible backends implement the same interfaces; the bindings never see files.
"""

from pyworkerd.storage.backend import Backend, FileBackend, MemoryBackend, backend_for
from pyworkerd.storage.blobs import BlobMissing, BlobStore, BlobWriter
from pyworkerd.storage.group import GroupCommit
from pyworkerd.storage.kv import (
    INLINE_MAX,
    KeyValueStore,
    KvDelete,
    KvEntry,
    KvPut,
    KvUpload,
    KvWrite,
    ListedKey,
)
from pyworkerd.storage.objects import ObjectStore
from pyworkerd.storage.sql import ConnectionThread, SqlDatabase
from pyworkerd.storage.state import (
    StateDir,
    fsync_dir,
    open_sqlite,
    remove_orphans,
    write_file_atomically,
    write_transaction,
)

__all__ = [
    "INLINE_MAX",
    "Backend",
    "BlobMissing",
    "BlobStore",
    "BlobWriter",
    "ConnectionThread",
    "FileBackend",
    "GroupCommit",
    "KeyValueStore",
    "KvDelete",
    "KvEntry",
    "KvPut",
    "KvUpload",
    "KvWrite",
    "ListedKey",
    "MemoryBackend",
    "ObjectStore",
    "SqlDatabase",
    "StateDir",
    "backend_for",
    "fsync_dir",
    "open_sqlite",
    "remove_orphans",
    "write_file_atomically",
    "write_transaction",
]
