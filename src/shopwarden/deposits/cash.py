"""The consumer-protection cash deposit: paying, the requirement, and top-up obligations.

DEP-1 freezes paid cash in the merchant's ``cash_deposit`` account, out of its wallet's reach.
DEP-2 and DEP-3 compare that balance with what the merchant's categories require; a gap, or
compensation a consumer is still owed, is the top-up due. Each increase of it opens its own
obligation at the moment of the increase — a deduction, a product listed in a dearer category
(assessed in the same transaction), a policy version at its ``effective_from``, cover lapsed
unrenewed at its ``ends_at`` (DEP-7) — whose clock runs from its opening (DEP-4). A top-up
settles the oldest first: badges come back when no obligation past its 3 days is left, and a
shield lifts 24 hours after its top-up (DEP-5).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from shopwarden.catalog.tables import ProductRow
from shopwarden.context import Context
from shopwarden.decisions.model import Decision, compare
from shopwarden.deposits import obligation_rules, rules
from shopwarden.deposits.context import CASH, COMPENSATION, DepositContext
from shopwarden.deposits.rules import Policy
from shopwarden.deposits.tables import (
    AfterSalesRow,
    CoverRow,
    EnrolmentRow,
    ObligationRow,
)
from shopwarden.errors import NotFound, RuleRefused
from shopwarden.ledger.model import TransferRequest, transfer
from shopwarden.money import Money


def cover_at(ctx: DepositContext, merchant_id: str, at: datetime) -> CoverRow | None:
    """The insurance cover running at ``at`` (DEP-6), if any."""
    return ctx.session.scalar(
        select(CoverRow)
        .where(CoverRow.merchant_id == merchant_id, CoverRow.starts_at <= at, CoverRow.ends_at > at)
        .limit(1)
    )


def unpaid_compensation(ctx: DepositContext, merchant_id: str) -> Money:
    total = ctx.session.scalar(
        select(func.coalesce(func.sum(AfterSalesRow.unpaid), 0)).where(
            AfterSalesRow.merchant_id == merchant_id
        )
    )
    return Money(int(total or 0))


def open_obligations(ctx: DepositContext, merchant_id: str) -> list[ObligationRow]:
    """The merchant's open top-up obligations, oldest first (DEP-3, DEP-4)."""
    return list(
        ctx.session.scalars(
            select(ObligationRow)
            .where(ObligationRow.merchant_id == merchant_id, ObligationRow.status == "open")
            .order_by(ObligationRow.opened_at, ObligationRow.id)
        )
    )


def open_obligation(ctx: DepositContext, merchant_id: str) -> ObligationRow | None:
    """The oldest open obligation: the one the store's escalation follows (DEP-4)."""
    found = open_obligations(ctx, merchant_id)
    return found[0] if found else None


def top_up_due(ctx: DepositContext, merchant_id: str) -> Money:
    """What is still due on all the merchant's open obligations (DEP-3)."""
    return sum((Money(o.amount_due) for o in open_obligations(ctx, merchant_id)), rules.ZERO)


def listed_categories(ctx: DepositContext, merchant_id: str) -> list[str]:
    """DEP-2: the categories the merchant sells in are those of its listed products."""
    statement = select(ProductRow.category_code).where(
        ProductRow.merchant_id == merchant_id, ProductRow.listed.is_(True)
    )
    return sorted(set(ctx.session.scalars(statement)))


def required(ctx: DepositContext, merchant_id: str, as_of: datetime) -> tuple[Money, Decision]:
    """DEP-2; nothing is required of a merchant not under consumer protection."""
    policy = ctx.policy(as_of)
    if ctx.session.get(EnrolmentRow, merchant_id) is None:
        return rules.ZERO, policy.decide(
            "DEP-2",
            merchant_id,
            f"merchant {merchant_id} cash deposit",
            "not_enrolled",
            "no deposit paid yet: nothing is required to stay frozen",
            rules.info("consumer protection", "not enrolled"),
        )
    return category_requirement(ctx, merchant_id, as_of)


def category_requirement(
    ctx: DepositContext, merchant_id: str, as_of: datetime
) -> tuple[Money, Decision]:
    """DEP-2 for a merchant under consumer protection (or about to be)."""
    return rules.required_cash(
        listed_categories(ctx, merchant_id),
        ctx.tree,
        cover_active=cover_at(ctx, merchant_id, as_of) is not None,
        policy=ctx.policy(as_of),
        merchant_id=merchant_id,
    )


