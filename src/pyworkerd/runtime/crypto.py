"""Host operations behind `crypto.subtle`: they run in Python (hashlib, cryptography),
off the isolate's thread."""

from __future__ import annotations

import hashlib

from pyworkerd.engine.hostops import HostCall, HostError, HostResult, runtime_op

__all__ = ["DIGESTS", "digest"]

# WebCrypto names -> hashlib names; MD5 is workerd's non-standard extra.
DIGESTS = {
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
    "MD5": "md5",
}


@runtime_op("crypto.digest")
async def digest(call: HostCall) -> HostResult:
    algorithm = DIGESTS.get(str(call.args).upper())
    if algorithm is None:
        raise HostError("NotSupportedError", f'Unrecognized name "{call.args}".')
    return None, hashlib.new(algorithm, call.payload or b"").digest()
