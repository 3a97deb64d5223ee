"""The pure BNPL rules: no database, no clock, only facts, a policy and an instant."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopwarden.bnpl import checkout_rules, flag_rules, invoice_rules, rules, settlement_rules
from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.catalog.tree import load_tree
from shopwarden.families import POLICY_SCHEMAS
from shopwarden.money import Money
from shopwarden.policy.store import PolicyStore

VERSION = "2022-06-23"
POLICY = PolicyStore.load(schemas=POLICY_SCHEMAS).get("bnpl", VERSION).parameters_as(BnplPolicy)
TREE = load_tree()


def facts(**changes: object) -> flag_rules.ProductFacts:
    base: dict[str, object] = {
        "product_id": "p1",
        "merchant_id": "m1",
        "origin": "self_built",
        "listed": True,
        "highest_price": Money.parse("100.00"),
        "category_code": "mobile_phones",
        "excluded_by": None,
        "store_status": rules.STORE_ENABLED,
    }
    base.update(changes)
    return flag_rules.ProductFacts(**base)  # type: ignore[arg-type]


@pytest.mark.rule("BNPL-6")
@pytest.mark.parametrize(
    ("amount", "fee"),
    [
        ("0.01", "0.00"),
        ("0.49", "0.00"),
        ("0.50", "0.01"),  # half a cent rounds up
        ("99.99", "1.00"),
        ("100.50", "1.01"),
        ("149.49", "1.49"),
        ("149.50", "1.50"),
        ("500.00", "5.00"),
    ],
)
def test_fee_is_one_percent_rounded_half_up_once(amount: str, fee: str) -> None:
    assert checkout_rules.bnpl_fee(Money.parse(amount), POLICY).to_text() == fee


@pytest.mark.rule("BNPL-6")
@given(st.integers(min_value=1, max_value=10**12))
def test_fee_matches_integer_half_up(cents: int) -> None:
    assert POLICY.fee_rate == Decimal("0.01")
    assert checkout_rules.bnpl_fee(Money(cents), POLICY).cents == (cents + 50) // 100


@pytest.mark.rule("BNPL-2")
@pytest.mark.parametrize(("price", "eligible"), [("500.00", True), ("500.01", False)])
def test_price_limit_is_inclusive(price: str, eligible: bool) -> None:
    decided = flag_rules.decide_flag(facts(highest_price=Money.parse(price)), POLICY, VERSION)
    assert decided.eligible is eligible and decided.flagged is eligible
    price_item = decided.decision.items[2]
    assert (price_item.value, price_item.comparison, price_item.target) == (price, "<=", "500.00")
    assert price_item.outcome == ("met" if eligible else "not met")


@pytest.mark.rule("BNPL-2")
def test_an_exclusive_limit_puts_the_limit_itself_out() -> None:
    strict = POLICY.model_copy(update={"price_limit_inclusive": False})
    assert not flag_rules.within_price_limit(Money.parse("500.00"), strict)
    assert flag_rules.within_price_limit(Money.parse("499.99"), strict)


@pytest.mark.rule("BNPL-3")
@pytest.mark.parametrize(
    ("category", "excluded_by"),
    [
        ("citrus_fruit", "fresh_food"),  # a sub-sub-category of an exclusion
        ("pet_vaccination", "pet_shops_hospitals"),  # the nearest of two excluded ancestors
        ("bras", "underwear_intimates"),
        ("fresh_food", "fresh_food"),
        ("mobile_phones", None),
        ("loungewear_pajamas", None),  # beside underwear, not under it
    ],
)
def test_an_exclusion_covers_every_descendant(category: str, excluded_by: str | None) -> None:
    found = flag_rules.nearest_excluded(TREE.lineage(category), POLICY.excluded_categories)
    assert found == excluded_by


@pytest.mark.rule("BNPL-3")
def test_every_bundled_exclusion_is_a_category_of_the_tree() -> None:
    assert len(POLICY.excluded_categories) == 26
    assert all(code in TREE for code in POLICY.excluded_categories)


@pytest.mark.rule("BNPL-2")
@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"origin": "distributed"}, "not self-built"),
        ({"listed": False}, "not listed"),
        ({"highest_price": None}, "no SKU price"),
        ({"excluded_by": "fresh_food", "category_code": "citrus_fruit"}, "excluded fresh_food"),
    ],
)
def test_each_missed_criterion_is_explained(changes: dict[str, object], reason: str) -> None:
    decided = flag_rules.decide_flag(facts(**changes), POLICY, VERSION)
    assert not decided.eligible and not decided.flagged
    assert reason in decided.decision.summary
    assert decided.decision.policy_version == VERSION
    assert [i.outcome for i in decided.decision.items].count("not met") == 1


@pytest.mark.rule("BNPL-9")
@pytest.mark.parametrize(
    "status", [rules.STORE_PAUSED, rules.STORE_NOT_ENABLED, rules.STORE_LEGACY]
)
def test_an_eligible_product_is_flagged_only_while_its_store_offers_bnpl(status: str) -> None:
    decided = flag_rules.decide_flag(facts(store_status=status), POLICY, VERSION)
    assert decided.eligible and not decided.flagged
    assert status in decided.decision.summary


@pytest.mark.rule("BNPL-1")
def test_enable_needs_an_upgraded_wallet_and_says_how() -> None:
    refused = rules.decide_enable(
        "m1",
        wallet_upgraded=False,
        agreement_version=POLICY.agreement_version,
        accepted=True,
        policy=POLICY,
        version=VERSION,
    )
    assert not refused.allowed and refused.field == "wallet_upgraded"
    assert "upgrade it first" in refused.detail
    allowed = rules.decide_enable(
        "m1",
        wallet_upgraded=True,
        agreement_version=POLICY.agreement_version,
        accepted=True,
        policy=POLICY,
        version=VERSION,
    )
    assert allowed.allowed and allowed.decision.outcome == "enabled"


@pytest.mark.rule("BNPL-1")
def test_enable_needs_the_agreement_in_force_accepted() -> None:
    common = {"wallet_upgraded": True, "policy": POLICY, "version": VERSION}
    old = rules.decide_enable("m1", agreement_version="v1", accepted=True, **common)  # type: ignore[arg-type]
    assert old.field == "agreement_version"
    unaccepted = rules.decide_enable(
        "m1",
        agreement_version=POLICY.agreement_version,
        accepted=False,
        **common,  # type: ignore[arg-type]
    )
    assert unaccepted.field == "accepted"


def checkout(**changes: object) -> checkout_rules.CheckoutDecision:
    base: dict[str, object] = {
        "product": facts(),
        "consumer_id": "c1",
        "amount": Money.parse("100.50"),
        "credit_provider": "wechat_pay",
        "credit_good": True,
        "wallet_available": Money.parse("1.01"),
    }
    base.update(changes)
    return checkout_rules.decide_checkout(checkout_rules.CheckoutFacts(**base), POLICY, VERSION)  # type: ignore[arg-type]


@pytest.mark.rule("BNPL-4")
def test_checkout_is_offered_when_every_condition_holds() -> None:
    decided = checkout()
    assert decided.offered and decided.reasons == () and decided.fee.to_text() == "1.01"


@pytest.mark.rule("BNPL-4")
@pytest.mark.rule("BNPL-6")
@pytest.mark.rule("BNPL-9")
def test_checkout_gives_every_reason_at_once() -> None:
    decided = checkout(
        product=facts(store_status=rules.STORE_PAUSED, highest_price=Money.parse("500.01")),
        credit_good=False,
        wallet_available=Money.parse("1.00"),
    )
    assert not decided.offered
    assert [(r.code, r.rule) for r in decided.reasons] == [
        ("store_paused", "BNPL-9"),
        ("product_not_flagged", "BNPL-2"),
        ("consumer_credit_not_good", "BNPL-4"),
        ("wallet_cannot_pay_fee", "BNPL-6"),
    ]
    assert decided.decision.outcome == "not offered"


@pytest.mark.rule("BNPL-1")
def test_checkout_at_a_store_without_bnpl() -> None:
    for status in (rules.STORE_NOT_ENABLED, rules.STORE_LEGACY):
        decided = checkout(product=facts(store_status=status))
        assert [r.code for r in decided.reasons] == ["store_not_enabled"]


@pytest.mark.rule("BNPL-6")
def test_a_fee_of_zero_needs_no_money_in_the_wallet() -> None:
    decided = checkout(amount=Money.parse("0.01"), wallet_available=Money(0))
    assert decided.offered and decided.fee == Money(0)


@pytest.mark.rule("BNPL-8")
def test_early_payout_is_refused_and_settlement_follows_the_normal_period() -> None:
    decision = settlement_rules.decide_early_payout("o1", "m1", POLICY, VERSION)
    assert decision.outcome == "refused" and "7 days" in decision.summary
    confirmed = datetime.fromisoformat("2024-03-05T10:00:00+08:00")
    assert settlement_rules.settlement_due(confirmed, POLICY) == datetime.fromisoformat(
        "2024-03-12T10:00:00+08:00"
    )


@pytest.mark.rule("BNPL-7")
def test_receipt_is_confirmed_automatically_after_the_policy_period() -> None:
    shipped = datetime.fromisoformat("2024-03-01T10:00:00+08:00")
    assert settlement_rules.auto_confirm_due(shipped, POLICY) == datetime.fromisoformat(
        "2024-03-11T10:00:00+08:00"
    )


@pytest.mark.rule("BNPL-10")
def test_months_are_natural_months_in_shanghai() -> None:
    march = invoice_rules.Month.parse("2024-03")
    assert str(march.previous()) == "2024-02" and str(march.next()) == "2024-04"
    assert str(invoice_rules.Month.parse("2024-01").previous()) == "2023-12"
    assert str(invoice_rules.Month.parse("2024-12").next()) == "2025-01"
    assert march.start() == datetime.fromisoformat("2024-03-01T00:00:00+08:00")
    assert march.end() == datetime.fromisoformat("2024-04-01T00:00:00+08:00")
    # 2024-03-31T20:00Z is already April in Shanghai.
    assert (
        str(invoice_rules.Month.of(datetime.fromisoformat("2024-03-31T16:00:00+00:00")))
        == "2024-04"
    )
    with pytest.raises(ValueError, match="month like"):
        invoice_rules.Month.parse("2024-13")


@pytest.mark.rule("BNPL-10")
@pytest.mark.parametrize(
    ("asked_at", "outcome"),
    [
        ("2024-03-31T23:59:59.999999+08:00", "refused"),  # the last instant of March
        ("2024-04-01T00:00:00+08:00", "allowed"),  # the first instant of April
        ("2024-03-31T16:00:00+00:00", "allowed"),  # the same instant, written in UTC
    ],
)
def test_an_invoice_is_available_from_the_first_of_the_next_month(
    asked_at: str, outcome: str
) -> None:
    decision = invoice_rules.decide_invoice_request(
        "m1",
        invoice_rules.Month.parse("2024-03"),
        datetime.fromisoformat(asked_at),
        POLICY,
        VERSION,
    )
    assert decision.outcome == outcome
