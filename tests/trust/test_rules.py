"""The pure trust rules at both sides of every boundary (TRUST-1..5), no database, no file."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from shopwarden.families import POLICY_SCHEMAS
from shopwarden.policy.store import PolicyStore
from shopwarden.trust.measures_model import IdentityCounts
from shopwarden.trust.policy import Threshold, TrustPolicy
from shopwarden.trust.rules import (
    all_met,
    badge_decision,
    benefits,
    channel_holds,
    evaluate_identity,
    evaluate_threshold,
    missing_rights,
    product_holds,
    right_states,
)
from shopwarden.trust.search_model import fold, like_pattern, query_grams, title_grams

BOOK = PolicyStore.load(schemas=POLICY_SCHEMAS)
VERSION = BOOK.get("trust", "2023-02-27")
PARAMS = VERSION.parameters_as(TrustPolicy)
GOOD = IdentityCounts(paid_orders=100, due_orders=100, on_time_orders=100)
WINDOWS = {30: "2024-02-07..2024-03-07 (Asia/Shanghai)", None: "score"}


def threshold(measure: str, op: str, target: str, days: int | None = 30) -> Threshold:
    return Threshold(measure=measure, op=op, target=target, window_days=days)  # type: ignore[arg-type]


def owner(counts: IdentityCounts, score: str | None = "4.60") -> list[dict[str, object]]:
    found = evaluate_identity(
        PARAMS,
        "goods_owner",
        counts={30: counts},
        score=None if score is None else Decimal(score),
        windows=WINDOWS,
    )
    return [r.as_dict() for r in found]


def met(results: list[dict[str, object]]) -> dict[str, bool]:
    return {str(r["code"]): bool(r["met"]) for r in results}


@pytest.mark.rule("TRUST-4")
def test_goods_owner_meets_every_threshold_exactly_at_its_target() -> None:
    results = owner(GOOD, "4.60")
    assert all(met(results).values()), results
    assert all_met(results)


@pytest.mark.rule("TRUST-2")
@pytest.mark.rule("TRUST-4")
@pytest.mark.parametrize(
    ("code", "counts", "score", "gap"),
    [
        ("experience_score", GOOD, "4.59", "0.01"),
        (
            "paid_orders",
            IdentityCounts(paid_orders=99, due_orders=99, on_time_orders=99),
            "4.6",
            "1",
        ),
        (
            "quality_refund_rate",
            IdentityCounts(paid_orders=100, quality_refunds=2, due_orders=100, on_time_orders=100),
            "4.6",
            "0.0100",
        ),
        (
            "dispute_rate",
            IdentityCounts(paid_orders=1000, disputes=3, due_orders=1000, on_time_orders=1000),
            "4.6",
            "0.0010",
        ),
        (
            "on_time_shipment_rate",
            IdentityCounts(paid_orders=100, due_orders=100, on_time_orders=94),
            "4.6",
            "0.0100",
        ),
    ],
)
def test_one_unit_past_a_threshold_misses_it_with_its_gap(
    code: str, counts: IdentityCounts, score: str, gap: str
) -> None:
    results = owner(counts, score)
    assert [c for c, ok in met(results).items() if not ok] == [code]
    (missed,) = [r for r in results if r["code"] == code]
    assert missed["gap"] == gap
    assert not all_met(results)


@pytest.mark.rule("TRUST-4")
def test_rates_at_their_targets_still_meet_them() -> None:
    """1 quality refund in 100 orders is 0.01 exactly; 2 disputes in 1000 are 0.002."""
    counts = IdentityCounts(
        paid_orders=1000, quality_refunds=10, disputes=2, due_orders=100, on_time_orders=95
    )
    assert all(met(owner(counts)).values())


@pytest.mark.rule("TRUST-4")
def test_nothing_measured_meets_nothing() -> None:
    results = owner(IdentityCounts(), None)
    assert not any(met(results).values())
    assert all(r["gap"] is None for r in results if r["value"] is None)
    (paid,) = [r for r in results if r["code"] == "paid_orders"]
    assert paid["value"] == "0" and paid["gap"] == "100"


@pytest.mark.rule("TRUST-4")
def test_seller_thresholds_read_the_seller_counts() -> None:
    counts = IdentityCounts(paid_orders=50, quality_refunds=0, complaints=0)
    found = evaluate_identity(PARAMS, "seller", counts={30: counts}, score=None, windows=WINDOWS)
    assert all_met(found)
    worse = IdentityCounts(paid_orders=1000, complaints=4)  # 0.004 > 0.003
    found = evaluate_identity(PARAMS, "seller", counts={30: worse}, score=None, windows=WINDOWS)
    assert [r.code for r in found if not r.met] == ["complaint_rate"]


@pytest.mark.rule("TRUST-2")
@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [(">", 100, False), (">", 101, True), ("<", 5, False), ("<", 4, True)],
)
def test_strict_comparisons(op: str, value: int, expected: bool) -> None:
    target = "100" if op == ">" else "5"
    result = evaluate_threshold(
        "paid_orders",
        threshold("paid_orders", op, target),
        counts=IdentityCounts(paid_orders=value),
        score=None,
        window=None,
    )
    assert result.met is expected
    if not expected:
        assert result.gap == "1"  # one more (or fewer) order than the target


@pytest.mark.rule("TRUST-2")
def test_a_threshold_names_a_window_unless_it_is_the_score() -> None:
    with pytest.raises(ValidationError, match="window_days"):
        threshold("paid_orders", ">=", "1", None)
    with pytest.raises(ValidationError, match="window_days"):
        threshold("experience_score", ">=", "4", 30)


@pytest.mark.rule("TRUST-1")
def test_the_catalogue_has_product_and_after_sales_rights_and_requires_known_ones() -> None:
    kinds = {r.kind for r in PARAMS.rights.values()}
    assert kinds == {"product", "after_sales"}
    assert PARAMS.rights["seven_day_return"].name_zh == "七天无理由退货"
    data = PARAMS.model_dump(mode="json")
    data["required_rights"] = [*data["required_rights"], "free_massage"]
    with pytest.raises(ValidationError, match="free_massage"):
        TrustPolicy.model_validate(data)


@pytest.mark.rule("TRUST-2")
def test_the_badge_needs_every_required_right_and_the_thresholds() -> None:
    required = list(PARAMS.required_rights)
    all_on = right_states(PARAMS, required)
    one_off = right_states(PARAMS, required[1:])
    optional_only = right_states(PARAMS, ["fast_refund"])
    assert product_holds(True, all_on)
    assert not product_holds(True, one_off)
    assert not product_holds(False, all_on)
    assert [s.code for s in missing_rights(one_off)] == [required[0]]
    assert len(missing_rights(optional_only)) == len(required)
    assert not any(s.required for s in optional_only if s.code == "fast_refund")


@pytest.mark.rule("TRUST-2")
def test_the_decision_names_every_threshold_and_every_required_right() -> None:
    thresholds = owner(GOOD)
    states = right_states(PARAMS, PARAMS.required_rights)
    granted = badge_decision(
        product_id="p1",
        merchant_id="m1",
        identity="goods_owner",
        version=VERSION.version,
        thresholds=thresholds,
        states=states,
    )
    assert granted.outcome == "granted" and granted.rule_id == "TRUST-2"
    assert len(granted.items) == len(thresholds) + len(PARAMS.required_rights)
    assert all(i.outcome == "met" for i in granted.items)
    thresholds[1] = {**thresholds[1], "met": False}
    removed = badge_decision(
        product_id="p1",
        merchant_id="m1",
        identity="goods_owner",
        version=VERSION.version,
        thresholds=thresholds,
        states=states[1:],
    )
    assert removed.outcome == "removed"
    assert "paid_orders" in removed.summary
    unmeasured = badge_decision(
        product_id="p1",
        merchant_id="m1",
        identity="seller",
        version=VERSION.version,
        thresholds=[],
        states=states,
    )
    assert unmeasured.outcome == "removed" and "not measured" in unmeasured.summary


@pytest.mark.rule("TRUST-1")
@pytest.mark.parametrize(
    ("met_", "badged", "listed", "expected"),
    [(True, 8, 10, True), (True, 7, 10, False), (False, 10, 10, False), (True, 0, 0, False)],
)
def test_a_store_holds_the_badge_from_its_share_of_badged_products(
    met_: bool, badged: int, listed: int, expected: bool
) -> None:
    share = PARAMS.channels.store_product_share
    assert channel_holds(thresholds_met=met_, badged=badged, listed=listed, share=share) is expected


@pytest.mark.rule("TRUST-5")
def test_benefits_for_holders_and_neutral_otherwise() -> None:
    holder = benefits(PARAMS, True)
    assert holder["badge"] is True and holder["live_traffic_weight"] == "1.10"
    assert holder["big_promotion_traffic_weight"] == "1.20"
    assert holder["campaign_resources"] == ["spring_festival", "mid_year_618", "double_eleven"]
    other = benefits(PARAMS, False)
    assert other == {
        "badge": False,
        "live_traffic_weight": "1",
        "shelf_traffic_weight": "1",
        "big_promotion_traffic_weight": "1",
        "campaign_resources": [],
    }


@pytest.mark.rule("TRUST-3")
def test_titles_are_indexed_by_characters_and_pairs_in_lower_case() -> None:
    grams = title_grams("防摔手机壳 iPhone")
    assert {"手机", "机壳", "壳", "ip", "ph"} <= grams
    assert " " not in grams and "壳 " in grams
    assert query_grams(fold("手机壳")) == ["手机", "机壳"]
    assert query_grams("壳") == ["壳"]
    assert query_grams("iphone 15") == ["ip", "15", "ne"]  # first, last, middle
    assert like_pattern("50%_a\\b") == "%50\\%\\_a\\\\b%"
