"""Campaign reports (REPORT-1): campaigns and their reports."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/reports", tags=["reports"])
