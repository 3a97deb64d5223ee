"""Product flags on SQLite and PostgreSQL: at once per product, set-based in bulk, and the
SQL of the bulk path agreeing with the pure rule for every product."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select, text, update
from sqlalchemy.orm import Session

from shopwarden.bnpl import flag_rules, flags, reflag, stores
from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.bnpl.steps import bnpl_reflag
from shopwarden.bnpl.tables import ProductFlagRow
from shopwarden.catalog import service as catalog
from shopwarden.catalog.schemas import ProductUpdate, SkuIn
from shopwarden.catalog.tables import CategoryRow, ProductRow, SkuRow
from shopwarden.catalog.tree import load_tree
from shopwarden.context import Versioned
from shopwarden.money import Money
from shopwarden.policy.model import PolicyVersion
from tests.bnpl.conftest import World

TREE = load_tree()
VERSION = "2022-06-23"


def flag(world: World, product_id: str) -> ProductFlagRow:
    with world.tx() as session:
        row = session.get(ProductFlagRow, product_id)
        assert row is not None
        session.expunge(row)
        return row


def edit(world: World, product_id: str, **changes: Any) -> None:
    with world.ctx() as ctx:
        catalog.update_product(ctx, product_id=product_id, data=ProductUpdate(**changes))


def version_with(world: World, name: str, **parameters: Any) -> PolicyVersion:
    base = world.policies.get("bnpl", "2022-06-23")
    policy = base.parameters_as(BnplPolicy).model_copy(update=parameters)
    return base.model_copy(update={"version": name, "parameters": policy})


def terms(version: PolicyVersion) -> Versioned[BnplPolicy]:
    return Versioned(version.version, version.parameters_as(BnplPolicy))


@contextmanager
def statements(world: World) -> Iterator[list[str]]:
    """The SQL statements sent while the block runs."""
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        sent.append(statement)

    event.listen(world.db.engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(world.db.engine, "before_cursor_execute", count)


@pytest.mark.rule("BNPL-2")
def test_a_product_edited_from_500_00_to_500_01_loses_its_flag_at_once(world: World) -> None:
    world.merchant("m1")
    world.enable("m1")
    world.product("p1", "m1", "20.00", "500.00")
    assert flag(world, "p1").flagged
    world.at("2024-03-02T10:00:00+08:00")
    edit(world, "p1", skus=[SkuIn(sku_id="s1", price=Money.parse("500.01"))])
    row = flag(world, "p1")
    assert not row.flagged and row.highest_price_cents == 50001
    assert row.decided_at == world.clock.now()
    edit(world, "p1", skus=[SkuIn(sku_id="s1", price=Money.parse("500.00"))])
    assert flag(world, "p1").flagged


@pytest.mark.rule("BNPL-2")
def test_listing_delisting_and_origin_decide_the_flag(world: World) -> None:
    world.merchant("m1")
    world.enable("m1")
    world.product("p1", "m1", listed=False)
    world.product("p2", "m1", origin="distributed")
    assert not flag(world, "p1").flagged and not flag(world, "p2").flagged
    edit(world, "p1", listed=True)
    assert flag(world, "p1").flagged
    edit(world, "p1", listed=False)
    assert not flag(world, "p1").flagged


@pytest.mark.rule("BNPL-3")
@pytest.mark.parametrize(
    ("category", "excluded_by"),
    [("citrus_fruit", "fresh_food"), ("pet_vaccination", "pet_shops_hospitals")],
)
def test_an_excluded_sub_sub_category_is_never_flagged(
    world: World, category: str, excluded_by: str
) -> None:
    world.merchant("m1")
    world.enable("m1")
    world.product("p1", "m1", "9.90", category=category)
    row = flag(world, "p1")
    assert not row.flagged and row.excluded_by == excluded_by
    edit(world, "p1", category="mobile_phones")
    assert flag(world, "p1").flagged


@pytest.mark.rule("BNPL-2")
@pytest.mark.rule("BNPL-9")
def test_enable_and_pause_re_decide_the_stores_products(world: World) -> None:
    world.merchant("m1")
    world.product("p1", "m1")  # before any basis: decided when the first one is made
    world.enable("m1")
    assert flag(world, "p1").flagged
    with world.ctx() as ctx:
        stores.pause(ctx, merchant_id="m1")
    row = flag(world, "p1")
    assert not row.flagged and row.eligible and row.store_status == "paused"
    with world.ctx() as ctx:
        stores.resume(ctx, merchant_id="m1")
    assert flag(world, "p1").flagged


def _marketplace(world: World, products: int, seed: int = 3) -> None:
    """Stores in every BNPL status and products across the tree, prices around the limit."""
    rng = random.Random(seed)
    leaves = [c.code for c in TREE.categories if not TREE.descendants(c.code)]
    for merchant_id in ("enabled", "paused", "legacy", "none"):
        world.merchant(merchant_id)
    world.enable("enabled")
    world.enable("paused")
    with world.ctx() as ctx:
        stores.pause(ctx, merchant_id="paused")
        stores.register_legacy(ctx, merchant_id="legacy", enabled_at=world.clock.now())
    for n in range(products):
        prices = [rng.choice(["1.00", "299.99", "300.00", "499.99", "500.00", "500.01", "900.00"])]
        world.product(
            f"p{n:04d}",
            rng.choice(["enabled", "paused", "legacy", "none"]),
            *prices,
            category=rng.choice([*leaves, "citrus_fruit", "pet_vaccination", "fresh_food"]),
            listed=rng.random() < 0.8,
            origin="distributed" if rng.random() < 0.2 else "self_built",
        )


def _assert_rows_match_the_pure_rule(session: Session, version: PolicyVersion) -> int:
    policy = version.parameters_as(BnplPolicy)
    rows = list(session.scalars(select(ProductFlagRow)))
    for row in rows:
        expected_exclusion = flag_rules.nearest_excluded(
            TREE.lineage(row.category_code), policy.excluded_categories
        )
        assert row.excluded_by == expected_exclusion, row.product_id
        decided = flag_rules.decide_flag(flags.facts_of(row), policy, version.version)
        assert (row.eligible, row.flagged) == (decided.eligible, decided.flagged), row.product_id
        assert row.policy_version == version.version
    return len(rows)


@pytest.mark.rule("BNPL-2")
@pytest.mark.rule("BNPL-3")
def test_the_set_based_reflag_agrees_with_the_pure_rule(world: World) -> None:
    _marketplace(world, 150)
    changed = version_with(
        world,
        "2099-01-01",
        price_limit=Money.parse("300.00"),
        price_limit_inclusive=False,
        excluded_categories=("mobile_phones", "pet_vaccination", "underwear_intimates"),
    )
    now = world.at("2024-03-05T00:00:00+08:00")
    with world.tx() as session:  # decided one by one by the listener, under the bundled version
        assert _assert_rows_match_the_pure_rule(session, world.policies.get("bnpl", VERSION)) == 150
    with world.ctx() as ctx:
        result = reflag.reflag_all(ctx, as_of=now, policy=terms(changed))
        assert result.redecided == 150 and result.inserted == 0
        assert _assert_rows_match_the_pure_rule(ctx.session, changed) == 150
        flagged = ctx.session.scalar(select(func.count()).where(ProductFlagRow.flagged.is_(True)))
    assert flagged, "the marketplace has flagged products"


@pytest.mark.rule("BNPL-2")
def test_the_reflag_is_set_based_its_statements_do_not_grow_with_the_products(
    world: World,
) -> None:
    _marketplace(world, 10)
    counts = []
    for n, more in enumerate((0, 70)):
        for i in range(more):
            world.product(f"q{i:03d}", "enabled", "10.00")
        version = version_with(world, f"2099-0{n + 1}-01", price_limit=Money.parse(f"{n + 1}0.00"))
        with world.ctx() as ctx, statements(world) as sent:
            result = reflag.reflag_all(ctx, as_of=world.clock.now(), policy=terms(version))
        assert result.redecided == 10 + more
        counts.append(len(sent))
    assert counts[0] == counts[1], counts


@pytest.mark.rule("BNPL-3")
def test_a_category_tree_change_re_decides_only_the_affected_products(world: World) -> None:
    _marketplace(world, 60)
    world.product("moved", "enabled", "10.00", category="mens_tshirts")
    world.product("stays", "enabled", "10.00", category="womens_tops")
    assert flag(world, "moved").flagged
    before = flag(world, "stays").decided_at
    in_force = world.policies.get("bnpl", "2022-06-23")
    now = world.at("2024-03-06T00:00:00+08:00")
    with world.ctx() as ctx:
        session = ctx.session
        # The tree is revised: men's T-shirts now sit under fresh food (excluded, BNPL-3).
        session.execute(
            update(CategoryRow)
            .where(CategoryRow.code == "mens_tshirts")
            .values(parent_code="fresh_food", path="/food_drinks/fresh_food/mens_tshirts/")
        )
        in_tshirts = session.scalar(
            select(func.count()).where(ProductRow.category_code == "mens_tshirts")
        )
        report = bnpl_reflag(ctx, as_of=now)
    assert report["changed"] is True and report["changed_categories"] == 1
    assert report["redecided"] == in_tshirts
    moved = flag(world, "moved")
    assert not moved.flagged and moved.excluded_by == "fresh_food"
    assert flag(world, "stays").decided_at == before
    with world.ctx() as ctx:  # nothing changed since: the next cycle leaves the flags be
        again = bnpl_reflag(ctx, as_of=now)
    assert again == {"policy_version": in_force.version, "changed": False}


@pytest.mark.rule("BNPL-2")
def test_products_changed_outside_the_catalog_are_caught_up(world: World) -> None:
    world.merchant("m1")
    world.enable("m1")
    now = world.clock.now()
    with world.ctx() as ctx:
        session = ctx.session
        session.execute(
            insert(ProductRow).values(
                id="raw",
                merchant_id="m1",
                title="bulk import",
                category_code="mobile_phones",
                origin="self_built",
                listed=True,
                flash_purchase=False,
                created_at=now,
                updated_at=now,
            )
        )
        session.execute(insert(SkuRow).values(product_id="raw", sku_id="a", price_cents=1000))
        bundled = terms(world.policies.get("bnpl", "2022-06-23"))
        result = reflag.reflag_all(ctx, as_of=now, policy=bundled)
        assert result.inserted == 1
        session.execute(
            text("UPDATE product_skus SET price_cents = 90000 WHERE product_id = 'raw'")
        )
    assert flag(world, "raw").flagged
    with world.ctx() as ctx:
        reflag.reflag_all(ctx, as_of=now, full=True, policy=bundled)
    assert not flag(world, "raw").flagged


@pytest.mark.rule("BNPL-2")
def test_the_explanation_is_rebuilt_from_the_row_and_its_version(world: World) -> None:
    world.merchant("m1")
    world.enable("m1")
    world.product("p1", "m1", "500.01")
    with world.ctx() as ctx:
        row = ctx.session.get(ProductFlagRow, "p1")
        assert row is not None
        decided = flags.explain(ctx, row=row)
    items = {i.measure: i for i in decided.decision.items}
    price = items["highest SKU price (BNPL-2)"]
    assert (price.value, price.comparison, price.target, price.outcome) == (
        "500.01",
        "<=",
        "500.00",
        "not met",
    )
    assert decided.decision.policy_version == "2022-06-23"


@pytest.mark.rule("BNPL-2")
def test_a_new_policy_version_in_force_is_applied_by_the_cycle(world: World) -> None:
    world.merchant("m1")
    world.enable("m1")
    world.product("p1", "m1", "550.00")
    assert not flag(world, "p1").flagged
    raised = version_with(world, "2024-04-01", price_limit=Money.parse("600.00"))
    raised = raised.model_copy(
        update={
            "effective_from": datetime.fromisoformat("2024-04-01T00:00:00+08:00"),
            "published_at": datetime.fromisoformat("2024-03-01T00:00:00+08:00"),
        }
    )
    policies = type(world.policies)(
        [*world.policies.versions(), raised], schemas=world.policies.schemas
    )
    now = world.at("2024-04-01T00:00:00+08:00")
    with world.ctx(policies) as ctx:
        report = bnpl_reflag(ctx, as_of=now)
    assert report["policy_version"] == "2024-04-01" and report["redecided"] == 1
    row = flag(world, "p1")
    assert row.flagged and row.policy_version == "2024-04-01"
