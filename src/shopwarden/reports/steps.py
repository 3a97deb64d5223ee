"""The reports family's governance-cycle steps (none yet)."""

from __future__ import annotations

from shopwarden.cycle.registry import CycleStep

STEPS: tuple[CycleStep, ...] = ()
