"""Host operations behind `crypto.subtle`: they run in Python (hashlib, cryptography).

The JS half (js/66_crypto.js) normalises algorithms, checks usages and owns the CryptoKey
objects; these ops do the cryptography. Key material travels as bytes: a secret key's raw
bytes, an asymmetric private key as PKCS#8 DER, a public key as SPKI DER.

Binary arguments: the call's payload is the concatenation of several buffers whose sizes are
`args["sizes"]`; inside `args`, `{"$b": i}` stands for buffer i. Results larger than one
bridge piece are parked and read back in pieces with `crypto.take`.

PBKDF2 refuses more than 100,000 iterations, as Cloudflare's production runtime does (a
local workerd does not; enforcing it here stops a worker that only works locally).
Work on large inputs, RSA key generation and PBKDF2 runs on a worker thread.

Ops: crypto.digest, crypto.importKey, crypto.exportKey, crypto.generateKey, crypto.sign,
crypto.verify, crypto.encrypt, crypto.decrypt, crypto.deriveBits, crypto.take,
crypto.digestStream.open / .update / .finish / .abort.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import os
from collections import OrderedDict
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, x25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.hazmat.primitives.keywrap import (
    InvalidUnwrap,
    aes_key_unwrap,
    aes_key_wrap,
)

from pyworkerd.engine.hostops import HostCall, HostError, HostResult, runtime_op

__all__ = ["DIGESTS", "PBKDF2_MAX_ITERATIONS", "digest"]

# WebCrypto names -> hashlib names; MD5 is workerd's non-standard extra.
DIGESTS = {
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
    "MD5": "md5",
}
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "SHA-1": hashes.SHA1,
    "SHA-256": hashes.SHA256,
    "SHA-384": hashes.SHA384,
    "SHA-512": hashes.SHA512,
    "MD5": hashes.MD5,
}
_CURVES: dict[str, type[ec.EllipticCurve]] = {
    "P-256": ec.SECP256R1,
    "P-384": ec.SECP384R1,
    "P-521": ec.SECP521R1,
}
_CURVE_BYTES = {"P-256": 32, "P-384": 48, "P-521": 66}
_CURVE_BITS = {"P-256": 256, "P-384": 384, "P-521": 521}
# Cloudflare's limit on one PBKDF2 derivation (production workerd; see the module doc).
PBKDF2_MAX_ITERATIONS = 100_000
RSA_ALGS = ("RSASSA-PKCS1-v1_5", "RSA-PSS", "RSA-OAEP")
EC_ALGS = ("ECDSA", "ECDH")
OKP_ALGS = ("Ed25519", "NODE-ED25519", "X25519")
SECRET_ALGS = ("AES-CTR", "AES-CBC", "AES-GCM", "AES-KW", "HMAC", "PBKDF2", "HKDF")

# Work above this many bytes (or any RSA key generation, PBKDF2) runs on a worker thread.
_OFFLOAD_BYTES = 64 * 1024
# One bridge piece (engine.isolate.CHUNK_MAX); longer results are parked for crypto.take.
_PIECE = 256 * 1024
# Per worker: results waiting for crypto.take, and open DigestStreams (oldest dropped).
_PARKED_MAX = 64
_STREAMS_MAX = 1024

_PrivateKey = Any
_PublicKey = Any


# ---------------------------------------------------------------------------------------
# helpers


def _err(name: str, message: str) -> HostError:
    return HostError(name, message)


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64u(text: Any, field: str) -> bytes:
    if not isinstance(text, str):
        raise _err("DataError", f'Invalid JWK: "{field}" must be a string.')
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise _err("DataError", f'Invalid JWK: "{field}" is not valid base64url.') from exc


def _int_bytes(n: int, length: int | None = None) -> bytes:
    return n.to_bytes(length or max(1, (n.bit_length() + 7) // 8), "big")


def _unpack(call: HostCall) -> list[bytes]:
    args = call.args if isinstance(call.args, dict) else {}
    sizes = args.get("sizes") or []
    payload = call.payload or b""
    out: list[bytes] = []
    pos = 0
    for size in sizes:
        out.append(payload[pos : pos + int(size)])
        pos += int(size)
    return out


def _resolve(value: Any, bufs: list[bytes]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$b"}:
            return bufs[int(value["$b"])]
        return {k: _resolve(v, bufs) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, bufs) for v in value]
    return value


def _args(call: HostCall) -> dict[str, Any]:
    bufs = _unpack(call)
    args = call.args if isinstance(call.args, dict) else {}
    resolved: dict[str, Any] = _resolve({k: v for k, v in args.items() if k != "sizes"}, bufs)
    return resolved


def _hash(name: Any) -> hashes.HashAlgorithm:
    cls = _HASHES.get(str(name))
    if cls is None:
        raise _err("NotSupportedError", "Unrecognized or unimplemented digest algorithm requested.")
    return cls()


async def _run(heavy: bool, fn: Any, *args: Any) -> Any:
    if heavy:
        return await asyncio.to_thread(fn, *args)
    return fn(*args)


_parked: dict[str, OrderedDict[str, bytes]] = {}


def _result(call: HostCall, value: Any, data: bytes) -> HostResult:
    """Bytes that fit one bridge piece go back directly; longer ones are parked."""
    if len(data) <= _PIECE:
        return value, data
    token = _b64u(os.urandom(16))
    parked = _parked.setdefault(call.worker, OrderedDict())
    parked[token] = data
    while len(parked) > _PARKED_MAX:
        parked.popitem(last=False)
    return {"value": value, "parked": token, "length": len(data)}, None


@runtime_op("crypto.take")
async def take(call: HostCall) -> HostResult:
    token = str(call.args.get("token"))
    offset = int(call.args.get("offset", 0))
    parked = _parked.get(call.worker, OrderedDict())
    data = parked.get(token)
    if data is None:
        raise _err("OperationError", "The operation's result is no longer available.")
    piece = data[offset : offset + _PIECE]
    if offset + len(piece) >= len(data):
        parked.pop(token, None)
        if not parked:
            _parked.pop(call.worker, None)
    return None, piece


# ---------------------------------------------------------------------------------------
# digest


@runtime_op("crypto.digest")
async def digest(call: HostCall) -> HostResult:
    algorithm = DIGESTS.get(str(call.args).upper())
    if algorithm is None:
        raise HostError(
            "NotSupportedError", "Unrecognized or unimplemented digest algorithm requested."
        )
    data = call.payload or b""
    out = await _run(len(data) > _OFFLOAD_BYTES, lambda: hashlib.new(algorithm, data).digest())
    return None, out


_streams: dict[str, OrderedDict[int, Any]] = {}
_stream_ids = itertools.count(1)


@runtime_op("crypto.digestStream.open")
async def digest_stream_open(call: HostCall) -> HostResult:
    algorithm = DIGESTS.get(str(call.args).upper())
    if algorithm is None:
        raise HostError(
            "NotSupportedError", "Unrecognized or unimplemented digest algorithm requested."
        )
    sid = next(_stream_ids)
    streams = _streams.setdefault(call.worker, OrderedDict())
    streams[sid] = hashlib.new(algorithm)
    while len(streams) > _STREAMS_MAX:
        streams.popitem(last=False)
    return sid, None


def _close_stream(call: HostCall) -> Any:
    streams = _streams.get(call.worker)
    state = None if streams is None else streams.pop(int(call.args), None)
    if streams is not None and not streams:
        _streams.pop(call.worker, None)
    return state


@runtime_op("crypto.digestStream.update")
async def digest_stream_update(call: HostCall) -> HostResult:
    streams = _streams.get(call.worker)
    state = None if streams is None else streams.get(int(call.args))
    if state is None:
        raise HostError("Error", "The DigestStream is no longer available.")
    data = call.payload or b""
    await _run(len(data) > _OFFLOAD_BYTES, state.update, data)
    return None, None


@runtime_op("crypto.digestStream.finish")
async def digest_stream_finish(call: HostCall) -> HostResult:
    state = _close_stream(call)
    if state is None:
        raise HostError("Error", "The DigestStream is no longer available.")
    return None, state.digest()


@runtime_op("crypto.digestStream.abort")
async def digest_stream_abort(call: HostCall) -> HostResult:
    _close_stream(call)
    return None, None


# ---------------------------------------------------------------------------------------
# key material


@lru_cache(maxsize=256)
def _load_private(der: bytes) -> _PrivateKey:
    return serialization.load_der_private_key(der, None)


@lru_cache(maxsize=256)
def _load_public(der: bytes) -> _PublicKey:
    return serialization.load_der_public_key(der)


def _private_der(key: _PrivateKey) -> bytes:
    der: bytes = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return der


def _public_der(key: _PublicKey) -> bytes:
    der: bytes = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return der


def _key_object(key: dict[str, Any], material: bytes) -> Any:
    if key["type"] == "private":
        return _load_private(material)
    return _load_public(material)


def _curve_name(curve: ec.EllipticCurve) -> str | None:
    for name, cls in _CURVES.items():
        if isinstance(curve, cls):
            return name
    return None


def _info(name: str, obj: Any, kind: str) -> dict[str, Any]:
    """The KeyAlgorithm members the key itself determines, and its type."""
    info: dict[str, Any] = {"type": kind}
    if name in RSA_ALGS:
        numbers = obj.public_key().public_numbers() if kind == "private" else obj.public_numbers()
        info["modulusLength"] = obj.key_size
        info["publicExponent"] = list(_int_bytes(numbers.e))
    elif name in EC_ALGS:
        info["namedCurve"] = _curve_name(obj.curve)
    return info


def _expect_type(name: str, obj: Any, private: bool) -> None:
    if name in RSA_ALGS:
        ok = isinstance(obj, rsa.RSAPrivateKey if private else rsa.RSAPublicKey)
    elif name in EC_ALGS:
        ok = isinstance(obj, ec.EllipticCurvePrivateKey if private else ec.EllipticCurvePublicKey)
    elif name == "X25519":
        ok = isinstance(obj, x25519.X25519PrivateKey if private else x25519.X25519PublicKey)
    else:
        ok = isinstance(obj, ed25519.Ed25519PrivateKey if private else ed25519.Ed25519PublicKey)
    if not ok:
        raise _err(
            "DataError", f"Key data is not a {name} {'private' if private else 'public'} key."
        )


def _check_curve(name: str, alg: dict[str, Any], obj: Any) -> None:
    if name in EC_ALGS:
        curve = _curve_name(obj.curve)
        if curve is None or curve != alg.get("namedCurve"):
            raise _err(
                "DataError",
                f'"algorithm.namedCurve" "{alg.get("namedCurve")}" does not match the curve '
                f'of the imported key ("{curve}").',
            )


# ---------------------------------------------------------------------------------------
# importKey


_JWK_ALG = {
    ("AES-CTR", 16): "A128CTR", ("AES-CTR", 24): "A192CTR", ("AES-CTR", 32): "A256CTR",
    ("AES-CBC", 16): "A128CBC", ("AES-CBC", 24): "A192CBC", ("AES-CBC", 32): "A256CBC",
    ("AES-GCM", 16): "A128GCM", ("AES-GCM", 24): "A192GCM", ("AES-GCM", 32): "A256GCM",
    ("AES-KW", 16): "A128KW", ("AES-KW", 24): "A192KW", ("AES-KW", 32): "A256KW",
}  # fmt: skip
_HMAC_JWK = {"SHA-1": "HS1", "SHA-256": "HS256", "SHA-384": "HS384", "SHA-512": "HS512"}
_RSA_JWK = {
    "RSASSA-PKCS1-v1_5": {
        "SHA-1": "RS1",
        "SHA-256": "RS256",
        "SHA-384": "RS384",
        "SHA-512": "RS512",
    },
    "RSA-PSS": {"SHA-1": "PS1", "SHA-256": "PS256", "SHA-384": "PS384", "SHA-512": "PS512"},
    "RSA-OAEP": {
        "SHA-1": "RSA-OAEP",
        "SHA-256": "RSA-OAEP-256",
        "SHA-384": "RSA-OAEP-384",
        "SHA-512": "RSA-OAEP-512",
    },
}
_EC_JWK = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}


def _jwk_alg_check(jwk: dict[str, Any], expected: str | None, what: str) -> None:
    alg = jwk.get("alg")
    if alg is not None and expected is not None and alg != expected:
        raise _err("DataError", f'JWK "alg" field "{alg}" does not match the {what}.')


def _import_secret(name: str, fmt: str, alg: dict[str, Any], data: bytes, jwk: Any) -> HostResult:
    if fmt == "jwk":
        if jwk.get("kty") != "oct":
            raise _err(
                "DataError",
                'Symmetric "jwk" key import requires a JSON Web Key with Key Type parameter '
                f'"kty" equal to "oct" (encountered "{jwk.get("kty")}").',
            )
        try:
            data = _unb64u(jwk.get("k"), "k")
        except HostError as exc:
            raise _err(
                "DataError",
                'Symmetric "jwk" key import requires a base64Url encoding of the key.',
            ) from exc
    elif fmt != "raw":
        raise _err("NotSupportedError", f'Unrecognized key import format "{fmt}".')
    bits = len(data) * 8
    if name.startswith("AES-"):
        if len(data) not in (16, 24, 32):
            raise _err(
                "DataError",
                f"Imported AES key length must be 128, 192, or 256 bits but provided {bits}.",
            )
        expected = _JWK_ALG[(name, len(data))]
        if fmt == "jwk" and jwk.get("alg") not in (None, expected):
            raise _err(
                "DataError",
                f'Symmetric "jwk" key contains invalid "alg" value "{jwk.get("alg")}", '
                f'expected "{expected}".',
            )
        return {"type": "secret", "length": bits}, data
    if name == "HMAC":
        if fmt == "jwk":
            _jwk_alg_check(jwk, _HMAC_JWK.get(str(alg["hash"]["name"])), "hash algorithm")
        if alg.get("length") == 0:
            raise _err("DataError", "Imported HMAC key length (0) must be a non-zero value.")
        length = alg.get("length", bits)
        if length == 0 or not (bits - 8 < length <= bits):
            raise _err(
                "DataError",
                f"Imported HMAC key length ({length}) must be a non-zero value up to 7 bits "
                f"less than, and no greater than, the bit length of the raw key data ({bits}).",
            )
        return {"type": "secret", "length": length}, data
    # PBKDF2 / HKDF
    if fmt != "raw":
        raise _err("NotSupportedError", f'{name} keys can only be imported in "raw" format.')
    return {"type": "secret"}, data


def _rsa_from_jwk(jwk: dict[str, Any]) -> tuple[Any, bool]:
    if jwk.get("kty") != "RSA":
        raise _err("DataError", 'JWK "kty" field must be "RSA" for an RSA key.')

    def num(field: str) -> int:
        return int.from_bytes(_unb64u(jwk.get(field), field), "big")

    public = rsa.RSAPublicNumbers(num("e"), num("n"))
    if "d" not in jwk:
        return public.public_key(), False
    fields = ("p", "q", "dp", "dq", "qi")
    if not all(f in jwk for f in fields):
        raise _err("DataError", "Invalid RSA private key: JWK lacks the CRT parameters.")
    numbers = rsa.RSAPrivateNumbers(
        num("p"), num("q"), num("d"), num("dp"), num("dq"), num("qi"), public
    )
    return numbers.private_key(), True


def _ec_from_jwk(name: str, alg: dict[str, Any], jwk: dict[str, Any]) -> tuple[Any, bool]:
    if jwk.get("kty") != "EC":
        raise _err("DataError", 'JWK "kty" field must be "EC" for an elliptic curve key.')
    crv = jwk.get("crv")
    if crv != alg.get("namedCurve"):
        raise _err("DataError", f'JWK "crv" field "{crv}" does not match "algorithm.namedCurve".')
    curve = _CURVES[str(crv)]()
    size = _CURVE_BYTES[str(crv)]
    x, y = _unb64u(jwk.get("x"), "x"), _unb64u(jwk.get("y"), "y")
    if len(x) != size or len(y) != size:
        raise _err("DataError", "Invalid EC key in JSON Web Key; x and y have the wrong length.")
    pub = ec.EllipticCurvePublicNumbers(int.from_bytes(x, "big"), int.from_bytes(y, "big"), curve)
    if "d" in jwk:
        d = _unb64u(jwk.get("d"), "d")
        if len(d) != size:
            raise _err("DataError", "Invalid EC key in JSON Web Key; d has the wrong length.")
        if name == "ECDSA":
            _jwk_alg_check(jwk, _EC_JWK[str(crv)], "curve")
        return ec.EllipticCurvePrivateNumbers(int.from_bytes(d, "big"), pub).private_key(), True
    if name == "ECDSA":
        _jwk_alg_check(jwk, _EC_JWK[str(crv)], "curve")
    return pub.public_key(), False


def _okp_classes(name: str) -> tuple[Any, Any]:
    if name == "X25519":
        return x25519.X25519PrivateKey, x25519.X25519PublicKey
    return ed25519.Ed25519PrivateKey, ed25519.Ed25519PublicKey


def _okp_from_jwk(name: str, jwk: dict[str, Any]) -> tuple[Any, bool]:
    crv = "X25519" if name == "X25519" else "Ed25519"
    if jwk.get("kty") != "OKP":
        raise _err("DataError", 'JWK "kty" field must be "OKP" for an Ed25519 or X25519 key.')
    if jwk.get("crv") != crv:
        raise _err("DataError", f'JWK "crv" field must be "{crv}".')
    if crv == "Ed25519" and jwk.get("alg") not in (None, "EdDSA", "Ed25519"):
        raise _err("DataError", 'JWK "alg" field must be "EdDSA" for an Ed25519 key.')
    priv_cls, pub_cls = _okp_classes(name)
    x = _unb64u(jwk.get("x"), "x")
    try:
        if "d" in jwk:
            d = _unb64u(jwk.get("d"), "d")
            key = priv_cls.from_private_bytes(d)
            if key.public_key().public_bytes_raw() != x:
                raise _err(
                    "DataError", "Invalid JWK: the public key does not match the private key."
                )
            return key, True
        return pub_cls.from_public_bytes(x), False
    except ValueError as exc:
        raise _err("DataError", f"Invalid {name} key in JSON Web Key.") from exc


@runtime_op("crypto.importKey")
async def import_key(call: HostCall) -> HostResult:
    return _import_key(_args(call))


def _import_key(args: dict[str, Any]) -> HostResult:
    fmt: str = args["format"]
    alg: dict[str, Any] = args["alg"]
    name: str = alg["name"]
    data: bytes = args.get("data") or b""
    jwk: Any = args.get("jwk")
    if name in SECRET_ALGS:
        return _import_secret(name, fmt, alg, data, jwk)
    private: bool
    obj: Any
    try:
        if fmt in ("spki", "pkcs8"):
            obj, private = _load_der(fmt, data), fmt == "pkcs8"
        elif fmt == "raw":
            if name in RSA_ALGS:
                raise _err("NotSupportedError", f'Unrecognized key import format "raw" for {name}.')
            if name in EC_ALGS:
                curve = _CURVES[alg["namedCurve"]]()
                obj = ec.EllipticCurvePublicKey.from_encoded_point(curve, data)
            else:
                obj = _okp_classes(name)[1].from_public_bytes(data)
            private = False
        elif fmt == "jwk":
            if name in RSA_ALGS:
                obj, private = _rsa_from_jwk(jwk)
                _jwk_alg_check(jwk, _RSA_JWK[name].get(str(alg["hash"]["name"])), "hash algorithm")
            elif name in EC_ALGS:
                obj, private = _ec_from_jwk(name, alg, jwk)
            else:
                obj, private = _okp_from_jwk(name, jwk)
        else:
            raise _err("NotSupportedError", f'Unrecognized key import format "{fmt}".')
    except HostError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise _err("DataError", f"Invalid {fmt} key data for {name}.") from exc
    _expect_type(name, obj, private)
    _check_curve(name, alg, obj)
    kind = "private" if private else "public"
    der = _private_der(obj) if private else _public_der(obj)
    return _info(name, obj, kind), der


def _der_length(data: bytes) -> int | None:
    """The length of the DER element at the start of `data` (None if it is not one)."""
    if len(data) < 2:
        return None
    first = data[1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if count == 0 or count > 4 or len(data) < 2 + count:
        return None
    return 2 + count + int.from_bytes(data[2 : 2 + count], "big")


def _load_der(fmt: str, data: bytes) -> Any:
    """An SPKI / PKCS#8 key, with workerd's errors for bad input and trailing bytes."""
    label = "SPKI" if fmt == "spki" else "PKCS8"
    load = _load_public if fmt == "spki" else _load_private
    end = _der_length(data)
    try:
        if end is not None and end < len(data):
            load(data[:end])
            raise _err(
                "DataError", f"Invalid {len(data) - end} trailing bytes after {label} input."
            )
        return load(data)
    except (ValueError, TypeError) as exc:
        raise _err("DataError", f"Invalid {label} input.") from exc
    except UnsupportedAlgorithm as exc:
        raise _err("DataError", f"Invalid {label} input.") from exc


