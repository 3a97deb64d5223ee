"""Violation measures as pure decisions (VIO-1..5).

A measure is in force from its start until its end (exclusive) or until it is lifted,
whichever comes first; "until lifted" has no end. While in force it forbids the actions its
type names (VIO-1 delisting and banning listings, VIO-2 the shopping cart, VIO-3 muting) and
weighs the exposure of the violator's short videos (VIO-4). Which types exist is the policy
version's data (VIO-4: the list is open), so a case opened before 2023-02-16 cannot mute.
Every answer is a :class:`Decision` whose explanation lists each measure in force and whether
it forbids the action, and the outcome is computed from those same comparisons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from shopwarden.clock import SHANGHAI
from shopwarden.decisions.model import Decision, ExplanationItem, compare
from shopwarden.errors import InvalidInput, RuleRefused
from shopwarden.violations.policy import ACTIONS, Measure, ViolationsPolicy

FAMILY = "violations"
NEUTRAL_WEIGHT = Decimal("1")


@dataclass(frozen=True, slots=True, order=True)
class At:
    """An instant that compares like a datetime and reads in Asia/Shanghai (SPEC conventions)."""

    value: datetime

    def __str__(self) -> str:
        return self.value.astimezone(SHANGHAI).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Terms:
    """The violations parameters of one version, and how a decision names it (POL-2)."""

    params: ViolationsPolicy
    version: str

    def decide(
        self, rule_id: str, merchant_id: str, outcome: str, summary: str, *items: ExplanationItem
    ) -> Decision:
        return Decision(
            rule_id=rule_id,
            subject=f"merchant {merchant_id} violation measures",
            outcome=outcome,
            summary=summary,
            policy_family=FAMILY,
            policy_version=self.version,
            merchant_id=merchant_id,
            items=items,
        )


@dataclass(frozen=True, slots=True)
class MeasureFacts:
    """A measure as stored: its type, what it forbids, its window and its case (VIO-5)."""

    measure_id: int
    case_id: int
    measure: str
    rule: str
    forbids: tuple[str, ...]
    exposure_factor: Decimal | None
    starts_at: datetime
    ends_at: datetime | None  # None: until lifted
    lifted_at: datetime | None = None

    def end(self) -> datetime | None:
        """When it stops being in force: its end, or its lifting if that came first."""
        ends = [t for t in (self.ends_at, self.lifted_at) if t is not None]
        return min(ends) if ends else None

    def in_force(self, at: datetime) -> bool:
        end = self.end()
        return self.starts_at <= at and (end is None or at < end)


def measure_type(terms: Terms, code: str, *, field: str) -> Measure:
    """VIO-4, VIO-5: the measure types are the version's data; another code is refused."""
    found = terms.params.measures.get(code)
    if found is None:
        known = ", ".join(sorted(terms.params.measures))
        raise RuleRefused(
            f"violations policy {terms.version} has no measure {code!r}; it has: {known}",
            field=field,
            rule="VIO-5",
        )
    return found


def check_window(
    starts_at: datetime, ends_at: datetime | None, *, now: datetime, field: str
) -> None:
    """VIO-5: a measure starts now or later and ends after it starts (or runs until lifted)."""
    if starts_at < now:
        raise InvalidInput(
            f"a measure cannot start in the past ({At(starts_at)} < {At(now)})",
            field=f"{field}.starts_at",
            rule="VIO-5",
        )
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidInput(
            f"a measure must end after it starts ({At(ends_at)} <= {At(starts_at)})",
            field=f"{field}.ends_at",
            rule="VIO-5",
        )


def check_action(action: str, *, field: str = "action") -> str:
    if action not in ACTIONS:
        raise InvalidInput(
            f"unknown action {action!r}; known: {', '.join(ACTIONS)}", field=field, rule="VIO-5"
        )
    return action


def _end_text(end: datetime | None) -> str:
    return "until lifted" if end is None else f"until {At(end)}"


def _binding(forbidding: list[MeasureFacts]) -> MeasureFacts:
    """Of the measures forbidding an action, the one that forbids it longest."""
    return max(forbidding, key=lambda m: (m.end() is None, m.end() or m.starts_at, -m.measure_id))


