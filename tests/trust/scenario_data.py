"""The order facts of the trust scenarios (tests/scenarios/trust_*.yaml).

``python3 -m tests.trust.scenario_data`` writes them into tests/scenarios/data/; the test in
``test_scenario_data.py`` checks the files there are what this module writes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from tests.trust.orders import FIRST_PAID, Batch, write_orders

DATA = Path(__file__).parents[1] / "scenarios" / "data"

FILES: dict[str, Callable[[], list[Batch]]] = {
    # m1: its own phone case (货主) sells 100 good orders; the earphones it promotes (带货)
    # 10, one with a complaint; m2: 100 good orders of its own case. Paid 2024-03-01..05.
    "trust_two_identities": lambda: [
        Batch("m1", "p1", 100),
        Batch("m1", "p2", 10, complaints=1),
        Batch("m2", "p9", 100),
    ],
    # One order paid 2024-03-01 and 99 paid 2024-03-02..06: 100 paid orders in the 30 days
    # before 2024-03-31, 99 in those before 2024-04-01 (TRUST-2: paid orders >= 100).
    "trust_paid_orders_edge": lambda: [
        Batch("m1", "p1", 1, days=1),
        Batch("m1", "p1", 99, prefix="b", start=FIRST_PAID + timedelta(days=1)),
    ],
}


def write_all(folder: Path = DATA) -> list[Path]:
    return [write_orders(folder / f"{name}.csv", batches()) for name, batches in FILES.items()]


if __name__ == "__main__":
    for path in write_all():
        print(path)
