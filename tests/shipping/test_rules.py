"""The pure shipping rules at both sides of every boundary (SHIP-1..5), no database, no file."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from shopwarden.families import POLICY_SCHEMAS
from shopwarden.money import Money
from shopwarden.policy.store import PolicyStore
from shopwarden.shipping.measures_model import Ratio, WeekMeasures, percent
from shopwarden.shipping.penalty_rules import overdue_outcome, split_charge, week_end
from shopwarden.shipping.policy import ShippingPolicy
from shopwarden.shipping.rules import Policy, evaluate_exemption
from shopwarden.shipping.week_rules import (
    HOUR,
    OrderFact,
    Week,
    committed_in_stock,
    measured_week,
    overdue_now,
    week_of,
)

BOOK = PolicyStore.load(schemas=POLICY_SCHEMAS)
VERSION = BOOK.get("shipping", "2023-02-27")
PARAMS = VERSION.parameters_as(ShippingPolicy)
POLICY = Policy(PARAMS, VERSION.version, frozenset(a.path for a in VERSION.assumptions))
MEASURED = Week(date(2024, 3, 4))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def with_params(**changes: object) -> Policy:
    """The bundled policy with some exemption or rule parameters changed (a what-if)."""
    data = PARAMS.model_dump(mode="json")
    for path, value in changes.items():
        section, name = path.split("__")
        data[section][name] = value
    return Policy(ShippingPolicy.model_validate(data), "what-if")


def evaluate(m: WeekMeasures, policy: Policy = POLICY):  # type: ignore[no-untyped-def]
    return evaluate_exemption(m, measured=MEASURED, policy=policy, merchant_id="m1")


def good(**changes: int) -> WeekMeasures:
    """A week that earns the exemption; ``changes`` move one measure."""
    values = dict(
        paid_orders=3001,
        committed_orders=3001,
        flash_orders=0,
        due_orders=3001,
        on_time_orders=3001,
    )
    values.update(changes)
    return WeekMeasures(**values)


# SHIP-1 -------------------------------------------------------------------------------------
@pytest.mark.rule("SHIP-1")
@pytest.mark.parametrize(
    ("hours", "flash", "committed"),
    [
        (24, False, True),
        (48, False, True),
        (23, False, False),
        (25, False, False),
        (47, False, False),
        (49, False, False),
        (72, False, False),
        (24, True, False),
        (48, True, False),
    ],
)
def test_committed_in_stock_is_a_24_or_48_hour_promise_never_a_flash_purchase(
    hours: int, flash: bool, committed: bool
) -> None:
    assert committed_in_stock(hours, flash, PARAMS.committed_in_stock) is committed


@pytest.mark.rule("SHIP-1")
def test_a_policy_may_count_flash_purchases() -> None:
    rule = with_params(committed_in_stock__flash_purchase_counts=True).params.committed_in_stock
    assert committed_in_stock(24, True, rule) and not committed_in_stock(72, True, rule)


# SHIP-2 -------------------------------------------------------------------------------------
@pytest.mark.rule("SHIP-2")
def test_a_natural_week_is_monday_00_00_to_sunday_24_00_in_shanghai() -> None:
    sunday_last_second = at("2024-03-10T23:59:59+08:00")
    monday_midnight = at("2024-03-11T00:00:00+08:00")
    assert week_of(sunday_last_second) == Week(date(2024, 3, 4))
    assert week_of(monday_midnight) == Week(date(2024, 3, 11))
    assert week_of(at("2024-03-10T16:00:00Z")) == Week(date(2024, 3, 11))  # Monday 00:00 +08
    assert week_of(at("2024-03-10T15:59:59Z")) == Week(date(2024, 3, 4))
    week = Week(date(2024, 3, 4))
    assert (week.start, week.end) == (at("2024-03-04T00:00:00+08:00"), monday_midnight)
    assert week.contains(sunday_last_second) and not week.contains(monday_midnight)
    assert measured_week(monday_midnight) == week  # the week before the one it falls in
    assert measured_week(sunday_last_second) == week.previous()
    assert week_of(at("2024-03-10T12:00:00+08:00"), "sunday") == Week(date(2024, 3, 10))


@pytest.mark.rule("SHIP-2")
def test_an_order_is_due_once_its_promised_time_passed_before_the_weeks_end() -> None:
    end = MEASURED.end_epoch
    just_before = OrderFact(paid=end - 48 * HOUR - 1, promised_hours=48, flash_purchase=False)
    at_the_end = OrderFact(paid=end - 48 * HOUR, promised_hours=48, flash_purchase=False)
    assert just_before.due(end) and not just_before.on_time(end)  # unshipped: late
    assert not at_the_end.due(end)  # it may still ship at the very instant: not decided


@pytest.mark.rule("SHIP-2")
def test_shipped_by_the_promised_time_is_on_time_one_second_later_is_not() -> None:
    end, paid = MEASURED.end_epoch, MEASURED.start_epoch
    deadline = paid + 24 * HOUR
    on_time = OrderFact(paid, 24, False, shipped=deadline)
    late = OrderFact(paid, 24, False, shipped=deadline + 1)
    assert on_time.due(end) and on_time.on_time(end)
    assert late.due(end) and not late.on_time(end)


@pytest.mark.rule("SHIP-2")
def test_an_order_cancelled_by_its_promised_time_unshipped_is_not_due() -> None:
    end, paid = MEASURED.end_epoch, MEASURED.start_epoch
    deadline = paid + 48 * HOUR
    assert not OrderFact(paid, 48, False, cancelled=deadline).due(end)
    assert OrderFact(paid, 48, False, cancelled=deadline + 1).due(end)  # cancelled when late
    shipped_then_cancelled = OrderFact(paid, 48, False, shipped=paid + HOUR, cancelled=paid + 5)
    assert shipped_then_cancelled.on_time(end)


@pytest.mark.rule("SHIP-2")
def test_share_and_on_time_rate_are_exact_ratios_of_the_counts() -> None:
    m = WeekMeasures(
        paid_orders=10, committed_orders=7, flash_orders=2, due_orders=8, on_time_orders=6
    )
    assert m.share == Ratio(7, 10) and m.on_time_rate == Ratio(6, 8) and m.late_orders == 2
    assert WeekMeasures().share is None and WeekMeasures().on_time_rate is None
    with pytest.raises(ValueError, match="more on time than due"):
        WeekMeasures(paid_orders=2, due_orders=1, on_time_orders=2)
    assert percent(Ratio(96999, 100000).value) == "96.99%"  # cut, never rounded up to 97
    assert str(Ratio(2108, 3010)) == "70.03% (2108 of 3010)"


# SHIP-3 -------------------------------------------------------------------------------------
@pytest.mark.rule("SHIP-3")
def test_3000_paid_orders_are_not_enough_3001_are() -> None:
    below, above = (
        evaluate(
            good(paid_orders=3000, committed_orders=3000, due_orders=3000, on_time_orders=3000)
        ),
        evaluate(good()),
    )
    assert not below.granted and above.granted and above.exemptions == 1
    paid = below.conditions[0]
    assert (paid.met, paid.gap, paid.gap_orders) == (False, "1 more paid order", 1)
    item = below.decision.items[0]
    assert (item.measure, item.value, item.comparison, item.target, item.outcome) == (
        "paid orders",
        "3000",
        ">",
        "3000",
        "not met",
    )
    assert above.decision.items[0].outcome == "met" and above.decision.outcome == "granted"
    assert "1 more paid order" in below.decision.summary
    assert (
        evaluate(
            good(paid_orders=2970, committed_orders=2970, due_orders=2970, on_time_orders=2970)
        )
        .conditions[0]
        .gap
        == "31 more paid orders"
    )


@pytest.mark.rule("SHIP-3")
def test_a_share_of_exactly_70_percent_is_not_above_it_one_more_order_is() -> None:
    exactly = evaluate(
        good(paid_orders=3010, committed_orders=2107, due_orders=3010, on_time_orders=3010)
    )
    above = evaluate(
        good(paid_orders=3010, committed_orders=2108, due_orders=3010, on_time_orders=3010)
    )
    assert not exactly.granted and above.granted
    share = exactly.conditions[1]
    assert (share.value, share.target, share.met) == ("70.00% (2107 of 3010)", "70.00%", False)
    assert (share.gap_orders, share.gap_points) == (1, "0.00")
    assert share.gap == (
        "0.00 points of committed in-stock share (1 more of the 3010 paid orders committed "
        "in-stock)"
    )
    assert exactly.decision.items[1].outcome == "not met"
    assert above.decision.items[1].outcome == "met"


@pytest.mark.rule("SHIP-3")
def test_an_on_time_rate_of_96_99_percent_is_short_97_00_is_enough() -> None:
    short = evaluate(
        good(paid_orders=10000, committed_orders=10000, due_orders=10000, on_time_orders=9699)
    )
    enough = evaluate(
        good(paid_orders=10000, committed_orders=10000, due_orders=10000, on_time_orders=9700)
    )
    assert not short.granted and enough.granted
    rate = short.conditions[2]
    assert (rate.value, rate.comparison, rate.target) == ("96.99% (9699 of 10000)", ">=", "97.00%")
    assert (rate.gap_orders, rate.gap_points) == (1, "0.01")
    assert enough.decision.items[2].outcome == "met"
    assert short.decision.items[2].outcome == "not met"
    four_tenths = evaluate(good(due_orders=1000, on_time_orders=966)).conditions[2]
    assert four_tenths.gap is not None and four_tenths.gap.startswith(
        "0.40 points of on-time rate (4 more of the 1000 due orders"
    )


@pytest.mark.rule("SHIP-3")
def test_every_failed_condition_is_stated_with_its_gap() -> None:
    nothing = evaluate(WeekMeasures())
    assert [c.met for c in nothing.conditions] == [False, False, False]
    assert nothing.conditions[0].gap == "3001 more paid orders"
    assert nothing.conditions[1].value == "none" and nothing.conditions[1].gap
    assert [i.outcome for i in nothing.decision.items[:3]] == ["not met"] * 3
    assert nothing.decision.outcome == "not_granted"
    assert nothing.decision.rule_id == "SHIP-3" and nothing.decision.policy_version == "2023-02-27"
    window = MEASURED.label()
    assert all(item.window == window for item in nothing.decision.items if item.window)
    two = evaluate(good(committed_orders=2000, on_time_orders=2900))
    assert [c.met for c in two.conditions] == [True, False, False]
    assert two.decision.summary.count("points of") == 2


@pytest.mark.rule("SHIP-3")
def test_the_thresholds_and_the_count_per_week_are_the_policys() -> None:
    lower = with_params(exemption__min_paid_orders_exclusive=100, exemption__per_week=2)
    small = WeekMeasures(101, 101, 0, 101, 101)
    assert evaluate(small, lower).exemptions == 2 and not evaluate(small).granted


# SHIP-4 -------------------------------------------------------------------------------------
def outcome(left: int, policy: Policy = POLICY):  # type: ignore[no-untyped-def]
    return overdue_outcome(
        order_id="o1",
        merchant_id="m1",
        deadline=at("2024-03-12T10:00:00+08:00"),
        shipped_at=None,
        week=Week(date(2024, 3, 11)),
        exemptions_left=left,
        policy=policy,
    )


@pytest.mark.rule("SHIP-4")
def test_an_unused_exemption_waives_the_penalty_none_left_charges_it() -> None:
    waived, charged = outcome(1), outcome(0)
    assert waived.waived and waived.charged == Money(0) and waived.penalty == Money(1000)
    assert not charged.waived and charged.charged == Money(1000)
    assert (waived.penalty_decision.rule_id, waived.penalty_decision.outcome) == (
        "SHIP-4",
        "waived",
    )
    assert charged.penalty_decision.outcome == "charged"
    left = [i for i in waived.penalty_decision.items if i.measure.startswith("unused")]
    assert (left[0].value, left[0].outcome) == ("1", "met")


@pytest.mark.rule("SHIP-4")
def test_unused_exemptions_lapse_at_the_weeks_end_and_do_not_carry_over() -> None:
    week = Week(date(2024, 3, 11))
    lapsed = week_end(merchant_id="m1", week=week, granted=1, carried_in=0, used=0, policy=POLICY)
    assert (lapsed.lapsed, lapsed.carried_over, lapsed.decision.outcome) == (1, 0, "lapsed")
    assert "2024-03-18T00:00:00+08:00" in lapsed.decision.summary
    used = week_end(merchant_id="m1", week=week, granted=1, carried_in=0, used=1, policy=POLICY)
    assert (used.lapsed, used.carried_over, used.decision.outcome) == (0, 0, "used")
    carrying = with_params(exemption__carry_over=True)
    carried = week_end(
        merchant_id="m1", week=week, granted=1, carried_in=0, used=0, policy=carrying
    )
    assert (carried.lapsed, carried.carried_over, carried.decision.outcome) == (
        0,
        1,
        "carried_over",
    )


@pytest.mark.rule("SHIP-4")
def test_a_shipment_is_overdue_only_after_its_promised_time() -> None:
    deadline = at("2024-03-12T10:00:00+08:00")
    second = timedelta(seconds=1)
    assert not overdue_now(deadline=deadline, shipped_at=None, now=deadline)
    assert overdue_now(deadline=deadline, shipped_at=None, now=deadline + second)
    assert not overdue_now(deadline=deadline, shipped_at=deadline, now=deadline + second)
    assert overdue_now(deadline=deadline, shipped_at=deadline + second, now=deadline + second)


# SHIP-5 -------------------------------------------------------------------------------------
@pytest.mark.rule("SHIP-5")
def test_the_consumer_is_compensated_whether_the_penalty_is_waived_or_not() -> None:
    waived, charged = outcome(1), outcome(0)
    assert waived.compensation == charged.compensation == Money(500)
    assert waived.due == Money(500) and charged.due == Money(1500)
    for result in (waived, charged):
        decision = result.compensation_decision
        assert (decision.rule_id, decision.outcome) == ("SHIP-5", "paid")
        assert "still counts in the shopping experience score" in decision.summary
        assert decision.items[0].measure.endswith("(an assumption)")  # the seed gives none
        assert any(
            i.measure.endswith("(policy) (an assumption)") and i.value == "10.00"
            for i in result.penalty_decision.items
        )


@pytest.mark.rule("SHIP-5")
def test_the_amounts_are_the_policys() -> None:
    other = with_params(
        penalties__overdue_penalty="3.00", penalties__delayed_shipment_compensation="0.50"
    )
    result = outcome(0, other)
    assert (result.charged, result.compensation) == (Money(300), Money(50))
    assert PARAMS.penalties.overdue_penalty == Money(1000)
    assert {a.path for a in VERSION.assumptions} >= {
        "parameters.penalties.overdue_penalty",
        "parameters.penalties.delayed_shipment_compensation",
    }


@pytest.mark.rule("SHIP-5")
@pytest.mark.parametrize(
    ("due", "available", "paid", "owed"),
    [
        (1500, 2000, 1500, 0),
        (1500, 1500, 1500, 0),
        (1500, 1499, 1499, 1),
        (1500, 0, 0, 1500),
        (1500, -100, 0, 1500),
        (0, 100, 0, 0),
    ],
)
def test_the_wallet_pays_what_it_can_the_rest_is_owed(
    due: int, available: int, paid: int, owed: int
) -> None:
    assert split_charge(Money(due), Money(available)) == (Money(paid), Money(owed))


def test_week_measures_refuse_impossible_counts() -> None:
    with pytest.raises(ValueError):
        WeekMeasures(paid_orders=1, committed_orders=2)
    with pytest.raises(ValueError):
        WeekMeasures(paid_orders=-1)
    assert Ratio(1, 3) < Decimal("0.34") and Ratio(1, 3) >= Ratio(2, 6)
