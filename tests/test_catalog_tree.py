"""The bundled category tree: names in both languages, and rules that reach every descendant."""

from __future__ import annotations

from shopwarden.catalog.tree import load_tree


def test_every_category_has_both_names_and_a_unique_code() -> None:
    tree = load_tree()
    assert len(tree) > 100
    assert len({c.code for c in tree.categories}) == len(tree)
    assert all(c.name_zh and c.name_en for c in tree.categories)


def test_a_rule_on_a_category_applies_to_its_descendants() -> None:
    tree = load_tree()
    rules = {"fresh_food": "excluded", "food_drinks": "ordinary"}
    assert tree.nearest("citrus_fruit", rules) == ("fresh_food", "excluded")
    assert tree.nearest("fresh_food", rules) == ("fresh_food", "excluded")
    snack = next(
        c.code for c in tree.descendants("food_drinks") if not tree.is_within(c.code, "fresh_food")
    )
    assert tree.nearest(snack, rules) == ("food_drinks", "ordinary")
    assert tree.nearest("mobile_phones", rules) is None
    assert {c.code for c in tree.descendants("fresh_food")} >= {"citrus_fruit"}
