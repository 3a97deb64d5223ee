"""The demo's violations part (VIO-1..6): a case with measures, an appeal upheld.

One merchant gets a case with delisting and muting and, when its wallet can pay it, a penalty;
it appeals, and an operator upholds the appeal: the measures lift at once and the penalty goes
back through the ledger. Another gets its shopping cart suspended and its short videos less
exposure for a week, and the enforcement answer says no to live selling.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Select, select

from shopwarden.bootstrap import Container
from shopwarden.clock import SimulatedClock
from shopwarden.ledger.model import merchant_account_code
from shopwarden.money import Money
from shopwarden.violations import appeals, cases, enforcement
from shopwarden.violations.schemas import AppealIn, CaseIn
from shopwarden.violations.tables import MeasureRow

PENALTY = Money.parse("50.00")


def run_violations_part(
    container: Container, clock: SimulatedClock, ids: list[str]
) -> dict[str, str]:
    if len(ids) < 3:
        return {}
    appellant, suspended = ids[1], ids[2]
    case_id, delisted = _open_cases(container, clock, appellant, suspended)
    clock.advance_to(clock.now() + timedelta(hours=2))
    with container.unit_of_work() as ctx:
        filed = appeals.file(
            ctx,
            data=AppealIn(case_id=case_id, statement="the descriptions were corrected"),
            filed_by=f"merchant:{appellant}",
        )
        decided = appeals.decide(
            ctx,
            appeal_id=filed.id,
            outcome="upheld",
            reason="the complaints concerned another store",
            decided_by="operator:demo",
            key="demo:vio:appeal",
        )
        live = enforcement.check(ctx, merchant_id=suspended, action="live_sell")
        weight, _ = enforcement.exposure(ctx, merchant_id=suspended)
        muted = enforcement.check(ctx, merchant_id=appellant, action="private_message")
    given_back = "1" if decided.refund_txn_id is not None else "0 (no penalty charged)"
    return {
        "violation cases opened": "2",
        f"products delisted ({appellant})": str(delisted),
        "appeals upheld / penalties given back": f"1 / {given_back}",
        f"{appellant} may send private messages": muted.outcome,
        f"{suspended} may sell in live streams": f"{live.outcome} ({live.rule_id})",
        f"{suspended} short-video exposure weight": str(weight),
    }


def _open_cases(
    container: Container, clock: SimulatedClock, appellant: str, suspended: str
) -> tuple[int, int]:
    """The two cases; returns the first's id and how many products it took off sale."""
    week = (clock.now() + timedelta(days=7)).isoformat()
    with container.unit_of_work() as ctx:
        wallet = ctx.ledger.balance(merchant_account_code(appellant, "wallet"))
        data: dict[str, Any] = {
            "merchant_id": appellant,
            "broken_rule": "misleading product descriptions",
            "evidence": "demo: consumer complaints",
            "measures": [{"measure": "delist_and_ban", "ends_at": week}, {"measure": "mute"}],
        }
        if wallet.available >= PENALTY.cents:
            data["penalty"] = PENALTY.to_text()
        case = cases.open_case(
            ctx, data=CaseIn.model_validate(data), opened_by="operator:demo", key="demo:vio:1"
        )
        delisted = sum(m.delisted_count for m in ctx.session.scalars(_measures(case.id)))
        second = CaseIn.model_validate(
            {
                "merchant_id": suspended,
                "broken_rule": "off-platform payment requests in live streams",
                "evidence": "demo: live stream recording",
                "measures": [
                    {"measure": "suspend_cart", "ends_at": week},
                    {"measure": "reduced_recommendation", "ends_at": week},
                ],
            }
        )
        cases.open_case(ctx, data=second, opened_by="operator:demo", key="demo:vio:2")
        return case.id, delisted


def _measures(case_id: int) -> Select[MeasureRow]:
    return select(MeasureRow).where(MeasureRow.case_id == case_id)
