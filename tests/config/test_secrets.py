"""Local secrets: the dotenv format and wrangler's choice of files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pyworkerd.config import load_config, load_secrets, parse_dotenv
from pyworkerd.config.secrets import dotenv_files, expand_dotenv

Write = Callable[[str, str], Path]


def test_dotenv_format() -> None:
    text = (
        "# a comment\n"
        "\n"
        "PLAIN=value\n"
        "SPACED = spaced value   \n"
        "export EXPORTED=yes\n"
        "SINGLE='it is $raw \\n'\n"
        'DOUBLE="line1\\nline2\\r"\n'
        "BACKTICK=`back`\n"
        "INLINE=before # comment after\n"
        'QUOTED_HASH="a # b" # trailing\n'
        "EMPTY=\n"
        "COLON: works\n"
        'MULTI="first\n'
        'second"\n'
        "dotted.key-name=ok\n"
        "not a line\n"
        "PLAIN=last wins\n"
    )
    assert parse_dotenv(text) == {
        "PLAIN": "last wins",
        "SPACED": "spaced value",
        "EXPORTED": "yes",
        "SINGLE": "it is $raw \\n",
        "DOUBLE": "line1\nline2\r",
        "BACKTICK": "back",
        "INLINE": "before",
        "QUOTED_HASH": "a # b",
        "EMPTY": "",
        "COLON": "works",
        "MULTI": "first\nsecond",
        "dotted.key-name": "ok",
    }


def test_dotenv_crlf_line_endings() -> None:
    assert parse_dotenv("A=1\r\nB=2\r\n") == {"A": "1", "B": "2"}


def test_expansion() -> None:
    assert expand_dotenv(
        {
            "HOST": "localhost",
            "URL": "http://${HOST}:$PORT/x",
            "PORT": "8080",
            "FALLBACK": "${MISSING:-default}",
            "DASH": "${EMPTY-unused}",
            "EMPTY": "",
            "COLON_EMPTY": "${EMPTY:-used}",
            "ESCAPED": "\\$HOST",
            "UNKNOWN": "[$NOPE]",
            "LOOP_A": "$LOOP_B",
            "LOOP_B": "$LOOP_A",
        }
    ) == {
        "HOST": "localhost",
        "URL": "http://localhost:8080/x",
        "PORT": "8080",
        "FALLBACK": "default",
        "DASH": "",
        "EMPTY": "",
        "COLON_EMPTY": "used",
        "ESCAPED": "$HOST",
        "UNKNOWN": "[]",
        "LOOP_A": "",
        "LOOP_B": "",
    }


def test_no_files_no_secrets(tmp_path: Path) -> None:
    assert load_secrets(tmp_path, None) == {}
    assert load_secrets(tmp_path, "staging") == {}


def test_dev_vars(tmp_path: Path, write: Write) -> None:
    write(".dev.vars", "TOKEN=abc\nOTHER=1\n")
    assert load_secrets(tmp_path, None) == {"TOKEN": "abc", "OTHER": "1"}


def test_dev_vars_env_file_replaces_dev_vars(tmp_path: Path, write: Write) -> None:
    write(".dev.vars", "TOKEN=abc\nOTHER=1\n")
    write(".dev.vars.staging", "TOKEN=staging\n")
    # used instead of .dev.vars, not merged over it
    assert load_secrets(tmp_path, "staging") == {"TOKEN": "staging"}
    assert load_secrets(tmp_path, "production") == {"TOKEN": "abc", "OTHER": "1"}


def test_dev_vars_are_not_expanded(tmp_path: Path, write: Write) -> None:
    write(".dev.vars", "A=1\nB=${A}\n")
    assert load_secrets(tmp_path, None) == {"A": "1", "B": "${A}"}


def test_dev_vars_suppresses_dot_env(tmp_path: Path, write: Write) -> None:
    write(".dev.vars", "FROM=dev.vars\n")
    write(".env", "FROM=env\nONLY_ENV=1\n")
    assert load_secrets(tmp_path, None) == {"FROM": "dev.vars"}


def test_dot_env_files_precedence(tmp_path: Path, write: Write) -> None:
    assert dotenv_files("staging") == [".env", ".env.local", ".env.staging", ".env.staging.local"]
    write(".env", "A=env\nB=env\nC=env\nD=env\nREF=${D}\n")
    write(".env.local", "B=env.local\nC=env.local\nD=env.local\n")
    write(".env.staging", "C=env.staging\nD=env.staging\n")
    write(".env.staging.local", "D=env.staging.local\n")
    assert load_secrets(tmp_path, None) == {
        "A": "env",
        "B": "env.local",
        "C": "env.local",
        "D": "env.local",
        "REF": "env.local",
    }
    assert load_secrets(tmp_path, "staging") == {
        "A": "env",
        "B": "env.local",
        "C": "env.staging",
        "D": "env.staging.local",
        "REF": "env.staging.local",
    }


def test_dot_env_fallback_can_be_turned_off(
    tmp_path: Path, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(".env", "A=1\n")
    monkeypatch.setenv("CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV", "false")
    assert load_secrets(tmp_path, None) == {}


def test_secrets_are_read_beside_the_config(write: Write, tmp_path: Path) -> None:
    write("app/src/index.ts", "export default {}\n")
    write("app/.dev.vars", "KEY=beside-config\n")
    write(".dev.vars", "KEY=cwd\n")
    cfg = load_config(
        write("app/wrangler.toml", 'main = "src/index.ts"\ncompatibility_date = "2025-01-01"\n')
    )
    assert cfg.secrets == {"KEY": "beside-config"}


def test_cli_vars_override_vars_and_secrets(write: Write, worker_files: None) -> None:
    write(".dev.vars", "TOKEN=from-dev-vars\nKEEP=kept\n")
    path = write(
        "wrangler.jsonc",
        '{"main": "src/index.ts", "compatibility_date": "2025-01-01",'
        ' "vars": {"MODE": "file", "N": 1}}',
    )
    cfg = load_config(path, cli_vars={"MODE": "cli", "TOKEN": "cli-token"})
    assert cfg.vars == {"MODE": "cli", "N": 1, "TOKEN": "cli-token"}
    assert cfg.secrets == {"KEEP": "kept"}
