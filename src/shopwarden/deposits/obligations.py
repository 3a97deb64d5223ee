"""Top-up obligations in the database: opened, settled, released and met (DEP-3, DEP-4, DEP-5).

DEP-2 and DEP-3 compare the cash deposit held with what the merchant's categories require; a
gap, or compensation a consumer is still owed, is the top-up due. Each increase of it opens its
own obligation at the moment of the increase — a deduction, a product listed in a dearer
category (assessed in the same transaction), a policy version at its ``effective_from``, cover
lapsed unrenewed at its ``ends_at`` (DEP-7) — whose clock runs from its opening (DEP-4). A
top-up settles the oldest first: badges come back when no obligation past its 3 days is left,
and a shield lifts 24 hours after its top-up (DEP-5). The rules that decide are in
``obligation_rules.py``; this module gathers the facts and applies what they decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from shopwarden.context import Context
from shopwarden.decisions.model import Decision, ExplanationItem, compare
from shopwarden.deposits import obligation_rules, policies, rules
from shopwarden.deposits.accounts import CASH, held
from shopwarden.deposits.requirement import required, unpaid_compensation
from shopwarden.deposits.rules import Policy
from shopwarden.deposits.tables import CoverRow, EnrolmentRow, ObligationRow
from shopwarden.deposits.timeline import decide, event
from shopwarden.money import Money


def open_obligations(ctx: Context, *, merchant_id: str) -> list[ObligationRow]:
    """The merchant's open top-up obligations, oldest first (DEP-3, DEP-4)."""
    return list(
        ctx.session.scalars(
            select(ObligationRow)
            .where(ObligationRow.merchant_id == merchant_id, ObligationRow.status == "open")
            .order_by(ObligationRow.opened_at, ObligationRow.id)
        )
    )


def open_obligation(ctx: Context, *, merchant_id: str) -> ObligationRow | None:
    """The oldest open obligation: the one the store's escalation follows (DEP-4)."""
    found = open_obligations(ctx, merchant_id=merchant_id)
    return found[0] if found else None


def top_up_due(ctx: Context, *, merchant_id: str) -> Money:
    """What is still due on all the merchant's open obligations (DEP-3)."""
    parts = open_obligations(ctx, merchant_id=merchant_id)
    return sum((Money(o.amount_due) for o in parts), rules.ZERO)


def reassess(
    ctx: Context,
    *,
    merchant_id: str,
    as_of: datetime,
    reason: str,
    paid: Money = rules.ZERO,
    cause: str | None = None,
    catch_up: bool = True,
) -> ObligationRow | None:
    """DEP-3: bring the merchant's open obligations to what is due at ``as_of``.

    First (``catch_up``), every deposits version that took effect since the merchant was last
    assessed is assessed at its ``effective_from``, and every cover that ended unrenewed since
    then at its ``ends_at`` (DEP-7): a rise either causes opens its obligation then, with its
    DEP-4 clocks, not when the cycle or a later payment or deduction finds it. Then ``paid``
    (a top-up just made) settles the oldest obligations, a lower due releases the newest, a
    higher one opens a new obligation now.
    Returns the oldest obligation still open.
    """
    enrolment = ctx.session.get(EnrolmentRow, merchant_id)
    if catch_up and enrolment is not None:
        last = enrolment.assessed_at or enrolment.enrolled_at
        for at, why, because in _rises_since(ctx, merchant_id, last, as_of):  # DEP-3, DEP-7
            _assess(ctx, merchant_id, at, why, cause=because)
    _assess(ctx, merchant_id, as_of, reason, paid=paid, cause=cause)
    if enrolment is not None and (enrolment.assessed_at is None or enrolment.assessed_at < as_of):
        enrolment.assessed_at = as_of
    return open_obligation(ctx, merchant_id=merchant_id)


def _rises_since(
    ctx: Context, merchant_id: str, last: datetime, as_of: datetime
) -> list[tuple[datetime, str, str]]:
    """The moments since ``last`` the due may have risen, as (at, reason, cause), in order:
    deposits versions at their ``effective_from`` (DEP-3), covers lapsed at their end (DEP-7)."""
    starts = [(v.version, v.effective_from) for v in ctx.policies.versions(rules.FAMILY)]
    rises = [
        (start, "policy_version", f"deposits policy {version} in force from {rules.At(start)}")
        for version, start in obligation_rules.version_switches(
            starts, assessed_at=last, as_of=as_of
        )
    ]
    terms = [
        (c.id, c.starts_at, c.ends_at)
        for c in ctx.session.scalars(select(CoverRow).where(CoverRow.merchant_id == merchant_id))
    ]
    rises += [
        (ends, "insurance_lapse", f"insurance cover {cover_id} ended unrenewed at {rules.At(ends)}")
        for cover_id, ends in obligation_rules.cover_lapses(terms, assessed_at=last, as_of=as_of)
    ]
    return sorted(rises, key=lambda rise: rise[0])


