"""Parameters of the ``platform`` policy family: rules about the rules.

The notice period of POL-4 is itself a policy number, so it lives here rather than in code;
the time zone and working-day calendar are here so that every calendar rule names the same
ones (SPEC conventions). ``max_single_amount`` bounds any one amount a request may carry
(DEP-15); the number is an assumption of this project, not a figure of the platform's.
"""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, StringConstraints

from shopwarden.money import Money
from shopwarden.policy.types import Amount, Duration, PolicyModel

# An assumption of this project, not the platform's: the largest single amount a request may
# carry (DEP-15). Versions written before the parameter existed read this value.
DEFAULT_MAX_SINGLE_AMOUNT = Money(100_000_000_00)


def _known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'{name!r} is not an IANA time zone like "Asia/Shanghai"') from None
    return name


class PlatformPolicy(PolicyModel):
    """How much notice a new version needs, and which calendar every rule counts days in."""

    notice_period: Duration  # POL-4: published at least this long before it takes effect
    timezone: Annotated[str, AfterValidator(_known_zone)]
    working_day_calendar: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    # DEP-15: the ceiling of any one amount in a request (assumption of this project)
    max_single_amount: Amount = DEFAULT_MAX_SINGLE_AMOUNT
