"""The OpenAPI document, made truthful in one place, and the offline documentation pages.

FastAPI describes what the routes accept and return; this module adds, for every operation,
what the problem handlers (``api/problems.py``) can answer, so no route declares its errors by
hand and a new router is covered as soon as it is included:

* ``401`` (with ``WWW-Authenticate: Bearer``) when the route depends on the bearer token;
* ``403`` when the route, a dependency of it or a helper of the API package it calls refers to
  ``require_operator`` or ``Forbidden`` (found by walking their code objects);
* ``404`` when the operation names something: a path parameter, a body, or a query parameter
  other than ``limit`` (another merchant's resource answers 404 as if it did not exist);
* ``409`` for every operation that changes state (``POST``, ``PUT``, ``PATCH``, ``DELETE``):
  a state that does not allow it, an id that exists, an ``Idempotency-Key`` reused;
* ``413`` for operations with a body (the request size limit); ``422`` for every operation
  (an input refused, or a NUL character in a header);
* ``500`` everywhere (the generic problem with its ``error_id``).

Each is a ``Problem`` under ``application/problem+json``; FastAPI's ``HTTPValidationError``
is gone. ``Idempotency-Key`` is required wherever the money dependency reads it (the server
refuses the request without it). Components clashing by class name get clean names
(``BnplCategoryOut``, not ``shopwarden__bnpl__schemas__CategoryOut``), unused ones are dropped,
and every operation carries request and response examples built from its schemas (an explicit
``example``/``examples`` wins), valid against them.

``/docs`` (Swagger UI) and ``/redoc`` are served from the ``fastapi-offline`` package's files,
so the documentation works with no internet.

The ``Problem`` schema and its responses are ``openapi_problems.py``; the example values
``openapi_examples.py``. This module finds what each route can answer, assembles the document
and installs it with the documentation pages.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import fastapi_offline
from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from shopwarden.api.deps import get_principal
from shopwarden.api.idempotency import MAX_KEY_LENGTH, money_call
from shopwarden.api.openapi_examples import SCHEMA_REF, Examples
from shopwarden.api.openapi_problems import add_problem_schemas, problem_response

IDEMPOTENCY_HEADER = "Idempotency-Key"
STATIC_URL = "/docs/static"
STATIC_DIR = Path(fastapi_offline.__file__).parent / "static"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# what a route can answer ----------------------------------------------------------------------
def api_routes(app: FastAPI) -> Iterator[APIRoute]:
    """The app's API routes, with the paths of the routers they are included in."""
    contexts = getattr(routing, "iter_route_contexts", None)
    if contexts is None:  # FastAPI before lazily included routers
        yield from (r for r in app.routes if isinstance(r, APIRoute))
        return
    for context in contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            yield cast(APIRoute, context)  # a view of the route as included


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _dependencies(sub)


def _calls(route: APIRoute) -> set[Callable[..., Any]]:
    return {d.call for d in _dependencies(route.dependant) if d.call is not None}


def _referenced_names(function: Any, seen: set[int] | None = None) -> set[str]:
    """Global names the function's code (nested functions included) refers to, followed into
    the helpers of this API package that it calls."""
    seen = set() if seen is None else seen
    code = getattr(function, "__code__", None)
    if code is None or id(code) in seen:
        return set()
    seen.add(id(code))
    names: set[str] = set()
    stack = [code]
    while stack:
        current = stack.pop()
        names.update(current.co_names)
        stack.extend(c for c in current.co_consts if isinstance(c, types.CodeType))
    module_globals = getattr(function, "__globals__", {})
    for name in list(names):
        helper = module_globals.get(name)
        module = getattr(helper, "__module__", "") or ""
        if isinstance(helper, types.FunctionType) and module.startswith("shopwarden.api"):
            names |= _referenced_names(helper, seen)
    return names


def statuses_of(route: APIRoute, method: str) -> list[int]:
    """Every error status the problem handlers can answer for this operation."""
    dependants = [route.dependant, *_dependencies(route.dependant)]
    path_params = [p.name for d in dependants for p in d.path_params]
    queries = {p.name for d in dependants for p in d.query_params}
    calls = _calls(route)
    names = _referenced_names(route.endpoint)
    for call in calls:
        names |= _referenced_names(call)
    has_body = route.body_field is not None
    # 422 everywhere: besides the declared inputs, the edge refuses a NUL in any header
    statuses = {422, 500}
    if get_principal in calls:
        statuses.add(401)
    if {"Forbidden", "require_operator"} & names:
        statuses.add(403)
    if path_params or has_body or (queries - {"limit"}):
        statuses.add(404)
    if method not in SAFE_METHODS:
        statuses.add(409)
    if has_body:
        statuses.add(413)
    return sorted(statuses)


