"""The shopping experience score: a merchant's score, breakdown and history (SCORE-1..5), what
it feeds (SCORE-6), the operators' distribution and the what-if of a draft policy."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from shopwarden.api.deps import (
    ContainerDep,
    PrincipalDep,
    UnitsDep,
    require_operator,
    require_visible,
)
from shopwarden.api.edge import MAX_POLICY_BODY_BYTES
from shopwarden.catalog import service as catalog
from shopwarden.errors import InvalidInput
from shopwarden.facts.storage import facts_dir
from shopwarden.metrics.engines import ENGINES
from shopwarden.schema_types import Day, Instant, left_out, refuse_null
from shopwarden.scoring import views
from shopwarden.scoring.distribution import distribution
from shopwarden.scoring.service import policy_in_force
from shopwarden.scoring.snapshots import history, snapshot_document
from shopwarden.scoring.whatif import draft_from_text, simulate

router = APIRouter(prefix="/v1/scores", tags=["score"])


class SimulationIn(BaseModel):
    """A draft score policy, as YAML text or as the id of a version in the policy book."""

    model_config = ConfigDict(
        extra="forbid",
        # the schema says what _one_policy checks: exactly one of policy or version
        json_schema_extra={"oneOf": [{"required": ["policy"]}, {"required": ["version"]}]},
    )
    as_of: Instant
    policy: str | None = left_out(
        max_length=MAX_POLICY_BODY_BYTES,
        description="YAML text of a draft score policy, at most 262144 characters",
    )
    version: str | None = left_out(max_length=64, description="a score version of the policy book")
    _not_null = field_validator("policy", "version", mode="before")(refuse_null)
    engine: str = "duckdb"

    @model_validator(mode="after")
    def _one_policy(self) -> SimulationIn:
        if (self.policy is None) == (self.version is None):
            raise ValueError("give exactly one of policy (YAML text) or version")
        return self


def _engine(name: str) -> str:
    if name not in ENGINES:
        raise InvalidInput(f"unknown engine {name!r}; known: {', '.join(ENGINES)}", field="engine")
    return name


@router.get("/distribution", response_model=dict[str, Any])
def score_distribution(
    container: ContainerDep,
    principal: PrincipalDep,
    as_of: Instant | None = None,
    engine: str = "duckdb",
) -> dict[str, Any]:
    """How the merchants' scores spread over bands and buckets (operators)."""
    require_operator(principal)
    when = as_of or container.clock.now()
    version = policy_in_force(container.policies, when)
    root = facts_dir(container.settings.home)
    return distribution(root, version=version, as_of=when, engine=_engine(engine))


@router.post("/simulations", response_model=dict[str, Any])
def simulate_policy(
    body: SimulationIn, container: ContainerDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Evaluate a draft policy over the same facts; changes nothing (operators)."""
    require_operator(principal)
    policies = container.policies
    if body.policy is not None:
        draft = draft_from_text(body.policy, schemas=policies.schemas, now=body.as_of)
    else:
        draft = policies.get("score", body.version or "")
    root = facts_dir(container.settings.home)
    return simulate(
        root, policies=policies, draft=draft, as_of=body.as_of, engine=_engine(body.engine)
    )


@router.get("/{merchant_id}", response_model=dict[str, Any])
def merchant_score(
    merchant_id: str,
    container: ContainerDep,
    units: UnitsDep,
    principal: PrincipalDep,
    as_of: Instant | None = None,
    engine: str = "duckdb",
) -> dict[str, Any]:
    """The score for the day of ``as_of`` (default now): the day's snapshot if taken, else
    computed from the facts; with its breakdown and what it feeds (SCORE-5, SCORE-6)."""
    require_visible(principal, merchant_id, f"merchant {merchant_id}")
    return views.merchant_score(
        units,
        root=facts_dir(container.settings.home),
        merchant_id=merchant_id,
        as_of=as_of or container.clock.now(),
        engine=_engine(engine),
    )


@router.get("/{merchant_id}/history", response_model=list[dict[str, Any]])
def score_history(
    merchant_id: str,
    units: UnitsDep,
    principal: PrincipalDep,
    from_day: Day | None = None,
    to_day: Day | None = None,
    limit: Annotated[int, Query(ge=1, le=366)] = 90,
) -> list[dict[str, Any]]:
    """The merchant's daily snapshots, newest first (SCORE-5)."""
    require_visible(principal, merchant_id, f"merchant {merchant_id}")
    with units() as ctx:
        catalog.merchant(ctx, merchant_id=merchant_id)
        rows = history(
            ctx,
            merchant_id=merchant_id,
            from_day=from_day.isoformat() if from_day else None,
            to_day=to_day.isoformat() if to_day else None,
            limit=limit,
        )
        return [snapshot_document(row) for row in rows]
