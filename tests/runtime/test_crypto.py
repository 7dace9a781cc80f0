"""crypto's pure-JS parts in a bare isolate (no bridge: no host calls, no reseed of its own).

Everything that reaches the host (subtle operations, DigestStream) is tested through a real
server in tests/server/test_crypto.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import JSError

OUTSIDE = (
    "Some functionality, such as asynchronous I/O, timeouts, and generating random values, "
    "can only be performed while handling a request."
)
SEED = "internals.reseed(new Uint8Array(32).fill(7));"


def test_chacha20_block_matches_rfc8439(run_internal_js: Callable[..., Any]) -> None:
    # RFC 8439 §2.3.2: key 00..1f, nonce 000000090000004a00000000, block counter 1
    out = run_internal_js("""
      const key = new Uint32Array(new Uint8Array([...Array(32).keys()]).buffer);
      const nonce = new Uint32Array(new Uint8Array([0,0,0,9, 0,0,0,0x4a, 0,0,0,0]).buffer);
      const block = new Uint32Array(16);
      internals.chacha20Block(key, 1, nonce, block);
      return [...new Uint8Array(block.buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
    """)
    assert out == (
        "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
        "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e"
    )


def test_random_values_need_a_seed_first(run_js: Callable[..., Any]) -> None:
    with pytest.raises(JSError) as info:
        run_js("crypto.getRandomValues(new Uint8Array(4))")
    assert (info.value.name, info.value.message) == ("Error", OUTSIDE)
    with pytest.raises(JSError) as info:
        run_js("crypto.randomUUID()")
    assert info.value.message == OUTSIDE


def test_output_depends_on_every_seed_and_never_repeats(
    run_internal_js: Callable[..., Any],
) -> None:
    body = """
      const hex = (a) => [...a].map((b) => b.toString(16).padStart(2, "0")).join("");
      const out = [];
      internals.reseed(new Uint8Array(32).fill(1));
      out.push(hex(crypto.getRandomValues(new Uint8Array(16))));
      out.push(hex(crypto.getRandomValues(new Uint8Array(16))));
      out.push(hex(crypto.getRandomValues(new Uint8Array(100))));
      internals.reseed(new Uint8Array(32).fill(SEED2));
      out.push(hex(crypto.getRandomValues(new Uint8Array(16))));
      return out;
    """
    a = run_internal_js(body.replace("SEED2", "2"))
    b = run_internal_js(body.replace("SEED2", "2"))
    c = run_internal_js(body.replace("SEED2", "3"))
    assert a == b  # deterministic in the seeds (the host supplies os.urandom ones)
    assert a[:3] == c[:3] and a[3] != c[3]
    assert len(set(a)) == 4
    assert a[2][:32] not in (a[0], a[1])


def test_get_random_values_argument_checks(run_internal_js: Callable[..., Any]) -> None:
    out = run_internal_js(
        """
      const err = (fn) => { try { fn(); return "no error"; } catch (e) { return `${e.name}: ${e.message}`; } };
      const u16 = new Uint16Array(8);
      return {
        same: crypto.getRandomValues(u16) === u16,
        clamped: crypto.getRandomValues(new Uint8ClampedArray(3)).length,
        i64: typeof crypto.getRandomValues(new BigInt64Array(1))[0],
        float64: err(() => crypto.getRandomValues(new Float64Array(1))),
        dataView: err(() => crypto.getRandomValues(new DataView(new ArrayBuffer(1)))),
        buffer: err(() => crypto.getRandomValues(new ArrayBuffer(1))),
        none: err(() => crypto.getRandomValues()),
        quota: err(() => crypto.getRandomValues(new Uint32Array(16385))),
        max: crypto.getRandomValues(new Uint32Array(16384)).length,
        illegal: err(() => Crypto.prototype.getRandomValues.call({}, new Uint8Array(1))),
        uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()),
      };
    """,
        SEED,
    )
    mismatch = (
        "TypeMismatchError: ArrayBufferView argument to getRandomValues() must be an "
        "integer-typed view."
    )
    assert out == {
        "same": True,
        "clamped": 3,
        "i64": "bigint",
        "float64": mismatch,
        "dataView": mismatch,
        "buffer": "TypeError: Failed to execute 'getRandomValues' on 'Crypto': parameter 1 is "
        "not of type 'ArrayBufferView'.",
        "none": "TypeError: Failed to execute 'getRandomValues' on 'Crypto': 1 argument "
        "required, but only 0 present.",
        "quota": "QuotaExceededError: getRandomValues() only accepts buffers of size <= 64K but "
        "provided 65540 bytes.",
        "max": 16384,
        "illegal": "TypeError: Illegal invocation",
        "uuid": True,
    }


def test_interfaces(run_js: Callable[..., Any]) -> None:
    out = run_js("""
      const err = (fn) => { try { fn(); return "no error"; } catch (e) { return `${e.name}: ${e.message}`; } };
      return {
        tags: [String(crypto), String(crypto.subtle)],
        subtleSame: crypto.subtle === crypto.subtle,
        instances: [crypto instanceof Crypto, crypto.subtle instanceof SubtleCrypto],
        ctors: [err(() => new Crypto()), err(() => new SubtleCrypto()), err(() => new CryptoKey())],
        digestStream: typeof crypto.DigestStream,
        methods: ["decrypt", "deriveBits", "deriveKey", "digest", "encrypt", "exportKey",
          "generateKey", "importKey", "sign", "timingSafeEqual", "unwrapKey", "verify", "wrapKey"]
          .every((m) => typeof SubtleCrypto.prototype[m] === "function"),
        enumerable: Object.keys(SubtleCrypto.prototype).includes("digest"),
        keyProps: ["algorithm", "extractable", "type", "usages"].every(
          (p) => typeof Object.getOwnPropertyDescriptor(CryptoKey.prototype, p).get === "function"),
        globals: ["crypto", "Crypto", "SubtleCrypto", "CryptoKey"].map(
          (n) => Object.getOwnPropertyDescriptor(globalThis, n).enumerable),
      };
    """)
    assert out == {
        "tags": ["[object Crypto]", "[object SubtleCrypto]"],
        "subtleSame": True,
        "instances": [True, True],
        "ctors": ["TypeError: Illegal constructor"] * 3,
        "digestStream": "function",
        "methods": True,
        "enumerable": True,
        "keyProps": True,
        "globals": [False, False, False, False],
    }


def test_timing_safe_equal(run_js: Callable[..., Any]) -> None:
    out = run_js("""
      const err = (fn) => { try { fn(); return "no error"; } catch (e) { return `${e.name}: ${e.message}`; } };
      const t = (a, b) => crypto.subtle.timingSafeEqual(a, b);
      return [
        t(new Uint8Array([1, 2]), new Uint8Array([1, 2])),
        t(new Uint8Array([1, 2]).buffer, new DataView(new Uint8Array([1, 3]).buffer)),
        t(new Uint8Array(0), new ArrayBuffer(0)),
        t(new Uint16Array([258]), new Uint8Array([2, 1])),
        err(() => t(new Uint8Array(1), new Uint8Array(2))),
        err(() => t("a", "a")),
        err(() => crypto.subtle.timingSafeEqual(new Uint8Array(1))),
      ];
    """)
    assert out == [
        True,
        False,
        True,
        True,
        "TypeError: Input buffers must have the same byte length.",
        "TypeError: Failed to execute 'timingSafeEqual' on 'SubtleCrypto': parameter 1 is not "
        "of type 'ArrayBuffer or ArrayBufferView'.",
        "TypeError: Failed to execute 'timingSafeEqual' on 'SubtleCrypto': 2 arguments "
        "required, but only 1 present.",
    ]


def test_argument_errors_reject_before_any_host_call(run_js: Callable[..., Any]) -> None:
    out = run_js("""
      const S = crypto.subtle;
      const err = async (p) => { try { await p; return "no error"; } catch (e) { return `${e.name}: ${e.message}`; } };
      const raw = new Uint8Array(16);
      return [
        await err(S.sign("HMAC")),
        await err(S.digest("SHA-3", raw)),
        await err(S.digest("SHA-256", "text")),
        await err(S.importKey("pem", raw, "AES-GCM", true, ["encrypt"])),
        await err(S.importKey("raw", raw, "AES-XTS", true, ["encrypt"])),
        await err(S.importKey("raw", raw, "AES-GCM", true, ["sign"])),
        await err(S.importKey("raw", raw, "AES-GCM", true, [])),
        await err(S.importKey("raw", raw, { name: "HMAC" }, true, ["sign"])),
        await err(S.importKey("raw", raw, { name: "HMAC", hash: "SHA-3" }, true, ["sign"])),
        await err(S.importKey("raw", raw, "PBKDF2", true, ["deriveBits"])),
        await err(S.importKey("jwk", { kty: "oct", ext: false }, "AES-GCM", true, ["encrypt"])),
        await err(S.generateKey("RSA-FOO", true, ["sign"])),
        await err(S.generateKey({ name: "AES-GCM", length: 100 }, true, ["encrypt"])),
        await err(S.generateKey({ name: "ECDSA", namedCurve: "P-192" }, true, ["sign"])),
        await err(S.generateKey("Ed25519", true, ["verify"])),
        await err(S.generateKey({ name: "aes-gcm", length: 128 }, true, ["wrapKey", "sign"])),
        await err(S.exportKey("raw", {})),
        await err(S.deriveBits({ name: "HKDF" }, {}, 8)),
      ];
    """)
    assert out == [
        "TypeError: Failed to execute 'sign' on 'SubtleCrypto': 3 arguments required, but only "
        "1 present.",
        "NotSupportedError: Unrecognized or unimplemented digest algorithm requested.",
        "TypeError: Failed to execute 'digest' on 'SubtleCrypto': parameter 2 is not of type "
        "'ArrayBuffer or ArrayBufferView'.",
        'NotSupportedError: Unrecognized key import format "pem".',
        'NotSupportedError: Unrecognized key import algorithm "AES-XTS" requested.',
        'SyntaxError: Attempt to import secret AES-GCM key with invalid usage "sign".',
        # usages are checked before the key data reaches the host; an empty list after
        "Error: " + OUTSIDE,
        'TypeError: Missing field "hash" in "algorithm".',
        "NotSupportedError: Unrecognized or unimplemented digest algorithm requested.",
        "SyntaxError: PBKDF2 key cannot be extractable.",
        'DataError: JWK ext field for "AES-GCM" is set to false but extractable is true',
        'NotSupportedError: Unrecognized key generation algorithm "RSA-FOO" requested.',
        "OperationError: Generated AES key length must be 128, 192, or 256 bits but requested 100.",
        'NotSupportedError: Unrecognized or unimplemented EC curve "P-192" requested.',
        "SyntaxError: Attempt to generate asymmetric keys with no valid private key usages.",
        'SyntaxError: Attempt to generate AES-GCM key with invalid usage "sign".',
        "TypeError: Failed to execute 'exportKey' on 'SubtleCrypto': parameter 2 is not of "
        "type 'CryptoKey'.",
        "TypeError: Failed to execute 'deriveBits' on 'SubtleCrypto': parameter 2 is not of "
        "type 'CryptoKey'.",
    ]
