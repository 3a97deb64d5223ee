"""The problem document in the OpenAPI document: its schema and one response per status.

Every error of the API is a ``Problem`` under ``application/problem+json`` (``api/problems.py``
makes them); this module describes it, with an example per status. The status, slug and title
of a domain refusal come from the errors themselves and the API's mapping (``status_of``), so
the document cannot drift from what the handlers answer.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from shopwarden.api.openapi_examples import SCHEMA_REF
from shopwarden.api.problems import PROBLEM_JSON, TYPE_PREFIX, status_of
from shopwarden.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized


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
    status_of(Unauthorized): (
        "No or unknown bearer token (`unauthorized`).",
        Unauthorized.slug,
        Unauthorized.title,
        "Authorization",
    ),
    status_of(Forbidden): (
        "The role may not do this (`forbidden`).",
        Forbidden.slug,
        Forbidden.title,
        "Authorization",
    ),
    status_of(NotFound): (
        "No such resource, or another merchant's (`not-found`).",
        NotFound.slug,
        NotFound.title,
        None,
    ),
    status_of(Conflict): (
        "The state does not allow it (`conflict`, `already-exists`), or the Idempotency-Key was "
        "used for another request (`idempotency-key-reused`).",
        Conflict.slug,
        Conflict.title,
        None,
    ),
    413: (
        "The request body is too large (`payload-too-large`).",
        "payload-too-large",
        "Request body too large",
        None,
    ),
    status_of(InvalidInput): (
        "An input is missing, malformed or out of range (`invalid-input`, with every problem in "
        "`errors`), or a rule refuses (`rule-refused`, `insufficient-funds`, `policy-invalid`; "
        "the rule in `rule`).",
        InvalidInput.slug,
        InvalidInput.title,
        "amount",
    ),
    500: (
        "An unexpected error; nothing was changed (`internal-error`, with `error_id`).",
        "internal-error",
        "Internal server error",
        None,
    ),
}


def problem_example(status: int, path: str) -> dict[str, Any]:
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


def problem_response(status: int, path: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": _STATUSES[status][0],
        "content": {
            PROBLEM_JSON: {
                "schema": {"$ref": SCHEMA_REF + "Problem"},
                "example": problem_example(status, path),
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


def add_problem_schemas(document: dict[str, Any]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template=SCHEMA_REF + "{model}")
    for name, definition in problem.pop("$defs", {}).items():
        schemas[name] = definition
    schemas["Problem"] = problem
