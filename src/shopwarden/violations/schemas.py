"""What the violations API accepts and answers (VIO-1..6): cases, measures, appeals, checks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from shopwarden.policy.types import Code
from shopwarden.schema_types import Identifier, Instant, PositiveMoneyText, left_out, refuse_null

MAX_ROW = 2**53 - 1  # exact in every JSON number parser (a float64 integer); ids stay far below
RowNumber = Annotated[int, Field(ge=1, le=MAX_ROW)]


def _text(most: int) -> StringConstraints:
    """Not blank, at most ``most`` characters once stripped."""
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=most, pattern=r"\S")


ShortText = Annotated[str, _text(200)]
Reason = Annotated[str, _text(1000)]
LongText = Annotated[str, _text(4000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MeasureIn(Strict):
    """One measure of a case: its type (a code of the policy version in force), its start
    (now when left out) and its end (left out or null: until lifted) (VIO-5)."""

    measure: Code = Field(examples=["delist_and_ban"])
    starts_at: Instant | None = left_out()
    ends_at: Instant | None = Field(default=None, examples=["2024-03-08T09:00:00+08:00"])
    _not_null = field_validator("starts_at", mode="before")(refuse_null)


class CaseIn(Strict):
    """An operator opens a case: the merchant, the rule it broke, the evidence, the measures
    and an optional penalty charged from the merchant's wallet through the ledger."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "merchant_id": "m1",
                "broken_rule": "counterfeit goods",
                "evidence": "test purchase 2024-02-28: brand owner's report",
                "measures": [{"measure": "delist_and_ban", "ends_at": "2024-03-08T09:00:00+08:00"}],
                "penalty": "500.00",
            },
            # the model validator's rule, stated in the schema: a measure or a penalty
            "anyOf": [
                {"required": ["measures"], "properties": {"measures": {"minItems": 1}}},
                {"required": ["penalty"]},
            ],
        },
    )
    merchant_id: Identifier
    broken_rule: ShortText
    evidence: LongText
    measures: list[MeasureIn] = Field(default_factory=list, max_length=20)
    penalty: PositiveMoneyText | None = left_out()
    _not_null = field_validator("penalty", mode="before")(refuse_null)

    @model_validator(mode="after")
    def _something(self) -> CaseIn:
        if not self.measures and self.penalty is None:
            raise ValueError("a case imposes at least one measure or a penalty")
        return self


class LiftIn(Strict):
    reason: Reason


class AppealIn(Strict):
    """A merchant appeals a case: all of it, one measure, or the penalty (VIO-6)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {"case_id": 1, "target": "case", "statement": "the goods are genuine"}
        },
    )
    case_id: int = Field(ge=1, le=MAX_ROW)
    target: Literal["case", "measure", "penalty"] = "case"
    measure_id: RowNumber | None = left_out()
    statement: LongText
    _not_null = field_validator("measure_id", mode="before")(refuse_null)


class AppealDecisionIn(Strict):
    outcome: Literal["upheld", "rejected"]
    reason: Reason


# answers ----------------------------------------------------------------------------------
class ExplanationOut(BaseModel):
    """One comparison of a decision (POL-3): what was measured against what, and the outcome."""

    measure: str
    value: str
    target: str
    comparison: str
    outcome: str
    window: str | None = None


class MeasureOut(BaseModel):
    id: int
    case_id: int
    merchant_id: str
    measure: str
    rule: str
    description: str
    forbids: list[str]
    delist_on_start: bool
    exposure_factor: str | None
    starts_at: datetime
    ends_at: datetime | None
    until_lifted: bool
    in_force: bool
    delisted_at: datetime | None
    delisted_count: int
    lifted_at: datetime | None
    lifted_by: str | None
    lift_reason: str | None


class AppealOut(BaseModel):
    id: int
    case_id: int
    merchant_id: str
    target: str
    measure_id: int | None
    statement: str
    filed_by: str
    filed_at: datetime
    status: str
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    refund_transaction_id: int | None
    age_seconds: int


class CaseOut(BaseModel):
    id: int
    merchant_id: str
    broken_rule: str
    evidence: str
    policy_version: str
    opened_by: str
    opened_at: datetime
    appeal_deadline: datetime
    penalty: str | None
    penalty_transaction_id: int | None
    penalty_returned_at: datetime | None
    penalty_returned_transaction_id: int | None
    measures: list[MeasureOut]
    appeals: list[AppealOut]


class CheckOut(BaseModel):
    """May merchant M do action A at this instant? With the measure that refuses it."""

    merchant_id: str
    action: str
    at: datetime
    allowed: bool
    rule: str
    reason: str
    case_id: int | None
    measure_id: int | None
    measure: str | None
    ends_at: datetime | None
    until_lifted: bool
    policy_version: str
    explanation: list[ExplanationOut]


class ExposureOut(BaseModel):
    """VIO-4: the weight on the exposure of the merchant's short videos (1 = neutral)."""

    merchant_id: str
    at: datetime
    weight: str = Field(examples=["0.5"])
    rule: str
    summary: str
    policy_version: str
    explanation: list[ExplanationOut]


class ActionOut(BaseModel):
    action: str
    allowed: bool
    rule: str
    reason: str
    case_id: int | None
    measure_id: int | None
    measure: str | None
    ends_at: datetime | None
    until_lifted: bool


class StatusOut(BaseModel):
    """Every action's answer and the exposure weight for a merchant at one instant."""

    merchant_id: str
    at: datetime
    policy_version: str
    measure_ids: list[int]
    actions: dict[str, ActionOut]
    exposure_weight: str
    exposure_summary: str


class EndingOut(BaseModel):
    """A measure ending soon, for the operators' queue."""

    measure: MeasureOut
    ends_in_seconds: int
