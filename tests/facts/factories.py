"""Order-fact rows that read like the domain: a good order, then one thing wrong with it."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from shopwarden.bootstrap import Container
from shopwarden.facts.ingest import ingest_file
from shopwarden.facts.model import COLUMN_NAMES
from shopwarden.facts.service import BatchReport
from shopwarden.facts.storage import facts_dir


def order(
    order_id: str,
    merchant_id: str = "m1",
    product_id: str = "m1-p1",
    paid: str = "2024-03-01T10:00:00+08:00",
    **changes: Any,
) -> dict[str, str]:
    """A delivered, well-rated order; ``changes`` overrides columns (as text)."""
    paid_at = datetime.fromisoformat(paid)
    shipped = paid_at + timedelta(hours=10)
    delivered = shipped + timedelta(hours=20)
    row = dict.fromkeys(COLUMN_NAMES, "")
    row.update(
        order_id=order_id,
        merchant_id=merchant_id,
        product_id=product_id,
        amount_cents="9900",
        channel="live",
        flash_purchase="false",
        promised_shipping_hours="48",
        paid_at=paid_at.isoformat(),
        shipped_at=shipped.isoformat(),
        delivered_at=delivered.isoformat(),
        receipt_confirmed_at=(delivered + timedelta(days=1)).isoformat(),
        rated_at=(delivered + timedelta(hours=5)).isoformat(),
        product_rating="5",
        logistics_rating="5",
        service_rating="5",
        content_rating="5",
        cs_first_message_at=(paid_at - timedelta(minutes=30)).isoformat(),
        cs_first_response_seconds="60",
    )
    row.update({key: str(value) for key, value in changes.items()})
    return row


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns or list(COLUMN_NAMES))
        writer.writeheader()
        writer.writerows([{k: r.get(k, "") for k in (columns or COLUMN_NAMES)} for r in rows])
    return path


def ingest(workspace: Container, path: Path) -> BatchReport:
    """Ingest ``path`` into the workspace's own facts folder, as ``shopwarden ingest`` does."""
    return ingest_file(workspace.unit_of_work, root=facts_dir(workspace.settings.home), path=path)
