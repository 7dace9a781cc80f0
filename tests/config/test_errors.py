"""Every kind of bad config gives one exact line: file, line, key, problem, fix."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import pytest

from pyworkerd.config import ConfigError, load_config

Write = Callable[[str, str], Path]

HEAD_TOML = 'main = "src/index.ts"\ncompatibility_date = "2025-01-01"\n'
BINDING_FIX = "set it to the name your code uses as env.<BINDING>"


@pytest.fixture
def error(write: Write, worker_files: None) -> Callable[..., str]:
    """error(file_name, text, env=None) -> str(ConfigError) raised by load_config."""

    def _error(name: str, text: str, env: str | None = None) -> str:
        with pytest.raises(ConfigError) as info:
            load_config(write(name, text), env=env)
        message = str(info.value)
        assert "\n" not in message
        return message

    return _error


# --- syntax --------------------------------------------------------------------------------


def test_toml_syntax_error(error: Callable[..., str]) -> None:
    assert error("wrangler.toml", 'name = "x"\nmain =\n') == (
        "wrangler.toml:2: invalid TOML: Invalid value at column 7; fix the TOML syntax on that line"
    )


def test_toml_unterminated_table(error: Callable[..., str]) -> None:
    assert error("wrangler.toml", 'name = "x"\n\n[vars\nA = 1\n') == (
        "wrangler.toml:3: invalid TOML: Expected ']' at the end of a table declaration "
        "at column 6; "
        "fix the TOML syntax on that line"
    )


def test_json_syntax_error(error: Callable[..., str]) -> None:
    text = '{\n  // comment é\n  "name": "x",\n  "main": ,\n}\n'
    assert error("wrangler.jsonc", text) == (
        "wrangler.jsonc:4: invalid JSON: Expected JSON5Value at column 11, found ','; "
        "fix the JSON syntax on that line"
    )


def test_json_missing_comma(error: Callable[..., str]) -> None:
    assert error("wrangler.json", '{\n  "a": 1\n  "b": 2\n}\n') == (
        "wrangler.json:3: invalid JSON: Expected comma or '}' at column 3, found '\"'; "
        "fix the JSON syntax on that line"
    )


def test_json_unclosed_string(error: Callable[..., str]) -> None:
    assert error("wrangler.json", '{\n  "name": "x\n') == (
        "wrangler.json:2: invalid JSON: Unclosed string starting at column 11; "
        "fix the JSON syntax on that line"
    )


def test_top_level_must_be_an_object(error: Callable[..., str]) -> None:
    assert error("wrangler.json", "[1, 2]") == (
        "wrangler.json:1: the file must hold an object at the top, got list; "
        'wrap the settings in { ... }, e.g. { "name": "my-worker" }'
    )


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "wrangler.toml")
    assert str(info.value) == (
        "wrangler.toml: config file not found; check the path given to --config"
    )


# --- types and required fields ---------------------------------------------------------------


def test_wrong_type_the_design_example(error: Callable[..., str]) -> None:
    text = """{
  "name": "w",
  "main": "src/index.ts",
  "compatibility_date": "2025-01-01",
  "kv_namespaces": [
    {
      "binding": 42,
      "id": "abc"
    }
  ]
}
"""
    assert error("wrangler.jsonc", text) == (
        f"wrangler.jsonc:7: kv_namespaces[0].binding: expected a string, got 42; {BINDING_FIX}"
    )


def test_missing_required_field(error: Callable[..., str]) -> None:
    text = HEAD_TOML + '\n[[kv_namespaces]]\nbinding = "A"\n\n[[kv_namespaces]]\nid = "b"\n'
    assert error("wrangler.toml", text) == (
        f"wrangler.toml:7: kv_namespaces[1].binding: missing required field; {BINDING_FIX}"
    )


def test_empty_required_string(error: Callable[..., str]) -> None:
    text = HEAD_TOML + '[[services]]\nbinding = "S"\nservice = ""\n'
    assert error("wrangler.toml", text) == (
        "wrangler.toml:5: services[0].service: must not be empty; "
        "set it to the name of the worker to bind to"
    )


def test_durable_objects_needs_bindings(error: Callable[..., str]) -> None:
    text = HEAD_TOML + "[durable_objects]\n"
    assert error("wrangler.toml", text) == (
        "wrangler.toml:3: durable_objects.bindings: missing required field; "
        'list the bindings: bindings = [{ name = "MY_DO", class_name = "MyDO" }]'
    )


def test_durable_object_environment_needs_script_name(error: Callable[..., str]) -> None:
    text = HEAD_TOML + (
        '[[durable_objects.bindings]]\nname = "D"\nclass_name = "C"\nenvironment = "prod"\n'
    )
    assert error("wrangler.toml", text) == (
        "wrangler.toml:6: durable_objects.bindings[0].environment: binding should have a "
        '"script_name" field if "environment" is present; add script_name, or remove environment'
    )


def test_list_where_object_expected(error: Callable[..., str]) -> None:
    assert error("wrangler.toml", HEAD_TOML + 'kv_namespaces = { binding = "A" }\n') == (
        'wrangler.toml:3: kv_namespaces: expected a list, got {"binding": "A"}; use a list: [ ... ]'
    )


def test_boolean_expected(error: Callable[..., str]) -> None:
    assert error("wrangler.toml", HEAD_TOML + 'minify = "yes"\n') == (
        'wrangler.toml:3: minify: expected a boolean, got "yes"; use true or false'
    )


def test_strings_expected_in_a_list(error: Callable[..., str]) -> None:
    assert error("wrangler.toml", HEAD_TOML + 'compatibility_flags = ["a", 2]\n') == (
        "wrangler.toml:3: compatibility_flags[1]: expected a string, got 2; "
        'use a list of flag names, e.g. ["nodejs_compat"]'
    )


def test_define_values_must_be_strings(error: Callable[..., str]) -> None:
    assert error("wrangler.toml", HEAD_TOML + "[define]\nDEBUG = true\n") == (
        "wrangler.toml:4: define.DEBUG: expected a string, got true; "
        'put the value in quotes, e.g. "value"'
    )


def test_vars_must_be_an_object(error: Callable[..., str]) -> None:
    assert error("wrangler.jsonc", '{\n  "vars": ["A"]\n}') == (
        'wrangler.jsonc:2: vars: expected an object, got ["A"]; '
        "use an object: { ... } in JSON, a [table] or { ... } in TOML"
    )


def test_vars_cannot_hold_toml_dates(error: Callable[..., str]) -> None:
    text = HEAD_TOML + "[vars]\nLAUNCH = 2025-12-19\n"
    assert error("wrangler.toml", text) == (
        "wrangler.toml:4: vars.LAUNCH: is a TOML date (2025-12-19), which is not supported; "
        'use a string instead, e.g. LAUNCH = "2025-12-19"'
    )


def test_env_must_be_a_table(error: Callable[..., str]) -> None:
    assert error("wrangler.toml", HEAD_TOML + 'env = "staging"\n', env="staging") == (
        'wrangler.toml:3: env: expected an object, got "staging"; '
        "use an object: { ... } in JSON, a [table] or { ... } in TOML"
    )


def test_migration_renamed_classes_shape(error: Callable[..., str]) -> None:
    text = HEAD_TOML + '[[migrations]]\ntag = "v1"\nrenamed_classes = [{ from = "A" }]\n'
    assert error("wrangler.toml", text) == (
        "wrangler.toml:5: migrations[0].renamed_classes[0].to: missing required field; "
        'use a list of "{from: string, to: string}" objects'
    )


def test_run_worker_first_type(error: Callable[..., str]) -> None:
    text = HEAD_TOML + '[assets]\ndirectory = "public"\nrun_worker_first = "yes"\n'
    assert error("wrangler.toml", text) == (
        'wrangler.toml:5: assets.run_worker_first: expected a list of strings, got "yes"; '
        'use true, false, or a list of route patterns, e.g. ["/api/*"]'
    )


def test_send_email_destination_is_exclusive(error: Callable[..., str]) -> None:
    text = HEAD_TOML + (
        '[[send_email]]\nname = "M"\ndestination_address = "a@b.c"\n'
        'allowed_destination_addresses = ["d@e.f"]\n'
    )
    assert error("wrangler.toml", text) == (
        "wrangler.toml:6: send_email[0].allowed_destination_addresses: bindings should have either "
        'a "destination_address" or "allowed_destination_addresses" field, but not both; '
        "remove one of them"
    )


# --- values: ranges, enums, formats ------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "line", "message"),
    [
        (
            '[[queues.consumers]]\nqueue = "q"\nmax_batch_size = 150\n',
            5,
            "queues.consumers[0].max_batch_size: must be at most 100, got 150; "
            "use a value from 1 to 100",
        ),
        (
            '[[queues.consumers]]\nqueue = "q"\nmax_batch_timeout = 61\n',
            5,
            "queues.consumers[0].max_batch_timeout: must be at most 60, got 61; "
            "use a value from 0 to 60",
        ),
        (
            '[[queues.consumers]]\nqueue = "q"\nmax_retries = 101\n',
            5,
            "queues.consumers[0].max_retries: must be at most 100, got 101; "
            "use a value from 0 to 100",
        ),
        (
            '[[queues.consumers]]\nqueue = "q"\nmax_batch_size = 0\n',
            5,
            "queues.consumers[0].max_batch_size: must be at least 1, got 0; "
            "use a value from 1 to 100",
        ),
        (
            '[[queues.producers]]\nbinding = "Q"\nqueue = "q"\ndelivery_delay = 43201\n',
            6,
            "queues.producers[0].delivery_delay: must be at most 43200, got 43201; "
            "use a value from 0 to 43200",
        ),
        (
            "[limits]\ncpu_ms = 300001\n",
            4,
            "limits.cpu_ms: must be at most 300000, got 300001; use a value from 1 to 300000",
        ),
        (
            "[limits]\nmemory_mb = 0\n",
            4,
            "limits.memory_mb: must be at least 1, got 0; use a value of at least 1",
        ),
        (
            "[limits]\ncpu_ms = 1.5\n",
            4,
            "limits.cpu_ms: expected a whole number, got 1.5; use a whole number without quotes",
        ),
        (
            "[dev]\nport = 70000\n",
            4,
            "dev.port: must be at most 65535, got 70000; use a port number from 0 to 65535",
        ),
    ],
)
def test_out_of_range(error: Callable[..., str], table: str, line: int, message: str) -> None:
    assert error("wrangler.toml", HEAD_TOML + table) == f"wrangler.toml:{line}: {message}"


@pytest.mark.parametrize(
    ("table", "line", "message"),
    [
        (
            '[assets]\ndirectory = "public"\nhtml_handling = "auto"\n',
            5,
            'assets.html_handling: expected one of "auto-trailing-slash", "force-trailing-slash", '
            '"drop-trailing-slash", "none", got "auto"; pick one of those',
        ),
        (
            '[assets]\ndirectory = "public"\nnot_found_handling = "spa"\n',
            5,
            'assets.not_found_handling: expected one of "single-page-application", "404-page", '
            '"none", got "spa"; pick one of those',
        ),
        (
            '[[rules]]\ntype = "Json"\nglobs = ["*.json"]\n',
            4,
            'rules[0].type: expected one of "ESModule", "CommonJS", "CompiledWasm", "Text", '
            '"Data", got "Json"; pick one of those',
        ),
        (
            '[[rules]]\ntype = "Text"\n',
            3,
            "rules[0].globs: missing required field; "
            'use a list of glob patterns, e.g. ["**/*.txt"]',
        ),
        (
            '[dev]\nlocal_protocol = "ws"\n',
            4,
            'dev.local_protocol: expected one of "http", "https", got "ws"; pick one of those',
        ),
    ],
)
def test_enums(error: Callable[..., str], table: str, line: int, message: str) -> None:
    assert error("wrangler.toml", HEAD_TOML + table) == f"wrangler.toml:{line}: {message}"


def test_invalid_worker_name(error: Callable[..., str]) -> None:
    assert error("wrangler.toml", 'name = "My Worker!"\n' + HEAD_TOML) == (
        "wrangler.toml:1: name: expected lowercase letters, digits, dashes and underscores, "
        'got "My Worker!"; rename it, e.g. "my-worker"'
    )


def test_invalid_r2_bucket_name(error: Callable[..., str]) -> None:
    text = HEAD_TOML + '[[r2_buckets]]\nbinding = "B"\nbucket_name = "My_Bucket"\n'
    assert error("wrangler.toml", text) == (
        'wrangler.toml:5: r2_buckets[0].bucket_name: "My_Bucket" is not a valid bucket name; '
        "bucket names must begin and end with a letter or digit, hold only lowercase letters, "
        "digits and hyphens, and be 3 to 63 characters long"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            '"2025-13-01"',
            'should be a valid ISO-8601 date (YYYY-MM-DD), got "2025-13-01"; '
            'use a date in quotes, e.g. "2025-01-01"',
        ),
        (
            '"01/02/2025"',
            'should be a valid ISO-8601 date (YYYY-MM-DD), got "01/02/2025"; '
            'use a date in quotes, e.g. "2025-01-01"',
        ),
        (
            '"2025\u201301\u201301"',
            'uses en-dashes (–) or em-dashes (—), got "2025–01–01"; '
            'use ISO-8601 hyphens (-), e.g. "2025-01-01"',
        ),
        (
            "2025-01-01",
            "expected a string, got a TOML date 2025-01-01; "
            'put the date in quotes: compatibility_date = "2025-01-01"',
        ),
        ("20250101", 'expected a string, got 20250101; use a date in quotes, e.g. "2025-01-01"'),
    ],
)
def test_compatibility_date(error: Callable[..., str], value: str, message: str) -> None:
    text = f'main = "src/index.ts"\ncompatibility_date = {value}\n'
    assert error("wrangler.toml", text) == f"wrangler.toml:2: compatibility_date: {message}"


# --- cross-section checks ------------------------------------------------------------------------


def test_duplicate_binding_across_sections(error: Callable[..., str]) -> None:
    text = HEAD_TOML + (
        '\n[[kv_namespaces]]\nbinding = "DATA"\n\n'
        '[[durable_objects.bindings]]\nname = "DATA"\nclass_name = "Data"\n\n'
        '[[migrations]]\ntag = "v1"\nnew_classes = ["Data"]\n'
    )
    assert error("wrangler.toml", text) == (
        "wrangler.toml:8: durable_objects.bindings[0].name: DATA assigned to Durable Object and "
        "KV Namespace bindings; rename one of them: bindings must have unique names, so that "
        "they can all be referenced in the worker"
    )


def test_duplicate_binding_same_section(error: Callable[..., str]) -> None:
    text = """{
  "main": "src/index.ts",
  "compatibility_date": "2025-01-01",
  "r2_buckets": [
    { "binding": "FILES", "bucket_name": "aaa" },
    { "binding": "FILES", "bucket_name": "bbb" }
  ]
}"""
    assert error("wrangler.jsonc", text) == (
        "wrangler.jsonc:6: r2_buckets[1].binding: FILES assigned to multiple R2 Bucket bindings; "
        "rename one of them: bindings must have unique names, so that they can all be "
        "referenced in the worker"
    )


def test_duplicate_between_vars_and_a_binding(error: Callable[..., str]) -> None:
    text = HEAD_TOML + '[ai]\nbinding = "AI"\n[vars]\nAI = "x"\n'
    assert error("wrangler.toml", text) == (
        "wrangler.toml:6: vars.AI: AI assigned to AI and Environment Variable bindings; "
        "rename one of them: bindings must have unique names, so that they can all be "
        "referenced in the worker"
    )


def test_duplicate_across_three_kinds(error: Callable[..., str]) -> None:
    text = HEAD_TOML + (
        '[[kv_namespaces]]\nbinding = "X"\n[[d1_databases]]\nbinding = "X"\n'
        '[[services]]\nbinding = "X"\nservice = "s"\n'
    )
    assert error("wrangler.toml", text) == (
        "wrangler.toml:8: services[0].binding: X assigned to KV Namespace, D1 Database, and "
        "Worker bindings; rename one of them: bindings must have unique names, so that they can "
        "all be referenced in the worker"
    )


def test_duplicate_names_in_environment(error: Callable[..., str]) -> None:
    text = HEAD_TOML + (
        "[env.staging]\n"
        '[[env.staging.kv_namespaces]]\nbinding = "K"\n'
        '[[env.staging.kv_namespaces]]\nbinding = "K"\n'
    )
    assert error("wrangler.toml", text, env="staging") == (
        "wrangler.toml:7: env.staging.kv_namespaces[1].binding: K assigned to multiple KV "
        "Namespace bindings; rename one of them: bindings must have unique names, so that they "
        "can all be referenced in the worker"
    )


def test_missing_main_and_assets(error: Callable[..., str]) -> None:
    assert error("wrangler.toml", 'name = "w"\ncompatibility_date = "2025-01-01"\n') == (
        'wrangler.toml:1: main: missing required field; set "main" to the worker\'s entry file, '
        'e.g. "src/index.ts", or configure "assets" for an assets-only worker'
    )


def test_main_not_found(error: Callable[..., str]) -> None:
    text = 'compatibility_date = "2025-01-01"\nmain = "src/missing.ts"\n'
    assert error("wrangler.toml", text) == (
        'wrangler.toml:2: main: the entry-point file at "src/missing.ts" was not found; '
        "fix the path, which is relative to the directory holding wrangler.toml"
    )


def test_env_main_not_found_points_at_env(error: Callable[..., str]) -> None:
    text = HEAD_TOML + '[env.staging]\nmain = "src/nope.ts"\n'
    assert error("wrangler.toml", text, env="staging") == (
        'wrangler.toml:4: env.staging.main: the entry-point file at "src/nope.ts" was not found; '
        "fix the path, which is relative to the directory holding wrangler.toml"
    )


def test_assets_directory_missing(error: Callable[..., str]) -> None:
    text = HEAD_TOML + '[assets]\ndirectory = "./dist"\n'
    assert error("wrangler.toml", text) == (
        'wrangler.toml:4: assets.directory: the directory "dist" does not exist; '
        "create it, or fix the path, which is relative to the directory holding wrangler.toml"
    )


def test_assets_without_directory(error: Callable[..., str]) -> None:
    text = HEAD_TOML + '[assets]\nbinding = "ASSETS"\n'
    assert error("wrangler.toml", text) == (
        "wrangler.toml:3: assets.directory: missing required field; "
        'set it to the folder of static files, e.g. "./public"'
    )


def test_require_main_false_skips_entry_checks(write: Write) -> None:
    cfg = load_config(
        write("wrangler.toml", 'compatibility_date = "2025-01-01"\nmain = "gone.ts"\n'),
        require_main=False,
    )
    assert cfg.main is not None and not cfg.main.exists()


# --- warnings ---------------------------------------------------------------------------------


def test_unknown_keys_warn(write: Write, worker_files: None) -> None:
    text = """{
  "main": "src/index.ts",
  "compatibility_date": "2025-01-01",
  "compatability_flags": [],
  "nmae": "x",
  "kv_namespaces": [{ "binding": "KV", "bindng": "typo" }],
  "dev": { "port": 8000, "portt": 1 }
}"""
    cfg = load_config(write("wrangler.jsonc", text))
    assert cfg.warnings == (
        'wrangler.jsonc:4: Unexpected fields found in top-level field: "compatability_flags",'
        '"nmae"; check the spelling (pyworkerd ignores unknown fields)',
        'wrangler.jsonc:6: Unexpected fields found in kv_namespaces[0] field: "bindng"; '
        "check the spelling (pyworkerd ignores unknown fields)",
        'wrangler.jsonc:7: Unexpected fields found in dev field: "portt"; '
        "check the spelling (pyworkerd ignores unknown fields)",
    )
    assert cfg.dev.port == 8000


def test_missing_compatibility_date_warns_and_uses_today(write: Write, worker_files: None) -> None:
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    toml = load_config(write("wrangler.toml", 'main = "src/index.ts"\n'))
    assert toml.compatibility_date == today
    assert toml.warnings == (
        f"wrangler.toml: No compatibility_date was specified. Using today's date: {today}. "
        f'Add one to your wrangler.toml file: compatibility_date = "{today}", or pass it in '
        f"your terminal: --compatibility-date={today}",
    )
    jsonc = load_config(write("wrangler.jsonc", '{"main": "src/index.ts"}'))
    assert f'file: "compatibility_date": "{today}", or' in jsonc.warnings[0]


def test_durable_objects_without_migrations_warn(write: Write, worker_files: None) -> None:
    text = HEAD_TOML + (
        '[[durable_objects.bindings]]\nname = "A"\nclass_name = "Alpha"\n'
        '[[durable_objects.bindings]]\nname = "B"\nclass_name = "Beta"\nscript_name = "other"\n'
    )
    cfg = load_config(write("wrangler.toml", text))
    assert cfg.warnings == (
        "wrangler.toml:3: In your wrangler.toml file, you have configured `durable_objects` "
        "exported by this Worker (Alpha), but no `migrations` for them. This may not work as "
        "expected until you add a `migrations` section to your wrangler.toml file: "
        '[[migrations]] tag = "v1" new_classes = ["Alpha"]',
    )


def test_error_attributes(error: Callable[..., str], write: Write) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write("wrangler.toml", HEAD_TOML + "minify = 1\n"))
    exc = info.value
    assert (exc.file, exc.line, exc.key) == ("wrangler.toml", 3, "minify")
    assert exc.problem == "expected a boolean, got 1"
    assert exc.fix == "use true or false"


def test_file_outside_cwd_is_shown_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, write: Write
) -> None:
    path = write("proj/wrangler.toml", "minify = 1\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}:1: minify: expected a boolean")


def test_the_first_error_in_the_file_is_reported(error: Callable[..., str]) -> None:
    text = HEAD_TOML + "minify = 1\n[[r2_buckets]]\nbinding = 2\n[[kv_namespaces]]\nbinding = 3\n"
    for _ in range(3):  # not at the mercy of set ordering
        assert error("wrangler.toml", text).startswith("wrangler.toml:3: minify:")
    text = HEAD_TOML + "[[kv_namespaces]]\nbinding = 3\n[env.e]\nminify = 1\nno_bundle = 2\n"
    assert error("wrangler.toml", text).startswith("wrangler.toml:4: kv_namespaces[0].binding:")
    text = HEAD_TOML + "[env.e]\nno_bundle = 2\nminify = 1\n"
    assert error("wrangler.toml", text, env="e").startswith("wrangler.toml:4: env.e.no_bundle:")