# ---------------------------------------------------------------------------------------
# exportKey


@runtime_op("crypto.exportKey")
async def export_key(call: HostCall) -> HostResult:
    args = _args(call)
    fmt: str = args["format"]
    alg: dict[str, Any] = args["alg"]
    kind: str = args["type"]
    name: str = alg["name"]
    material: bytes = args["material"]
    if kind == "secret":
        if fmt == "raw":
            return None, material
        if fmt != "jwk":
            raise _err(
                "NotSupportedError",
                f'{name} key only supports exporting "raw" & "jwk", not "{fmt}".',
            )
        jwk: dict[str, Any] = {"kty": "oct", "k": _b64u(material)}
        if name == "HMAC":
            jwk["alg"] = _HMAC_JWK.get(alg["hash"]["name"])
        else:
            jwk["alg"] = _JWK_ALG.get((name, len(material)))
        return {k: v for k, v in jwk.items() if v is not None}, None
    obj = _key_object({"type": kind}, material)
    if fmt == "spki":
        if kind != "public":
            raise _err(
                "InvalidAccessError", f'Asymmetric spki export requires public key (not "{kind}").'
            )
        return None, material
    if fmt == "pkcs8":
        if kind != "private":
            raise _err(
                "InvalidAccessError",
                f'Asymmetric pkcs8 export requires private key (not "{kind}").',
            )
        return None, material
    if fmt == "raw":
        if name in RSA_ALGS:
            raise _err("InvalidAccessError", f'Cannot export "{name}" in "raw" format.')
        if kind != "public":
            raise _err(
                "InvalidAccessError", f"Raw export of {name} keys is only allowed for public keys."
            )
        if name in EC_ALGS:
            raw: bytes = obj.public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
            return None, raw
        return None, obj.public_bytes_raw()
    if fmt != "jwk":
        raise _err("InvalidAccessError", f'Cannot export "{name}" in "{fmt}" format.')
    return _export_jwk(name, alg, kind, obj), None


