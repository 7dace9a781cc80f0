"""Where bindings keep their state: one state directory per project.

Backends sit behind small interfaces so that distributed ones (Redis, PostgreSQL,
S3-compatible stores) can replace the defaults later without touching the bindings:
today every binding gets a `StateDir` and keeps SQLite databases (WAL mode) and blob
files under its own folder.
"""

from pyworkerd.storage.state import (
    StateDir,
    fsync_dir,
    open_sqlite,
    remove_orphans,
    write_file_atomically,
)

__all__ = ["StateDir", "fsync_dir", "open_sqlite", "remove_orphans", "write_file_atomically"]
