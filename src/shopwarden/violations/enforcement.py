"""Where a measure is enforced: "may merchant M do action A now?" (VIO-1..5).

One indexed read of the merchant's measures in force at the instant, then the pure rule
(``rules.may``). The product paths of this system ask through the listing guard, wired into
``Context.hooks`` by the composition root: the catalog and BNPL call ``ctx.check_listing``
before they create or list, and a measure that forbids it raises ``RuleRefused`` with the
rule, the case and the end time. Other systems (live streams, short videos, the store entry,
private messages, promotion) ask ``GET /v1/violations/enforcement``, and the recommendation
system reads the exposure weight (VIO-4).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, or_, select

from shopwarden.catalog import service as catalog
from shopwarden.context import Context
from shopwarden.db.base import UTCDateTime
from shopwarden.decisions.model import Decision
from shopwarden.errors import NotFound, RuleRefused
from shopwarden.violations import rules
from shopwarden.violations.policy import ACTIONS
from shopwarden.violations.rules import MeasureFacts
from shopwarden.violations.tables import DelistingRow, MeasureRow

_MEASURES = MeasureRow.__table__.c
_AT = bindparam("at", type_=UTCDateTime())
# Built once: on an order path the check is one Core statement, compiled once and cached.
_IN_FORCE = select(
    _MEASURES.id,
    _MEASURES.case_id,
    _MEASURES.measure,
    _MEASURES.rule,
    _MEASURES.forbids,
    _MEASURES.exposure_factor,
    _MEASURES.starts_at,
    _MEASURES.ends_at,
    _MEASURES.lifted_at,
).where(
    _MEASURES.merchant_id == bindparam("merchant_id"),
    _MEASURES.starts_at <= _AT,
    or_(_MEASURES.ends_at.is_(None), _MEASURES.ends_at > _AT),
    or_(_MEASURES.lifted_at.is_(None), _MEASURES.lifted_at > _AT),
)


def facts_of(row: Any) -> MeasureFacts:
    """A stored measure (a row, or a row of ``_IN_FORCE``) as the rules see it."""
    factor = row.exposure_factor
    return MeasureFacts(
        measure_id=row.id,
        case_id=row.case_id,
        measure=row.measure,
        rule=row.rule,
        forbids=tuple(row.forbids),
        exposure_factor=Decimal(factor) if factor is not None else None,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        lifted_at=row.lifted_at,
    )


def in_force(ctx: Context, *, merchant_id: str, at: datetime) -> list[MeasureFacts]:
    """The merchant's measures in force at ``at``: one read of the (merchant, start) index."""
    rows = ctx.session.connection().execute(_IN_FORCE, {"merchant_id": merchant_id, "at": at})
    return [facts_of(row) for row in rows]


def version_at(ctx: Context, *, at: datetime) -> str:
    """The violations version in force at ``at``, for the decision's record (POL-2)."""
    try:
        return ctx.policies.in_force(rules.FAMILY, at).version
    except NotFound:
        return "none"


def answer(
    ctx: Context, *, merchant_id: str, action: str, at: datetime | None = None
) -> tuple[Decision, MeasureFacts | None]:
    """VIO-1..3, VIO-5: may the merchant do ``action`` at ``at`` (default now)? The decision
    and the measure that refuses it, from one read. Reads only."""
    rules.check_action(action)
    when = at or ctx.now()
    measures = in_force(ctx, merchant_id=merchant_id, at=when)
    decision = rules.may(merchant_id, action, measures, at=when, version=version_at(ctx, at=when))
    return decision, rules.binding_measure(action, measures, at=when)


def check(ctx: Context, *, merchant_id: str, action: str, at: datetime | None = None) -> Decision:
    """The decision of :func:`answer` alone."""
    return answer(ctx, merchant_id=merchant_id, action=action, at=at)[0]


def exposure(
    ctx: Context, *, merchant_id: str, at: datetime | None = None
) -> tuple[Decimal, Decision]:
    """VIO-4: the weight on the exposure of the merchant's short videos at ``at``."""
    when = at or ctx.now()
    measures = in_force(ctx, merchant_id=merchant_id, at=when)
    return rules.exposure(merchant_id, measures, at=when, version=version_at(ctx, at=when))


def status(ctx: Context, *, merchant_id: str, at: datetime | None = None) -> dict[str, Any]:
    """Everything the measures in force decide for the merchant at ``at``, in one answer."""
    catalog.merchant(ctx, merchant_id=merchant_id)
    when = at or ctx.now()
    measures = in_force(ctx, merchant_id=merchant_id, at=when)
    version = version_at(ctx, at=when)
    actions = {}
    for action in ACTIONS:
        decision = rules.may(merchant_id, action, measures, at=when, version=version)
        binding = rules.binding_measure(action, measures, at=when)
        actions[action] = refusal_facts(decision, binding, action)
    weight, weighed = rules.exposure(merchant_id, measures, at=when, version=version)
    return {
        "merchant_id": merchant_id,
        "at": when,
        "policy_version": version,
        "measure_ids": sorted(m.measure_id for m in measures),
        "actions": actions,
        "exposure_weight": str(weight),
        "exposure_summary": weighed.summary,
    }


def refusal_facts(decision: Decision, binding: MeasureFacts | None, action: str) -> dict[str, Any]:
    """What a refusal says beside its rule: the case, the measure and when it ends."""
    return {
        "action": action,
        "allowed": decision.outcome == "allowed",
        "rule": decision.rule_id,
        "reason": decision.summary,
        "case_id": binding.case_id if binding else None,
        "measure_id": binding.measure_id if binding else None,
        "measure": binding.measure if binding else None,
        "ends_at": binding.end() if binding else None,
        "until_lifted": binding is not None and binding.end() is None,
    }


def was_delisted(ctx: Context, *, product_id: str) -> bool:
    """Whether a measure took the product off sale (listing it again is relisting, VIO-1)."""
    found = select(DelistingRow.product_id).where(DelistingRow.product_id == product_id)
    return ctx.session.scalar(found.limit(1)) is not None


def listing_guard(ctx: Context, *, merchant_id: str, action: str, product_id: str | None) -> None:
    """VIO-1: the catalog and BNPL ask before they create or list; a measure in force that
    forbids it refuses with the rule, the case and the end time (``extra``)."""
    if action == "list_product" and product_id and was_delisted(ctx, product_id=product_id):
        action = "relist_product"
    when = ctx.now()
    measures = in_force(ctx, merchant_id=merchant_id, at=when)
    binding = rules.binding_measure(action, measures, at=when)
    if binding is None:
        return
    decision = rules.may(merchant_id, action, measures, at=when, version=version_at(ctx, at=when))
    end = binding.end()
    raise RuleRefused(
        decision.summary,
        field="listed" if product_id and action != "create_product" else "merchant_id",
        rule=binding.rule,
        extra={
            "action": action,
            "case_id": binding.case_id,
            "measure_id": binding.measure_id,
            "measure": binding.measure,
            "ends_at": end.astimezone(UTC).isoformat().replace("+00:00", "Z") if end else None,
            "until_lifted": end is None,
        },
    )
