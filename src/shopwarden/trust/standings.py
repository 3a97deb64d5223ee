"""Each merchant identity against the admission thresholds, measured (TRUST-2, TRUST-4).

The daily cycle measures every merchant identity the catalog has products for: the order
measures from the facts (``measures.py``, one query per window length for everyone), the
shopping experience score from the merchant's latest daily snapshot (SCORE-5). The answer is
kept as the identity's standing, which a product change or a rights change reads to decide a
badge at once, with no facts engine on the request path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopwarden.catalog.tables import ProductRow
from shopwarden.context import Context
from shopwarden.facts.service import recorded_facts_root
from shopwarden.scoring.tables import ScoreSnapshotRow
from shopwarden.scoring.window_rules import Window, score_window
from shopwarden.trust.measures import Measured, measure_identities
from shopwarden.trust.measures_model import IdentityCounts
from shopwarden.trust.policy import IDENTITIES, Identity, TrustPolicy
from shopwarden.trust.rules import all_met, evaluate_identity
from shopwarden.trust.tables import TrustProductRow, TrustStandingRow


@dataclass(frozen=True)
class Policy:
    """The trust parameters in force and the version its decisions name (POL-2)."""

    params: TrustPolicy
    version: str


FAMILY = "trust"


def policy_at(ctx: Context, *, as_of: datetime) -> Policy:
    """The ``trust`` version in force at ``as_of``; 404 when none is (POL-1)."""
    found = ctx.policy(FAMILY, TrustPolicy, as_of)
    return Policy(found.parameters, found.version)


def measure_standings(ctx: Context, *, as_of: datetime, policy: Policy) -> int:
    """Measure and store every merchant identity trust has products for; how many."""
    pairs = sorted(
        ctx.session.execute(
            select(TrustProductRow.merchant_id, TrustProductRow.identity).distinct()
        )
    )
    windows = _windows(policy.params, as_of)
    measured = _measure(ctx, windows)
    scores = latest_scores(ctx.session, day=score_window(as_of, 1).day.isoformat())
    labels: dict[int | None, str] = {days: w.label() for days, w in windows.items()}
    labels[None] = "the score's own window (SCORE-1)"
    existing = {
        (r.merchant_id, r.identity): r for r in ctx.session.scalars(select(TrustStandingRow))
    }
    for merchant_id, identity in pairs:
        results = evaluate_identity(
            policy.params,
            _identity(identity),
            counts=_counts(measured, merchant_id, identity),
            score=scores.get(merchant_id),
            windows=labels,
        )
        row = existing.get((merchant_id, identity)) or TrustStandingRow(
            merchant_id=merchant_id, identity=identity
        )
        row.met = all_met(results)
        row.thresholds = [r.as_dict() for r in results]
        row.policy_version, row.as_of, row.measured_at = policy.version, as_of, ctx.now()
        ctx.session.add(row)
    ctx.session.flush()
    return len(pairs)


def _identity(text: str) -> Identity:
    assert text in IDENTITIES, text
    return "goods_owner" if text == "goods_owner" else "seller"


def _windows(policy: TrustPolicy, as_of: datetime) -> dict[int, Window]:
    days = {
        t.window_days
        for identity in IDENTITIES
        for t in policy.thresholds(identity).values()
        if t.window_days is not None
    }
    return {d: score_window(as_of, d) for d in sorted(days)}


def _measure(ctx: Context, windows: dict[int, Window]) -> dict[int, Measured]:
    root = recorded_facts_root(ctx)
    if root is None or not windows:
        return {}
    products = list(ctx.session.execute(select(ProductRow.id, ProductRow.origin)))
    return {days: measure_identities(root, products, w) for days, w in windows.items()}


def _counts(
    measured: dict[int, Measured], merchant_id: str, identity: str
) -> dict[int, IdentityCounts]:
    """The identity's counts over each window length the policy names."""
    return {
        days: found
        for days, by_pair in measured.items()
        if (found := by_pair.get((merchant_id, identity))) is not None
    }


def latest_scores(session: Session, *, day: str) -> dict[str, Decimal | None]:
    """Each merchant's shopping experience score in its latest snapshot up to ``day``."""
    latest = (
        select(ScoreSnapshotRow.merchant_id, func.max(ScoreSnapshotRow.day).label("day"))
        .where(ScoreSnapshotRow.day <= day)
        .group_by(ScoreSnapshotRow.merchant_id)
        .subquery()
    )
    rows = session.execute(
        select(ScoreSnapshotRow.merchant_id, ScoreSnapshotRow.score_hundredths).join(
            latest,
            (latest.c.merchant_id == ScoreSnapshotRow.merchant_id)
            & (latest.c.day == ScoreSnapshotRow.day),
        )
    )
    return {m: None if h is None else Decimal(h) / 100 for m, h in rows}
