"""The reports family's tables (none yet)."""

from __future__ import annotations