def reassess(
    ctx: DepositContext,
    merchant_id: str,
    as_of: datetime,
    reason: str,
    *,
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
        starts = [(v.version, v.effective_from) for v in ctx.policies.versions(rules.FAMILY)]
        rises = [
            (start, "policy_version", f"deposits policy {version} in force from {rules.At(start)}")
            for version, start in obligation_rules.version_switches(
                starts, assessed_at=last, as_of=as_of
            )
        ]
        terms = [
            (c.id, c.starts_at, c.ends_at)
            for c in ctx.session.scalars(
                select(CoverRow).where(CoverRow.merchant_id == merchant_id)
            )
        ]
        rises += [
            (
                ends,
                "insurance_lapse",
                f"insurance cover {cover_id} ended unrenewed at {rules.At(ends)}",
            )
            for cover_id, ends in obligation_rules.cover_lapses(
                terms, assessed_at=last, as_of=as_of
            )
        ]
        for at, why, because in sorted(rises, key=lambda rise: rise[0]):  # DEP-3, DEP-7
            _assess(ctx, merchant_id, at, why, cause=because)
    _assess(ctx, merchant_id, as_of, reason, paid=paid, cause=cause)
    if enrolment is not None and (enrolment.assessed_at is None or enrolment.assessed_at < as_of):
        enrolment.assessed_at = as_of
    return open_obligation(ctx, merchant_id)


def _assess(
    ctx: DepositContext,
    merchant_id: str,
    as_of: datetime,
    reason: str,
    *,
    paid: Money = rules.ZERO,
    cause: str | None = None,
) -> None:
    policy = ctx.policy(as_of)
    needed, why = required(ctx, merchant_id, as_of)
    due, _ = rules.shortfall(
        required=needed,
        held=ctx.held(merchant_id, CASH),
        unpaid=unpaid_compensation(ctx, merchant_id),
        policy=policy,
        merchant_id=merchant_id,
    )
    parts = open_obligations(ctx, merchant_id)
    by_id = {p.id: p for p in parts}
    outcome = obligation_rules.reconcile(
        [obligation_rules.OpenPart(p.id, p.opened_at, Money(p.amount_due)) for p in parts],
        due=due,
        paid=paid,
    )
    met: list[ObligationRow] = []
    for settled in outcome.settlements:
        row = by_id[settled.part_id]
        row.paid += settled.paid.cents
        row.released += settled.released.cents
        row.amount_due -= settled.total.cents
        if row.amount_due == 0:
            met.append(row)
        else:
            ctx.event(
                merchant_id,
                "obligation_changed",
                f"top-up obligation {row.id}: {settled.paid} paid, {settled.released} no longer "
                f"required; {Money(row.amount_due)} still due",
                at=as_of,
                rule="DEP-3",
                amount=Money(row.amount_due),
                obligation_id=row.id,
            )
    for row in met:
        meet(ctx, row, as_of, policy, paid=row.paid > 0)
    _restore_badges(ctx, merchant_id, met, as_of, policy)
    if outcome.increase.is_positive():
        row = ObligationRow(
            merchant_id=merchant_id,
            reason=reason,
            status="open",
            amount=outcome.increase.cents,
            amount_due=outcome.increase.cents,
            paid=0,
            released=0,
            opened_at=as_of,
            policy_version=policy.version,
        )
        ctx.session.add(row)
        ctx.session.flush()
        decision = obligation_rules.part_opened(
            obligation_id=row.id,
            increase=outcome.increase,
            due=due,
            outstanding_before=outcome.outstanding_before
            - sum((s.total for s in outcome.settlements), rules.ZERO),
            opened_at=as_of,
            cause=cause or reason,
            policy=policy,
            merchant_id=merchant_id,
            items=(
                compare("cash deposit held", ctx.held(merchant_id, CASH), ">=", needed),
                compare(
                    "compensation not yet paid",
                    unpaid_compensation(ctx, merchant_id),
                    "==",
                    rules.ZERO,
                ),
                *why.items,
            ),
        )
        ctx.decide(decision, as_of=as_of, key=f"DEP-3:open:{row.id}")


def meet(
    ctx: DepositContext, obligation: ObligationRow, at: datetime, policy: Policy, *, paid: bool
) -> None:
    """Nothing is due on the obligation any more: if the store was shielded for it, the shield
    lifts 24 hours later (DEP-5). Badges: see :func:`_restore_badges`."""
    obligation.status = "met"
    obligation.met_at = at
    obligation.amount_due = 0
    merchant_id = obligation.merchant_id
    how = "met by the top-up" if paid else "met: no longer required"
    ctx.event(
        merchant_id,
        "obligation_met",
        f"top-up obligation {obligation.id} {how}",
        at=at,
        rule="DEP-3",
        obligation_id=obligation.id,
    )
    if obligation.shielded_at is not None and obligation.shield_lifted_at is None:
        obligation.shield_lift_due_at = rules.shield_lift_at(at, policy)
        ctx.event(
            merchant_id,
            "shield_lift_scheduled",
            f"shield lifts at {rules.At(obligation.shield_lift_due_at)}",
            at=at,
            rule="DEP-5",
            obligation_id=obligation.id,
        )


def _restore_badges(
    ctx: DepositContext,
    merchant_id: str,
    met: list[ObligationRow],
    at: datetime,
    policy: Policy,
) -> None:
    """DEP-4: badges come back when no open obligation past its 3 days keeps them revoked."""
    restored = [o for o in met if o.badges_revoked_at is not None and o.badges_restored_at is None]
    if not restored:
        return
    for row in restored:
        row.badges_restored_at = at
    still = [
        o.id
        for o in open_obligations(ctx, merchant_id)
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
        ctx.decide(decision, as_of=at, key=f"DEP-4:restore:{last.id}")
    else:
        ctx.event(
            merchant_id,
            "badges_still_revoked",
            f"top-up obligation {last.id} met; badges stay revoked for obligation {still[0]}",
            at=at,
            rule="DEP-4",
        )


def pay(
    ctx: DepositContext, merchant_id: str, amount: Money, source: str, key: str
) -> dict[str, Any]:
    """DEP-1 pay, or top up (DEP-3): compensation still owed is paid first, the rest frozen;
    the top-up settles the oldest open obligations first (DEP-5)."""
    merchant = ctx.merchant(merchant_id)
    ctx.not_closed(merchant, "DEP-1")
    now = ctx.now()
    first = ctx.session.get(EnrolmentRow, merchant_id) is None
    if first:
        ctx.session.add(EnrolmentRow(merchant_id=merchant_id, enrolled_at=now, assessed_at=now))
        ctx.session.flush()
        needed, _ = required(ctx, merchant_id, now)
        if amount < needed:
            raise RuleRefused(
                f"the first cash deposit is at least the required {needed}, not {amount}",
                field="amount",
                rule="DEP-1",
                extra={"required": needed.to_text()},
            )
    elif merchant.status == "open":
        reassess(ctx, merchant_id, now, reason="categories")  # versions since, before paying
    shortfall_before = top_up_due(ctx, merchant_id)
    paying = ctx.source(merchant_id, source)
    cash = ctx.account(merchant_id, CASH)
    requests: list[TransferRequest] = []
    remaining = amount
    owed = ctx.session.scalars(
        select(AfterSalesRow)
        .where(AfterSalesRow.merchant_id == merchant_id, AfterSalesRow.unpaid > 0)
        .order_by(AfterSalesRow.closed_at, AfterSalesRow.id)
    )
    to_consumers = rules.ZERO
    for case in owed:
        part = min(remaining, Money(case.unpaid))
        if not part.is_positive():
            break
        requests.append(
            transfer(
                paying,
                COMPENSATION,
                part,
                f"compensation owed on after-sales case {case.id} (DEP-3)",
                idempotency_key=f"{key}:case:{case.id}",
            )
        )
        case.unpaid -= part.cents
        remaining -= part
        to_consumers += part
    rule = obligation_rules.payment_rule(
        first=first, settles_shortfall=shortfall_before.is_positive()
    )
    if remaining.is_positive():
        requests.append(
            transfer(
                paying,
                cash,
                remaining,
                "cash deposit paid and frozen (DEP-1)"
                if rule == "DEP-1"
                else "cash deposit topped up (DEP-3)",
                idempotency_key=f"{key}:cash",
            )
        )
    ctx.ledger.post_many(requests)
    ctx.event(
        merchant_id,
        "cash_paid",
        f"paid {amount}: {remaining} frozen as cash deposit, {to_consumers} to consumers owed"
        + (f"; towards the top-up due {shortfall_before}" if rule == "DEP-3" else ""),
        rule=rule,
        amount=amount,
        source=source,
    )
    ctx.session.flush()  # the payment is on the timeline before what it settles
    obligation = reassess(ctx, merchant_id, now, reason="categories", paid=amount, catch_up=False)
    return {
        "merchant_id": merchant_id,
        "paid": amount.to_text(),
        "frozen": remaining.to_text(),
        "compensation_settled": to_consumers.to_text(),
        "cash_held": ctx.held(merchant_id, CASH).to_text(),
        "open_obligation_id": obligation.id if obligation is not None else None,
    }


def on_product_changed(context: Context, product: ProductRow) -> None:
    """DEP-2, DEP-3: a product listed, delisted or moved may change what the merchant must hold.

    Assessed in the product change's own transaction, at its instant: a listing in a category
    that needs more opens its obligation then, with the requirement explained.
    """
    if context.session.get(EnrolmentRow, product.merchant_id) is None:
        return  # not under consumer protection: nothing is required (DEP-2)
    ctx = DepositContext(context.session, context.clock, context.policies, context.categories)
    at = product.updated_at
    try:
        ctx.policy(at)
    except NotFound:
        return  # no deposits policy in force: nothing to assess
    if ctx.merchant(product.merchant_id).status != "open":
        return  # as the cycle: a closing store's requirement is not reassessed
    state = "listed" if product.listed else "not listed"
    reassess(
        ctx,
        product.merchant_id,
        at,
        reason="categories",
        cause=f"product {product.id} {state} in {product.category_code}",
        catch_up=False,
    )