def _export_jwk(name: str, alg: dict[str, Any], kind: str, obj: Any) -> dict[str, Any]:
    private = kind == "private"
    if name in RSA_ALGS:
        pub = obj.public_key().public_numbers() if private else obj.public_numbers()
        jwk: dict[str, Any] = {
            "kty": "RSA",
            "n": _b64u(_int_bytes(pub.n)),
            "e": _b64u(_int_bytes(pub.e)),
        }
        if private:
            n = obj.private_numbers()
            jwk.update(
                d=_b64u(_int_bytes(n.d)), p=_b64u(_int_bytes(n.p)), q=_b64u(_int_bytes(n.q)),
                dp=_b64u(_int_bytes(n.dmp1)), dq=_b64u(_int_bytes(n.dmq1)),
                qi=_b64u(_int_bytes(n.iqmp)),
            )  # fmt: skip
        jwk["alg"] = _RSA_JWK[name].get(alg["hash"]["name"])
        return {k: v for k, v in jwk.items() if v is not None}
    if name in EC_ALGS:
        crv = alg["namedCurve"]
        size = _CURVE_BYTES[crv]
        pub = obj.public_key().public_numbers() if private else obj.public_numbers()
        jwk = {
            "kty": "EC",
            "crv": crv,
            "x": _b64u(_int_bytes(pub.x, size)),
            "y": _b64u(_int_bytes(pub.y, size)),
        }
        if private:
            jwk["d"] = _b64u(_int_bytes(obj.private_numbers().private_value, size))
        return jwk
    crv = "X25519" if name == "X25519" else "Ed25519"
    pub_obj = obj.public_key() if private else obj
    jwk = {"kty": "OKP", "crv": crv, "x": _b64u(pub_obj.public_bytes_raw())}
    if private:
        jwk["d"] = _b64u(obj.private_bytes_raw())
    if crv == "Ed25519":
        jwk["alg"] = "EdDSA"
    return jwk


