"""The live-sessions schema: one row per live broadcast of a store (REPORT-1's broadcast hours).

A second facts dataset beside the orders: an order paid during a broadcast names it in
``live_session_id``. Pure, like ``model.py``: the ingester builds its checks from
:data:`SESSION_COLUMNS`, the storage its Arrow schema, the docs their table.
"""

from __future__ import annotations

from shopwarden.facts.model import Column, CrossCheck

MAX_SESSION_SECONDS = 48 * 3600
"""A plausibility bound (not a rule): a broadcast longer than two days is a feed error."""

SESSION_COLUMNS: tuple[Column, ...] = (
    Column("session_id", "id", True, "The live session's id; unique across all sessions."),
    Column("merchant_id", "id", True, "The store that broadcast."),
    Column("started_at", "instant", True, "The broadcast started; its Shanghai day is its day."),
    Column("ended_at", "instant", True, "The broadcast ended."),
)

SESSION_COLUMN_NAMES = tuple(column.name for column in SESSION_COLUMNS)
SESSION_REQUIRED = SESSION_COLUMN_NAMES

SESSION_CROSS_CHECKS: tuple[CrossCheck, ...] = (CrossCheck("time_order", "ended_at", "started_at"),)

SESSION_REASONS: dict[str, str] = {
    "missing_value": "a required column is empty",
    "bad_type": "the value is not of the column's type",
    "no_time_zone": "an instant without its time zone (or without its time)",
    "bad_identifier": "an id that is not letters, digits and _ . - (at most 64)",
    "out_of_range": "an instant outside 2000..2099",
    "time_order": "the session ends before it starts",
    "too_long": f"the session lasts more than {MAX_SESSION_SECONDS // 3600} hours",
    "unknown_merchant": "the catalog has merchants, and not this one",
    "duplicate_in_file": "the session appears earlier in the same file",
    "conflicts_with_stored": "the session is stored already, with other facts",
}
"""Every quarantine reason of a live-sessions file, in the order the checks run."""


def is_sessions_header(names: list[str]) -> bool:
    """A file whose header names ``session_id`` (and no order column) is a live-sessions file."""
    return "session_id" in names and "order_id" not in names
