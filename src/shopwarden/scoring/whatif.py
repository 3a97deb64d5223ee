"""What if a draft score policy were in force? (SCORE-3, SCORE-6, POL-1)

Scores every merchant with orders in the window twice over the same facts, under the version
in force at ``as_of`` and under the draft, and reports who changes band and who gains or loses
a campaign, the distribution program or a merchant level. It reads facts and policies only:
no snapshot, decision or policy is written, so a draft can be tried as often as wanted.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]

from shopwarden.errors import InvalidInput
from shopwarden.policy.loader import Schemas, parse_policy
from shopwarden.policy.model import PolicyVersion
from shopwarden.policy.store import PolicyStore
from shopwarden.scoring.documents import window_document
from shopwarden.scoring.fixed_rules import to_units
from shopwarden.scoring.measures_model import TOTAL_DECIMALS
from shopwarden.scoring.policy import ScorePolicy
from shopwarden.scoring.service import FAMILY, parameters, policy_in_force, score_everyone

LISTED = 100  # merchants named per change; the counts cover everyone
UNSCORED = "insufficient_data"  # the band column of a merchant without a score (SCORE-4)


def draft_from_text(
    text: str, origin: str = "<draft policy>", *, schemas: Schemas, now: datetime
) -> PolicyVersion:
    """A draft as a draft: validated like any policy file, ``published_at`` optional (``now``
    stands in for it: publishing would set it)."""
    draft = parse_policy(text, origin=origin, schemas=schemas, draft_published_at=now)
    if draft.family != FAMILY:
        raise InvalidInput(
            f"a draft score policy is of family score, not {draft.family}", field="policy"
        )
    return draft


def draft_version(policies: PolicyStore, reference: str, *, now: datetime) -> PolicyVersion:
    """A path to a YAML file, or the id of a version in the policy book."""
    path = Path(reference)
    if path.suffix in (".yaml", ".yml") or path.is_file():
        if not path.is_file():
            raise InvalidInput(f"no draft policy file at {reference}", field="policy")
        text = path.read_text(encoding="utf-8")
        return draft_from_text(text, origin=str(path), schemas=policies.schemas, now=now)
    return policies.get(FAMILY, reference)


def simulate(
    root: Path,
    *,
    policies: PolicyStore,
    draft: PolicyVersion,
    as_of: datetime,
    engine: str = "duckdb",
) -> dict[str, Any]:
    """Score the facts under ``root`` under the version in force and under ``draft``."""
    current = policy_in_force(policies, as_of)
    before_policy, after_policy = parameters(current), parameters(draft)
    window, before = score_everyone(root, before_policy, as_of, engine=engine)
    _, after = score_everyone(root, after_policy, as_of, engine=engine)
    ids, old, new = _aligned(before, after)
    report: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "day": window.day.isoformat(),
        "window": window_document(window),
        "current": current.version,
        "draft": draft.version,
        "merchants": len(ids),
        "scored": {
            "current": int((old["score"] >= 0).sum()),
            "draft": int((new["score"] >= 0).sum()),
        },
        "band_changes": _band_changes(ids, old, new, before_policy, after_policy),
        "campaigns": {},
        "distribution_program": _gains_losses(
            ids,
            _meets(old["score"], before_policy.consumers.distribution_program.min_score),
            _meets(new["score"], after_policy.consumers.distribution_program.min_score),
        ),
        "merchant_levels": _level_changes(
            ids, old["score"], new["score"], before_policy, after_policy
        ),
    }
    campaigns = dict.fromkeys(
        [*before_policy.consumers.campaign_thresholds, *after_policy.consumers.campaign_thresholds]
    )
    for campaign in campaigns:
        report["campaigns"][campaign] = _gains_losses(
            ids,
            _meets(old["score"], before_policy.consumers.campaign_thresholds.get(campaign)),
            _meets(new["score"], after_policy.consumers.campaign_thresholds.get(campaign)),
        )
    return report


def _columns(table: pa.Table) -> dict[str, np.ndarray]:
    if table.num_rows == 0:
        return {"score": np.array([], np.int64), "band": np.array([], object)}
    score = table["score_hundredths"].fill_null(-1).to_numpy().astype(np.int64)
    band = np.array(table["band"].fill_null(UNSCORED).to_pylist(), dtype=object)
    return {"score": score, "band": band}


def _aligned(
    before: pa.Table, after: pa.Table
) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Both tables hold the same merchants (those with orders in the window); sort both."""
    if before.num_rows:
        before = before.sort_by("merchant_id")
        after = after.sort_by("merchant_id")
        ids = np.array(before["merchant_id"].to_pylist(), dtype=object)
    else:
        ids = np.array([], dtype=object)
    return ids, _columns(before), _columns(after)


