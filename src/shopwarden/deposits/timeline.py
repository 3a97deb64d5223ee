"""The merchant's deposit timeline, and decisions recorded onto it.

Every payment, deduction, decision and refund step is an event on the merchant's timeline,
oldest first (``views.timeline``); a decision recorded with :func:`decide` is stored once
under its dedupe key and shows on the timeline the first time only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shopwarden.context import Context
from shopwarden.decisions.model import Decision
from shopwarden.deposits.tables import EventRow
from shopwarden.money import Money


def event(
    ctx: Context,
    *,
    merchant_id: str,
    kind: str,
    summary: str,
    at: datetime | None = None,
    rule: str | None = None,
    amount: Money | None = None,
    **details: Any,
) -> None:
    """Put what happened on the merchant's timeline, at ``at`` (now unless said)."""
    ctx.session.add(
        EventRow(
            merchant_id=merchant_id,
            at=at or ctx.now(),
            kind=kind,
            rule_id=rule,
            amount=amount.cents if amount is not None else None,
            summary=summary[:1000],
            details=details,
        )
    )


def decide(ctx: Context, *, decision: Decision, as_of: datetime, key: str) -> bool:
    """Record ``decision`` once under ``key``, and put it on the merchant's timeline."""
    new = ctx.record(decision, as_of=as_of, key=key)
    if new and decision.merchant_id:
        event(
            ctx,
            merchant_id=decision.merchant_id,
            kind=f"decision:{decision.outcome}",
            summary=decision.summary,
            at=as_of,
            rule=decision.rule_id,
            subject=decision.subject,
            policy=f"{decision.policy_family}@{decision.policy_version}",
        )
    return new
