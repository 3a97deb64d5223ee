"""Finding products by a fragment of their name, Chinese included (TRUST-3).

Pure. A title is indexed by its characters and its pairs of adjacent characters, lower-cased:
a two-character Chinese fragment (手机) is one pair, a one-character one (壳) one character,
so neither needs a scan. A longer fragment's pairs narrow the candidates, and a ``LIKE`` on
the lower-cased title confirms them (the pairs do not say they are adjacent in that order).
"""

from __future__ import annotations

MAX_FRAGMENT = 100
"""The longest fragment looked up (characters)."""

MAX_PAIRS = 3
"""How many of a fragment's pairs narrow the candidates; the ``LIKE`` confirms the rest."""


def fold(text: str) -> str:
    """The form titles are indexed and matched in: lower-cased, so ``iPhone`` is ``iphone``.
    ``str.lower`` keeps the length (``casefold`` would not: ß becomes ss)."""
    return text.lower()


def title_grams(title: str) -> set[str]:
    """Every character (but blanks) and every pair of adjacent characters of the folded title."""
    folded = fold(title)
    singles = {c for c in folded if not c.isspace()}
    pairs = {folded[i : i + 2] for i in range(len(folded) - 1)}
    return singles | pairs


def query_grams(fragment: str) -> list[str]:
    """The grams a folded, non-empty ``fragment`` is looked up by: itself when one character,
    else up to :data:`MAX_PAIRS` of its distinct pairs, spread over it (first, last, middle)."""
    if len(fragment) == 1:
        return [fragment]
    pairs = list(dict.fromkeys(fragment[i : i + 2] for i in range(len(fragment) - 1)))
    if len(pairs) <= MAX_PAIRS:
        return pairs
    return list(dict.fromkeys((pairs[0], pairs[-1], pairs[len(pairs) // 2])))


def like_pattern(fragment: str) -> str:
    """``%fragment%`` with ``\\``, ``%`` and ``_`` escaped (``ESCAPE '\\'``)."""
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