def _meets(scores: np.ndarray, threshold: Any) -> np.ndarray:
    if threshold is None:
        return np.zeros(len(scores), bool)
    return scores >= to_units(threshold, TOTAL_DECIMALS)


def _listed(ids: np.ndarray, mask: np.ndarray) -> list[str]:
    return [str(m) for m in ids[mask][:LISTED]]


def _gains_losses(ids: np.ndarray, old: np.ndarray, new: np.ndarray) -> dict[str, Any]:
    gains, losses = new & ~old, old & ~new
    return {
        "gained": int(gains.sum()),
        "lost": int(losses.sum()),
        "gains": _listed(ids, gains),
        "losses": _listed(ids, losses),
    }


def _band_changes(
    ids: np.ndarray,
    old: dict[str, np.ndarray],
    new: dict[str, np.ndarray],
    before_policy: ScorePolicy,
    after_policy: ScorePolicy,
) -> dict[str, Any]:
    """Who changes band, and what each move does to the traffic weight (SCORE-6)."""
    changed = old["band"] != new["band"]
    counts: dict[tuple[str, str], int] = {}
    for before, after in zip(old["band"][changed], new["band"][changed], strict=True):
        counts[(before, after)] = counts.get((before, after), 0) + 1
    moves = [
        {
            "from": before,
            "to": after,
            "merchants": count,
            "traffic_weight_from": _weight(before_policy, before),
            "traffic_weight_to": _weight(after_policy, after),
        }
        for (before, after), count in sorted(counts.items(), key=lambda item: str(item[0]))
    ]
    listed = [
        {
            "merchant_id": str(ids[i]),
            "before": {"band": old["band"][i], "score": _text(old["score"][i])},
            "after": {"band": new["band"][i], "score": _text(new["score"][i])},
        }
        for i in np.flatnonzero(changed)[:LISTED]
    ]
    return {
        "changed": int(changed.sum()),
        "moves": moves,
        "merchants": listed,
    }


def _weight(policy: ScorePolicy, band: str) -> str:
    """The traffic weight a band (or no score yet, SCORE-4) brings under ``policy``."""
    consumers = policy.consumers
    if band == UNSCORED:
        return str(consumers.unscored_traffic_weight)
    weight = consumers.traffic_weight.get(band)
    return "" if weight is None else str(weight)


def _level_changes(
    ids: np.ndarray, old: np.ndarray, new: np.ndarray, before: ScorePolicy, after: ScorePolicy
) -> dict[str, Any]:
    old_level, new_level = _levels(old, before), _levels(new, after)
    return {
        "up": int((new_level > old_level).sum()),
        "down": int((new_level < old_level).sum()),
        "ups": _listed(ids, new_level > old_level),
        "downs": _listed(ids, new_level < old_level),
    }


def _levels(scores: np.ndarray, policy: ScorePolicy) -> np.ndarray:
    levels = np.zeros(len(scores), np.int64)
    for level in policy.consumers.merchant_levels:
        levels = np.where(_meets(scores, level.min_score), level.level, levels)
    return levels


def _text(hundredths: int) -> str | None:
    return None if hundredths < 0 else f"{hundredths // 100}.{hundredths % 100:02d}"
