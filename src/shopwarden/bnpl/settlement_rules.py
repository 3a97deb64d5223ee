"""Receipt, settlement and early payout of BNPL orders as pure rules (BNPL-7, BNPL-8)."""

from __future__ import annotations

from datetime import datetime, timedelta

from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.bnpl.rules import FAMILY
from shopwarden.clock import ensure_aware
from shopwarden.decisions.model import Decision, compare


def auto_confirm_due(shipped_at: datetime, policy: BnplPolicy) -> datetime:
    """BNPL-7: the system confirms receipt this long after shipment (N days = N × 24 h)."""
    return ensure_aware(shipped_at) + policy.auto_confirm_receipt_after


def settlement_due(confirmed_at: datetime, policy: BnplPolicy) -> datetime:
    """BNPL-8: the normal settlement period, counted from the confirmation of receipt."""
    return ensure_aware(confirmed_at) + policy.settlement_period


def decide_early_payout(
    order_id: str, merchant_id: str, policy: BnplPolicy, version: str
) -> Decision:
    """BNPL-8: BNPL orders are never paid out early or on a short settlement period."""
    allowed = policy.short_settlement_allowed
    return Decision(
        rule_id="BNPL-8",
        subject=f"order:{order_id}",
        outcome="allowed" if allowed else "refused",
        summary=(
            "early payout allowed by the policy"
            if allowed
            else "BNPL orders are settled on the normal settlement period "
            f"({_days(policy.settlement_period)} after receipt); no short period or early payout"
        ),
        policy_family=FAMILY,
        policy_version=version,
        merchant_id=merchant_id,
        items=(compare("short settlement allowed (BNPL-8)", allowed, "==", True),),
    )


def _days(span: timedelta) -> str:
    days = span / timedelta(days=1)
    return f"{days:g} days" if days != 1 else "1 day"
