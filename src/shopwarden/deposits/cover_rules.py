"""The insurance deposit's cover term as a pure decision (DEP-6).

The fee buys one cover term of the policy (``insurance.cover_term``, a calendar year): from
the purchase, or, bought while cover runs, from where the current cover ends (a renewal).
How a calendar term is counted, 29 February included, is written down in ``term_rules.py``.
"""

from __future__ import annotations

from datetime import datetime

from shopwarden.decisions.model import Decision
from shopwarden.deposits.rules import At, Policy, info
from shopwarden.deposits.term_rules import term_end


def cover_term(
    *,
    bought_at: datetime,
    current_end: datetime | None,
    policy: Policy,
    merchant_id: str,
    timezone: str,
) -> tuple[datetime, datetime, Decision]:
    """DEP-6: one calendar term of cover; a renewal runs on from the current cover's end."""
    term = policy.params.insurance.cover_term
    renewal = current_end is not None and current_end > bought_at
    starts = current_end if renewal and current_end is not None else bought_at
    ends = term_end(starts, term, timezone=timezone)
    decision = policy.decide(
        "DEP-6",
        merchant_id,
        f"merchant {merchant_id} insurance deposit",
        "renewed" if renewal else "covered",
        f"insurance cover from {At(starts)} to {At(ends)} for {policy.params.insurance.annual_fee}",
        info("fee per cover term", policy.params.insurance.annual_fee),
        info("cover term", f"{term} (calendar, {timezone})"),
        info("cover starts", f"{At(starts)} ({'end of the current cover' if renewal else 'now'})"),
        info("cover ends", At(ends)),
    )
    return starts, ends, decision
