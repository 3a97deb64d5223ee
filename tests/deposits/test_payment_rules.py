"""Paying the cash deposit as pure rules: the first payment's minimum (DEP-1) and compensation
still owed paid first (DEP-3), each on both sides of its boundary."""

from __future__ import annotations

import pytest

from shopwarden.deposits import payment_rules as pr
from shopwarden.money import Money


def M(text: str) -> Money:
    return Money.parse(text)


@pytest.mark.rule("DEP-1")
@pytest.mark.parametrize(
    ("amount", "required", "short_by"),
    [
        ("999.99", "1000.00", "0.01"),  # a cent below the requirement: refused
        ("1000.00", "1000.00", "0.00"),  # exactly the requirement: enough
        ("1000.01", "1000.00", "0.00"),
        ("1.00", "0.00", "0.00"),  # nothing required (cover): any first payment
    ],
)
def test_the_first_payment_is_at_least_the_requirement(
    amount: str, required: str, short_by: str
) -> None:
    found = pr.first_payment_short_by(amount=M(amount), required=M(required))
    assert found == M(short_by)


OWED = [pr.OwedCase("c1", M("100.00")), pr.OwedCase("c2", M("50.00"))]


@pytest.mark.rule("DEP-3")
def test_compensation_owed_is_paid_first_oldest_case_first() -> None:
    partly = pr.allocate_payment(amount=M("120.00"), owed=OWED)
    assert partly.to_cases == (("c1", M("100.00")), ("c2", M("20.00")))
    assert (partly.to_consumers, partly.frozen) == (M("120.00"), M("0.00"))


@pytest.mark.rule("DEP-1")
@pytest.mark.rule("DEP-3")
@pytest.mark.parametrize(
    ("amount", "to_consumers", "frozen"),
    [
        ("149.99", "149.99", "0.00"),  # a cent short of what is owed: nothing frozen
        ("150.00", "150.00", "0.00"),  # exactly what is owed
        ("150.01", "150.00", "0.01"),  # a cent more: frozen as the deposit (DEP-1)
    ],
)
def test_only_what_is_left_after_compensation_is_frozen(
    amount: str, to_consumers: str, frozen: str
) -> None:
    found = pr.allocate_payment(amount=M(amount), owed=OWED)
    assert (found.to_consumers, found.frozen) == (M(to_consumers), M(frozen))


@pytest.mark.rule("DEP-1")
def test_with_nothing_owed_the_whole_payment_is_frozen() -> None:
    found = pr.allocate_payment(amount=M("1000.00"), owed=[])
    assert (found.to_cases, found.to_consumers, found.frozen) == ((), M("0.00"), M("1000.00"))
