"""The BNPL steps of the governance cycle: re-flag on a policy or tree change, confirm receipt
automatically, settle what is due. Each is idempotent for its instant (ledger keys per order).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shopwarden.bnpl import reflag, rules
from shopwarden.bnpl.fulfilment import Fulfilment
from shopwarden.context import Context
from shopwarden.cycle.registry import cycle_step
from shopwarden.errors import NotFound
from shopwarden.money import Money


@cycle_step("bnpl-reflag", "BNPL-2", "BNPL-3")
def bnpl_reflag(context: Context, *, as_of: datetime) -> dict[str, Any]:
    """A new BNPL policy version in force, or a changed category tree, re-decides the flags."""
    try:
        version = context.policies.in_force(rules.FAMILY, as_of)
    except NotFound:
        return {"skipped": "no bnpl policy in force"}
    basis = reflag.current_basis(context.session)
    fingerprint = reflag.tree_fingerprint(context.session)
    if (
        basis is not None
        and basis.policy_version == version.version
        and basis.tree_fingerprint == fingerprint
    ):
        return {"policy_version": version.version, "changed": False}
    result = reflag.reflag_all(context.session, version, as_of, full=basis is None)
    return {"changed": True, **result.report()}


@cycle_step("bnpl-auto-confirm", "BNPL-7")
def bnpl_auto_confirm(context: Context, *, as_of: datetime) -> dict[str, Any]:
    """Shipped orders whose receipt the consumer did not confirm in time are confirmed now."""
    try:
        context.policies.in_force(rules.FAMILY, as_of)
    except NotFound:
        return {"skipped": "no bnpl policy in force"}
    confirmed = Fulfilment(context.session, context.clock, context.policies).auto_confirm(as_of)
    return {
        "confirmed": len(confirmed),
        "debit_failed": sum(1 for o in confirmed if o.debit_status == "failed"),
    }


@cycle_step("bnpl-settle", "BNPL-8")
def bnpl_settle(context: Context, *, as_of: datetime) -> dict[str, Any]:
    """Orders past their normal settlement period are paid to the merchants."""
    settled = Fulfilment(context.session, context.clock, context.policies).settle_due(as_of)
    return {
        "settled": len(settled),
        "amount": Money(sum(o.settled_cents for o in settled)).to_text(),
    }


STEPS = (
    bnpl_reflag,
    bnpl_auto_confirm,
    bnpl_settle,
)
