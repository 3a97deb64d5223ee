"""Parameters of the ``reports`` policy family: the measures of a campaign report (REPORT-1)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from shopwarden.policy.types import Amount, PolicyModel, PositiveCount, unique

ReportMeasure = Literal[
    "gmv_completion_rate",  # GMV / target
    "gmv_growth_yoy",
    "short_video_gmv_growth_yoy",
    "broadcast_hours_growth",  # streamer broadcast hours
    "fan_repurchase_rate",
]


class ReportsPolicy(PolicyModel):
    """Which measures a campaign report shows, overall and per merchant, in this order; what a
    big session is; the longest campaign a report covers."""

    measures: Annotated[tuple[ReportMeasure, ...], AfterValidator(unique)] = Field(min_length=1)
    # REPORT-1: a single session's GMV of a million (百万) or more counts as a big session.
    big_session_gmv_inclusive: Amount
    max_campaign_days: PositiveCount = 366
