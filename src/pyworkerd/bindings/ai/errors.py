"""Workers AI's errors, as the binding throws them.

workerd's Ai binding (src/cloudflare/internal/ai-api.ts) turns the service's error body
`{internalCode, name, description}` into `InferenceUpstreamError` with `name` set to the
service's name ("AiError") and message `"<internalCode>: <description>"`; a body that is not
JSON becomes an `InferenceUpstreamError` named so, whose message is the body. Codes and
descriptions come from Workers AI's error table.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AiError",
    "capacity",
    "invalid_input",
    "no_such_model",
    "schema_error",
    "timeout",
    "upstream",
]


class AiError(Exception):
    """One failed `env.AI.run`: `name` and `message` of the JS error the worker catches."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message

    def to_js(self) -> dict[str, Any]:
        return {"error": {"name": self.name, "message": self.message}}


def _coded(code: int, description: str) -> AiError:
    return AiError("AiError", f"{code}: {description}")


def no_such_model(model: str) -> AiError:
    return _coded(5007, f"No such model {model} or task")


def schema_error(detail: str) -> AiError:
    """The service's JSON-schema check of `inputs` (code 5006)."""
    return _coded(5006, f"Error: {detail}")


def invalid_input(detail: str = "") -> AiError:
    return _coded(8001, "Invalid input" + (f" ({detail})" if detail else ""))


def capacity(detail: str = "") -> AiError:
    suffix = f" ({detail})" if detail else ""
    return _coded(3040, "No more data centers to forward the request to" + suffix)


def timeout() -> AiError:
    return _coded(3007, "Request timeout")


def upstream(message: str) -> AiError:
    """A failure with no Workers AI code: a local setup problem, said plainly."""
    return AiError("InferenceUpstreamError", message)
