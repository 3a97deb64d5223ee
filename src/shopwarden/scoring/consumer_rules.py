"""What the score feeds (SCORE-6): traffic weight, campaigns, 快分销 access, merchant level.

Pure: each consumer is a :class:`Decision` of the merchant's :class:`ScoreResult` under the
policy's tables, with the comparison it made as its explanation (POL-3). A merchant without a
score (SCORE-4) is eligible for nothing that needs one, and gets the policy's neutral traffic
weight.
"""

from __future__ import annotations

from dataclasses import dataclass

from shopwarden.decisions.model import Decision, ExplanationItem, compare
from shopwarden.scoring.policy import ScorePolicy
from shopwarden.scoring.rules import ScoreResult

RULE = "SCORE-6"
FAMILY = "score"


@dataclass(frozen=True, slots=True)
class ScoreContext:
    merchant_id: str
    version: str
    window: str  # e.g. "2024-02-01..2024-03-01 (Asia/Shanghai)"


def _no_score(result: ScoreResult, context: ScoreContext) -> ExplanationItem:
    return compare(
        "scored orders",
        result.scored_orders,
        ">=",
        result.min_scored_orders,
        window=context.window,
    )


def _decision(
    context: ScoreContext, subject: str, outcome: str, summary: str, *items: ExplanationItem
) -> Decision:
    return Decision(
        rule_id=RULE,
        subject=subject,
        outcome=outcome,
        summary=summary,
        policy_family=FAMILY,
        policy_version=context.version,
        merchant_id=context.merchant_id,
        items=tuple(items),
    )


def traffic_weight(policy: ScorePolicy, result: ScoreResult, context: ScoreContext) -> Decision:
    """A higher band gets a larger traffic weight."""
    consumers = policy.consumers
    if result.score is None or result.band is None:
        weight = consumers.unscored_traffic_weight
        return _decision(
            context,
            "traffic_weight",
            f"weight {weight}",
            f"no score yet (insufficient data): neutral traffic weight {weight}",
            _no_score(result, context),
        )
    weight = consumers.traffic_weight[result.band]
    item = ExplanationItem(
        "score band", result.band, str(weight), "weight of band", "info", context.window
    )
    return _decision(
        context,
        "traffic_weight",
        f"weight {weight}",
        f"score {result.score} is in band {result.band}: traffic weight {weight}",
        item,
    )


def campaign_eligibility(
    policy: ScorePolicy, result: ScoreResult, context: ScoreContext
) -> list[Decision]:
    """One decision per campaign: the score meets the campaign's threshold, or not."""
    decisions = []
    for campaign, threshold in policy.consumers.campaign_thresholds.items():
        decisions.append(
            _threshold(
                context,
                result,
                f"campaign:{campaign}",
                threshold,
                ("eligible", "not eligible"),
                f"campaign {campaign}",
            )
        )
    return decisions


def distribution_access(
    policy: ScorePolicy, result: ScoreResult, context: ScoreContext
) -> Decision:
    threshold = policy.consumers.distribution_program.min_score
    return _threshold(
        context,
        result,
        "distribution_program",
        threshold,
        ("access", "no access"),
        "the distribution program (快分销)",
    )


def merchant_level(policy: ScorePolicy, result: ScoreResult, context: ScoreContext) -> Decision:
    """The highest level whose minimum score the merchant's score meets."""
    if result.score is None:
        return _decision(
            context,
            "merchant_level",
            "no level",
            "no score yet (insufficient data): no level from the score",
            _no_score(result, context),
        )
    items = [
        compare(f"score for level {lvl.level}", result.score, ">=", lvl.min_score)
        for lvl in policy.consumers.merchant_levels
    ]
    met = [lvl.level for lvl in policy.consumers.merchant_levels if result.score >= lvl.min_score]
    if not met:
        return _decision(
            context, "merchant_level", "no level", f"score {result.score}: no level", *items
        )
    return _decision(
        context,
        "merchant_level",
        f"level {max(met)}",
        f"score {result.score} reaches merchant level {max(met)}",
        *items,
    )


def _threshold(
    context: ScoreContext,
    result: ScoreResult,
    subject: str,
    threshold: object,
    outcomes: tuple[str, str],
    what: str,
) -> Decision:
    granted, refused = outcomes
    if result.score is None:
        return _decision(
            context,
            subject,
            refused,
            f"no score yet (insufficient data): {what}: {refused}",
            _no_score(result, context),
        )
    item = compare("score", result.score, ">=", threshold, window=context.window)
    ok = item.outcome == "met"
    verb = granted if ok else refused
    return _decision(
        context,
        subject,
        verb,
        f"score {result.score} {'meets' if ok else 'is below'} {threshold}: {what}: {verb}",
        item,
    )


def all_decisions(
    policy: ScorePolicy, result: ScoreResult, context: ScoreContext
) -> list[Decision]:
    return [
        traffic_weight(policy, result, context),
        *campaign_eligibility(policy, result, context),
        distribution_access(policy, result, context),
        merchant_level(policy, result, context),
    ]
