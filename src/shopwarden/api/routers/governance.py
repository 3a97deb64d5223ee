"""Policy versions (POL-1..4), recorded decisions (POL-2, POL-3) and the governance cycle."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, ConfigDict

from shopwarden.api.deps import (
    ContainerDep,
    PrincipalDep,
    UnitsDep,
    merchant_filter,
    require_operator,
)
from shopwarden.decisions.service import decisions_for
from shopwarden.errors import NotFound
from shopwarden.policy.diff import diff_versions
from shopwarden.policy.model import PolicyVersion
from shopwarden.schema_types import Instant

router = APIRouter(prefix="/v1", tags=["governance"])


class PolicySummary(BaseModel):
    family: str
    version: str
    title: str
    revised_on: str
    published_at: datetime
    effective_from: datetime
    effective_until: datetime | None
    rules: list[str]
    in_force: bool
    # What the sources do not give: the whole version (its reason), or how many values.
    assumption: str | None = None
    assumed_values: int = 0
    replaces: str | None = None
    replaced_by: str | None = None


class ChangeOut(BaseModel):
    path: str
    change: str
    before: Any
    after: Any


class DiffOut(BaseModel):
    family: str
    version: str
    against: str | None
    changes: list[ChangeOut]


class CycleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    as_of: Instant


class CycleOut(BaseModel):
    as_of: datetime
    already_run: bool
    steps: list[dict[str, Any]]


class DecisionOut(BaseModel):
    id: int
    rule_id: str
    merchant_id: str | None
    subject: str
    outcome: str
    summary: str
    policy_family: str
    policy_version: str
    as_of: datetime
    explanation: list[dict[str, Any]]


def _visible(container: ContainerDep, principal: PrincipalDep, version: PolicyVersion) -> None:
    """Merchants read a version from its publication on (POL-4); operators always."""
    if not principal.is_operator and version.published_at > container.clock.now():
        raise NotFound(f"no policy {version.ref}")


def _summary(container: ContainerDep, version: PolicyVersion) -> PolicySummary:
    now = container.clock.now()
    try:
        current = container.policies.in_force(version.family, now).version == version.version
    except NotFound:
        current = False
    return PolicySummary(
        family=version.family,
        version=version.version,
        title=version.title,
        revised_on=version.revised_on.isoformat(),
        published_at=version.published_at,
        effective_from=version.effective_from,
        effective_until=version.effective_until,
        rules=list(version.rules),
        in_force=current,
        assumption=version.assumption,
        assumed_values=len(version.assumptions),
        replaces=version.replaces,
        replaced_by=version.replaced_by,
    )


@router.get("/policies", response_model=list[PolicySummary])
def list_policies(
    container: ContainerDep, principal: PrincipalDep, family: str | None = None
) -> list[PolicySummary]:
    published_by = None if principal.is_operator else container.clock.now()
    versions = container.policies.versions(family, published_by=published_by)
    replaced = [
        v
        for v in container.policies.replaced(family)
        if published_by is None or v.published_at <= published_by
    ]
    return [_summary(container, v) for v in sorted([*versions, *replaced], key=_listed)]


def _listed(version: PolicyVersion) -> tuple[str, datetime, bool]:
    """By family and start; a replaced version just before the one that replaced it."""
    return version.family, version.effective_from, version.replaced_by is None


@router.get("/policies/{family}/in-force", response_model=dict[str, Any])
def policy_in_force(
    family: str, container: ContainerDep, principal: PrincipalDep, as_of: Instant | None = None
) -> dict[str, Any]:
    """The version in force at ``as_of`` (default now) (POL-1)."""
    return container.policies.in_force(family, as_of or container.clock.now()).document()


@router.get("/policies/{family}/{version}", response_model=dict[str, Any])
def get_policy(
    family: str, version: str, container: ContainerDep, principal: PrincipalDep
) -> dict[str, Any]:
    found = container.policies.get(family, version)
    _visible(container, principal, found)
    return found.document()


@router.get("/policies/{family}/{version}/diff", response_model=DiffOut)
def diff_policy(
    family: str, version: str, container: ContainerDep, principal: PrincipalDep
) -> DiffOut:
    """What changed against the version before it (POL-4)."""
    found = container.policies.get(family, version)
    _visible(container, principal, found)
    before = container.policies.previous(found)
    changes = diff_versions(before, found)
    return DiffOut(
        family=family,
        version=version,
        against=before.version if before else None,
        changes=[
            ChangeOut(path=c.path, change=c.change, before=c.before, after=c.after) for c in changes
        ],
    )


@router.post("/policies", status_code=201, response_model=dict[str, Any])
def publish_policy(
    container: ContainerDep,
    principal: PrincipalDep,
    document: Annotated[str, Body(media_type="application/yaml")],
) -> dict[str, Any]:
    """Publish a new version (YAML text); refused with less than the notice period (POL-4)."""
    require_operator(principal)
    return container.policies.publish(document, now=container.clock.now()).document()


@router.post("/cycle/runs", response_model=CycleOut)
def run_governance_cycle(
    body: CycleIn, container: ContainerDep, principal: PrincipalDep
) -> CycleOut:
    """Run the daily and weekly rules as of an instant; a second run for it changes nothing."""
    require_operator(principal)
    result = container.run_cycle(body.as_of)
    return CycleOut(as_of=result.as_of, already_run=result.already_run, steps=result.steps)


@router.get("/decisions", response_model=list[DecisionOut])
def list_decisions(
    units: UnitsDep,
    principal: PrincipalDep,
    merchant_id: str | None = None,
    rule_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DecisionOut]:
    """Each decision with its rule, policy version and explanation (POL-2, POL-3)."""
    merchant_id = merchant_filter(principal, merchant_id, "decisions")
    with units() as ctx:
        rows = decisions_for(ctx.session, merchant_id=merchant_id, rule_id=rule_id, limit=limit)
        return [
            DecisionOut(
                id=r.id,
                rule_id=r.rule_id,
                merchant_id=r.merchant_id,
                subject=r.subject,
                outcome=r.outcome,
                summary=r.summary,
                policy_family=r.policy_family,
                policy_version=r.policy_version,
                as_of=r.as_of,
                explanation=r.explanation,
            )
            for r in rows
        ]
