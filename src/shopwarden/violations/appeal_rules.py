"""Appeals as pure decisions (VIO-6).

A merchant appeals a case (all of it), one of its measures, or its penalty, within the
policy's deadline counted from the case's opening: an appeal filed at the deadline's instant
is in time, one second later it is refused. An operator upholds or rejects it with a reason.
Upheld, what it contests is reversed: its measures lift at once and the penalty it contests
is given back; rejected, nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shopwarden.decisions.model import Decision, ExplanationItem, compare
from shopwarden.errors import Conflict, InvalidInput, RuleRefused
from shopwarden.violations.rules import FAMILY, At

TARGETS = ("case", "measure", "penalty")
OUTCOMES = ("upheld", "rejected")


@dataclass(frozen=True, slots=True)
class Contested:
    """What one appeal contests on its case: ``None`` for the whole case."""

    target: str  # case | measure | penalty
    measure_id: int | None = None

    def covers(self, other: Contested) -> bool:
        """Whether this appeal and ``other`` contest the same thing (the case covers all)."""
        return self.target == "case" or other.target == "case" or self == other

    def label(self) -> str:
        if self.target == "measure":
            return f"measure {self.measure_id}"
        return "the whole case" if self.target == "case" else "the penalty"


def _decision(
    merchant_id: str,
    case_id: int,
    outcome: str,
    summary: str,
    version: str,
    *items: ExplanationItem,
) -> Decision:
    return Decision(
        rule_id="VIO-6",
        subject=f"merchant {merchant_id} case {case_id} appeal",
        outcome=outcome,
        summary=summary,
        policy_family=FAMILY,
        policy_version=version,
        merchant_id=merchant_id,
        items=items,
    )


def appeal_in_time(
    merchant_id: str,
    case_id: int,
    *,
    deadline: datetime,
    filed_at: datetime,
    version: str,
) -> Decision:
    """VIO-6: in time when filed at or before the deadline (the last instant is accepted)."""
    item = compare("appealed at", At(filed_at), "<=", At(deadline), window="deadline from opening")
    in_time = item.outcome == "met"
    summary = (
        f"appeal against case {case_id} filed in time"
        if in_time
        else f"appeal against case {case_id} refused: the deadline passed at {At(deadline)}"
    )
    return _decision(
        merchant_id, case_id, "in_time" if in_time else "too_late", summary, version, item
    )


def check_target(
    wanted: Contested,
    *,
    measure_ids: set[int],
    has_penalty: bool,
    penalty_returned: bool,
    earlier: list[Contested],
) -> None:
    """What an appeal may contest: a measure of its case, a penalty the case charged, and
    nothing another appeal of the case already contests (decided appeals are final)."""
    if wanted.target not in TARGETS:
        raise InvalidInput(f"target must be one of {', '.join(TARGETS)}", field="target")
    if (wanted.target == "measure") != (wanted.measure_id is not None):
        raise InvalidInput(
            "name measure_id when, and only when, the target is a measure", field="measure_id"
        )
    if wanted.measure_id is not None and wanted.measure_id not in measure_ids:
        raise InvalidInput(
            f"measure {wanted.measure_id} is not a measure of this case", field="measure_id"
        )
    if wanted.target == "penalty" and (not has_penalty or penalty_returned):
        what = "was given back already" if penalty_returned else "charged no penalty"
        raise Conflict(f"the case {what}: there is no penalty to appeal", field="target")
    for other in earlier:
        if wanted.covers(other):
            raise Conflict(
                f"{other.label()} of this case is appealed already; an appeal is decided once",
                field="target",
                rule="VIO-6",
            )


def appeal_decided(
    merchant_id: str,
    case_id: int,
    *,
    contested: Contested,
    outcome: str,
    reason: str,
    version: str,
) -> Decision:
    """VIO-6: the operator's decision with its reason; upheld reverses what is contested."""
    if outcome not in OUTCOMES:
        raise InvalidInput(f"outcome must be one of {', '.join(OUTCOMES)}", field="outcome")
    effect = (
        "measures contested lift at once, penalty contested given back"
        if outcome == "upheld"
        else "nothing changes"
    )
    items = (
        ExplanationItem("contested", contested.label(), "", "", "info"),
        ExplanationItem("decision", outcome, "", "", "info"),
        ExplanationItem("reason", reason, "", "", "info"),
        ExplanationItem("effect", effect, "", "", "info"),
    )
    summary = f"appeal against {contested.label()} of case {case_id} {outcome}: {reason}"
    return _decision(merchant_id, case_id, outcome, summary, version, *items)


def refuse_late(decision: Decision) -> None:
    """Raise the refusal of a late appeal, with its explanation's deadline."""
    if decision.outcome == "too_late":
        raise RuleRefused(decision.summary, field="case_id", rule="VIO-6")
