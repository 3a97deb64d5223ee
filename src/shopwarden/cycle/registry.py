"""What a governance-cycle step is: a named function of a context and the cycle's instant.

A step must be idempotent for its instant (it records its decisions with a dedupe key),
because the cycle may be asked again for the same instant and must then change nothing.
Defining a step registers nothing: each domain lists its steps in its ``steps.py`` as
``STEPS``, and the composition root (``families.py``) puts the domains in the order they run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shopwarden.context import Context

StepFunction = Callable[..., dict[str, Any]]
"""``step(ctx, *, as_of) -> report``: what the step did, JSON-ready, for the cycle's record."""


@dataclass(frozen=True)
class CycleStep:
    name: str
    rules: tuple[str, ...]
    run: StepFunction

    def __call__(self, ctx: Context, *, as_of: datetime) -> dict[str, Any]:
        return self.run(ctx, as_of=as_of)


def cycle_step(name: str, *rules: str) -> Callable[[StepFunction], CycleStep]:
    """Make ``function`` a step named ``name`` that applies ``rules``."""

    def define(function: StepFunction) -> CycleStep:
        return CycleStep(name, rules, function)

    return define
