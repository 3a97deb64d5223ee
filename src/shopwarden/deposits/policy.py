"""Parameters of the ``deposits`` policy family (DEP-1..14, seeds 000 and 002).

Amounts, deadlines and tables of the deposit rules, validated so that a policy cannot ask for
less than the minimum deposit or revoke badges after it shields the store.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from shopwarden.deposits.term_rules import CalendarTerm
from shopwarden.money import Money
from shopwarden.policy.types import (
    Amount,
    Code,
    Codes,
    Duration,
    PolicyModel,
    PositiveCount,
    Rate,
    unique,
)


def _to_term(value: Any) -> CalendarTerm:
    if isinstance(value, CalendarTerm):
        return value
    if not isinstance(value, str):
        raise ValueError(f'write a calendar term as text, e.g. "1 year": not {value!r}')
    return CalendarTerm.parse(value)


CoverTerm = Annotated[
    CalendarTerm,
    PlainValidator(_to_term),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "examples": ["1 year", "6 months"]}),
]
"""A calendar term (DEP-6): whole years and months on the local calendar, ``"1 year"``."""


def _refuse_below(minimum: Money | None, amounts: dict[str, Money]) -> None:
    """No category may need less than the minimum cash deposit (DEP-1, DEP-2)."""
    below = [name for name, amount in amounts.items() if minimum is not None and amount < minimum]
    if below:
        raise ValueError(f"below the minimum deposit {minimum}: {', '.join(below)}")


class ConsumerProtection(PolicyModel):
    """The cash consumer-protection deposit (消保保证金) and its top-up deadlines."""

    minimum: Amount  # DEP-1
    default_required: Amount  # DEP-2: categories without an entry of their own
    # DEP-2: category code -> required amount; applies to the category and its descendants,
    # the nearest entry up the tree wins (catalog.tree.CategoryTree.nearest).
    category_requirements: dict[Code, Amount] = Field(default_factory=dict)
    badges_revoked_after: Duration  # DEP-4
    shield_after: Duration  # DEP-4
    shield_lifted_after_topup: Duration  # DEP-5

    @field_validator("default_required")
    @classmethod
    def _default_not_below_minimum(cls, amount: Money, info: ValidationInfo) -> Money:
        _refuse_below(info.data.get("minimum"), {"default_required": amount})
        return amount

    @field_validator("category_requirements")
    @classmethod
    def _categories_not_below_minimum(
        cls, requirements: dict[str, Money], info: ValidationInfo
    ) -> dict[str, Money]:
        _refuse_below(info.data.get("minimum"), requirements)
        return requirements

    @field_validator("shield_after")
    @classmethod
    def _escalates(cls, shield_after: timedelta, info: ValidationInfo) -> timedelta:
        badges = info.data.get("badges_revoked_after")
        if badges is not None and shield_after < badges:
            raise ValueError("the store is shielded before its badges are revoked (DEP-4)")
        return shield_after


class Insurance(PolicyModel):
    """The insurance deposit (保险保证金): a yearly fee instead of frozen cash (DEP-6, DEP-7)."""

    annual_fee: Amount  # DEP-6: the fee for one cover term
    # DEP-6 "per year": a calendar year, to the same local date and time (term_rules.py)
    cover_term: CoverTerm


class RiskDeposit(PolicyModel):
    """The store-opening risk deposit (开店违规风险保证金), DEP-8..10."""

    tiers: dict[Code, Amount] = Field(min_length=1)  # DEP-8: risk tier -> amount
    window: Duration  # DEP-9, DEP-10 (b, c)
    activation_window: Duration  # DEP-10 (a)
    serious_violations: Codes = Field(min_length=1)  # DEP-9: the "specified" violations


class Juhuasuan(PolicyModel):
    """Juhuasuan (聚划算): a frozen deposit, or a once-paid premium on it (DEP-11)."""

    deposit: Amount
    premium_rate: Rate
    premium_cap: Amount


TaoqianggouMode = Literal[
    "floor_plus_commission", "fixed", "floor_and_cap", "commission", "commission_with_cap"
]


class Taoqianggou(PolicyModel):
    """Taoqianggou (淘抢购) fee modes offered; amounts are set per campaign (DEP-12)."""

    modes: Annotated[tuple[TaoqianggouMode, ...], AfterValidator(unique)] = Field(min_length=1)


class Tiantiantemai(PolicyModel):
    """Tiantiantemai (天天特卖): a rate on the confirmed-receipt amount (DEP-13)."""

    default_rate: Rate


RefundHold = Literal["open_after_sales", "unpaid_compensation", "open_topups", "campaign_deposits"]


class Refund(PolicyModel):
    """Refund of the deposit when a store closes (DEP-14)."""

    review_working_days: PositiveCount
    held_by: Annotated[tuple[RefundHold, ...], AfterValidator(unique)]


class DepositsPolicy(PolicyModel):
    """Everything the deposit rules count, in one version."""

    consumer_protection: ConsumerProtection
    insurance: Insurance
    risk_deposit: RiskDeposit
    juhuasuan: Juhuasuan
    taoqianggou: Taoqianggou
    tiantiantemai: Tiantiantemai
    refund: Refund
