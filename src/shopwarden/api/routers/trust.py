"""Trust purchase, 信任购 (TRUST-1..5): badges, look-up, the merchant view."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/trust", tags=["trust"])
