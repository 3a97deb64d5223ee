"""The steps of the governance cycle, registered by each domain.

A step is a function of the session, the container's clock and policies, and ``as_of``; it
must be idempotent for its instant (record its decisions with a dedupe key), because the cycle
may be asked again for the same instant and must then change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from shopwarden.clock import Clock
from shopwarden.policy.store import PolicyStore


@dataclass(frozen=True)
class StepContext:
    session: Session
    clock: Clock
    policies: PolicyStore
    as_of: datetime


StepFunction = Callable[[StepContext], dict[str, Any]]


@dataclass(frozen=True)
class CycleStep:
    name: str
    rules: tuple[str, ...]
    run: StepFunction
    module: str


STEPS: list[CycleStep] = []


def cycle_step(name: str, *rules: str) -> Callable[[StepFunction], StepFunction]:
    """Register a step under ``name``, citing the rules it applies."""

    def register(function: StepFunction) -> StepFunction:
        if any(step.name == name for step in STEPS):
            raise ValueError(f"cycle step {name} registered twice")
        STEPS.append(CycleStep(name, rules, function, function.__module__))
        return function

    return register
