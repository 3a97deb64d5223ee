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
"""

from __future__ import annotations

import re
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
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from shopwarden.api.deps import get_principal
from shopwarden.api.idempotency import MAX_KEY_LENGTH, money_call
from shopwarden.api.problems import PROBLEM_JSON, TYPE_PREFIX

IDEMPOTENCY_HEADER = "Idempotency-Key"
STATIC_URL = "/docs/static"
STATIC_DIR = Path(fastapi_offline.__file__).parent / "static"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_REF = "#/components/schemas/"


# the problem document -------------------------------------------------------------------------
class ProblemError(BaseModel):
    """One problem of a refused input."""

    field: str = Field(description="The offending input, e.g. `skus.0.price`.")
    reason: str


class Problem(BaseModel):
    """An RFC 9457 problem document: what every error of the API answers.

    Some refusals add members of their own (``reasons``, ``required``, ``refundable``, ...).
    """

    model_config = ConfigDict(extra="allow")

    type: str = Field(
        description=f"Stable per kind of problem: `{TYPE_PREFIX}<slug>`; clients may switch on it.",
        examples=[TYPE_PREFIX + "invalid-input"],
    )
    title: str
    status: int = Field(ge=400, le=599)
    detail: str
    instance: str = Field(description="The request's path.")
    field: str | SkipJsonSchema[None] = Field(
        default=None, description="The offending input (`amount`, `Idempotency-Key` ...)."
    )
    rule: str | SkipJsonSchema[None] = Field(
        default=None, description="The SPEC rule that refused, when one did (`DEP-15`)."
    )
    errors: list[ProblemError] | SkipJsonSchema[None] = Field(
        default=None, description="Every problem of a refused input."
    )
    error_id: str | SkipJsonSchema[None] = Field(
        default=None, description="For a 500: the id under which the error was logged."
    )


_STATUSES: dict[int, tuple[str, str, str, str | None]] = {
    # status: (description, slug, title, field)
    401: (
        "No or unknown bearer token (`unauthorized`).",
        "unauthorized",
        "Missing or unknown bearer token",
        "Authorization",
    ),
    403: (
        "The role may not do this (`forbidden`).",
        "forbidden",
        "Not allowed for this role",
        "Authorization",
    ),
    404: (
        "No such resource, or another merchant's (`not-found`).",
        "not-found",
        "Not found",
        None,
    ),
    409: (
        "The state does not allow it (`conflict`, `already-exists`), or the Idempotency-Key was "
        "used for another request (`idempotency-key-reused`).",
        "conflict",
        "Conflicts with the current state",
        None,
    ),
    413: (
        "The request body is too large (`payload-too-large`).",
        "payload-too-large",
        "Request body too large",
        None,
    ),
    422: (
        "An input is missing, malformed or out of range (`invalid-input`, with every problem in "
        "`errors`), or a rule refuses (`rule-refused`, `insufficient-funds`, `policy-invalid`; "
        "the rule in `rule`).",
        "invalid-input",
        "Invalid input",
        "amount",
    ),
    500: (
        "An unexpected error; nothing was changed (`internal-error`, with `error_id`).",
        "internal-error",
        "Internal server error",
        None,
    ),
}


def _problem_example(status: int, path: str) -> dict[str, Any]:
    _, slug, title, field = _STATUSES[status]
    example: dict[str, Any] = {
        "type": TYPE_PREFIX + slug,
        "title": title,
        "status": status,
        "detail": title.lower() if status != 422 else "amount: must be more than 0.00",
        "instance": path,
    }
    if field:
        example["field"] = field
    if status == 422:
        example["errors"] = [{"field": "amount", "reason": "must be more than 0.00"}]
    if status == 500:
        example["error_id"] = "5f0c2a9e"
    return example


def _problem_response(status: int, path: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": _STATUSES[status][0],
        "content": {
            PROBLEM_JSON: {
                "schema": {"$ref": _REF + "Problem"},
                "example": _problem_example(status, path),
            }
        },
    }
    if status == 401:
        response["headers"] = {
            "WWW-Authenticate": {
                "description": "`Bearer`: the scheme the API expects.",
                "required": True,
                "schema": {"type": "string"},
            }
        }
    return response


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


# examples -------------------------------------------------------------------------------------
_NAME_EXAMPLES: dict[str, Any] = {
    "merchant_id": "m1",
    "product_id": "p1",
    "consumer_id": "c1",
    "order_id": "o1",
    "case_id": "case1",
    "campaign_id": "camp1",
    "sku_id": "sku1",
    "category": "apparel",
    "code": "apparel",
    "family": "deposits",
    "version": "2023-01-01",
    "account": "merchant:m1:wallet",
    "debit": "merchant:m1:wallet",
    "credit": "platform:bank",
    "payout_account": "bank:6222000000000001",
    "purpose": "marketing",
    "amount": "100.00",
    "month": "2024-02",
    "as_of": "2024-03-01T09:00:00+08:00",
    "name": "Store m1",
    "title": "Summer dress",
    "reason": "the documents do not match",
    "Idempotency-Key": "7d9f1c2e-pay-1",
}
_STRING_CANDIDATES = (
    "m1",
    "100.00",
    "0.003",
    "2024-02",
    "2024-03-01",
    "2024-03-01T09:00:00+08:00",
    "merchant:m1:wallet",
    "example",
)
_FORMATS = {
    "date-time": "2024-03-01T09:00:00+08:00",
    "date": "2024-03-01",
    "time": "09:00:00+08:00",
    "email": "ops@example.com",
    "uri": "https://example.com/",
    "uuid": "6f1c8a52-6a3e-4d0e-9a53-2b7c1e1f0a11",
}


class _Examples:
    """Builds an example value from a JSON schema of this document."""

    def __init__(self, components: dict[str, Any]) -> None:
        self.components = components

    def value(self, schema: dict[str, Any], name: str = "", depth: int = 0) -> Any:
        if depth > 12:
            return None
        if "$ref" in schema:
            target = self.components[schema["$ref"].removeprefix(_REF)]
            return self.value(target, name, depth + 1)
        if "example" in schema:
            return schema["example"]
        if schema.get("examples"):
            return schema["examples"][0]
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return schema["enum"][0]
        if "properties" in schema:
            return self._object(schema, depth)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [o for o in schema[key] if o.get("type") != "null"] or schema[key]
                return self.value(options[0], name, depth + 1)
        if "allOf" in schema:
            return self.value(schema["allOf"][0], name, depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind == "object" or "properties" in schema:
            return self._object(schema, depth)
        if kind == "array":
            item = self.value(schema.get("items", {}), name.removesuffix("s"), depth + 1)
            return [item] * max(1, int(schema.get("minItems", 1)))
        if kind == "string":
            return self._string(schema, name)
        if kind in ("integer", "number"):
            if "default" in schema and schema["default"] is not None:
                return schema["default"]
            low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)
            value = max(1, low)
            if "maximum" in schema:
                value = min(value, schema["maximum"])
            return int(value) if kind == "integer" else float(value)
        if kind == "boolean":
            default = schema.get("default")
            return default if isinstance(default, bool) else True
        if kind == "null":
            return None
        return _NAME_EXAMPLES.get(name, "example")

    def _object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        properties: dict[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", []))
        for key in ("oneOf", "anyOf"):  # a choice of forms: the first one's fields
            if schema.get(key):
                required |= set(schema[key][0].get("required", []))
        chosen = [n for n in properties if n in required] or list(properties)
        result = {n: self.value(properties[n], n, depth + 1) for n in chosen}
        extra = schema.get("additionalProperties")
        if not result and isinstance(extra, dict) and extra:
            result["key"] = self.value(extra, "", depth + 1)
        return result

    @staticmethod
    def _string(schema: dict[str, Any], name: str) -> str:
        if schema.get("format") in _FORMATS:
            return _FORMATS[schema["format"]]
        low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
        pattern = schema.get("pattern")
        hinted = _NAME_EXAMPLES.get(name)
        candidates = ([hinted] if isinstance(hinted, str) else []) + list(_STRING_CANDIDATES)
        for candidate in candidates:
            if len(candidate) < low or (high is not None and len(candidate) > high):
                continue
            if pattern is None or re.search(pattern, candidate):
                return candidate
        return "x" * max(low, 1)


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
            if isinstance(ref, str) and ref.removeprefix(_REF) in renames:
                node["$ref"] = _REF + renames[ref.removeprefix(_REF)]
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
            if isinstance(ref, str) and ref.startswith(_REF):
                yield ref.removeprefix(_REF)
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


def _add_problem_schemas(document: dict[str, Any]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template=_REF + "{model}")
    for name, definition in problem.pop("$defs", {}).items():
        schemas[name] = definition
    schemas["Problem"] = problem


def _document_operation(
    route: APIRoute, method: str, operation: dict[str, Any], examples: _Examples
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
        responses[str(status)] = _problem_response(status, path)


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
    _add_problem_schemas(document)
    examples = _Examples(document["components"]["schemas"])
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
