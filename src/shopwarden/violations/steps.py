"""The violation rules the governance cycle applies as of its instant (VIO-1, VIO-5).

Enforcement never waits for the cycle: a measure is in force from its start to its end by
the clock (``rules.MeasureFacts.in_force``). The cycle records what time did: a measure whose
end has come is recorded as lifted at its end, and a measure that started since the last
cycle with products to take off sale takes them off sale. Both are idempotent: a second run
for the same instant, or a later one, finds nothing left to do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shopwarden.context import Context
from shopwarden.cycle.registry import cycle_step
from shopwarden.violations import cases


@cycle_step("violations-measures-start", "VIO-1")
def measures_start(ctx: Context, *, as_of: datetime) -> dict[str, Any]:
    return dict(cases.start_due(ctx, as_of=as_of))


@cycle_step("violations-measures-end", "VIO-5")
def measures_end(ctx: Context, *, as_of: datetime) -> dict[str, Any]:
    return dict(cases.lift_due(ctx, as_of=as_of))


STEPS = (measures_start, measures_end)
