"""Responses the front end makes itself: a worker's failure, limits, bad requests."""

from __future__ import annotations

import html
from dataclasses import dataclass

from pyworkerd.engine.types import WorkerFailure

__all__ = ["ErrorPage", "failure_page", "front_end_error", "load_error_page"]


@dataclass(frozen=True)
class ErrorPage:
    status: int
    headers: list[tuple[str, str]]
    body: str


def _text(status: int, body: str, extra: list[tuple[str, str]] | None = None) -> ErrorPage:
    return ErrorPage(status, [("content-type", "text/plain;charset=UTF-8"), *(extra or [])], body)


def front_end_error(status: int, message: str) -> ErrorPage:
    """400/413/414/431 and friends: the request never reached a worker."""
    return _text(status, message + "\n")


_LIMIT_TITLES = {
    "exceededCpu": "Worker exceeded CPU time limit.",
    "exceededMemory": "Worker exceeded memory limit.",
}


def failure_page(
    failure: WorkerFailure,
    *,
    dev: bool,
    request_id: str,
    stack: str,
    wants_html: bool,
) -> ErrorPage:
    """The page for a request the worker could not answer.

    Limits give Cloudflare's error 1102 (503); an uncaught exception gives 500 with the
    source-mapped stack in dev (error 1101 in production) and a plain body in serve.
    """
    if failure.outcome in _LIMIT_TITLES:
        title = _LIMIT_TITLES[failure.outcome]
        return _page(503, "1102", "Worker exceeded resource limits", title, request_id, wants_html)
    detail = stack or f"{failure.name}: {failure.message}"
    if not dev:  # workerd's own reply: no body detail, no content-type
        return ErrorPage(500, [("cf-ray", request_id)], "Internal Server Error")
    if wants_html:
        body = (
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>"
            + html.escape(f"{failure.name}: {failure.message}")
            + "</title><style>body{font:14px system-ui;margin:2em}pre{background:#f6f6f6;"
            "padding:1em;overflow:auto}</style></head><body><h1>Error 1101: Worker threw exception"
            "</h1><pre>"
            + html.escape(detail)
            + "</pre><p>Request id: "
            + html.escape(request_id)
            + "</p></body></html>"
        )
        return ErrorPage(
            500, [("content-type", "text/html;charset=UTF-8"), ("cf-ray", request_id)], body
        )
    return _text(500, detail + "\n", [("cf-ray", request_id)])


def _page(
    status: int, code: str, title: str, detail: str, request_id: str, wants_html: bool
) -> ErrorPage:
    if not wants_html:
        return _text(status, f"error code: {code}\n{detail}\n", [("cf-ray", request_id)])
    body = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>"
        + html.escape(f"Error {code}: {title}")
        + "</title></head><body><h1>Error "
        + code
        + "</h1><h2>"
        + html.escape(title)
        + "</h2><p>"
        + html.escape(detail)
        + "</p><p>Ray ID: "
        + html.escape(request_id)
        + "</p></body></html>"
    )
    return ErrorPage(
        status, [("content-type", "text/html;charset=UTF-8"), ("cf-ray", request_id)], body
    )


def load_error_page(worker: str, message: str) -> ErrorPage:
    """The worker's script does not build or load: say why on every request."""
    return _text(500, f"Worker {worker!r} failed to start:\n{message}\n")
