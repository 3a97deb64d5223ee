"""The nested category tree, as pure values (``tree.py`` reads it from its file).

A rule keyed on a category applies to all its descendants (BNPL-3 exclusions, DEP-2 deposit
requirements): :meth:`CategoryTree.nearest` finds the closest ancestor-or-self with a rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    parent_code: str | None
    name_zh: str
    name_en: str
    path: str  # "/apparel/underwear_intimates/"
    depth: int
    position: int


class CategoryTree:
    def __init__(self, categories: list[Category]) -> None:
        self._by_code = {c.code: c for c in categories}
        self.categories = categories

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __len__(self) -> int:
        return len(self.categories)

    def get(self, code: str) -> Category | None:
        return self._by_code.get(code)

    def lineage(self, code: str) -> list[str]:
        """The codes from the root down to ``code`` itself."""
        category = self._by_code[code]
        return [part for part in category.path.split("/") if part]

    def is_within(self, code: str, ancestor: str) -> bool:
        return ancestor in self.lineage(code)

    def descendants(self, code: str) -> list[Category]:
        prefix = self._by_code[code].path
        return [c for c in self.categories if c.path.startswith(prefix) and c.code != code]

    def nearest(self, code: str, rules: Mapping[str, T]) -> tuple[str, T] | None:
        """The rule of the closest ancestor-or-self of ``code`` that has one."""
        for candidate in reversed(self.lineage(code)):
            if candidate in rules:
                return candidate, rules[candidate]
        return None
