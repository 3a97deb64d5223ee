"""The BNPL steps of the governance cycle: re-flag on a policy or tree change, confirm receipt
automatically, settle what is due. Each is idempotent for its instant (ledger keys per order).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shopwarden.bnpl import fulfilment, reflag, rules
from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.context import Context
from shopwarden.cycle.registry import cycle_step
from shopwarden.money import Money

NO_POLICY = {"skipped": "no bnpl policy in force"}


@cycle_step("bnpl-reflag", "BNPL-2", "BNPL-3")
def bnpl_reflag(ctx: Context, *, as_of: datetime) -> dict[str, Any]:
    """A new BNPL policy version in force, or a changed category tree, re-decides the flags."""
    if not ctx.has_policy(rules.FAMILY, as_of):
        return dict(NO_POLICY)
    terms = ctx.policy(rules.FAMILY, BnplPolicy, as_of)
    basis = reflag.current_basis(ctx.session)
    fingerprint = reflag.tree_fingerprint(ctx.session)
    if (
        basis is not None
        and basis.policy_version == terms.version
        and basis.tree_fingerprint == fingerprint
    ):
        return {"policy_version": terms.version, "changed": False}
    result = reflag.reflag_all(ctx, as_of=as_of, full=basis is None, policy=terms)
    return {"changed": True, **result.report()}


@cycle_step("bnpl-auto-confirm", "BNPL-7")
def bnpl_auto_confirm(ctx: Context, *, as_of: datetime) -> dict[str, Any]:
    """Shipped orders whose receipt the consumer did not confirm in time are confirmed now."""
    if not ctx.has_policy(rules.FAMILY, as_of):
        return dict(NO_POLICY)
    confirmed = fulfilment.auto_confirm(ctx, as_of=as_of)
    return {
        "confirmed": len(confirmed),
        "debit_failed": sum(1 for o in confirmed if o.debit_status == "failed"),
    }


@cycle_step("bnpl-settle", "BNPL-8")
def bnpl_settle(ctx: Context, *, as_of: datetime) -> dict[str, Any]:
    """Orders past their normal settlement period are paid to the merchants."""
    settled = fulfilment.settle_due(ctx, as_of=as_of)
    return {
        "settled": len(settled),
        "amount": Money(sum(o.settled_cents for o in settled)).to_text(),
    }


STEPS = (
    bnpl_reflag,
    bnpl_auto_confirm,
    bnpl_settle,
)
