"""What the sources do not give is marked, machine-readably, and an assumed version can be
replaced by an operator's own (issue 10 item 5).

- every bundled version loads its ``assumption`` / ``assumptions`` markers, each path naming a
  value the version has, and every line of a bundled file commented ``Default`` is covered;
- a marker naming no value, or a path twice, or a store-only key in a file, is refused;
- an operator replaces the illustrative score version before 2023-12-15 by publishing a
  version with ``replaces:`` and the same span; nothing else may be replaced or start early.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from shopwarden.clock import SHANGHAI
from shopwarden.errors import Conflict, PolicyInvalid
from shopwarden.families import POLICY_SCHEMAS
from shopwarden.policy.loader import BUNDLED_DIR, format_path, parse_policy
from shopwarden.policy.store import PolicyStore

NOW = datetime(2024, 3, 1, 9, 0, tzinfo=SHANGHAI)
BUNDLED = sorted(BUNDLED_DIR.rglob("*.yaml"))
SCORE_NEW = (BUNDLED_DIR / "score" / "2023-12-15.yaml").read_text(encoding="utf-8")
REVISED = "2023-12-15T00:00:00+08:00"


def replacement(
    version: str = "2023-06-01-operator",
    replaces: str = "2023-06-01",
    effective_from: str = "2023-06-01T00:00:00+08:00",
) -> str:
    """The operator's real pre-revision rules: here, the revised band table, dated earlier."""
    text = re.sub(r"(?m)^version: .*$", f'version: "{version}"', SCORE_NEW)
    text = re.sub(r"(?m)^effective_from: .*$", f'effective_from: "{effective_from}"', text)
    text = re.sub(r"(?m)^revised_on: .*$", "revised_on: 2023-05-20", text)
    return re.sub(r"(?m)^(source: .*)$", rf'\1\nreplaces: "{replaces}"', text)


@pytest.fixture
def store(tmp_path: Path) -> PolicyStore:
    return PolicyStore.load(schemas=POLICY_SCHEMAS, workspace_dir=tmp_path / "policies")


# markers -------------------------------------------------------------------------------------
@pytest.mark.rule("POL-1")
def test_the_score_version_before_the_revision_is_marked_illustrative() -> None:
    old = PolicyStore.load(schemas=POLICY_SCHEMAS).get("score", "2023-06-01")
    assert old.assumption is not None and "not taken from the sources" in old.assumption
    document = old.document()
    assert document["assumption"] == old.assumption
    assert {"path": "parameters.bands", "reason": old.assumed_paths()["parameters.bands"]} in (
        document["assumptions"]
    )
    assert PolicyStore.load(schemas=POLICY_SCHEMAS).get("score", "2023-12-15").assumption is None


def test_every_bundled_version_declares_its_assumed_values() -> None:
    for version in PolicyStore.load(schemas=POLICY_SCHEMAS).versions():
        assert version.assumption is not None or version.assumptions, version.ref
    deposits = (
        PolicyStore.load(schemas=POLICY_SCHEMAS).get("deposits", "2023-01-01").assumed_paths()
    )
    assert "parameters.consumer_protection.category_requirements" in deposits
    assert "parameters.consumer_protection.minimum" not in deposits  # DEP-1: 1000.00, seed 002


