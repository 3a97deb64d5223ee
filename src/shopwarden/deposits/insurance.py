"""The insurance deposit: a yearly fee instead of frozen cash (DEP-6, DEP-7).

Cover runs for one calendar term (a year, to the same local date and time) from purchase, or
from the end of the cover it renews (``cover_rules.py``, ``term_rules.py``). While it
runs no cash needs to stay frozen, so the merchant may unfreeze its cash deposit; when the
last cover ends unrenewed, the cash requirement returns and with it a shortfall (DEP-7),
opened at the cover's end by whichever assessment finds it first (``obligations.reassess``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from shopwarden.context import Context
from shopwarden.deposits import cover_rules, policies, rules
from shopwarden.deposits.accounts import CASH, INSURER, WALLET, account, held, source
from shopwarden.deposits.merchants import merchant, not_closed
from shopwarden.deposits.obligations import reassess
from shopwarden.deposits.requirement import cover_at
from shopwarden.deposits.tables import CoverRow, EnrolmentRow, RefundRow
from shopwarden.deposits.timeline import decide, event
from shopwarden.errors import RuleRefused
from shopwarden.ledger.model import transfer


def latest_cover(ctx: Context, *, merchant_id: str) -> CoverRow | None:
    """The cover that ends last: the one a renewal runs on from (DEP-6)."""
    return ctx.session.scalar(
        select(CoverRow)
        .where(CoverRow.merchant_id == merchant_id)
        .order_by(CoverRow.ends_at.desc(), CoverRow.id.desc())
        .limit(1)
    )


def buy(ctx: Context, *, merchant_id: str, source: str, key: str) -> CoverRow:
    """DEP-6: pay the yearly fee to the insurer; cover starts now or where the last one ends."""
    not_closed(merchant(ctx, merchant_id=merchant_id), "DEP-6")
    now = ctx.now()
    policy = policies.in_force(ctx, as_of=now)
    latest = latest_cover(ctx, merchant_id=merchant_id)
    starts, ends, decision = cover_rules.cover_term(
        bought_at=now,
        current_end=latest.ends_at if latest is not None else None,
        policy=policy,
        merchant_id=merchant_id,
        timezone=policies.platform(ctx, as_of=now).timezone,
    )
    fee = policy.params.insurance.annual_fee
    ctx.ledger.post(
        transfer(
            _paid_from(ctx, merchant_id, source),
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
    event(
        ctx,
        merchant_id=merchant_id,
        kind="cover_bought",
        summary=decision.summary,
        rule="DEP-6",
        amount=fee,
    )
    decide(ctx, decision=decision, as_of=now, key=f"DEP-6:cover:{row.id}")
    reassess(ctx, merchant_id=merchant_id, as_of=now, reason="categories")
    return row


def _paid_from(ctx: Context, merchant_id: str, paid_from: str) -> str:
    return source(ctx, merchant_id=merchant_id, source=paid_from)


def unfreeze_cash(ctx: Context, *, merchant_id: str, key: str) -> dict[str, Any]:
    """DEP-7: with cover running, the whole cash deposit goes back to the wallet."""
    merchant(ctx, merchant_id=merchant_id)
    now = ctx.now()
    cash_held = held(ctx, merchant_id=merchant_id, purpose=CASH)
    pending = ctx.session.scalar(
        select(func.count())
        .select_from(RefundRow)
        .where(RefundRow.merchant_id == merchant_id, RefundRow.status == "pending")
    )
    decision = rules.cash_unfreeze(
        cover_active=cover_at(ctx, merchant_id=merchant_id, at=now) is not None,
        held=cash_held,
        pending_refund=bool(pending),
        policy=policies.in_force(ctx, as_of=now),
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
            account(ctx, merchant_id=merchant_id, purpose=CASH),
            account(ctx, merchant_id=merchant_id, purpose=WALLET),
            cash_held,
            "cash deposit unfrozen under insurance cover (DEP-7)",
            idempotency_key=f"{key}:unfreeze",
        )
    )
    event(
        ctx,
        merchant_id=merchant_id,
        kind="cash_unfrozen",
        summary=decision.summary,
        rule="DEP-7",
        amount=cash_held,
    )
    decide(ctx, decision=decision, as_of=now, key=f"DEP-7:unfreeze:{txn.id}")
    return {"merchant_id": merchant_id, "unfrozen": cash_held.to_text(), "cash_held": "0.00"}


def lapse_due(ctx: Context, *, as_of: datetime) -> dict[str, int]:
    """DEP-7: the last cover that ended unrenewed lapses at its ``ends_at``, and the shortfall
    is reassessed: it opens at ``ends_at`` (``obligations.reassess`` catches up), so the DEP-4
    clocks count from the end of cover, however late the cycle runs (DEP-3, DEP-4)."""
    lapsed = 0
    ended = ctx.session.scalars(
        select(CoverRow)
        .where(CoverRow.ends_at <= as_of, CoverRow.lapsed_at.is_(None))
        .order_by(CoverRow.merchant_id, CoverRow.id)
    )
    for cover in list(ended):
        latest = latest_cover(ctx, merchant_id=cover.merchant_id)
        if latest is None or latest.id != cover.id:
            continue  # renewed: a later cover runs on from this one
        decision = rules.cover_lapse(
            cover_id=cover.id,
            ends_at=cover.ends_at,
            as_of=as_of,
            policy=policies.in_force(ctx, as_of=as_of),
            merchant_id=cover.merchant_id,
        )
        if decision is None:
            continue
        # DEP-7: the cover lapses at its end, not when the cycle finds it; the reassessment's
        # catch-up opens the shortfall (DEP-3) at ``ends_at``, DEP-4 clocks from there.
        cover.lapsed_at = cover.ends_at
        key = f"DEP-7:lapse:{cover.id}"
        lapsed += decide(ctx, decision=decision, as_of=cover.ends_at, key=key)
        if merchant(ctx, merchant_id=cover.merchant_id).status != "closed":
            reassess(ctx, merchant_id=cover.merchant_id, as_of=as_of, reason="insurance_lapse")
    return {"covers_lapsed": lapsed}