def _assess(
    ctx: Context,
    merchant_id: str,
    as_of: datetime,
    reason: str,
    *,
    paid: Money = rules.ZERO,
    cause: str | None = None,
) -> None:
    """One assessment at ``as_of``: the rules reconcile the open parts with the due (DEP-3)."""
    policy = policies.in_force(ctx, as_of=as_of)
    needed, why = required(ctx, merchant_id=merchant_id, as_of=as_of)
    due, _ = rules.shortfall(
        required=needed,
        held=held(ctx, merchant_id=merchant_id, purpose=CASH),
        unpaid=unpaid_compensation(ctx, merchant_id=merchant_id),
        policy=policy,
        merchant_id=merchant_id,
    )
    parts = open_obligations(ctx, merchant_id=merchant_id)
    outcome = obligation_rules.reconcile(
        [obligation_rules.OpenPart(p.id, p.opened_at, Money(p.amount_due)) for p in parts],
        due=due,
        paid=paid,
    )
    met = _settle(ctx, {p.id: p for p in parts}, outcome.settlements, as_of)
    for row in met:
        meet(ctx, obligation=row, at=as_of, policy=policy, paid=row.paid > 0)
    _restore_badges(ctx, merchant_id, met, as_of, policy)
    if outcome.increase.is_positive():
        settled = sum((s.total for s in outcome.settlements), rules.ZERO)
        row = _open_part(ctx, merchant_id, as_of, reason, outcome.increase, policy)
        decision = obligation_rules.part_opened(
            obligation_id=row.id,
            increase=outcome.increase,
            due=due,
            outstanding_before=outcome.outstanding_before - settled,
            opened_at=as_of,
            cause=cause or reason,
            policy=policy,
            merchant_id=merchant_id,
            items=_shortfall_items(ctx, merchant_id, needed, why),
        )
        decide(ctx, decision=decision, as_of=as_of, key=f"DEP-3:open:{row.id}")


def _settle(
    ctx: Context,
    by_id: dict[int, ObligationRow],
    settlements: Sequence[obligation_rules.Settlement],
    as_of: datetime,
) -> list[ObligationRow]:
    """Apply what each part lost (paid, or released); returns the parts nothing is due on."""
    met: list[ObligationRow] = []
    for settled in settlements:
        row = by_id[settled.part_id]
        row.paid += settled.paid.cents
        row.released += settled.released.cents
        row.amount_due -= settled.total.cents
        if row.amount_due == 0:
            met.append(row)
        else:
            event(
                ctx,
                merchant_id=row.merchant_id,
                kind="obligation_changed",
                summary=f"top-up obligation {row.id}: {settled.paid} paid, {settled.released} "
                f"no longer required; {Money(row.amount_due)} still due",
                at=as_of,
                rule="DEP-3",
                amount=Money(row.amount_due),
                obligation_id=row.id,
            )
    return met


def _open_part(
    ctx: Context, merchant_id: str, as_of: datetime, reason: str, increase: Money, policy: Policy
) -> ObligationRow:
    """DEP-3: the increase is a new obligation, opened now, with its own clock (DEP-4)."""
    row = ObligationRow(
        merchant_id=merchant_id,
        reason=reason,
        status="open",
        amount=increase.cents,
        amount_due=increase.cents,
        paid=0,
        released=0,
        opened_at=as_of,
        policy_version=policy.version,
    )
    ctx.session.add(row)
    ctx.session.flush()
    return row


def _shortfall_items(
    ctx: Context, merchant_id: str, needed: Money, why: Decision
) -> tuple[ExplanationItem, ...]:
    """Why a shortfall opened: the deposit held against the requirement, compensation owed."""
    return (
        compare(
            "cash deposit held", held(ctx, merchant_id=merchant_id, purpose=CASH), ">=", needed
        ),
        compare(
            "compensation not yet paid",
            unpaid_compensation(ctx, merchant_id=merchant_id),
            "==",
            rules.ZERO,
        ),
        *why.items,
    )


def meet(
    ctx: Context, *, obligation: ObligationRow, at: datetime, policy: Policy, paid: bool
) -> None:
    """Nothing is due on the obligation any more: if the store was shielded for it, the shield
    lifts 24 hours later (DEP-5). Badges: see :func:`_restore_badges`."""
    obligation.status = "met"
    obligation.met_at = at
    obligation.amount_due = 0
    merchant_id = obligation.merchant_id
    how = "met by the top-up" if paid else "met: no longer required"
    event(
        ctx,
        merchant_id=merchant_id,
        kind="obligation_met",
        summary=f"top-up obligation {obligation.id} {how}",
        at=at,
        rule="DEP-3",
        obligation_id=obligation.id,
    )
    if obligation.shielded_at is not None and obligation.shield_lifted_at is None:
        obligation.shield_lift_due_at = rules.shield_lift_at(at, policy)
        event(
            ctx,
            merchant_id=merchant_id,
            kind="shield_lift_scheduled",
            summary=f"shield lifts at {rules.At(obligation.shield_lift_due_at)}",
            at=at,
            rule="DEP-5",
            obligation_id=obligation.id,
        )


def _restore_badges(
    ctx: Context, merchant_id: str, met: list[ObligationRow], at: datetime, policy: Policy
) -> None:
    """DEP-4: badges come back when no open obligation past its 3 days keeps them revoked."""
    restored = [o for o in met if o.badges_revoked_at is not None and o.badges_restored_at is None]
    if not restored:
        return
    for row in restored:
        row.badges_restored_at = at
    still = [
        o.id
        for o in open_obligations(ctx, merchant_id=merchant_id)
        if o.badges_revoked_at is not None and o.badges_restored_at is None
    ]
    last = restored[-1]
    decision = obligation_rules.badges_restored(
        obligation_id=last.id,
        met_at=at,
        still_revoked_by=still,
        policy=policy,
        merchant_id=merchant_id,
    )
    if decision is not None:
        decide(ctx, decision=decision, as_of=at, key=f"DEP-4:restore:{last.id}")
    else:
        event(
            ctx,
            merchant_id=merchant_id,
            kind="badges_still_revoked",
            summary=f"top-up obligation {last.id} met; badges stay revoked for obligation "
            f"{still[0]}",
            at=at,
            rule="DEP-4",
        )
