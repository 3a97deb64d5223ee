"""The snapshot step's input in ``bench/score.py --snapshots``: every merchant's aggregates.

The daily snapshot (``scoring/snapshots.py``) reads one mapping of whole numbers per merchant
(``scoring.service.all_aggregates``). Three contenders, each in its own process: the aggregates
query alone (to Arrow), the same with shopwarden's column-wise conversion, and the same with
the row-by-row conversion it had before (``to_pylist``, one dictionary per row). The
column-wise mapping makes a merchant's dictionary when it is read; ``bench/score.py`` prints
the time to read every merchant once beside it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any


def _prepare(root: Path, as_of: datetime) -> Any:
    from shopwarden.families import POLICY_SCHEMAS
    from shopwarden.metrics.engines import open_engine
    from shopwarden.policy.store import PolicyStore
    from shopwarden.scoring.service import parameters, policy_in_force

    open_engine(root).close()
    return parameters(policy_in_force(PolicyStore.load(schemas=POLICY_SCHEMAS), as_of))


def _query(root: Path, as_of: datetime, threads: int, policy: Any) -> Any:
    from shopwarden.metrics.engines import open_engine
    from shopwarden.scoring.service import aggregates_expression
    from shopwarden.scoring.window_rules import score_window

    engine = open_engine(root, threads=threads or None)
    try:
        window = score_window(as_of, policy.window_days)
        return engine.to_arrow(aggregates_expression(engine, policy, window))
    finally:
        engine.close()


def run_aggregates(
    root: Path, as_of: datetime, threads: int, *, prepare: bool, state: Any = None
) -> Any:
    """The aggregates query alone, to an Arrow table."""
    if prepare:
        return _prepare(root, as_of)
    return _query(root, as_of, threads, state)


def run_snapshot_input(
    root: Path, as_of: datetime, threads: int, *, prepare: bool, state: Any = None
) -> Any:
    """The query and shopwarden's conversion (``service.aggregates_by_merchant``)."""
    from shopwarden.scoring.service import aggregates_by_merchant

    if prepare:
        return _prepare(root, as_of)
    return aggregates_by_merchant(_query(root, as_of, threads, state))


def run_snapshot_rowwise(
    root: Path, as_of: datetime, threads: int, *, prepare: bool, state: Any = None
) -> Any:
    """The query and the row-by-row conversion shopwarden had before (58 s at 1M merchants)."""
    from shopwarden.scoring.measures_model import AGGREGATES

    if prepare:
        return _prepare(root, as_of)
    table = _query(root, as_of, threads, state)
    return {
        row["merchant_id"]: {name: int(row[name]) for name in AGGREGATES}
        for row in table.to_pylist()
    }


def digest(result: Any) -> str:
    """A fingerprint of the per-merchant numbers, to check the contenders agree on each."""
    from shopwarden.scoring.service import aggregates_by_merchant

    by_merchant = result if isinstance(result, Mapping) else aggregates_by_merchant(result)
    sha = hashlib.sha256()
    for merchant in sorted(by_merchant):
        sha.update(repr((merchant, sorted(by_merchant[merchant].items()))).encode())
    return sha.hexdigest()
