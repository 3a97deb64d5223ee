"""The trust purchase part of ``shopwarden demo`` (TRUST-1..5): rights switched on in bulk,
badges decided set-wise, a look-up and a merchant view.

After the month of trading, about two thirds of the listed products get every required right
(one statement), one in six gets all but one; one bulk decision grants the badge wherever the
product's identity met its thresholds in the last cycle. The summary counts identities meeting
the thresholds, badges, stores holding it, and shows one product's look-up.
"""

from __future__ import annotations

import random

from sqlalchemy import func, select, true

from shopwarden.bootstrap import Container
from shopwarden.context import Context
from shopwarden.trust import queries, rights
from shopwarden.trust.standings import FAMILY, policy_at
from shopwarden.trust.tables import TrustProductRow, TrustStandingRow


def run_trust_part(container: Container, seed: int) -> dict[str, str]:
    rng = random.Random(seed * 31 + 7)
    with container.unit_of_work() as ctx:
        now = ctx.now()
        if not ctx.has_policy(FAMILY, now):
            return {}
        required = list(policy_at(ctx, as_of=now).params.required_rights)
        listed = list(
            ctx.session.scalars(
                select(TrustProductRow.product_id)
                .where(TrustProductRow.listed == true())
                .order_by(TrustProductRow.product_id)
            )
        )
        draws = {p: rng.random() for p in listed}
        full = [p for p, d in draws.items() if d < 2 / 3]
        partial = [p for p, d in draws.items() if 2 / 3 <= d < 5 / 6]
        actor = "operator"
        rights.enable_everywhere(ctx, product_ids=partial, rights=required[:-1], actor=actor)
        changed = rights.enable_everywhere(ctx, product_ids=full, rights=required, actor=actor)
        return _summary(ctx, changed, full)


def _summary(ctx: Context, changed: int, full: list[str]) -> dict[str, str]:
    session = ctx.session
    met_rows = session.execute(
        select(TrustStandingRow.identity, func.count())
        .where(TrustStandingRow.met == true())
        .group_by(TrustStandingRow.identity)
    )
    met = {identity: count for identity, count in met_rows}
    measured = session.scalar(select(func.count()).select_from(TrustStandingRow)) or 0
    badged = session.scalar(select(func.count()).where(TrustProductRow.holds == true())) or 0
    rows = {
        "trust: identities meeting the thresholds": (
            f"{met.get('goods_owner', 0)} goods owner, {met.get('seller', 0)} seller of {measured}"
        ),
        "trust: products with every required right": str(len(full)),
        "trust: badges granted (TRUST-2)": f"{badged} ({changed} decisions)",
    }
    holder = session.scalar(
        select(TrustProductRow.product_id).where(TrustProductRow.holds == true()).limit(1)
    )
    if holder is not None:
        merchant = session.get(TrustProductRow, holder)
        assert merchant is not None
        view = queries.merchant_view(ctx, merchant_id=merchant.merchant_id, as_of=ctx.now())
        store = "holds" if view["channels"]["store"]["badge"] else "does not hold"
        rows[f"trust: store {merchant.merchant_id}"] = f"{store} the badge (TRUST-1)"
    return rows
