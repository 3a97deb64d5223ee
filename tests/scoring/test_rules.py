"""The score's pure rules: exact arithmetic, bands at their edges, the floor, the version switch
and "insufficient data" (SCORE-1..4). No database, no engine."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest

from shopwarden.errors import PolicyInvalid
from shopwarden.families import POLICY_SCHEMAS
from shopwarden.policy.loader import BUNDLED_DIR, parse_policy
from shopwarden.policy.store import PolicyStore
from shopwarden.scoring.fixed_rules import interpolate, round_half_up
from shopwarden.scoring.measures_model import AGGREGATES, MEASURES
from shopwarden.scoring.policy import ScorePolicy
from shopwarden.scoring.rules import INSUFFICIENT, SCORED, band_score, evaluate, indicator_units

STORE = PolicyStore.load(schemas=POLICY_SCHEMAS)
REVISED = STORE.get("score", "2023-12-15").parameters_as(ScorePolicy)
EARLIER = STORE.get("score", "2023-06-01").parameters_as(ScorePolicy)
SCORE_TEXT = (BUNDLED_DIR / "score" / "2023-12-15.yaml").read_text(encoding="utf-8")


def perfect(orders: int = 100) -> dict[str, int]:
    """Every indicator at its best: five stars, on time, fast, no refunds or disputes."""
    values = dict.fromkeys(AGGREGATES, 0)
    values.update(
        scored_orders=orders,
        product_rating_sum=5 * orders,
        product_rating_count=orders,
        shipped_on_time=orders,
        shipments_due=orders,
        delivery_seconds=20 * 3600 * orders,
        deliveries=orders,
        logistics_rating_sum=5 * orders,
        logistics_rating_count=orders,
        cs_replied_within=orders,
        cs_messages=orders,
        service_rating_sum=5 * orders,
        service_rating_count=orders,
        live_content_rating_sum=5 * orders,
        live_content_ratings=orders,
    )
    return values


@pytest.mark.rule("SCORE-3")
@pytest.mark.parametrize(
    ("total", "band", "score"),
    [
        (486, "excellent", 486),
        (485, "good", 485),
        (451, "good", 451),
        (450, "basic", 450),
        (300, "basic", 300),
        (500, "excellent", 500),
    ],
    ids=["4.86", "4.85", "4.51", "4.50", "3.00", "5.00"],
)
def test_bands_of_the_revised_version_at_their_edges(total: int, band: str, score: int) -> None:
    assert band_score(REVISED, total) == (band, score)


@pytest.mark.rule("SCORE-1")
@pytest.mark.rule("SCORE-3")
@pytest.mark.parametrize("total", [0, 150, 299])
def test_totals_below_the_floor_score_the_floor(total: int) -> None:
    assert band_score(REVISED, total) == ("basic", 300)


@pytest.mark.rule("SCORE-3")
def test_the_earlier_version_compressed_the_upper_bands() -> None:
    assert band_score(EARLIER, 485) == ("good", 470)
    assert band_score(EARLIER, 470) == ("good", 461)  # 4.5 + 0.2 x 0.2 / 0.35 = 4.614...
    assert band_score(EARLIER, 486) == ("excellent", 472)  # 4.7 + 0.01 x 0.3 / 0.15


@pytest.mark.rule("SCORE-3")
@pytest.mark.rule("POL-1")
def test_the_version_switches_at_the_effective_instant() -> None:
    before = STORE.in_force("score", datetime.fromisoformat("2023-12-14T23:59:59.999999+08:00"))
    after = STORE.in_force("score", datetime.fromisoformat("2023-12-15T00:00:00+08:00"))
    assert (before.version, after.version) == ("2023-06-01", "2023-12-15")
    assert band_score(before.parameters_as(ScorePolicy), 480)[1] == 467  # 4.6714...
    assert band_score(after.parameters_as(ScorePolicy), 480)[1] == 480


@pytest.mark.rule("SCORE-3")
def test_the_total_is_rounded_half_up_to_two_decimals() -> None:
    assert round_half_up(48550, 100) == 486  # 4.8550 -> 4.86: excellent, not good
    assert round_half_up(48549, 100) == 485
    assert round_half_up(5, 2) == 3 and round_half_up(3, 2) == 2


@pytest.mark.rule("SCORE-1")
def test_perfect_facts_score_five() -> None:
    result = evaluate(REVISED, perfect())
    assert (result.status, result.total, result.band, result.score) == (
        SCORED,
        Decimal("5.00"),
        "excellent",
        Decimal("5.00"),
    )
    assert sum(d.contribution for d in result.dimensions) == Decimal("5.0000")


@pytest.mark.rule("SCORE-4")
@pytest.mark.parametrize(
    ("orders", "status"), [(29, INSUFFICIENT), (30, SCORED), (0, INSUFFICIENT)]
)
def test_fewer_than_the_minimum_of_orders_has_no_score(orders: int, status: str) -> None:
    result = evaluate(REVISED, perfect(orders))
    assert result.status == status
    if status == INSUFFICIENT:
        assert (result.total, result.band, result.score) == (None, None, None)


@pytest.mark.rule("SCORE-2")
def test_a_weighted_total_of_exactly_4_70() -> None:
    """32 orders rated 4 and 8 rated 3: product rating 3.8 maps to 3.3333 (on 3->2, 4.5->4.5),
    the product dimension to 0.6 x 3.3333 + 0.4 x 5 = 4.0000, the total to 0.3 x 4 + 0.7 x 5."""
    facts = perfect(40) | {"product_rating_sum": 32 * 4 + 8 * 3}
    result = evaluate(REVISED, facts)
    product = result.dimensions[0]
    assert product.indicators[0].value == Decimal("3.8000")
    assert product.indicators[0].mapped == Decimal("3.3333")
    assert product.score == Decimal("4.0000")
    assert (result.total, result.score, result.band) == (Decimal("4.70"), Decimal("4.70"), "good")
    assert evaluate(EARLIER, facts).score == Decimal("4.61")


@pytest.mark.rule("SCORE-2")
def test_an_indicator_without_data_shares_its_weight_with_its_dimension() -> None:
    result = evaluate(REVISED, perfect())
    content = next(d for d in result.dimensions if d.name == "content")
    live, short_video = content.indicators
    assert (short_video.value, short_video.mapped, short_video.share) == (None, None, Decimal(0))
    assert live.share == Decimal("0.1000")  # the whole content weight
    after_sales = next(d for d in result.dimensions if d.name == "after_sales")
    assert after_sales.indicators[0].value is None  # no refund was handled


@pytest.mark.rule("SCORE-2")
def test_indicator_values_are_rounded_at_their_measures_decimals() -> None:
    assert indicator_units(MEASURES["dispute_rate"], 1, 3) == 333333  # 0.333333
    assert indicator_units(MEASURES["product_rating"], 14, 3) == 46667  # 4.6667
    assert indicator_units(MEASURES["delivery_hours"], 3600 * 47 + 1800, 1) == 4750  # 47.50
    assert indicator_units(MEASURES["dispute_rate"], 0, 0) is None


def test_tables_are_flat_beyond_their_ends_and_linear_between_points() -> None:
    points = [(100, 0), (200, 50000)]
    assert [interpolate(points, x) for x in (50, 100, 150, 200, 250)] == [0, 0, 25000, 50000, 50000]
    assert interpolate([(0, 3), (3, 0)], 1) == 2  # 2.0 exactly; 3 -> 0 falls


@pytest.mark.rule("SCORE-2")
@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("        product_rating:\n", "        product_stars:\n", "no such measure"),
        ('          within: "3m"', "", "needs a within time limit"),
        (
            '[["0.8", "0"], ["0.95", "4"], ["0.99", "5"]]',
            '[["0.8", "0"], ["0.9512345", "5"]]',
            "at most 6 decimals",
        ),
    ],
    ids=["unknown-measure", "missing-within", "too-fine"],
)
def test_a_policy_the_arithmetic_cannot_follow_is_refused(old: str, new: str, message: str) -> None:
    assert SCORE_TEXT.count(old) == 1
    with pytest.raises(PolicyInvalid) as refused:
        parse_policy(
            SCORE_TEXT.replace(old, new), origin="score/draft.yaml", schemas=POLICY_SCHEMAS
        )
    assert message in refused.value.detail