def is_money_route(route: APIRoute) -> bool:
    return money_call in _calls(route)


# the document ---------------------------------------------------------------------------------
def _rename_components(document: dict[str, Any]) -> None:
    """``shopwarden__bnpl__schemas__CategoryOut`` → ``BnplCategoryOut``: the domain's name
    before the class name, for models whose class names clash."""
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    renames: dict[str, str] = {}
    for name in list(schemas):
        if "__" not in name:
            continue
        parts = [p for p in name.split("__") if p]
        domain = parts[1] if parts[0] == "shopwarden" and len(parts) > 2 else parts[0]
        clean = "".join(w.capitalize() for w in domain.split("_")) + parts[-1]
        while clean in schemas or clean in renames.values():
            clean += "_"
        renames[name] = clean
    if not renames:
        return
    for old, new in renames.items():
        schemas[new] = schemas.pop(old)
        schemas[new]["title"] = new

    def rewrite(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.removeprefix(SCHEMA_REF) in renames:
                node["$ref"] = SCHEMA_REF + renames[ref.removeprefix(SCHEMA_REF)]
            for value in node.values():
                rewrite(value)
        elif isinstance(node, list):
            for value in node:
                rewrite(value)

    rewrite(document)


def _prune_components(document: dict[str, Any]) -> None:
    """Drop schemas nothing refers to (``HTTPValidationError`` and friends once replaced)."""
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})

    def refs(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(SCHEMA_REF):
                yield ref.removeprefix(SCHEMA_REF)
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    used: set[str] = set()
    pending = list(refs(document.get("paths", {})))
    while pending:
        name = pending.pop()
        if name in used or name not in schemas:
            continue
        used.add(name)
        pending.extend(refs(schemas[name]))
    for name in list(schemas):
        if name not in used:
            del schemas[name]


def _document_operation(
    route: APIRoute, method: str, operation: dict[str, Any], examples: Examples
) -> None:
    path = route.path_format
    money = is_money_route(route)
    for parameter in operation.get("parameters", []):
        named = parameter.get("in") == "header" and parameter.get("name") == IDEMPOTENCY_HEADER
        if named and money:
            parameter["required"] = True
            parameter["schema"] = {
                "type": "string",
                "minLength": 1,
                "maxLength": MAX_KEY_LENGTH,
                "title": IDEMPOTENCY_HEADER,
            }
            parameter["description"] = (
                "Required: the same key with the same request returns the first answer "
                "(`Idempotent-Replayed: true`) and moves nothing; with another request, 409."
            )
        if "example" not in parameter and not parameter.get("examples"):
            parameter["example"] = examples.value(parameter.get("schema", {}), parameter["name"])
    body = operation.get("requestBody", {}).get("content", {})
    for media in body.values():
        if "example" not in media and not media.get("examples"):
            media["example"] = examples.value(media.get("schema", {}))
    responses: dict[str, Any] = operation.setdefault("responses", {})
    responses.pop("422", None)
    for code, response in responses.items():
        if not code.startswith("2"):
            continue
        for media in response.get("content", {}).values():
            if "example" not in media and not media.get("examples"):
                media["example"] = examples.value(media.get("schema", {}))
        if money:
            response.setdefault("headers", {})["Idempotent-Replayed"] = {
                "description": "`true` when this is the stored answer of an earlier request.",
                "required": False,
                "schema": {"type": "string", "enum": ["true"]},
            }
    for status in statuses_of(route, method):
        responses[str(status)] = problem_response(status, path)


def build_openapi(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
        servers=app.servers,
    )
    _rename_components(document)
    add_problem_schemas(document)
    examples = Examples(document["components"]["schemas"])
    for route in api_routes(app):
        if not route.include_in_schema:
            continue
        item = document["paths"].get(route.path_format, {})
        for method in sorted(route.methods or ()):
            operation = item.get(method.lower())
            if operation is not None:
                _document_operation(route, method, operation, examples)
    _prune_components(document)
    return document


# installing it --------------------------------------------------------------------------------
def install_openapi(app: FastAPI) -> None:
    """Serve the document built here at ``app.openapi_url``, and /docs and /redoc offline.

    Create the app with ``docs_url=None, redoc_url=None``: the pages are added here.
    """

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.mount(STATIC_URL, StaticFiles(directory=STATIC_DIR), name="docs-static")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC_URL}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC_URL}/favicon.png",
            # no badge from validator.swagger.io: the document stays here
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{STATIC_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{STATIC_URL}/favicon.png",
            with_google_fonts=False,
        )
