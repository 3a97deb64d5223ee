"""The bundled policy book: every default loads, and carries the numbers of SPEC.md.

Each number below is asserted against the rule that states it, so a typo in a default policy
file fails the rule's test rather than a merchant's decision.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.catalog.tree import load_tree
from shopwarden.clock import SHANGHAI
from shopwarden.deposits.policy import DepositsPolicy
from shopwarden.errors import NotFound
from shopwarden.families import POLICY_SCHEMAS
from shopwarden.money import Money
from shopwarden.platform_policy import PlatformPolicy
from shopwarden.policy.loader import BUNDLED_DIR, load_file
from shopwarden.policy.store import PolicyStore
from shopwarden.reports.policy import ReportsPolicy
from shopwarden.scoring.policy import ScorePolicy
from shopwarden.shipping.policy import ShippingPolicy
from shopwarden.trust.policy import TrustPolicy
from shopwarden.violations.policy import ViolationsPolicy

BUNDLED_FILES = sorted(BUNDLED_DIR.rglob("*.yaml"))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def store() -> PolicyStore:
    return PolicyStore.load(schemas=POLICY_SCHEMAS)


@pytest.mark.parametrize("path", BUNDLED_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_bundled_file_loads_and_is_filed_under_its_family_and_version(path):
    version = load_file(path, schemas=POLICY_SCHEMAS)
    assert (path.parent.name, path.stem) == (version.family, version.version)
    assert version.origin == str(path)


def test_every_family_has_a_bundled_version_in_force_today(store):
    assert store.families() == sorted(POLICY_SCHEMAS)
    for family in POLICY_SCHEMAS:
        assert store.in_force(family, at("2024-03-01T09:00:00")).family == family


@pytest.mark.rule("POL-4")
def test_every_bundled_version_was_published_at_least_7_days_before_it_took_effect(store):
    for version in store.versions():
        assert version.effective_from - version.published_at >= timedelta(days=7), version.ref


@pytest.mark.rule("POL-1")
def test_score_switches_to_the_revision_at_its_effective_instant(store):
    before = store.in_force("score", at("2023-12-14T23:59:59"))
    after = store.in_force("score", at("2023-12-15T00:00:00"))
    assert (before.version, after.version) == ("2023-06-01", "2023-12-15")
    assert after.revised_on.isoformat() == "2023-12-08"
    total = Decimal("4.85")  # the band mapping is what the revision changed
    old, new = before.parameters_as(ScorePolicy), after.parameters_as(ScorePolicy)
    assert old.band_for(total).mapping.evaluate(total) == Decimal("4.7")
    assert new.band_for(total).mapping.evaluate(total) == Decimal("4.85")


@pytest.mark.rule("POL-1")
def test_violations_switch_to_the_revision_at_its_effective_instant(store):
    before = store.in_force("violations", at("2023-02-15T23:59:59"))
    after = store.in_force("violations", at("2023-02-16T00:00:00"))
    assert (before.version, after.version) == ("2022-01-01", "2023-02-16")
    assert after.revised_on.isoformat() == "2023-02-08"
    assert "mute" not in before.parameters_as(ViolationsPolicy).measures
    assert "mute" in after.parameters_as(ViolationsPolicy).measures


@pytest.mark.rule("POL-4")
def test_platform_notice_period_and_calendar(store):
    platform = store.in_force("platform", at("2024-01-01T00:00:00")).parameters_as(PlatformPolicy)
    assert platform.notice_period == timedelta(days=7)
    assert (platform.timezone, platform.working_day_calendar) == ("Asia/Shanghai", "CN")


def deposits(store: PolicyStore) -> DepositsPolicy:
    return store.in_force("deposits", at("2024-01-01T00:00:00")).parameters_as(DepositsPolicy)


@pytest.mark.rule("DEP-1")
@pytest.mark.rule("DEP-2")
def test_consumer_protection_amounts(store):
    cash = deposits(store).consumer_protection
    assert cash.minimum == Money.parse("1000.00")
    assert cash.default_required >= cash.minimum
    assert cash.category_requirements["jewellery_watches"] == Money.parse("5000.00")
    assert all(amount >= cash.minimum for amount in cash.category_requirements.values())


@pytest.mark.rule("DEP-4")
@pytest.mark.rule("DEP-5")
def test_top_up_deadlines(store):
    cash = deposits(store).consumer_protection
    assert cash.badges_revoked_after == timedelta(days=3)
    assert cash.shield_after == timedelta(days=5)
    assert cash.shield_lifted_after_topup == timedelta(hours=24)


@pytest.mark.rule("DEP-6")
@pytest.mark.rule("DEP-8")
@pytest.mark.rule("DEP-9")
@pytest.mark.rule("DEP-10")
@pytest.mark.rule("DEP-14")
def test_insurance_risk_deposit_and_refund_numbers(store):
    policy = deposits(store)
    assert policy.insurance.annual_fee == Money.parse("30.00")
    assert set(policy.risk_deposit.tiers) == {"low", "medium", "high"}
    assert policy.risk_deposit.window == timedelta(days=180)
    assert policy.risk_deposit.activation_window == timedelta(days=7)
    assert policy.refund.review_working_days == 7


@pytest.mark.rule("DEP-11")
@pytest.mark.rule("DEP-12")
@pytest.mark.rule("DEP-13")
def test_campaign_deposits_and_fees(store):
    policy = deposits(store)
    assert policy.juhuasuan.deposit == Money.parse("500000.00")
    assert policy.juhuasuan.premium_rate == Decimal("0.003")
    assert policy.juhuasuan.premium_cap == Money.parse("1500.00")
    assert set(policy.taoqianggou.modes) == {
        "floor_plus_commission",
        "fixed",
        "floor_and_cap",
        "commission",
        "commission_with_cap",
    }
    assert 0 < policy.tiantiantemai.default_rate < 1


def score(store: PolicyStore) -> ScorePolicy:
    return store.in_force("score", at("2024-01-01T00:00:00")).parameters_as(ScorePolicy)


@pytest.mark.rule("SCORE-1")
@pytest.mark.rule("SCORE-4")
def test_score_scale_window_and_dimensions(store):
    policy = score(store)
    assert (policy.window_days, policy.floor, policy.ceiling) == (30, Decimal(3), Decimal(5))
    assert list(policy.dimensions) == [
        "product",
        "logistics",
        "customer_service",
        "after_sales",
        "content",
    ]
    assert sum(d.weight for d in policy.dimensions.values()) == 1
    assert policy.min_scored_orders > 0


@pytest.mark.rule("SCORE-3")
@pytest.mark.parametrize(
    ("total", "band"),
    [
        ("3", "basic"),
        ("4.5", "basic"),
        ("4.51", "good"),
        ("4.85", "good"),
        ("4.86", "excellent"),
        ("5", "excellent"),
        ("2.4", "basic"),
    ],
)
def test_score_bands_of_the_2023_12_revision_are_identity_on_each_band(store, total, band):
    policy = score(store)
    chosen = policy.band_for(Decimal(total))
    assert chosen.name == band
    if Decimal(total) >= policy.floor:
        assert chosen.mapping.evaluate(Decimal(total)) == Decimal(total)
    else:  # totals below 3 score 3
        assert chosen.mapping.evaluate(Decimal(total)) == policy.floor


@pytest.mark.rule("SCORE-6")
def test_score_consumers_are_keyed_by_band_and_threshold(store):
    consumers = score(store).consumers
    weights = [consumers.traffic_weight[b] for b in ("basic", "good", "excellent")]
    assert weights == sorted(weights) and weights[0] < weights[-1]
    assert consumers.campaign_thresholds and consumers.distribution_program.min_score
    assert [level.level for level in consumers.merchant_levels] == [1, 2, 3, 4]


BNPL_EXCLUDED = [
    "virtual_services",
    "fresh_food",
    "flowers_plants_agri",
    "home_decor_furnishing",
    "insurance",
    "local_life",
    "pet_shops_hospitals",
    "in_store_dining",
    "life_services",
    "cinema_movie_tickets",
    "real_estate_services",
    "real_estate_autos",
    "industrial_goods",
    "transport_tickets",
    "wedding_services",
    "hotels_travel",
    "car_motorcycle_services",
    "malls_supermarkets",
    "logistics_services",
    "flower_delivery_local",
    "leisure_entertainment",
    "medical_health_services",
    "medical_cosmetic_products",
    "medical_cosmetic_services",
    "sports_fitness",
    "underwear_intimates",
]


@pytest.mark.rule("BNPL-2")
@pytest.mark.rule("BNPL-3")
@pytest.mark.rule("BNPL-6")
def test_bnpl_numbers_and_the_26_excluded_categories(store):
    policy = store.in_force("bnpl", at("2022-06-23T00:00:00")).parameters_as(BnplPolicy)
    assert policy.price_limit == Money.parse("500.00") and policy.price_limit_inclusive
    assert len(BNPL_EXCLUDED) == 26
    assert list(policy.excluded_categories) == BNPL_EXCLUDED
    assert policy.fee_rate == Decimal("0.01")
    assert policy.wallet_upgrade_required and not policy.short_settlement_allowed
    assert set(policy.credit_providers) == {"wechat_pay", "sesame"}
    assert policy.invoice_from_day == 1


@pytest.mark.rule("POL-1")
def test_bnpl_is_not_in_force_before_2_0_launched(store):
    with pytest.raises(NotFound, match="no bnpl policy in force"):
        store.in_force("bnpl", at("2022-06-22T23:59:59"))


@pytest.mark.rule("DEP-2")
@pytest.mark.rule("BNPL-3")
def test_every_category_code_in_a_policy_is_in_the_category_tree(store):
    tree = load_tree()
    bnpl = store.in_force("bnpl", at("2024-01-01T00:00:00")).parameters_as(BnplPolicy)
    codes = [*bnpl.excluded_categories, *deposits(store).consumer_protection.category_requirements]
    assert [code for code in codes if code not in tree] == []


@pytest.mark.rule("SHIP-1")
@pytest.mark.rule("SHIP-2")
@pytest.mark.rule("SHIP-3")
@pytest.mark.rule("SHIP-4")
@pytest.mark.rule("SHIP-5")
def test_shipping_exemption_numbers(store):
    policy = store.in_force("shipping", at("2024-01-01T00:00:00")).parameters_as(ShippingPolicy)
    assert policy.committed_in_stock.promise_hours == (24, 48)
    assert not policy.committed_in_stock.flash_purchase_counts
    assert policy.week.starts_on == "monday"
    exemption = policy.exemption
    assert exemption.min_paid_orders_exclusive == 3000
    assert exemption.committed_share_exclusive == Decimal("0.70")
    assert exemption.on_time_rate_inclusive == Decimal("0.97")
    assert (exemption.per_week, exemption.carry_over) == (1, False)
    assert policy.penalties.overdue_penalty.is_positive()


@pytest.mark.rule("VIO-1")
@pytest.mark.rule("VIO-2")
@pytest.mark.rule("VIO-3")
@pytest.mark.rule("VIO-4")
@pytest.mark.rule("VIO-6")
def test_violation_measures_forbid_their_actions(store):
    policy = store.in_force("violations", at("2024-01-01T00:00:00")).parameters_as(ViolationsPolicy)
    forbids = {name: set(m.forbids) for name, m in policy.measures.items()}
    assert forbids == {
        "delist_and_ban": {"create_product", "list_product", "relist_product", "promote_product"},
        "suspend_cart": {"live_sell", "short_video_sell", "store_entry"},
        "mute": {"private_message"},
        "reduced_recommendation": set(),
    }
    assert policy.measures["reduced_recommendation"].exposure_factor is not None
    assert policy.appeal_deadline > timedelta(0)


@pytest.mark.rule("TRUST-2")
@pytest.mark.rule("TRUST-4")
@pytest.mark.rule("TRUST-5")
def test_trust_rights_thresholds_for_both_identities_and_benefits(store):
    policy = store.in_force("trust", at("2024-01-01T00:00:00")).parameters_as(TrustPolicy)
    assert policy.required_rights
    assert policy.admission.goods_owner and policy.admission.seller
    assert policy.benefits.badge and policy.benefits.live_traffic_weight > 1


@pytest.mark.rule("REPORT-1")
def test_report_measures(store):
    policy = store.in_force("reports", at("2024-01-01T00:00:00")).parameters_as(ReportsPolicy)
    assert len(policy.measures) == 5
