"""Every error leaves the API as an RFC 9457 problem document, mapped here and only here.

``type`` is a stable URN per kind of problem; ``field`` names the offending input and
``rule`` the SPEC rule that refused the action, when one did. The HTTP status of a domain
error is decided here (:func:`status_of`), not by the error: the domain knows no HTTP.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import fastapi.routing
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shopwarden.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    RuleRefused,
    ShopwardenError,
    Unauthorized,
)

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:shopwarden:problem:"
INTERNAL_ERROR = TYPE_PREFIX + "internal-error"

log = logging.getLogger("shopwarden.api")

STATUSES: dict[type[ShopwardenError], int] = {
    ShopwardenError: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,  # AlreadyExists and IdempotencyKeyReused too
    InvalidInput: 422,  # PolicyInvalid too
    RuleRefused: 422,  # InsufficientFunds too
}
"""The HTTP status of each kind of domain error; a subclass answers its nearest listed base's."""


def status_of(error: ShopwardenError | type[ShopwardenError]) -> int:
    """The status a domain error answers: that of the most specific class listed above."""
    kind = error if isinstance(error, type) else type(error)
    return next(STATUSES[base] for base in kind.__mro__ if base in STATUSES)


def problem(
    *,
    status: int,
    slug: str,
    title: str,
    detail: str,
    instance: str,
    field: str | None = None,
    rule: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": TYPE_PREFIX + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if field:
        body["field"] = field
    if rule:
        body["rule"] = rule
    if errors:
        body["errors"] = errors
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _field_of(location: tuple[Any, ...]) -> str:
    parts = [str(p) for p in location]
    if parts and parts[0] in ("body", "header", "path", "query"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _reason(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")


def _invalid_input(request: Request, errors: list[dict[str, Any]]) -> JSONResponse:
    """One 422 shape for every malformed input: the first problem in ``detail``, all in
    ``errors``."""
    first = errors[0] if errors else {"field": "body", "reason": "invalid request"}
    return problem(
        status=422,
        slug="invalid-input",
        title="Invalid input",
        detail=f"{first['field']}: {first['reason']}",
        instance=request.url.path,
        field=first["field"],
        errors=errors,
    )


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(ShopwardenError)
    async def _refused(request: Request, error: ShopwardenError) -> JSONResponse:
        response = problem(
            status=status_of(error),
            slug=error.slug,
            title=error.title,
            detail=error.detail,
            instance=request.url.path,
            field=error.field,
            rule=error.rule,
            extra=error.extra or None,
        )
        if isinstance(error, Unauthorized):
            response.headers["WWW-Authenticate"] = "Bearer"  # RFC 9110 §11.6.1
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_of(tuple(e["loc"])), "reason": _reason(e)} for e in error.errors()
        ]
        return _invalid_input(request, errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400:  # a body that is not JSON text: malformed input, like the rest
            return _invalid_input(request, [{"field": "body", "reason": str(error.detail)}])
        slug = {404: "not-found", 405: "method-not-allowed", 401: "unauthorized"}.get(
            error.status_code, "http-error"
        )
        response = problem(
            status=error.status_code,
            slug=slug,
            title=str(error.detail),
            detail=str(error.detail),
            instance=request.url.path,
        )
        # the router's own headers: ``Allow`` on a 405, ``WWW-Authenticate`` on a 401
        response.headers.update(error.headers or {})
        if error.status_code == 405:
            response.headers["Allow"] = _allowed_methods(request) or response.headers["Allow"]
        if error.status_code == 401:
            response.headers.setdefault("WWW-Authenticate", "Bearer")
        return response


def _allowed_methods(request: Request) -> str:
    """The methods of the path the request reached: of every route with the path template of
    the first route matching it (the router names only that route's own methods)."""
    contexts = getattr(fastapi.routing, "iter_route_contexts", None)
    routes = list(contexts(request.app.router.routes) if contexts else request.app.router.routes)
    template = next(
        (
            getattr(r, "path_format", None)
            for r in routes
            if getattr(r, "path_regex", None) is not None
            and r.path_regex.match(request.scope["path"])
        ),
        None,
    )
    methods: set[str] = set()
    for route in routes:
        if template is not None and getattr(route, "path_format", None) == template:
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


def install_internal_error_handler(app: FastAPI) -> None:
    """Any unexpected exception answers a 500 problem document, never plain text.

    Starlette hands a handler for ``Exception`` to its ServerErrorMiddleware, the outermost
    layer, so this also covers errors raised in other middleware. The answer carries an
    ``error_id`` that is written to the server log with the traceback, and nothing else about
    the error (no message, no stack).
    """

    @app.exception_handler(Exception)
    async def _internal(request: Request, error: Exception) -> JSONResponse:
        error_id = uuid.uuid4().hex
        log.exception(
            "internal error %s on %s %s", error_id, request.method, request.url.path, exc_info=error
        )
        return problem(
            status=500,
            slug="internal-error",
            title="Internal server error",
            detail=f"an unexpected error occurred; quote error id {error_id} when reporting it",
            instance=request.url.path,
            extra={"error_id": error_id},
        )
