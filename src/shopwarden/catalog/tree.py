"""Reading the category tree from its YAML file (the values are ``tree_model.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from shopwarden.catalog.tree_model import Category, CategoryTree

__all__ = ["BUNDLED_TREE", "Category", "CategoryTree", "load_tree"]

BUNDLED_TREE = Path(__file__).parent / "data" / "categories.yaml"


def load_tree(path: Path = BUNDLED_TREE) -> CategoryTree:
    nodes = yaml.safe_load(path.read_text(encoding="utf-8"))
    return CategoryTree(list(_flatten(nodes, parent=None, prefix="/", depth=0)))


def _flatten(
    nodes: list[dict[str, Any]], *, parent: str | None, prefix: str, depth: int
) -> Iterator[Category]:
    for position, node in enumerate(nodes):
        path = f"{prefix}{node['code']}/"
        yield Category(node["code"], parent, node["zh"], node["en"], path, depth, position)
        yield from _flatten(
            node.get("children") or [], parent=node["code"], prefix=path, depth=depth + 1
        )
