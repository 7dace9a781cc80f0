"""R2 buckets: `env.<binding>` is an R2Bucket over a local bucket in the state directory.

Each bucket (named by `bucket_name`, else by the binding) is an `ObjectStore` from
`backend_for(state).objects("r2", <bucket>)` (by default a SQLite index and blob files
under `<state>/r2/`); gateway.py holds R2's semantics and errors, ops.py the host
operations the facade (facade.js) calls.
"""

from __future__ import annotations

from typing import Any

from pyworkerd.bindings.r2.gateway import R2Error, R2Gateway
from pyworkerd.bindings.r2.ops import make_ops
from pyworkerd.config import WorkerConfig
from pyworkerd.engine.hostops import HostOp
from pyworkerd.storage import StateDir, backend_for

__all__ = ["R2Error", "R2Gateway", "bucket_gateway", "build"]


def bucket_gateway(state: StateDir, bucket: str) -> R2Gateway:
    """The gateway over one bucket of a state directory (the CLI uses this too)."""
    return R2Gateway(backend_for(state).objects("r2", bucket))


def build(
    config: WorkerConfig, state: StateDir
) -> tuple[dict[str, dict[str, Any]], dict[str, HostOp]]:
    descriptors: dict[str, dict[str, Any]] = {}
    gateways: dict[str, R2Gateway] = {}
    for bucket in config.r2_buckets:
        name = bucket.bucket_name or bucket.binding
        descriptors[bucket.binding] = {"type": "r2_bucket", "bucket": name}
        gateways[bucket.binding] = bucket_gateway(state, name)
    if not gateways:
        return {}, {}
    return descriptors, make_ops(gateways)
