"""docs/rules.md is the project's own rule book: every rule ID cited in src/ has its entry
there, and no page points outside the repository (a clone has no ../shared)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]
RULE_ID = re.compile(r"\b(?:POL|DEP|SCORE|BNPL|SHIP|VIO|TRUST|REPORT)-\d+\b")
RULES_DOC = ROOT / "docs" / "rules.md"


def _cited_in_src() -> set[str]:
    cited: set[str] = set()
    for path in (ROOT / "src" / "shopwarden").rglob("*"):
        if path.is_file() and path.suffix in {".py", ".yaml", ".yml", ".sql"}:
            cited |= set(RULE_ID.findall(path.read_text(encoding="utf-8")))
    return cited


def _entries() -> set[str]:
    """IDs that open a heading (``### DEP-6 — …``) or a table row (``| DEP-6 | …``)."""
    entries: set[str] = set()
    for line in RULES_DOC.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^(?:#+\s+|\|\s*)(" + RULE_ID.pattern + r")", line)
        if match:
            entries.add(match.group(1))
    return entries


def test_every_rule_cited_in_src_has_an_entry_in_the_rule_book() -> None:
    cited = _cited_in_src()
    assert len(cited) > 50, sorted(cited)  # the regex still finds the IDs
    missing = sorted(cited - _entries())
    assert not missing, f"cited in src/ but not a heading or table row of docs/rules.md: {missing}"


def test_every_family_of_the_book_is_complete() -> None:
    expected = {
        *(f"POL-{n}" for n in range(1, 5)),
        *(f"DEP-{n}" for n in range(1, 16)),
        *(f"SCORE-{n}" for n in range(1, 7)),
        *(f"BNPL-{n}" for n in range(1, 12)),
        *(f"SHIP-{n}" for n in range(1, 6)),
        *(f"VIO-{n}" for n in range(1, 7)),
        *(f"TRUST-{n}" for n in range(1, 6)),
        "REPORT-1",
    }
    assert not expected - _entries()


def test_no_page_links_outside_the_repository() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    outside = [
        f"{page.relative_to(ROOT)}:{number}"
        for page in pages
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), start=1)
        if "../shared" in line
    ]
    assert not outside, outside


def test_the_readme_links_the_rule_book() -> None:
    assert "(docs/rules.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
