"""The consumer-protection cash deposit: paying and topping it up (DEP-1, DEP-3).

DEP-1 freezes paid cash in the merchant's ``cash_deposit`` account, out of its wallet's reach;
the first payment is at least what the merchant's categories require (DEP-2). A later payment
is a top-up (DEP-3): compensation a consumer is still owed is paid first, the rest frozen, and
it settles the oldest open obligations first (DEP-5). The rules that decide are in
``payment_rules.py``; how obligations open and close is ``obligations.py``. A product change
may change what the merchant must hold: :func:`on_product_changed` assesses it at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from shopwarden.catalog.tables import ProductRow
from shopwarden.context import Context
from shopwarden.deposits import obligation_rules, payment_rules, rules
from shopwarden.deposits.accounts import CASH, COMPENSATION, account, held, source
from shopwarden.deposits.merchants import merchant, not_closed
from shopwarden.deposits.obligations import reassess, top_up_due
from shopwarden.deposits.requirement import required
from shopwarden.deposits.tables import AfterSalesRow, EnrolmentRow
from shopwarden.deposits.timeline import event
from shopwarden.errors import RuleRefused
from shopwarden.ledger.model import TransferRequest, transfer
from shopwarden.money import Money


def pay(ctx: Context, *, merchant_id: str, amount: Money, source: str, key: str) -> dict[str, Any]:
    """DEP-1 pay, or top up (DEP-3): compensation still owed is paid first, the rest frozen;
    the top-up settles the oldest open obligations first (DEP-5)."""
    found = merchant(ctx, merchant_id=merchant_id)
    not_closed(found, "DEP-1")
    now = ctx.now()
    first = ctx.session.get(EnrolmentRow, merchant_id) is None
    if first:
        _enrol(ctx, merchant_id, amount, now)
    elif found.status == "open":
        reassess(ctx, merchant_id=merchant_id, as_of=now, reason="categories")  # versions since
    shortfall_before = top_up_due(ctx, merchant_id=merchant_id)
    rule = obligation_rules.payment_rule(
        first=first, settles_shortfall=shortfall_before.is_positive()
    )
    allocation = _move(ctx, merchant_id, amount, source, key, rule)
    event(
        ctx,
        merchant_id=merchant_id,
        kind="cash_paid",
        summary=f"paid {amount}: {allocation.frozen} frozen as cash deposit, "
        f"{allocation.to_consumers} to consumers owed"
        + (f"; towards the top-up due {shortfall_before}" if rule == "DEP-3" else ""),
        rule=rule,
        amount=amount,
        source=source,
    )
    ctx.session.flush()  # the payment is on the timeline before what it settles
    obligation = reassess(
        ctx, merchant_id=merchant_id, as_of=now, reason="categories", paid=amount, catch_up=False
    )
    return {
        "merchant_id": merchant_id,
        "paid": amount.to_text(),
        "frozen": allocation.frozen.to_text(),
        "compensation_settled": allocation.to_consumers.to_text(),
        "cash_held": held(ctx, merchant_id=merchant_id, purpose=CASH).to_text(),
        "open_obligation_id": obligation.id if obligation is not None else None,
    }


def _enrol(ctx: Context, merchant_id: str, amount: Money, now: datetime) -> None:
    """The first payment puts the merchant under consumer protection, if it is enough (DEP-1)."""
    ctx.session.add(EnrolmentRow(merchant_id=merchant_id, enrolled_at=now, assessed_at=now))
    ctx.session.flush()
    needed, _ = required(ctx, merchant_id=merchant_id, as_of=now)
    if payment_rules.first_payment_short_by(amount=amount, required=needed).is_positive():
        raise RuleRefused(
            f"the first cash deposit is at least the required {needed}, not {amount}",
            field="amount",
            rule="DEP-1",
            extra={"required": needed.to_text()},
        )


def _move(
    ctx: Context, merchant_id: str, amount: Money, paid_from: str, key: str, rule: str
) -> payment_rules.Allocation:
    """Pay the consumers still owed first, freeze the rest (DEP-3, DEP-1), in one posting."""
    owed = {
        case.id: case
        for case in ctx.session.scalars(
            select(AfterSalesRow)
            .where(AfterSalesRow.merchant_id == merchant_id, AfterSalesRow.unpaid > 0)
            .order_by(AfterSalesRow.closed_at, AfterSalesRow.id)
        )
    }
    allocation = payment_rules.allocate_payment(
        amount=amount,
        owed=[payment_rules.OwedCase(c.id, Money(c.unpaid)) for c in owed.values()],
    )
    paying = source(ctx, merchant_id=merchant_id, source=paid_from)
    cash = account(ctx, merchant_id=merchant_id, purpose=CASH)
    requests: list[TransferRequest] = []
    for case_id, part in allocation.to_cases:
        requests.append(
            transfer(
                paying,
                COMPENSATION,
                part,
                f"compensation owed on after-sales case {case_id} (DEP-3)",
                idempotency_key=f"{key}:case:{case_id}",
            )
        )
        owed[case_id].unpaid -= part.cents
    if allocation.frozen.is_positive():
        description = (
            "cash deposit paid and frozen (DEP-1)"
            if rule == "DEP-1"
            else "cash deposit topped up (DEP-3)"
        )
        requests.append(
            transfer(paying, cash, allocation.frozen, description, idempotency_key=f"{key}:cash")
        )
    ctx.ledger.post_many(requests)
    return allocation


def on_product_changed(ctx: Context, *, product: ProductRow) -> None:
    """DEP-2, DEP-3: a product listed, delisted or moved may change what the merchant must hold.

    Assessed in the product change's own transaction, at its instant: a listing in a category
    that needs more opens its obligation then, with the requirement explained.
    """
    if ctx.session.get(EnrolmentRow, product.merchant_id) is None:
        return  # not under consumer protection: nothing is required (DEP-2)
    at = product.updated_at
    if not ctx.has_policy(rules.FAMILY, at):
        return  # no deposits policy in force: nothing to assess
    if merchant(ctx, merchant_id=product.merchant_id).status != "open":
        return  # as the cycle: a closing store's requirement is not reassessed
    state = "listed" if product.listed else "not listed"
    reassess(
        ctx,
        merchant_id=product.merchant_id,
        as_of=at,
        reason="categories",
        cause=f"product {product.id} {state} in {product.category_code}",
        catch_up=False,
    )