# ---------------------------------------------------------------------------------------
# generateKey


@runtime_op("crypto.generateKey")
async def generate_key(call: HostCall) -> HostResult:
    alg: dict[str, Any] = _args(call)["alg"]
    name: str = alg["name"]
    if name in SECRET_ALGS:
        return None, os.urandom(int(alg["length"]) // 8)
    obj: Any
    if name in RSA_ALGS:
        exponent = int.from_bytes(bytes(alg["publicExponent"]), "big")
        bits = int(alg["modulusLength"])
        if exponent not in (3, 65537):
            raise _err(
                "OperationError",
                f'The "publicExponent" must be either 3 or 65537, but got {exponent}.',
            )
        if bits < 256 or bits > 16384 or bits % 8:
            raise _err(
                "OperationError",
                "The modulus length must be a multiple of 8 and between "
                f"256 and 16384, but provided {bits}.",
            )
        obj = await asyncio.to_thread(rsa.generate_private_key, exponent, bits)
    elif name in EC_ALGS:
        obj = ec.generate_private_key(_CURVES[alg["namedCurve"]]())
    elif name == "X25519":
        obj = x25519.X25519PrivateKey.generate()
    else:
        obj = ed25519.Ed25519PrivateKey.generate()
    priv = _private_der(obj)
    pub = _public_der(obj.public_key())
    info = _info(name, obj, "private")
    info["privateLength"] = len(priv)
    return info, priv + pub


# ---------------------------------------------------------------------------------------
# sign / verify


def _ecdsa_raw(der: bytes, size: int) -> bytes:
    r, s = decode_dss_signature(der)
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def _sign(alg: dict[str, Any], key: dict[str, Any], material: bytes, data: bytes) -> bytes:
    name = key["algorithm"]["name"]
    if name == "HMAC":
        return hmac.new(material, data, DIGESTS[key["algorithm"]["hash"]["name"]]).digest()
    obj = _key_object(key, material)
    if name == "RSASSA-PKCS1-v1_5":
        sig: bytes = obj.sign(data, padding.PKCS1v15(), _hash(key["algorithm"]["hash"]["name"]))
        return sig
    if name == "RSA-PSS":
        h = _hash(key["algorithm"]["hash"]["name"])
        salt = int(alg["saltLength"])
        max_salt = (obj.key_size + 7) // 8 - h.digest_size - 2
        if salt > max_salt:
            raise _err(
                "OperationError", "Failed to sign: the salt length is too long for this key."
            )
        sig = obj.sign(data, padding.PSS(padding.MGF1(h), salt), h)
        return sig
    if name == "ECDSA":
        der = obj.sign(data, ec.ECDSA(_hash(alg["hash"]["name"])))
        return _ecdsa_raw(der, _CURVE_BYTES[key["algorithm"]["namedCurve"]])
    sig = obj.sign(data)
    return sig


def _verify(
    alg: dict[str, Any], key: dict[str, Any], material: bytes, sig: bytes, data: bytes
) -> bool:
    name = key["algorithm"]["name"]
    if name == "HMAC":
        mac = hmac.new(material, data, DIGESTS[key["algorithm"]["hash"]["name"]]).digest()
        return hmac.compare_digest(mac, sig)
    obj = _key_object(key, material)
    try:
        if name == "RSASSA-PKCS1-v1_5":
            obj.verify(sig, data, padding.PKCS1v15(), _hash(key["algorithm"]["hash"]["name"]))
        elif name == "RSA-PSS":
            h = _hash(key["algorithm"]["hash"]["name"])
            obj.verify(sig, data, padding.PSS(padding.MGF1(h), int(alg["saltLength"])), h)
        elif name == "ECDSA":
            size = _CURVE_BYTES[key["algorithm"]["namedCurve"]]
            if len(sig) != 2 * size:
                return False
            r, s = int.from_bytes(sig[:size], "big"), int.from_bytes(sig[size:], "big")
            obj.verify(encode_dss_signature(r, s), data, ec.ECDSA(_hash(alg["hash"]["name"])))
        else:
            obj.verify(sig, data)
    except (InvalidSignature, ValueError):
        return False
    return True


@runtime_op("crypto.sign")
async def sign(call: HostCall) -> HostResult:
    a = _args(call)
    data: bytes = a["data"]
    out = await _run(len(data) > _OFFLOAD_BYTES, _sign, a["alg"], a["key"], a["material"], data)
    return _result(call, None, out)


@runtime_op("crypto.verify")
async def verify(call: HostCall) -> HostResult:
    a = _args(call)
    data: bytes = a["data"]
    ok = await _run(
        len(data) > _OFFLOAD_BYTES, _verify, a["alg"], a["key"], a["material"], a["signature"], data
    )
    return ok, None


# ---------------------------------------------------------------------------------------
# encrypt / decrypt (AES-KW included: wrapKey and unwrapKey go through here)


def _aes_ctr(material: bytes, alg: dict[str, Any], data: bytes) -> bytes:
    counter: bytes = alg["counter"]
    length = int(alg["length"])
    if len(counter) != 16:
        raise _err(
            "OperationError", f"Counter must have length of 16 bytes (provided {len(counter)})."
        )
    if length == 0 or length > 128:
        raise _err("OperationError", f"Invalid counter of {length} bits length provided.")
    # The counter is the low `length` bits; the rest of the block stays fixed, and the
    # counter may not wrap around (the spec's OperationError).
    blocks = (len(data) + 15) // 16
    if length < 128 and blocks > (1 << length):
        raise _err("OperationError", "Counter block values will repeat.")
    whole = int.from_bytes(counter, "big")
    mask = (1 << length) - 1
    low, high = whole & mask, whole & ~mask
    first = min(blocks, (1 << length) - low)
    out = bytearray()
    enc = Cipher(algorithms.AES(material), modes.CTR(counter)).encryptor()
    out += enc.update(data[: first * 16])
    if first < blocks:  # the counter wraps to zero within its `length` bits
        restart = (high | 0).to_bytes(16, "big")
        enc2 = Cipher(algorithms.AES(material), modes.CTR(restart)).encryptor()
        out += enc2.update(data[first * 16 :])
    return bytes(out)


def _pkcs7_pad(data: bytes) -> bytes:
    n = 16 - len(data) % 16
    return data + bytes([n]) * n


def _decrypt_failed(algorithm: str, input_length: int, output_length: int) -> HostError:
    # workerd's decryptFinalHelper
    return _err(
        "OperationError",
        "Decryption failed. This could be due to a ciphertext authentication failure, bad "
        "padding, incorrect CryptoKey, or another algorithm-specific reason. Input length was "
        f"{input_length}, output length expected to be {output_length} for {algorithm}",
    )


def _aes_gcm(encrypt: bool, alg: dict[str, Any], material: bytes, data: bytes) -> bytes:
    iv: bytes = alg["iv"]
    if len(iv) == 0:
        raise _err("OperationError", "AES-GCM IV must not be empty.")
    tag_bits = int(alg.get("tagLength", 128))
    if encrypt and len(data) > (1 << 39) - 256:
        raise _err(
            "OperationError",
            "AES-GCM can only encrypt up to 2^39 - 256 bytes of plaintext at a time, but "
            f"requested {len(data)} bytes.",
        )
    if tag_bits not in (32, 64, 96, 104, 112, 120, 128):
        raise _err("OperationError", f"Invalid AES-GCM tag length {tag_bits}.")
    aad = alg.get("additionalData") or b""
    tag_len = tag_bits // 8
    if encrypt:
        enc = Cipher(algorithms.AES(material), modes.GCM(iv)).encryptor()
        enc.authenticate_additional_data(aad)
        body = enc.update(data) + enc.finalize()
        return body + enc.tag[:tag_len]
    if len(data) < tag_len:
        raise _err(
            "OperationError",
            f"Ciphertext length of {len(data) * 8} bits must be greater than or equal to the "
            f"size of the AES-GCM tag length of {tag_bits} bits.",
        )
    body_len = len(data) - tag_len
    try:
        if tag_len == 16:
            return AESGCM(material).decrypt(iv, data, aad)
        mode = modes.GCM(iv, data[body_len:], min_tag_length=4)
        dec = Cipher(algorithms.AES(material), mode).decryptor()
        dec.authenticate_additional_data(aad)
        return dec.update(data[:body_len]) + dec.finalize()
    except InvalidTag as exc:
        raise _decrypt_failed("AES-GCM", body_len, body_len) from exc


def _aes_cbc(encrypt: bool, alg: dict[str, Any], material: bytes, data: bytes) -> bytes:
    iv: bytes = alg["iv"]
    if len(iv) != 16:
        unit = " bytes" if encrypt else ""
        raise _err(
            "OperationError", f"AES-CBC IV must be 16 bytes long (provided {len(iv)}{unit})."
        )
    cipher = Cipher(algorithms.AES(material), modes.CBC(iv))
    if encrypt:
        e = cipher.encryptor()
        return e.update(_pkcs7_pad(data)) + e.finalize()
    # What BoringSSL's EVP_DecryptUpdate hands out before the final (padded) block.
    whole = len(data) // 16 * 16
    produced = whole - 16 if whole and len(data) % 16 == 0 else whole
    if len(data) % 16 or not data:
        raise _decrypt_failed("AES-CBC", len(data), produced)
    d = cipher.decryptor()
    plain = d.update(data) + d.finalize()
    n = plain[-1]
    if n < 1 or n > 16 or plain[-n:] != bytes([n]) * n:
        raise _decrypt_failed("AES-CBC", len(data), produced)
    return plain[:-n]


def _aes_kw(encrypt: bool, material: bytes, data: bytes) -> bytes:
    bits = len(data) * 8
    if encrypt:
        if len(data) % 8:
            raise _err(
                "OperationError",
                "Unwrapped key bit length must be a multiple of 64 bits but unwrapped key has a "
                f"length of {bits} bits.",
            )
        if len(data) < 16:
            raise _err(
                "OperationError",
                f"Unwrapped key has length {len(data)} bytes but it should be greater than or "
                f"equal to 16 and less than or equal to {(1 << 64) - 1 - 8}",
            )
        return aes_key_wrap(material, data)
    if len(data) % 8:
        raise _err(
            "OperationError",
            f"Provided a wrapped key to unwrap that is {bits} bits which isn't a multiple of "
            "64 bits.",
        )
    if len(data) < 24:
        raise _err(
            "OperationError",
            f"Provided a wrapped key to unwrap this is {bits} bits that is less than the "
            "minimal length of 192 bits.",
        )
    try:
        return aes_key_unwrap(material, data)
    except (InvalidUnwrap, ValueError) as exc:
        raise _err("OperationError", "AES-KW key unwrapping failed.") from exc


def _crypt(
    encrypt: bool, alg: dict[str, Any], key: dict[str, Any], material: bytes, data: bytes
) -> bytes:
    name = key["algorithm"]["name"]
    if name == "AES-GCM":
        return _aes_gcm(encrypt, alg, material, data)
    if name == "AES-CBC":
        return _aes_cbc(encrypt, alg, material, data)
    if name == "AES-CTR":
        return _aes_ctr(material, alg, data)
    if name == "AES-KW":
        return _aes_kw(encrypt, material, data)
    # RSA-OAEP
    obj = _key_object(key, material)
    h = _hash(key["algorithm"]["hash"]["name"])
    label = alg.get("label") or None
    pad = padding.OAEP(padding.MGF1(h), h, label)
    try:
        out: bytes = obj.encrypt(data, pad) if encrypt else obj.decrypt(data, pad)
    except ValueError as exc:
        raise _err("OperationError", "RSA-OAEP failed encrypt/decrypt.") from exc
    return out


async def _crypt_op(call: HostCall, encrypt: bool) -> HostResult:
    a = _args(call)
    data: bytes = a["data"]
    out = await _run(
        len(data) > _OFFLOAD_BYTES, _crypt, encrypt, a["alg"], a["key"], a["material"], data
    )
    return _result(call, None, out)


@runtime_op("crypto.encrypt")
async def encrypt(call: HostCall) -> HostResult:
    return await _crypt_op(call, True)


@runtime_op("crypto.decrypt")
async def decrypt(call: HostCall) -> HostResult:
    return await _crypt_op(call, False)


# ---------------------------------------------------------------------------------------
# deriveBits


def _derive(alg: dict[str, Any], key: dict[str, Any], material: bytes, length: int | None) -> bytes:
    name = key["algorithm"]["name"]
    if name in ("PBKDF2", "HKDF"):
        if length is None:
            raise _err("OperationError", f"{name} cannot derive a key with null length.")
        if length % 8:
            raise _err(
                "OperationError",
                f"{name} requires a derived key length that is a multiple of eight.",
            )
    if name == "PBKDF2":
        iterations = int(alg["iterations"])
        if iterations == 0:
            raise _err(
                "OperationError",
                f"PBKDF2 requires a positive iteration count (requested {iterations}).",
            )
        if iterations > PBKDF2_MAX_ITERATIONS:
            raise _err(
                "NotSupportedError",
                f"Pbkdf2 failed: iteration counts above {PBKDF2_MAX_ITERATIONS} are not "
                f"supported (requested {iterations}).",
            )
        if length == 0:
            raise _err("OperationError", "PBKDF2 cannot derive a zero-length key.")
        assert length is not None
        kdf = PBKDF2HMAC(_hash(alg["hash"]["name"]), length // 8, alg["salt"], iterations)
        return kdf.derive(material)
    if name == "HKDF":
        assert length is not None
        if length == 0:
            return b""
        h = _hash(alg["hash"]["name"])
        if length // 8 > 255 * h.digest_size:
            raise _err(
                "OperationError",
                f"HKDF cannot derive more than {255 * h.digest_size * 8} bits with "
                f"{alg['hash']['name']} (requested {length}).",
            )
        return HKDF(h, length // 8, alg["salt"], alg["info"]).derive(material)
    # ECDH / X25519
    obj = _key_object(key, material)
    public = _load_public(alg["public"])
    try:
        secret: bytes = obj.exchange(ec.ECDH(), public) if name == "ECDH" else obj.exchange(public)
    except ValueError as exc:
        raise _err("OperationError", f"{name} key derivation failed.") from exc
    if length is None:
        return secret
    most = _CURVE_BITS.get(key["algorithm"].get("namedCurve", ""), len(secret) * 8)
    if length > most:
        raise _err(
            "OperationError",
            f"Derived key length ({length} bits) is too long (should be at most {most} bits).",
        )
    out = bytearray(secret[: (length + 7) // 8])
    if length % 8:
        out[-1] &= (0xFF << (8 - length % 8)) & 0xFF
    return bytes(out)


@runtime_op("crypto.deriveBits")
async def derive_bits(call: HostCall) -> HostResult:
    a = _args(call)
    length = a.get("length")
    heavy = a["key"]["algorithm"]["name"] == "PBKDF2"
    out = await _run(heavy, _derive, a["alg"], a["key"], a["material"], length)
    return _result(call, None, out)