def _key_paths(node: yaml.Node, loc: tuple[int | str, ...], into: dict[int, str]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            into.setdefault(key.start_mark.line + 1, format_path((*loc, key.value)))
            _key_paths(value, (*loc, key.value), into)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _key_paths(item, (*loc, index), into)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_value_commented_as_default_or_assumption_is_marked(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    keys: dict[int, str] = {}
    _key_paths(yaml.compose(text), (), keys)
    marked = list(parse_policy(text, schemas=POLICY_SCHEMAS, origin=str(path)).assumed_paths())
    for number, line in enumerate(text.splitlines(), start=1):
        comment = line.partition("#")[2]
        said = "Default" in comment or "assumption" in comment.lower()
        if not said or number not in keys or keys[number].startswith("assum"):
            continue
        key = keys[number]
        covered = [p for p in marked if key == p or key.startswith((p + ".", p + "["))]
        below = [p for p in marked if p.startswith(key + ".") or p.startswith(key + "[")]
        assert covered or below, f"{path.name}:{number} {key} is an assumption but not marked"


def _with_assumptions(block: str) -> str:
    return re.sub(r"(?m)^assumptions:.*(\n  - .*)+$", block.rstrip("\n"), SCORE_NEW)


def test_an_assumption_naming_no_value_is_refused_with_its_line() -> None:
    text = _with_assumptions(
        "assumptions:\n"
        "  - {path: parameters.rounding, reason: ours}\n"
        "  - {path: parameters.no_such_thing, reason: ours}\n"
    )
    with pytest.raises(PolicyInvalid) as refused:
        parse_policy(text, schemas=POLICY_SCHEMAS, origin="x.yaml")
    line = text.splitlines().index("  - {path: parameters.no_such_thing, reason: ours}") + 1
    assert f"x.yaml:{line}: assumptions[1].path: parameters.no_such_thing names no value" in str(
        refused.value
    )


@pytest.mark.parametrize(
    ("block", "reason"),
    [
        ("assumptions:\n  - {path: floor, reason: x}\n  - {path: floor, reason: y}\n", "once"),
        ("assumptions:\n  - {path: parameters.rounding}\n", "required"),
        ("assumptions:\n  - {path: parameters.rounding, reason: ''}\n", "at least 1"),
        ("assumptions:\n  - {path: 'Parameters..x', reason: y}\n", "pattern"),
        ("assumptions: []\nreplaced_by: x\n", "unknown key"),
    ],
)
def test_bad_markers_are_refused(block: str, reason: str) -> None:
    with pytest.raises(PolicyInvalid, match=reason):
        parse_policy(_with_assumptions(block), origin="x.yaml", schemas=POLICY_SCHEMAS)


# replacing an assumed version -------------------------------------------------------------------
@pytest.mark.rule("POL-2")
def test_an_operator_replaces_the_assumed_version_for_its_whole_span(store, tmp_path) -> None:
    published = store.publish(replacement(), now=NOW)
    assert published.replaces == "2023-06-01" and published.published_at == NOW
    before_revision = datetime(2023, 10, 1, tzinfo=SHANGHAI)
    assert store.in_force("score", before_revision).version == "2023-06-01-operator"
    assert store.in_force("score", NOW).version == "2023-12-15"
    old = store.get("score", "2023-06-01")
    assert old.replaced_by == "2023-06-01-operator"
    assert old.document()["replaced_by"] == "2023-06-01-operator"
    assert [v.version for v in store.versions("score")] == ["2023-06-01-operator", "2023-12-15"]
    assert [v.version for v in store.replaced("score")] == ["2023-06-01"]
    assert store.previous(store.get("score", "2023-12-15")) == published
    # after a restart the replacement is read back from the workspace
    again = PolicyStore.load(schemas=POLICY_SCHEMAS, workspace_dir=tmp_path / "policies")
    assert again.in_force("score", before_revision).version == "2023-06-01-operator"
    assert again.get("score", "2023-06-01").replaced_by == "2023-06-01-operator"


@pytest.mark.rule("POL-2")
@pytest.mark.parametrize(
    ("text", "match"),
    [
        (replacement(replaces="2023-12-15", effective_from=REVISED), "not marked"),
        (replacement(effective_from="2023-07-01T00:00:00+08:00"), "same span"),
        (replacement(replaces="1999-01-01"), "no such version"),
        (replacement(version="2023-12-15"), "defined twice"),
    ],
)
def test_only_an_assumed_version_is_replaced_and_only_for_its_span(store, text, match) -> None:
    with pytest.raises(Conflict, match=match):
        store.publish(text, now=NOW)
    assert store.get("score", "2023-06-01").replaced_by is None


@pytest.mark.rule("POL-2")
def test_an_assumed_version_is_replaced_once(store) -> None:
    store.publish(replacement(), now=NOW)
    with pytest.raises(Conflict, match="already replaced by 2023-06-01-operator"):
        store.publish(replacement(version="2023-06-01-b"), now=NOW + timedelta(days=1))


@pytest.mark.rule("POL-2")
@pytest.mark.rule("POL-4")
def test_without_replaces_a_version_starting_in_the_past_is_still_refused(store) -> None:
    text = replacement().replace('replaces: "2023-06-01"\n', "")
    with pytest.raises(PolicyInvalid, match="POL-2"):
        store.publish(text, now=NOW)
