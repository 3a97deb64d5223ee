"""Path and query parameters shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

MAX_ROW_ID = 2**63 - 1
"""The largest id a database row can have (a signed 64-bit integer)."""

RowId = Annotated[
    int,
    Path(
        ge=1,
        le=MAX_ROW_ID,
        description="A row id, 1 to 2^63-1; outside that range answers 422 naming it.",
    ),
]
"""A numeric id in the path: 1..2^63-1, else 422 ``invalid-input`` naming the parameter."""