def may(
    merchant_id: str, action: str, measures: list[MeasureFacts], *, at: datetime, version: str
) -> Decision:
    """VIO-1..3, VIO-5: may the merchant do ``action`` at ``at``? Refused while a measure in
    force forbids it, naming the rule, the case and when the last forbidding measure ends."""
    in_force = sorted((m for m in measures if m.in_force(at)), key=lambda m: m.measure_id)
    items = [
        compare(
            f"{m.measure} (case {m.case_id}, {_end_text(m.end())}) forbids {action}",
            "yes" if action in m.forbids else "no",
            "==",
            "no",
            window=f"from {At(m.starts_at)}",
        )
        for m in in_force
    ]
    forbidding = [m for m, item in zip(in_force, items, strict=True) if item.outcome == "not met"]
    if not forbidding:
        summary = f"{action} allowed: no measure in force forbids it"
        return _decision(merchant_id, "VIO-5", "allowed", summary, version, items)
    binding = _binding(forbidding)
    summary = (
        f"{action} refused: {binding.measure} ({binding.rule}) of case {binding.case_id} "
        f"is in force {_end_text(binding.end())}"
    )
    return _decision(merchant_id, binding.rule, "refused", summary, version, items)


def binding_measure(
    action: str, measures: list[MeasureFacts], *, at: datetime
) -> MeasureFacts | None:
    """The measure that refuses ``action`` at ``at`` (as :func:`may` names it), if any."""
    forbidding = [m for m in measures if m.in_force(at) and action in m.forbids]
    return _binding(forbidding) if forbidding else None


def exposure(
    merchant_id: str, measures: list[MeasureFacts], *, at: datetime, version: str
) -> tuple[Decimal, Decision]:
    """VIO-4: the weight on the exposure of the violator's short videos. The smallest factor
    of the measures in force applies (factors do not compound); none in force: neutral."""
    weighing = [m for m in measures if m.in_force(at) and m.exposure_factor is not None]
    items = [
        ExplanationItem(
            f"{m.measure} (case {m.case_id}, {_end_text(m.end())})",
            str(m.exposure_factor),
            "",
            "exposure factor",
            "info",
            f"from {At(m.starts_at)}",
        )
        for m in sorted(weighing, key=lambda m: m.measure_id)
    ]
    factors = [m.exposure_factor for m in weighing if m.exposure_factor is not None]
    weight = min(factors, default=NEUTRAL_WEIGHT)
    if factors:
        summary = f"short-video exposure weighted {weight} (the smallest factor in force)"
    else:
        summary = f"no reduced recommendation in force: exposure weight {weight}"
    decision = _decision(merchant_id, "VIO-4", f"weight {weight}", summary, version, items)
    return weight, decision


def _decision(
    merchant_id: str,
    rule_id: str,
    outcome: str,
    summary: str,
    version: str,
    items: list[ExplanationItem],
) -> Decision:
    return Decision(
        rule_id=rule_id,
        subject=f"merchant {merchant_id} violation measures",
        outcome=outcome,
        summary=summary,
        policy_family=FAMILY,
        policy_version=version,
        merchant_id=merchant_id,
        items=tuple(items),
    )


def opened(terms: Terms, merchant_id: str, facts: MeasureFacts, measure: Measure) -> Decision:
    """VIO-5: the measure's record: its type, the rule it enforces, its case and window."""
    forbids = ", ".join(measure.forbids) or "nothing"
    items = [
        ExplanationItem("measure", facts.measure, "", "", "info"),
        ExplanationItem("forbids", forbids, "", "", "info"),
        ExplanationItem("starts", str(At(facts.starts_at)), "", "", "info"),
        ExplanationItem("ends", _end_text(facts.ends_at), "", "", "info"),
    ]
    if measure.delist_on_start:
        items.append(ExplanationItem("takes every product off sale", "yes", "", "", "info"))
    if measure.exposure_factor is not None:
        items.append(
            ExplanationItem("exposure factor", str(measure.exposure_factor), "", "", "info")
        )
    summary = (
        f"{facts.measure} ({measure.rule}) imposed by case {facts.case_id}, "
        f"{_end_text(facts.ends_at)}: {measure.description}"
    )
    return terms.decide(measure.rule, merchant_id, "imposed", summary, *items)


def lifted(
    version: str, merchant_id: str, facts: MeasureFacts, *, at: datetime, by: str, reason: str
) -> Decision:
    """VIO-5: lifting is recorded, by time (its end reached) or by an operator or an appeal."""
    items = [
        ExplanationItem("lifted by", by, "", "", "info"),
        ExplanationItem("lifted at", str(At(at)), "", "", "info"),
        ExplanationItem("reason", reason, "", "", "info"),
    ]
    if facts.ends_at is not None:
        items.append(compare("lifted at", At(at), "<=", At(facts.ends_at)))
    summary = f"{facts.measure} of case {facts.case_id} lifted ({by}): {reason}"
    return _decision(merchant_id, "VIO-5", "lifted", summary, version, items)
