"""Checks at the edge, before routing parses anything: request size and text no database takes.

- **Size.** A request body may be at most :data:`MAX_BODY_BYTES` (1 MiB); a policy upload
  (``POST /v1/policies``, YAML) at most :data:`MAX_POLICY_BODY_BYTES` (256 KiB). A larger
  ``Content-Length`` is refused at once, and a body without one is counted as it streams in, so
  nothing larger is ever buffered or parsed: 413 ``payload-too-large``, ``field: body``.
- **Text.** No string may carry a NUL character (PostgreSQL's text cannot store one) or a lone
  UTF-16 surrogate (not encodable as UTF-8): in the query, a header or anywhere in a JSON body
  (here), or a path parameter (:func:`refuse_unstorable_path`, an app-wide dependency, since
  only routing knows the parameters' names). 422 ``invalid-input`` naming the field: the path
  parameter (``product_id``), the query parameter (``after``), the header, or the body's dotted
  path (``details.note``, ``skus.0.sku_id``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shopwarden.api.problems import problem
from shopwarden.errors import InvalidInput

MAX_BODY_BYTES = 1024 * 1024
"""The largest request body, in bytes (1 MiB)."""

MAX_POLICY_BODY_BYTES = 256 * 1024
"""The largest policy document (``POST /v1/policies``), in bytes (256 KiB)."""

BODY_LIMITS = {("POST", "/v1/policies"): MAX_POLICY_BODY_BYTES}

# A JSON escape that decodes to NUL or a surrogate; only a body that has one is decoded here.
_SUSPECT_ESCAPE = re.compile(rb"\\u(0000|[dD][89abAB]|[dD][c-fC-F])")
_SURROGATE = re.compile("[\ud800-\udfff]")


def body_limit(scope: Scope) -> int:
    return BODY_LIMITS.get((scope["method"], scope["path"].rstrip("/")), MAX_BODY_BYTES)


def unstorable(text: str) -> str | None:
    """Why ``text`` cannot be taken as a string, or None when it can."""
    if "\x00" in text:
        return "must not contain a NUL character (\\u0000)"
    if _SURROGATE.search(text):
        return "must not contain a lone UTF-16 surrogate"
    return None


class EdgeGuard:
    """The ASGI middleware for both checks; it answers problem documents itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = _refuse_request_line(scope)
        if refused is not None:
            await _answer(scope, send, 422, *refused)
            return
        limit = body_limit(scope)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(scope, send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _too_large(scope, send, limit)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        where = _unstorable_in_body(body)
        if where is not None:
            await _answer(scope, send, 422, *where)
            return
        await self.app(scope, _replay(body, receive), send)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _refuse_request_line(scope: Scope) -> tuple[str, str] | None:
    """(field, reason) for a query parameter or header that is unstorable.

    The path is checked after routing, by :func:`refuse_unstorable_path`, which knows the
    names of its parameters.
    """
    query = scope.get("query_string", b"").decode("latin-1")
    for key, value in parse_qsl(query, keep_blank_values=True):
        reason = unstorable(key) or unstorable(value)
        if reason is not None:
            return (key if unstorable(key) is None else "query"), reason
    for name, raw in scope.get("headers", ()):
        if b"\x00" in raw:
            return name.decode("latin-1"), "must not contain a NUL character"
    return None


async def refuse_unstorable_path(request: Request) -> None:
    """An app-wide dependency: a path parameter with a NUL answers 422 naming the parameter."""
    for name, value in request.path_params.items():
        reason = unstorable(value) if isinstance(value, str) else None
        if reason is not None:
            raise InvalidInput(f"{name}: {reason}", field=name)


def _unstorable_in_body(body: bytes) -> tuple[str, str] | None:
    if b"\x00" in body:
        return "body", "must not contain a NUL byte"
    if not _SUSPECT_ESCAPE.search(body):
        return None
    try:
        document = json.loads(body)
    except ValueError:
        return None  # not JSON: the route's own parsing answers
    for path, text in _strings(document, ()):
        reason = unstorable(text)
        if reason is not None:
            return ".".join(path) or "body", reason
    return None


def _strings(value: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every string of a JSON document (keys too), with the dotted path to it."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            shown = key if unstorable(key) is None else "?"
            yield (*path, shown), key
            yield from _strings(item, (*path, shown))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, str(index)))


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    await _answer(
        scope,
        send,
        413,
        "body",
        f"the request body is larger than {limit} bytes",
        slug="payload-too-large",
        title="Request body too large",
    )


async def _answer(
    scope: Scope,
    send: Send,
    status: int,
    field: str,
    reason: str,
    *,
    slug: str = "invalid-input",
    title: str = "Invalid input",
) -> None:
    response = problem(
        status=status,
        slug=slug,
        title=title,
        detail=f"{field}: {reason}",
        instance=scope["path"].replace("\x00", "\\u0000"),
        field=field,
        errors=[{"field": field, "reason": reason}] if status == 422 else None,
    )
    await response(scope, _no_receive, send)


async def _no_receive() -> Message:  # pragma: no cover - a JSON response never reads
    return {"type": "http.disconnect"}
