"""The 信任购 badge of products, granted and removed (TRUST-2), for one product or a whole
catalogue in the same few statements.

One SQL statement finds the products whose stored badge differs from what their identity's
standing and their enabled required rights call for (the candidates); their rights are read in
one more, the pure rule decides each (``rules.badge_decision``), and the changes are written
and recorded as decisions in bulk. A product whose badge does not change costs nothing but its
share of that one statement, so the daily cycle over a million products stays a few queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, literal, or_, select, true, update
from sqlalchemy.orm import Session

from shopwarden.context import Context
from shopwarden.decisions.model import Decision
from shopwarden.decisions.service import record_new_decisions
from shopwarden.trust.rules import badge_decision, right_states
from shopwarden.trust.standings import Policy
from shopwarden.trust.tables import TrustProductRow, TrustRightRow, TrustStandingRow

CHUNK = 500


@dataclass(frozen=True)
class Change:
    product_id: str
    decision: Decision


def decide(
    ctx: Context,
    *,
    as_of: datetime,
    policy: Policy,
    product_ids: Sequence[str] | None = None,
) -> list[Change]:
    """Grant or remove the badge wherever it no longer matches (every product, or only
    ``product_ids``); each change is recorded once as a TRUST-2 decision."""
    candidates = _candidates(ctx.session, policy, product_ids)
    if not candidates:
        return []
    rights = _enabled_rights(ctx.session, [c["product_id"] for c in candidates])
    standings = _standings(ctx.session, {(c["merchant_id"], c["identity"]) for c in candidates})
    changes: list[Change] = []
    for c in candidates:
        states = right_states(policy.params, rights.get(c["product_id"], ()))
        decision = badge_decision(
            product_id=c["product_id"],
            merchant_id=c["merchant_id"],
            identity=c["identity"],
            version=policy.version,
            thresholds=standings.get((c["merchant_id"], c["identity"]), []),
            states=states,
        )
        if (decision.outcome == "granted") != c["holds"]:
            changes.append(Change(c["product_id"], decision))
    _apply(ctx, changes, {c["product_id"]: c["changes"] for c in candidates}, as_of, policy)
    return changes


def _candidates(
    session: Session, policy: Policy, product_ids: Sequence[str] | None
) -> list[dict[str, Any]]:
    """Products whose badge differs from: standing met and every required right enabled."""
    required = list(policy.params.required_rights)
    enabled = (
        select(func.count())
        .select_from(TrustRightRow)
        .where(
            TrustRightRow.product_id == TrustProductRow.product_id,
            TrustRightRow.enabled == true(),
            TrustRightRow.right_code.in_(required),
        )
        .scalar_subquery()
    )
    met = func.coalesce(TrustStandingRow.met, literal(False))
    should = and_(met == true(), enabled == len(required))
    statement = (
        select(
            TrustProductRow.product_id,
            TrustProductRow.merchant_id,
            TrustProductRow.identity,
            TrustProductRow.holds,
            TrustProductRow.changes,
        )
        .outerjoin(
            TrustStandingRow,
            (TrustStandingRow.merchant_id == TrustProductRow.merchant_id)
            & (TrustStandingRow.identity == TrustProductRow.identity),
        )
        .where(
            or_(
                and_(TrustProductRow.holds == true(), ~should), and_(~TrustProductRow.holds, should)
            )
        )
        .order_by(TrustProductRow.product_id)
    )
    if product_ids is not None:
        statement = statement.where(TrustProductRow.product_id.in_(list(product_ids)))
    return [dict(r._mapping) for r in session.execute(statement)]


def _enabled_rights(session: Session, product_ids: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for start in range(0, len(product_ids), CHUNK):
        chunk = product_ids[start : start + CHUNK]
        rows = session.execute(
            select(TrustRightRow.product_id, TrustRightRow.right_code).where(
                TrustRightRow.product_id.in_(chunk), TrustRightRow.enabled == true()
            )
        )
        for product_id, code in rows:
            found[product_id].append(code)
    return found


def _standings(
    session: Session, pairs: set[tuple[str, str]]
) -> dict[tuple[str, str], list[dict[str, Any]]]:
    merchants = sorted({m for m, _ in pairs})
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for start in range(0, len(merchants), CHUNK):
        rows = session.scalars(
            select(TrustStandingRow).where(
                TrustStandingRow.merchant_id.in_(merchants[start : start + CHUNK])
            )
        )
        found |= {(r.merchant_id, r.identity): list(r.thresholds) for r in rows}
    return found


def _apply(
    ctx: Context, changes: list[Change], counts: dict[str, int], as_of: datetime, policy: Policy
) -> None:
    if not changes:
        return
    now = ctx.now()
    ctx.session.execute(
        update(TrustProductRow),
        [
            {
                "product_id": c.product_id,
                "holds": c.decision.outcome == "granted",
                "changes": counts[c.product_id] + 1,
                "decided_at": now,
                "policy_version": policy.version,
            }
            for c in changes
        ],
    )
    keyed = [
        (c.decision, f"trust-badge:{c.product_id}:{counts[c.product_id] + 1}") for c in changes
    ]
    record_new_decisions(ctx.session, keyed, as_of=as_of, recorded_at=now)
    ctx.session.flush()
    # A bulk update by primary key leaves loaded rows as they were: read them again.
    changed = {c.product_id for c in changes}
    for row in list(ctx.session.identity_map.values()):
        if isinstance(row, TrustProductRow) and row.product_id in changed:
            ctx.session.expire(row)
