"""BNPL orders on SQLite and PostgreSQL: the fee, refunds, receipt and debit, settlement,
invoices and the 1.0 upgrade, with every movement checked in the ledger."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from shopwarden.bnpl import fulfilment, invoices, orders, stores
from shopwarden.bnpl.orders import CheckoutRequest, NotOffered
from shopwarden.bnpl.steps import bnpl_auto_confirm, bnpl_settle
from shopwarden.bnpl.tables import OrderRow, ProductFlagRow
from shopwarden.cycle.registry import CycleStep
from shopwarden.decisions.tables import DecisionRow
from shopwarden.errors import Conflict, RuleRefused
from shopwarden.ledger.verify import verify_ledger
from shopwarden.money import Money
from tests.bnpl.conftest import World

WALLET = "merchant:m1:wallet"
FEES = "platform:bnpl_fee_revenue"
CLEARING = "platform:bnpl_clearing"
RECEIVABLES = "platform:consumer_receivables"


@pytest.fixture
def shop(world: World) -> World:
    world.merchant("m1", wallet="10.00")
    world.enable("m1")
    world.product("p1", "m1", "120.00")
    return world


def order(world: World, order_id: str) -> OrderRow:
    with world.tx() as session:
        row = session.get(OrderRow, order_id)
        assert row is not None
        session.expunge(row)
        return row


def step(world: World, function: CycleStep) -> dict[str, object]:
    with world.ctx() as ctx:
        return function(ctx, as_of=world.clock.now())


def confirm(world: World, order_id: str) -> None:
    with world.ctx() as ctx:
        fulfilment.confirm_receipt(ctx, order_id=order_id, by="consumer")


def refund(world: World, order_id: str, amount: str | None = None) -> None:
    with world.ctx() as ctx:
        fulfilment.refund(ctx, order_id=order_id, amount=Money.parse(amount) if amount else None)


def assert_ledger_ok(world: World) -> None:
    with world.tx() as session:
        assert verify_ledger(session) == []


@pytest.mark.rule("BNPL-6")
@pytest.mark.parametrize(
    ("amount", "fee"), [("0.01", "0.00"), ("99.99", "1.00"), ("100.50", "1.01")]
)
def test_the_fee_is_charged_from_the_wallet_when_the_order_is_placed(
    shop: World, amount: str, fee: str
) -> None:
    shop.place("o1", "m1", "p1", amount)
    placed = order(shop, "o1")
    assert Money(placed.fee_cents).to_text() == fee
    assert Money(placed.amount_cents).to_text() == amount  # BNPL-5: the normal price
    assert shop.balance(FEES) == fee
    assert shop.balance(WALLET) == (Money.parse("10.00") - Money.parse(fee)).to_text()
    assert (placed.fee_transaction_id is None) == (fee == "0.00")
    assert_ledger_ok(shop)


@pytest.mark.rule("BNPL-6")
def test_the_fee_is_refused_when_the_wallet_is_short_and_nothing_moves(shop: World) -> None:
    shop.place("o1", "m1", "p1", "900.00")  # fee 9.00 of the 10.00
    with pytest.raises(NotOffered) as refused:
        shop.place("o2", "m1", "p1", "100.50")  # fee 1.01 > 1.00 available
    assert refused.value.rule == "BNPL-6" and refused.value.field == "amount"
    assert refused.value.extra["reasons"][0]["code"] == "wallet_cannot_pay_fee"
    assert shop.balance(WALLET) == "1.00" and shop.balance(FEES) == "9.00"
    with shop.tx() as session:
        assert session.get(OrderRow, "o2") is None


@pytest.mark.rule("BNPL-6")
@pytest.mark.rule("BNPL-7")
@pytest.mark.rule("BNPL-8")
def test_refund_after_settlement_keeps_the_fee(shop: World) -> None:
    shop.place("o1", "m1", "p1", "100.50")
    shop.at("2024-03-02T10:00:00+08:00")
    confirm(shop, "o1")
    assert shop.balance(CLEARING) == "100.50"
    shop.at("2024-03-09T10:00:00+08:00")  # 7 days after the confirmation
    assert step(shop, bnpl_settle)["settled"] == 1
    assert shop.balance(WALLET) == "109.49"  # 10.00 − 1.01 fee + 100.50
    refund(shop, "o1")
    refunded = order(shop, "o1")
    assert refunded.status == "refunded" and refunded.fee_cents == 101
    assert shop.balance(WALLET) == "8.99" and shop.balance(FEES) == "1.01"
    assert_ledger_ok(shop)


@pytest.mark.rule("BNPL-6")
def test_refund_before_receipt_moves_nothing_and_keeps_the_fee(shop: World) -> None:
    shop.place("o1", "m1", "p1", "100.50")
    refund(shop, "o1", "0.50")
    refund(shop, "o1")
    refunded = order(shop, "o1")
    assert refunded.status == "refunded" and refunded.refunded_cents == 10050
    assert shop.balance(FEES) == "1.01" and shop.balance(WALLET) == "8.99"
    with pytest.raises(Conflict):
        refund(shop, "o1")
    with pytest.raises(Conflict):
        confirm(shop, "o1")


@pytest.mark.rule("BNPL-7")
def test_a_failed_debit_settles_the_merchant_and_records_the_claim(shop: World) -> None:
    with shop.ctx() as ctx:
        orders.place(
            ctx, order_id="o1", request=CheckoutRequest("m1", "p1", "nopay-7", Money.parse("80.00"))
        )
    confirm(shop, "o1")
    confirmed = order(shop, "o1")
    assert confirmed.debit_status == "failed" and confirmed.claim_cents == 8000
    assert shop.balance(RECEIVABLES) == "-80.00" and shop.balance(CLEARING) == "80.00"
    shop.at("2024-03-08T09:00:00+08:00")
    step(shop, bnpl_settle)
    assert order(shop, "o1").status == "settled"
    assert shop.balance(WALLET) == "89.20"  # 10.00 − 0.80 fee + 80.00: no loss for the merchant
    with shop.tx() as session:
        claims = session.scalars(select(DecisionRow).where(DecisionRow.rule_id == "BNPL-7")).all()
    assert len(claims) == 1 and "claim of 80.00" in claims[0].summary
    refund(shop, "o1", "30.00")  # goods returned: the consumer owes that much less
    assert order(shop, "o1").claim_cents == 5000 and shop.balance(RECEIVABLES) == "-50.00"
    assert_ledger_ok(shop)


@pytest.mark.rule("BNPL-7")
def test_receipt_is_confirmed_by_the_system_after_the_policy_period(shop: World) -> None:
    shop.place("o1", "m1", "p1", "50.00")
    with shop.ctx() as ctx:
        fulfilment.ship(ctx, order_id="o1")
    shop.at("2024-03-11T08:59:59+08:00")
    assert step(shop, bnpl_auto_confirm)["confirmed"] == 0
    shop.at("2024-03-11T09:00:00+08:00")  # 10 days after shipment
    assert step(shop, bnpl_auto_confirm)["confirmed"] == 1
    confirmed = order(shop, "o1")
    assert confirmed.confirmed_by == "system" and confirmed.debit_status == "debited"
    assert shop.balance("platform:bank").startswith("-")


@pytest.mark.rule("BNPL-8")
def test_early_payout_is_refused_and_settlement_waits_for_the_normal_period(shop: World) -> None:
    shop.place("o1", "m1", "p1", "50.00")
    confirm(shop, "o1")
    with shop.ctx() as ctx, pytest.raises(RuleRefused) as refused:
        fulfilment.early_payout(ctx, order_id="o1")
    assert refused.value.rule == "BNPL-8"
    shop.at("2024-03-08T08:59:59+08:00")
    assert step(shop, bnpl_settle)["settled"] == 0
    shop.at("2024-03-08T09:00:00+08:00")
    assert step(shop, bnpl_settle) == {"settled": 1, "amount": "50.00"}
    assert step(shop, bnpl_settle)["settled"] == 0  # once


@pytest.mark.rule("BNPL-9")
def test_pausing_leaves_placed_orders_alone(shop: World) -> None:
    shop.place("o1", "m1", "p1", "50.00")
    with shop.ctx() as ctx:
        stores.pause(ctx, merchant_id="m1")
    with pytest.raises(NotOffered) as refused:
        shop.place("o2", "m1", "p1", "50.00")
    assert [r["code"] for r in refused.value.extra["reasons"]] == ["store_paused"]
    confirm(shop, "o1")
    assert order(shop, "o1").status == "receipt_confirmed"


@pytest.mark.rule("BNPL-10")
def test_the_invoice_at_the_month_boundary(shop: World) -> None:
    shop.at("2024-03-31T23:59:59.999999+08:00")
    shop.place("o-march", "m1", "p1", "100.50")  # the last instant of March
    with shop.ctx() as ctx, pytest.raises(RuleRefused) as refused:
        invoices.request_invoice(ctx, merchant_id="m1", month="2024-03")
    assert refused.value.rule == "BNPL-10" and refused.value.field == "month"
    shop.at("2024-04-01T00:00:00+08:00")  # the first instant of April
    shop.place("o-april", "m1", "p1", "99.99")
    with shop.ctx() as ctx:
        invoice, created = invoices.request_invoice(ctx, merchant_id="m1")
        assert created and invoice.month == "2024-03"
        assert (invoice.fee_total_cents, invoice.order_count) == (101, 1)
        again, created_again = invoices.request_invoice(ctx, merchant_id="m1", month="2024-03")
        assert again.id == invoice.id and not created_again
        with pytest.raises(RuleRefused):
            invoices.request_invoice(ctx, merchant_id="m1", month="2024-04")


@pytest.mark.rule("BNPL-11")
def test_a_1_0_store_is_upgraded_flagged_and_may_pause(world: World) -> None:
    world.merchant("old", upgraded=False)
    world.product("p1", "old", "10.00")
    world.product("p2", "old", "900.00")
    with world.ctx() as ctx:
        stores.register_legacy(ctx, merchant_id="old", enabled_at=world.clock.now())
    with world.ctx() as ctx:
        before = ctx.session.get(ProductFlagRow, "p1")
        assert before is None or not before.flagged  # no 2.0 flags for a 1.0 store
        upgraded = stores.upgrade_legacy(ctx)
        assert [s.merchant_id for s in upgraded] == ["old"]
        assert stores.upgrade_legacy(ctx) == []
    with world.ctx() as ctx:
        assert ctx.session.get(ProductFlagRow, "p1").flagged  # type: ignore[union-attr]
        assert not ctx.session.get(ProductFlagRow, "p2").flagged  # type: ignore[union-attr]
        store, changed = stores.pause(ctx, merchant_id="old")
        assert changed and store.status == "paused"
