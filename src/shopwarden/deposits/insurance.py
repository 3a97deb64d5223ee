"""The insurance deposit: a yearly fee instead of frozen cash (DEP-6, DEP-7).

Cover runs for one calendar term (a year, to the same local date and time) from purchase, or
from the end of the cover it renews (``cover_rules.py``, ``term_rules.py``). While it
runs no cash needs to stay frozen, so the merchant may unfreeze its cash deposit; when the
last cover ends unrenewed, the cash requirement returns and with it a shortfall (DEP-7),
opened at the cover's end by whichever assessment finds it first (``cash.reassess``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from shopwarden.deposits import cover_rules, rules
from shopwarden.deposits.cash import cover_at, reassess
from shopwarden.deposits.context import CASH, INSURER, WALLET, DepositContext
from shopwarden.deposits.tables import CoverRow, EnrolmentRow, RefundRow
from shopwarden.errors import RuleRefused
from shopwarden.ledger.model import transfer


def latest_cover(ctx: DepositContext, merchant_id: str) -> CoverRow | None:
    return ctx.session.scalar(
        select(CoverRow)
        .where(CoverRow.merchant_id == merchant_id)
        .order_by(CoverRow.ends_at.desc(), CoverRow.id.desc())
        .limit(1)
    )


def buy(ctx: DepositContext, merchant_id: str, source: str, key: str) -> CoverRow:
    """DEP-6: pay the yearly fee to the insurer; cover starts now or where the last one ends."""
    merchant = ctx.merchant(merchant_id)
    ctx.not_closed(merchant, "DEP-6")
    now = ctx.now()
    policy = ctx.policy(now)
    latest = latest_cover(ctx, merchant_id)
    starts, ends, decision = cover_rules.cover_term(
        bought_at=now,
        current_end=latest.ends_at if latest is not None else None,
        policy=policy,
        merchant_id=merchant_id,
        timezone=ctx.platform(now).timezone,
    )
    fee = policy.params.insurance.annual_fee
    ctx.ledger.post(
        transfer(
            ctx.source(merchant_id, source),
            INSURER,
            fee,
            "insurance deposit fee (DEP-6)",
            idempotency_key=f"{key}:cover",
        )
    )
    if ctx.session.get(EnrolmentRow, merchant_id) is None:
        ctx.session.add(EnrolmentRow(merchant_id=merchant_id, enrolled_at=now))
    row = CoverRow(
        merchant_id=merchant_id, starts_at=starts, ends_at=ends, fee=fee.cents, bought_at=now
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.event(merchant_id, "cover_bought", decision.summary, rule="DEP-6", amount=fee)
    ctx.decide(decision, as_of=now, key=f"DEP-6:cover:{row.id}")
    reassess(ctx, merchant_id, now, reason="categories")
    return row


def unfreeze_cash(ctx: DepositContext, merchant_id: str, key: str) -> dict[str, Any]:
    """DEP-7: with cover running, the whole cash deposit goes back to the wallet."""
    ctx.merchant(merchant_id)
    now = ctx.now()
    held = ctx.held(merchant_id, CASH)
    pending = ctx.session.scalar(
        select(func.count())
        .select_from(RefundRow)
        .where(RefundRow.merchant_id == merchant_id, RefundRow.status == "pending")
    )
    decision = rules.cash_unfreeze(
        cover_active=cover_at(ctx, merchant_id, now) is not None,
        held=held,
        pending_refund=bool(pending),
        policy=ctx.policy(now),
        merchant_id=merchant_id,
    )
    if decision.outcome != "unfrozen":
        unmet = [i.measure for i in decision.items if i.outcome == "not met"]
        raise RuleRefused(
            f"the cash deposit cannot be unfrozen: not met: {', '.join(unmet)}",
            field="merchant_id",
            rule="DEP-7",
        )
    txn = ctx.ledger.post(
        transfer(
            ctx.account(merchant_id, CASH),
            ctx.account(merchant_id, WALLET),
            held,
            "cash deposit unfrozen under insurance cover (DEP-7)",
            idempotency_key=f"{key}:unfreeze",
        )
    )
    ctx.event(merchant_id, "cash_unfrozen", decision.summary, rule="DEP-7", amount=held)
    ctx.decide(decision, as_of=now, key=f"DEP-7:unfreeze:{txn.id}")
    return {"merchant_id": merchant_id, "unfrozen": held.to_text(), "cash_held": "0.00"}


def lapse_due(ctx: DepositContext, as_of: datetime) -> dict[str, int]:
    """DEP-7: the last cover that ended unrenewed lapses at its ``ends_at``, and the shortfall
    is reassessed: it opens at ``ends_at`` (``cash.reassess`` catches up), so the DEP-4 clocks
    count from the end of cover, however late the cycle runs (DEP-3, DEP-4)."""
    lapsed = 0
    ended = ctx.session.scalars(
        select(CoverRow)
        .where(CoverRow.ends_at <= as_of, CoverRow.lapsed_at.is_(None))
        .order_by(CoverRow.merchant_id, CoverRow.id)
    )
    for cover in list(ended):
        latest = latest_cover(ctx, cover.merchant_id)
        if latest is None or latest.id != cover.id:
            continue  # renewed: a later cover runs on from this one
        decision = rules.cover_lapse(
            cover_id=cover.id,
            ends_at=cover.ends_at,
            as_of=as_of,
            policy=ctx.policy(as_of),
            merchant_id=cover.merchant_id,
        )
        if decision is None:
            continue
        # DEP-7: the cover lapses at its end, not when the cycle finds it; the reassessment's
        # catch-up opens the shortfall (DEP-3) at ``ends_at``, DEP-4 clocks from there.
        cover.lapsed_at = cover.ends_at
        lapsed += ctx.decide(decision, as_of=cover.ends_at, key=f"DEP-7:lapse:{cover.id}")
        if ctx.merchant(cover.merchant_id).status != "closed":
            reassess(ctx, cover.merchant_id, as_of, reason="insurance_lapse")
    return {"covers_lapsed": lapsed}
