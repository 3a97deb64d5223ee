"""What the deposit API accepts: money as text with two decimals, ids, instants with a zone.

The response shapes are in ``views.py`` beside the queries that fill them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shopwarden.policy.types import Rate
from shopwarden.schema_types import Identifier, Instant, PositiveMoneyText

Source = Literal["wallet", "external"]
# not blank: what the schema can say of a text that is stripped before its length is checked
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500, pattern=r"\S")
]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(_[a-z0-9]+)*$", max_length=64)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CashPaymentIn(Strict):
    """Pay or top up the cash deposit (DEP-1, DEP-3). ``external``: paid in from outside."""

    merchant_id: Identifier
    amount: PositiveMoneyText
    source: Source = "wallet"


class MerchantIn(Strict):
    merchant_id: Identifier


class InsuranceIn(Strict):
    merchant_id: Identifier
    source: Source = "wallet"


class CaseIn(Strict):
    case_id: Identifier
    merchant_id: Identifier
    consumer: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"\S")
    ]
    claimed: PositiveMoneyText


class CompensationIn(Strict):
    amount: PositiveMoneyText


class ReasonIn(Strict):
    reason: Text


class RiskAssessmentIn(Strict):
    merchant_id: Identifier
    tier: Code


class RiskPaymentIn(Strict):
    merchant_id: Identifier
    amount: PositiveMoneyText
    source: Source = "wallet"


class ViolationIn(Strict):
    merchant_id: Identifier
    code: Code
    punished_at: Instant | None = None


class CampaignIn(Strict):
    """Enrolment in a campaign; which terms apply depends on ``kind`` (checked by the service,
    which names the offending field) (DEP-11..13)."""

    id: Identifier
    merchant_id: Identifier
    kind: Literal["juhuasuan", "taoqianggou", "tiantiantemai"]
    starts_at: Instant | None = None
    ends_at: Instant
    juhuasuan_option: Literal["deposit", "premium"] | None = None
    fee_mode: Code | None = None
    floor: PositiveMoneyText | None = None
    rate: Rate | None = None
    cap: PositiveMoneyText | None = None
    fee: PositiveMoneyText | None = None
    source: Source = "wallet"


class CampaignOrderIn(Strict):
    order_id: Identifier
    amount: PositiveMoneyText


class ConfirmationIn(Strict):
    """The confirmed-receipt amount; the whole order amount when left out."""

    amount: PositiveMoneyText | None = None


class ProceedsIn(Strict):
    merchant_id: Identifier
    order_id: Identifier
    amount: PositiveMoneyText
    ordered_at: Instant | None = None


class RefundIn(Strict):
    merchant_id: Identifier
    payout_account: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=3, max_length=200, pattern=r"\S[\s\S]+\S"
        ),
    ] = Field(examples=["alipay:shop@example.com"])
    amount: PositiveMoneyText
