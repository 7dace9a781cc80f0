"""`pyworkerd r2 object put|get|delete BUCKET/KEY`: the local buckets `dev` serves.

    pyworkerd r2 object put photos/cat.jpg --file cat.jpg --content-type image/jpeg
    pyworkerd r2 object get photos/cat.jpg --pipe > cat.jpg
    pyworkerd r2 object delete photos/cat.jpg

BUCKET is a bucket's `bucket_name` (or its binding when it has none), as in the state
directory `dev` uses for the project (`--persist-to` to pick another).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, BinaryIO

from pyworkerd.cli.project import (
    ProjectError,
    add_state_options,
    command_config,
    command_state_dir,
)

__all__ = ["add_commands"]

PIECE = 1024 * 1024


def add_commands(sub: Any) -> None:
    r2 = sub.add_parser("r2", help="work with the project's local R2 buckets")
    r2_sub = r2.add_subparsers(dest="r2_command", required=True)
    obj = r2_sub.add_parser("object", help="put, get or delete one object")
    obj_sub = obj.add_subparsers(dest="r2_object_command", required=True)

    put = obj_sub.add_parser("put", help="store an object from a file or stdin")
    put.add_argument("path", metavar="BUCKET/KEY")
    source = put.add_mutually_exclusive_group(required=True)
    source.add_argument("-f", "--file", type=Path, help="read the object from this file")
    source.add_argument("-p", "--pipe", action="store_true", help="read the object from stdin")
    put.add_argument("--content-type", "--ct", dest="content_type", help="its Content-Type")
    put.add_argument("--content-disposition", help="its Content-Disposition")
    put.add_argument("--content-encoding", help="its Content-Encoding")
    put.add_argument("--content-language", help="its Content-Language")
    put.add_argument("--cache-control", help="its Cache-Control")
    add_state_options(put)
    put.set_defaults(func=_put)

    get = obj_sub.add_parser("get", help="write an object to a file or stdout")
    get.add_argument("path", metavar="BUCKET/KEY")
    dest = get.add_mutually_exclusive_group()
    dest.add_argument("-f", "--file", type=Path, help="write here (default: the key's name)")
    dest.add_argument("-p", "--pipe", action="store_true", help="write to stdout")
    add_state_options(get)
    get.set_defaults(func=_get)

    delete = obj_sub.add_parser("delete", help="delete an object")
    delete.add_argument("path", metavar="BUCKET/KEY")
    add_state_options(delete)
    delete.set_defaults(func=_delete)


def _split(path: str) -> tuple[str, str]:
    bucket, sep, key = path.partition("/")
    if not sep or not bucket or not key:
        raise ProjectError(f"{path!r}: expected BUCKET/KEY")
    return bucket, key


def _gateway(args: argparse.Namespace, bucket: str) -> Any:
    from pyworkerd.bindings.r2 import bucket_gateway
    from pyworkerd.storage import StateDir

    config = command_config(args)
    return bucket_gateway(StateDir(command_state_dir(args, config)), bucket)


def _note(message: str, quiet: bool = False) -> None:
    if not quiet:
        print(message, file=sys.stderr)


def _put(args: argparse.Namespace) -> int:
    from pyworkerd.bindings.r2.gateway import MAX_VALUE_SIZE, R2Error, entity_too_large

    bucket, key = _split(args.path)
    gw = _gateway(args, bucket)
    http: dict[str, str] = {}
    for field, value in (
        ("contentType", args.content_type),
        ("contentDisposition", args.content_disposition),
        ("contentEncoding", args.content_encoding),
        ("contentLanguage", args.content_language),
        ("cacheControl", args.cache_control),
    ):
        if value is not None:
            http[field] = value
    source: BinaryIO
    if args.pipe:
        source = sys.stdin.buffer
        size = None
    else:
        try:
            source = open(args.file, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise ProjectError(f"{args.file}: {exc.strerror}") from None
        size = Path(args.file).stat().st_size
    _note(f'Creating object "{key}" in bucket "{bucket}".')
    try:
        # The length of stdin is known only at its end: declare the most a put may hold
        # and settle the real size before sealing.
        upload = gw.begin_put(key, size if size is not None else 0, {"httpMetadata": http})
        if size is None:
            upload.size = 1 << 62
        try:
            while chunk := source.read(PIECE):
                upload.write(chunk)
            if size is None:
                upload.size = upload.writer.size
                if upload.size > MAX_VALUE_SIZE:
                    raise entity_too_large()
            gw.finish_put(upload)
        except BaseException:
            upload.discard()
            raise
    except R2Error as exc:
        raise ProjectError(exc.for_action("put")) from None
    finally:
        if not args.pipe:
            source.close()
    _note("Upload complete.")
    return 0


def _get(args: argparse.Namespace) -> int:
    from pyworkerd.bindings.r2.gateway import R2Error, iter_reader

    bucket, key = _split(args.path)
    gw = _gateway(args, bucket)
    try:
        result = gw.get(key, {})
    except R2Error as exc:
        raise ProjectError(exc.for_action("get")) from None
    if result is None or result.reader is None:
        raise ProjectError(f'The specified key "{key}" does not exist in bucket "{bucket}".')
    _note(f'Downloading "{key}" from "{bucket}".', quiet=args.pipe)
    if args.pipe:
        out = sys.stdout.buffer
        for chunk in iter_reader(result.reader, PIECE):
            out.write(chunk)
        out.flush()
        return 0
    target = args.file or Path(Path(key).name or "object")
    try:
        with open(target, "wb") as out_file:
            for chunk in iter_reader(result.reader, PIECE):
                out_file.write(chunk)
    except OSError as exc:
        result.reader.close()
        raise ProjectError(f"{target}: {exc.strerror}") from None
    _note("Download complete.")
    return 0


def _delete(args: argparse.Namespace) -> int:
    from pyworkerd.bindings.r2.gateway import R2Error

    bucket, key = _split(args.path)
    gw = _gateway(args, bucket)
    _note(f'Deleting object "{key}" from bucket "{bucket}".')
    try:
        gw.delete([key])
    except R2Error as exc:
        raise ProjectError(exc.for_action("delete")) from None
    _note("Delete complete.")
    return 0
