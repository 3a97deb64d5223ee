"""The pure REPORT-1 rules on both sides of every boundary: no database, no file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shopwarden.families import POLICY_SCHEMAS
from shopwarden.money import Money
from shopwarden.policy.store import PolicyStore
from shopwarden.reports.campaign_model import Edition, Period, choose_baseline
from shopwarden.reports.policy import ReportsPolicy
from shopwarden.reports.rules import Sums, growth, hours, line, percent, report_lines

SPRING_2024 = Period(date(2024, 1, 13), date(2024, 1, 29))
SPRING_2023 = Period(date(2023, 1, 5), date(2023, 1, 21))


@pytest.mark.rule("REPORT-1")
def test_the_bundled_policy_counts_a_session_of_a_million_or_more() -> None:
    book = PolicyStore.load(schemas=POLICY_SCHEMAS)
    policy = book.get("reports", "2023-01-01").parameters_as(ReportsPolicy)
    assert policy.big_session_gmv_inclusive == Money.parse("1000000.00")
    assert policy.measures[0] == "gmv_completion_rate"


@pytest.mark.rule("REPORT-1")
@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (1, 3, "33.33"),  # 33.333.. down
        (2, 3, "66.67"),  # 66.666.. up
        (1, 8, "12.50"),  # exact
        (1, 80000, "0.00"),  # 0.00125 % rounds to 0.00
        (1, 40000, "0.00"),  # 0.0025 %: below half a hundredth
        (1, 20000, "0.01"),  # 0.005 %: half, away from zero
        (-1, 20000, "-0.01"),  # and on the negative side
        (200_109_999, 160_000_000, "125.07"),  # the hand-worked completion rate
    ],
)
def test_percentages_are_exact_and_rounded_half_away_from_zero(
    numerator: int, denominator: int, expected: str
) -> None:
    assert percent(numerator, denominator) == Decimal(expected)


@pytest.mark.rule("REPORT-1")
def test_growth_against_a_baseline_with_no_sales_is_not_available() -> None:
    assert growth(500, 0) is None
    assert growth(0, 0) is None
    assert growth(0, 1) == Decimal("-100.00")
    assert growth(1, 1) == Decimal("0.00")
    assert growth(100, 50) == Decimal("100.00")


@pytest.mark.rule("REPORT-1")
def test_hours_and_average_daily_hours() -> None:
    assert hours(32_400) == Decimal("9.00")
    assert hours(32_400, 17) == Decimal("0.53")  # 0.5294
    assert hours(17) == Decimal("0.00")  # 0.0047 h
    assert hours(18) == Decimal("0.01")  # 0.005 h: half, away from zero


@pytest.mark.rule("REPORT-1")
def test_a_line_without_fans_or_target_shows_not_available() -> None:
    result = line("merchant", "m1", Sums(gmv=100), merchants=1, target=None, days=17)
    assert result.gmv_completion_rate is None
    assert result.fan_repurchase_rate is None
    assert result.gmv_growth_yoy is None
    assert result.broadcast_hours_growth is None


@pytest.mark.rule("REPORT-1")
def test_the_industry_adds_its_merchants_and_keeps_the_largest_session() -> None:
    rows = {
        "ind": {
            "m1": Sums(gmv=300, fans=3, repeat_fans=1, big_sessions=1, top_session_gmv=200),
            "m2": Sums(gmv=100, fans=1, repeat_fans=1, top_session_gmv=90, base_gmv=200),
        },
        "seg": {"m2": Sums(gmv=100)},
    }
    industry, segment, m1, m2 = report_lines(
        industry="ind",
        segments=["seg"],
        rows=rows,
        target=400,
        merchant_targets={"m1": 600},
        days=1,
    )
    assert (industry.gmv, industry.gmv_completion_rate) == (Money.of_cents(400), Decimal("100.00"))
    assert industry.fan_repurchase_rate == Decimal("50.00")
    assert (industry.big_sessions, industry.top_session_gmv) == (1, Money.of_cents(200))
    assert industry.gmv_growth_yoy == Decimal("100.00")
    assert (segment.level, segment.merchants, segment.target) == ("segment", 1, None)
    assert m1.gmv_completion_rate == Decimal("50.00") and m2.gmv_completion_rate is None


@pytest.mark.rule("REPORT-1")
def test_the_baseline_is_the_named_edition_then_the_previous_one_then_a_year_before() -> None:
    spring_2023 = Edition("s23", "春节不打烊", "womens_clothing", SPRING_2023)
    other_name = Edition(
        "x23", "双十一", "womens_clothing", Period(date(2023, 11, 1), date(2023, 11, 11))
    )
    older = Edition(
        "s22", "春节不打烊", "womens_clothing", Period(date(2022, 1, 20), date(2022, 2, 5))
    )
    common = {"name": "春节不打烊", "industry": "womens_clothing", "period": SPRING_2024}
    chosen = choose_baseline(
        **common, named_campaign=None, named_period=None, earlier=[older, spring_2023, other_name]
    )
    assert (chosen.source, chosen.campaign_id, chosen.period) == (
        "previous_edition",
        "s23",
        SPRING_2023,
    )
    named = choose_baseline(
        **common, named_campaign=older, named_period=None, earlier=[spring_2023]
    )
    assert (named.source, named.campaign_id) == ("named_campaign", "s22")
    period = Period(date(2023, 1, 1), date(2023, 1, 17))
    explicit = choose_baseline(**common, named_campaign=None, named_period=period, earlier=[])
    assert (explicit.source, explicit.period) == ("named_period", period)
    fallback = choose_baseline(
        **common, named_campaign=None, named_period=None, earlier=[other_name]
    )
    assert fallback.source == "year_before"
    assert fallback.period == Period(date(2023, 1, 13), date(2023, 1, 29))


@pytest.mark.rule("REPORT-1")
def test_an_overlapping_edition_is_not_a_previous_one_and_29_february_moves_to_the_28th() -> None:
    overlapping = Edition(
        "o", "春节不打烊", "womens_clothing", Period(date(2024, 1, 1), date(2024, 1, 13))
    )
    chosen = choose_baseline(
        name="春节不打烊",
        industry="womens_clothing",
        period=SPRING_2024,
        named_campaign=None,
        named_period=None,
        earlier=[overlapping],
    )
    assert chosen.source == "year_before"
    leap = Period(date(2024, 2, 29), date(2024, 2, 29)).year_before()
    assert leap == Period(date(2023, 2, 28), date(2023, 2, 28))
    assert SPRING_2024.days == 17
    assert SPRING_2024.starts_at.isoformat() == "2024-01-13T00:00:00+08:00"
    assert SPRING_2024.ends_at.isoformat() == "2024-01-30T00:00:00+08:00"
