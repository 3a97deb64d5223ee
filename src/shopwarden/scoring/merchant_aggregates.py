"""Every merchant's window aggregates, as the engine returned them: column-wise.

The daily snapshot (SCORE-5) reads one merchant's whole numbers at a time, for up to millions
of merchants. Converting the engine's table row by row (``to_pylist``, one dictionary of
Python integers per merchant held at once) took about a minute and a gigabyte per million
merchants; here the numbers stay in one integer matrix (a column of Arrow each, copied once)
with an index of merchant ids, and a merchant's mapping is made when it is read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

from shopwarden.scoring.measures_model import AGGREGATES


class MerchantAggregates(Mapping[str, dict[str, int]]):
    """Merchant id -> ``{aggregate: whole number}`` for every name of ``AGGREGATES``; from
    no table, no merchant."""

    def __init__(self, table: pa.Table | None = None) -> None:
        merchants = [] if table is None else table.column("merchant_id").to_pylist()
        self._row = {merchant: row for row, merchant in enumerate(merchants)}
        self._numbers = np.empty((len(merchants), len(AGGREGATES)), np.int64)
        for index, name in enumerate(AGGREGATES if merchants else ()):
            assert table is not None
            self._numbers[:, index] = _integers(table.column(name))

    def __getitem__(self, merchant_id: str) -> dict[str, int]:
        numbers: list[int] = self._numbers[self._row[merchant_id]].tolist()
        return dict(zip(AGGREGATES, numbers, strict=True))

    def __iter__(self) -> Iterator[str]:
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)

    def __contains__(self, merchant_id: object) -> bool:
        return merchant_id in self._row


def _integers(column: pa.ChunkedArray) -> np.ndarray:
    """An int64 column without NULLs (the engine's aggregates never are) as one array, read
    from Arrow's buffers: ``to_numpy`` would import pandas, a second per process."""
    assert column.type == pa.int64() and column.null_count == 0, column.type
    parts = [
        np.frombuffer(chunk.buffers()[1], np.int64, len(chunk), chunk.offset * 8)
        for chunk in column.chunks
    ]
    return np.concatenate(parts) if parts else np.empty(0, np.int64)
