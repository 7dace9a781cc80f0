"""`pyworkerd kv key|bulk …`: the local KV state `dev` uses, as `wrangler kv … --local`.

Same files, same rules: the commands go through the binding's gateway, so limits and
error messages are the ones a worker sees; SQLite's locking makes them safe while `dev`
runs.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from pyworkerd.cli.project import (
    ProjectError,
    add_state_options,
    command_config,
    command_state_dir,
)

__all__ = ["add_commands"]

T = TypeVar("T")


def add_commands(sub: Any) -> None:
    kv = sub.add_parser("kv", help="read and write local KV namespaces")
    kv_sub = kv.add_subparsers(dest="kv_command", required=True)

    key = kv_sub.add_parser("key", help="individually manage key-value pairs")
    key_sub = key.add_subparsers(dest="kv_key_command", required=True)

    put = key_sub.add_parser("put", help="write a single key/value pair")
    put.add_argument("key")
    put.add_argument("value", nargs="?")
    _namespace_options(put)
    put.add_argument("--path", type=Path, help="read the value from this file")
    put.add_argument("--ttl", type=float, help="seconds for which the entry is visible")
    put.add_argument("--expiration", type=float, help="seconds since the epoch when it expires")
    put.add_argument("--metadata", help="JSON associated with the key")
    put.set_defaults(func=_key_put)

    get = key_sub.add_parser("get", help="read a single value")
    get.add_argument("key")
    _namespace_options(get)
    get.add_argument("--text", action="store_true", help="decode the value as UTF-8 text")
    get.set_defaults(func=_key_get)

    lst = key_sub.add_parser("list", help="list the keys (a JSON array)")
    _namespace_options(lst)
    lst.add_argument("--prefix", help="only keys starting with this")
    lst.set_defaults(func=_key_list)

    delete = key_sub.add_parser("delete", help="remove a single key")
    delete.add_argument("key")
    _namespace_options(delete)
    delete.set_defaults(func=_key_delete)

    bulk = kv_sub.add_parser("bulk", help="manage many key-value pairs at once")
    bulk_sub = bulk.add_subparsers(dest="kv_bulk_command", required=True)
    bput = bulk_sub.add_parser("put", help="write the pairs of a JSON file")
    bput.add_argument("filename", type=Path)
    _namespace_options(bput)
    bput.set_defaults(func=_bulk_put)
    bget = bulk_sub.add_parser("get", help="read the keys of a JSON file")
    bget.add_argument("filename", type=Path)
    _namespace_options(bget)
    bget.set_defaults(func=_bulk_get)
    bdel = bulk_sub.add_parser("delete", help="delete the keys of a JSON file")
    bdel.add_argument("filename", type=Path)
    _namespace_options(bdel)
    bdel.add_argument("-f", "--force", action="store_true", help="do not ask for confirmation")
    bdel.set_defaults(func=_bulk_delete)


def _namespace_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--binding", help="the binding name of the namespace (from the config)")
    parser.add_argument("--namespace-id", help="the id of the namespace")
    parser.add_argument("--local", action="store_true", help="accepted: local is the only mode")
    parser.add_argument("--preview", action="store_true", help="use the binding's preview_id")
    add_state_options(parser)


# ------------------------------------------------------------------ plumbing


class _Namespace:
    def __init__(self, ns_id: str, state_dir: Path) -> None:
        from pyworkerd.bindings.kv import open_gateway
        from pyworkerd.storage import StateDir

        self.id = ns_id
        self.gateway = open_gateway(StateDir(state_dir), ns_id)

    def run(self, make: Callable[[], Awaitable[T]]) -> T:
        from pyworkerd.bindings.kv.gateway import KeyNameError, KVError

        async def go() -> T:
            return await make()

        try:
            return asyncio.run(go())
        except (KVError, KeyNameError) as exc:
            raise _Failed(str(exc)) from None
        finally:
            self.gateway.store.close()


class _Failed(Exception):
    """The KV service refused: printed as one line, exit status 1."""


def _open(args: argparse.Namespace) -> _Namespace:
    if not args.binding and not args.namespace_id:
        raise ProjectError("pass --binding or --namespace-id")
    if args.binding and args.namespace_id:
        raise ProjectError("pass one of --binding and --namespace-id, not both")
    try:
        config = command_config(args)
    except ProjectError:
        if args.namespace_id and args.persist_to:
            return _Namespace(args.namespace_id, Path(args.persist_to).resolve())
        raise
    if args.namespace_id:
        return _Namespace(args.namespace_id, command_state_dir(args, config))
    found = next((ns for ns in config.kv_namespaces if ns.binding == args.binding), None)
    if found is None:
        if not config.kv_namespaces:
            raise ProjectError(
                "No KV Namespaces configured! Either use --namespace-id or add a KV namespace "
                f"to {config.config_path.name}."
            )
        raise ProjectError(
            f'A namespace with binding name "{args.binding}" was not found in the configured '
            '"kv_namespaces".'
        )
    if args.preview:
        if not found.preview_id:
            raise ProjectError(f"No preview ID found for {args.binding}.")
        ns_id = found.preview_id
    else:
        ns_id = found.id or found.binding
    return _Namespace(ns_id, command_state_dir(args, config))


def _guard(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except _Failed as exc:
            print(f"pyworkerd: {exc}", file=sys.stderr)
            return 1

    return run


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ProjectError(f"{path}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ProjectError(f"{path}: not valid JSON ({exc})") from None


# ------------------------------------------------------------------ key …


@_guard
def _key_put(args: argparse.Namespace) -> int:
    if (args.value is None) == (args.path is None):
        raise ProjectError("pass exactly one of VALUE and --path")
    metadata: str | None = None
    if args.metadata is not None:
        try:
            metadata = json.dumps(json.loads(args.metadata), separators=(",", ":"))
        except ValueError:
            raise ProjectError(f"--metadata {args.metadata!r}: not valid JSON") from None
    if args.path is not None:
        try:
            value = Path(args.path).read_bytes()
        except OSError as exc:
            raise ProjectError(f"{args.path}: {exc.strerror or exc}") from None
    else:
        value = args.value.encode("utf-8", "surrogateescape")
    ns = _open(args)
    meta_note = f' with metadata "{metadata}"' if metadata is not None else ""
    if args.path is not None:
        where = f'the key "{args.key}" on namespace {ns.id}{meta_note}'
        print(f"Writing the contents of {args.path} to {where}.")
    else:
        print(
            f'Writing the value "{args.value}" to key "{args.key}" on namespace {ns.id}{meta_note}.'
        )
    gw = ns.gateway
    ns.run(lambda: gw.put(args.key, value, _int(args.expiration), _int(args.ttl), metadata))
    return 0


@_guard
def _key_get(args: argparse.Namespace) -> int:
    ns = _open(args)
    gw = ns.gateway

    async def read() -> bytes | None:
        head, first = await gw.get(args.key, None, False)
        if head is None:
            return None
        chunks = [first or b""]
        token = head[2]
        while token is not None:
            done, piece = await gw.read(token, "")
            chunks.append(piece or b"")
            if done:
                break
        return b"".join(chunks)

    value = ns.run(read)
    if value is None:
        print("Value not found")
        return 0
    if args.text:
        print(value.decode("utf-8", "replace"))
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(value)
        sys.stdout.buffer.flush()
    return 0


@_guard
def _key_list(args: argparse.Namespace) -> int:
    ns = _open(args)
    gw = ns.gateway

    async def all_keys() -> list[dict[str, Any]]:
        keys: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page = await gw.list(None, args.prefix, cursor)
            keys.extend(page["keys"])
            if page["list_complete"]:
                return keys
            cursor = page["cursor"]

    keys = ns.run(all_keys)
    for key in keys:
        if "metadata" in key:
            key["metadata"] = json.loads(key["metadata"])
    _print_json(keys)
    return 0


@_guard
def _key_delete(args: argparse.Namespace) -> int:
    ns = _open(args)
    print(f'Deleting the key "{args.key}" on namespace {ns.id}.')
    gw = ns.gateway
    ns.run(lambda: gw.delete(args.key))
    return 0


# ------------------------------------------------------------------ bulk …

_KEY_VALUE_FIELDS = ("key", "value", "expiration", "expiration_ttl", "metadata", "base64")
_KEY_VALUE_SHAPE = (
    "Each item in the array should be an object that matches:\n\n"
    "interface KeyValue {\n  key: string;\n  value: string;\n  expiration?: number;\n"
    "  expiration_ttl?: number;\n  metadata?: object;\n  base64?: boolean;\n}\n"
)


def _is_key_value(item: Any) -> bool:
    def number(v: Any) -> bool:
        return isinstance(v, int | float) and not isinstance(v, bool)

    return (
        isinstance(item, dict)
        and isinstance(item.get("key"), str)
        and isinstance(item.get("value"), str)
        and ("expiration" not in item or number(item["expiration"]))
        and ("expiration_ttl" not in item or number(item["expiration_ttl"]))
        and ("base64" not in item or isinstance(item["base64"], bool))
        and ("metadata" not in item or isinstance(item["metadata"], dict | list | type(None)))
    )


@_guard
def _bulk_put(args: argparse.Namespace) -> int:
    content = _read_json(args.filename)
    if not isinstance(content, list):
        raise ProjectError(
            f'Unexpected JSON input from "{args.filename}". Expected an array of key-value '
            f'objects but got type "{_js_type(content)}".'
        )
    errors = [
        f"The item at index {i} is {json.dumps(item)}"
        for i, item in enumerate(content)
        if not _is_key_value(item)
    ]
    if errors:
        raise ProjectError(
            f'Unexpected JSON input from "{args.filename}".\n{_KEY_VALUE_SHAPE}\n'
            + "\n".join(errors)
        )
    for i, item in enumerate(content):
        extra = [k for k in item if k not in _KEY_VALUE_FIELDS]
        if extra:
            print(
                f"warning: the item at index {i} contains unexpected properties: "
                f"{json.dumps(extra)}.",
                file=sys.stderr,
            )
    ns = _open(args)
    gw = ns.gateway

    async def put_all() -> None:
        for item in content:
            value: bytes
            if item.get("base64"):
                value = base64.b64decode(item["value"])
            else:
                value = item["value"].encode("utf-8", "surrogatepass")
            meta = item.get("metadata")
            await gw.put(
                item["key"],
                value,
                _int(item.get("expiration")),
                _int(item.get("expiration_ttl")),
                None if meta is None else json.dumps(meta, separators=(",", ":")),
            )

    ns.run(put_all)
    print("Success!")
    return 0


def _keys_of(content: Any, filename: Path, allow_objects: bool) -> list[str]:
    if not isinstance(content, list):
        raise ProjectError(
            f'Unexpected JSON input from "{filename}". Expected an array of strings.'
        )
    keys: list[str] = []
    errors: list[str] = []
    for i, item in enumerate(content):
        key = item.get("name") if allow_objects and isinstance(item, dict) else item
        if not isinstance(key, str):
            errors.append(f'The item at index {i} is type: "{_js_type(item)}" - {json.dumps(item)}')
            continue
        keys.append(key)
    if errors:
        what = 'strings or objects with a "name" key' if allow_objects else "strings"
        raise ProjectError(
            f'Unexpected JSON input from "{filename}".\nExpected an array of {what}.\n'
            + "\n".join(errors)
        )
    return keys


@_guard
def _bulk_get(args: argparse.Namespace) -> int:
    keys = _keys_of(_read_json(args.filename), args.filename, allow_objects=True)
    ns = _open(args)
    gw = ns.gateway

    async def get_all() -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in keys:
            head, first = await gw.get(key, None, True)
            if head is None:
                out[key] = {"value": None}
                continue
            text = head[3]
            if text is None:
                chunks = [first or b""]
                token = head[2]
                while token is not None:
                    done, piece = await gw.read(token, "")
                    chunks.append(piece or b"")
                    if done:
                        break
                text = b"".join(chunks).decode("utf-8", "replace")
            out[key] = {"value": text}
        return out

    _print_json(ns.run(get_all))
    print("\nSuccess!")
    return 0


@_guard
def _bulk_delete(args: argparse.Namespace) -> int:
    keys = _keys_of(_read_json(args.filename), args.filename, allow_objects=False)
    ns = _open(args)
    if not args.force:
        question = (
            f'Are you sure you want to delete all the keys read from "{args.filename}" from '
            f'kv-namespace with id "{ns.id}"?'
        )
        if sys.stdin.isatty():
            answer = input(f"{question} [y/n] ").strip().lower()
            if answer not in ("y", "yes"):
                print(f'Not deleting keys read from "{args.filename}".')
                ns.gateway.store.close()
                return 0
        else:
            print(f"? {question}\nUsing fallback value in non-interactive context: yes")
    gw = ns.gateway

    async def delete_all() -> None:
        for key in keys:
            await gw.delete(key)

    ns.run(delete_all)
    print("Success!")
    return 0


def _js_type(value: Any) -> str:
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "object"
