"""DEP-6: a year of insurance cover is a calendar year on the Asia/Shanghai calendar."""

from __future__ import annotations

from datetime import datetime

import pytest

from shopwarden.deposits import cover_rules, rules
from shopwarden.deposits.policy import DepositsPolicy, Insurance
from shopwarden.deposits.term_rules import CalendarTerm, term_end
from shopwarden.families import POLICY_SCHEMAS
from shopwarden.policy.store import PolicyStore

SH = "Asia/Shanghai"
YEAR = CalendarTerm(years=1)
at = datetime.fromisoformat


@pytest.fixture(scope="module")
def policy() -> rules.Policy:
    store = PolicyStore.load(schemas=POLICY_SCHEMAS)
    version = store.in_force("deposits", at("2024-01-01T00:00:00+08:00"))
    return rules.Policy(version.parameters_as(DepositsPolicy), version.version)


@pytest.mark.rule("DEP-6")
@pytest.mark.parametrize(
    ("start", "end"),
    [
        # a leap year is 366 days long: 365 days would end a day short
        ("2024-01-01T10:00:00+08:00", "2025-01-01T10:00:00+08:00"),
        ("2023-03-01T00:00:00+08:00", "2024-03-01T00:00:00+08:00"),
        ("2024-12-31T23:59:59+08:00", "2025-12-31T23:59:59+08:00"),
        # 29 February: to the end of 28 February, 24:00 local = 1 March 00:00
        ("2024-02-29T10:00:00+08:00", "2025-03-01T00:00:00+08:00"),
        ("2024-02-29T00:00:00+08:00", "2025-03-01T00:00:00+08:00"),
        ("2024-02-28T10:00:00+08:00", "2025-02-28T10:00:00+08:00"),
        # the local date counts, not the UTC one: 2024-02-29 03:00 +08:00 is 28 Feb in UTC
        ("2024-02-28T19:00:00+00:00", "2025-03-01T00:00:00+08:00"),
    ],
)
def test_a_year_is_the_same_local_date_and_time(start: str, end: str) -> None:
    assert term_end(at(start), YEAR, timezone=SH) == at(end)


@pytest.mark.rule("DEP-6")
def test_four_years_on_29_february_exists_again() -> None:
    four = CalendarTerm(years=4)
    assert term_end(at("2024-02-29T10:00:00+08:00"), four, timezone=SH) == at(
        "2028-02-29T10:00:00+08:00"
    )


@pytest.mark.rule("DEP-6")
def test_months_clamp_to_the_end_of_a_shorter_month() -> None:
    six = CalendarTerm.parse("6 months")
    assert term_end(at("2024-08-31T15:00:00+08:00"), six, timezone=SH) == at(
        "2025-03-01T00:00:00+08:00"
    )
    assert term_end(at("2024-03-31T15:00:00+08:00"), six, timezone=SH) == at(
        "2024-10-01T00:00:00+08:00"
    )
    assert term_end(at("2024-01-15T15:00:00+08:00"), six, timezone=SH) == at(
        "2024-07-15T15:00:00+08:00"
    )


@pytest.mark.rule("DEP-6")
def test_the_term_is_policy_text() -> None:
    assert CalendarTerm.parse("1 year") == YEAR
    assert CalendarTerm.parse("1 year 6 months") == CalendarTerm(1, 6)
    assert str(CalendarTerm(2, 1)) == "2 years 1 month"
    for bad in ("365d", "0 years", "", "year"):
        with pytest.raises(ValueError):
            CalendarTerm.parse(bad)
    assert Insurance.model_validate({"annual_fee": "30.00", "cover_term": "1 year"}).model_dump(
        mode="json"
    ) == {"annual_fee": "30.00", "cover_term": "1 year"}


@pytest.mark.rule("DEP-6")
def test_the_bundled_cover_is_one_calendar_year(policy: rules.Policy) -> None:
    assert policy.params.insurance.cover_term == YEAR


@pytest.mark.rule("DEP-6")
def test_cover_runs_on_from_the_current_one(policy: rules.Policy) -> None:
    bought = at("2024-01-01T10:00:00+08:00")
    args = {"policy": policy, "merchant_id": "m", "timezone": SH}
    starts, ends, first = cover_rules.cover_term(bought_at=bought, current_end=None, **args)
    assert (starts, ends, first.outcome) == (bought, at("2025-01-01T10:00:00+08:00"), "covered")
    assert first.rule_id == "DEP-6"
    assert any(item.measure == "cover term" and "1 year" in item.value for item in first.items)
    starts2, ends2, renewal = cover_rules.cover_term(
        bought_at=at("2024-11-01T10:00:00+08:00"), current_end=ends, **args
    )
    assert (starts2, ends2, renewal.outcome) == (ends, at("2026-01-01T10:00:00+08:00"), "renewed")
    # bought after the cover ended: a fresh year from the purchase
    late = at("2025-02-01T10:00:00+08:00")
    starts3, _, again = cover_rules.cover_term(bought_at=late, current_end=ends, **args)
    assert (starts3, again.outcome) == (late, "covered")


@pytest.mark.rule("DEP-6")
def test_a_renewal_of_leap_day_cover_runs_from_its_end(policy: rules.Policy) -> None:
    args = {"policy": policy, "merchant_id": "m", "timezone": SH}
    _, ends, _ = cover_rules.cover_term(
        bought_at=at("2024-02-29T10:00:00+08:00"), current_end=None, **args
    )
    assert ends == at("2025-03-01T00:00:00+08:00")
    _, renewed, _ = cover_rules.cover_term(
        bought_at=at("2025-01-01T10:00:00+08:00"), current_end=ends, **args
    )
    assert renewed == at("2026-03-01T00:00:00+08:00")
