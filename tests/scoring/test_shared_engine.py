"""The engine the daily snapshot keeps between cycles reads what a fresh one reads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shopwarden.facts.storage import facts_dir, stored_files
from shopwarden.families import POLICY_SCHEMAS
from shopwarden.metrics.engines import open_engine, shared_engine, sharing_engines
from shopwarden.policy.store import PolicyStore
from shopwarden.scoring.service import all_aggregates, parameters, policy_in_force
from shopwarden.scoring.window_rules import score_window
from tests.scoring.conftest import AS_OF


def _aggregates(engine_root: Path, shared: bool) -> dict[str, dict[str, int]]:
    policy = parameters(policy_in_force(PolicyStore.load(schemas=POLICY_SCHEMAS), AS_OF))
    window = score_window(AS_OF, policy.window_days)
    engine = shared_engine(engine_root) if shared else open_engine(engine_root)
    try:
        return dict(all_aggregates(engine, policy, window).items())
    finally:
        engine.close()


@pytest.mark.rule("SCORE-5")
def test_the_shared_engine_gives_the_fresh_engines_aggregates(generated_home: Path) -> None:
    root = facts_dir(generated_home)
    fresh = _aggregates(root, shared=False)
    assert _aggregates(root, shared=True) == fresh and len(fresh) == 40
    kept = shared_engine(root)
    kept.close()  # closing a shared engine leaves it open for the next cycle
    assert shared_engine(root) is kept
    assert _aggregates(root, shared=True) == fresh


@pytest.mark.rule("SCORE-5")
def test_changed_facts_make_a_new_shared_engine(generated_home: Path, tmp_path: Path) -> None:
    root = tmp_path / "facts"
    shutil.copytree(facts_dir(generated_home), root)
    before = shared_engine(root)
    whole = _aggregates(root, shared=True)
    stored_files(root)[-1].unlink()  # the last day's orders are gone
    after = shared_engine(root)
    assert after is not before
    assert _aggregates(root, shared=True) == _aggregates(root, shared=False) != whole


@pytest.mark.rule("SCORE-5")
def test_open_engine_shares_only_while_sharing(generated_home: Path) -> None:
    root = facts_dir(generated_home)
    with sharing_engines():
        first, second = open_engine(root), open_engine(root)
        assert first is second is shared_engine(root)
        own = open_engine(root, threads=1)  # with options: an engine of its own
        assert own is not first
        own.close()
        fresh = _aggregates(root, shared=False)
    outside = open_engine(root)
    try:
        assert outside is not first
    finally:
        outside.close()
    assert _aggregates(root, shared=True) == fresh  # the compiled SQL kept, the same answer
