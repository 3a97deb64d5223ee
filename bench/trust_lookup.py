"""How fast the trust purchase look-up by name fragment is on a big catalogue (TRUST-3),
beside a ``LIKE '%…%'`` scan of the products table in the same run.

    python bench/trust_lookup.py [--products 1000000] [--merchants 1000] [--rounds 30]
                                 [--limit 20] [--backend sqlite|postgresql] [--pg-url URL]

On a fresh migrated database: the category tree, ``--merchants`` merchants and ``--products``
products whose titles are drawn (seeded) from Chinese and Latin words ("防摔手机壳 iPhone 15 黑色
款"), inserted in batches. Trust mirrors them with its own code (``index.catch_up``: the
lower-cased titles and their characters and pairs, written in batches), timed and shown.

Then, for fragments of 1 to 6 characters, Chinese, Latin and mixed, common and rare:
  index     the application's query (``queries.by_title``): a join per chosen pair on the
            (gram, product) key, confirmed by ``LIKE`` on the lower-cased title;
  baseline  ``SELECT id FROM products WHERE lower(title) LIKE '%fragment%'``, a scan;
both ``ORDER BY`` product id with the same ``LIMIT``, each run ``--rounds`` times alternating
who goes first after one untimed warm-up; p50 and p99 per query and the ratio of the p50s.
Both must return the same ids (checked). SQLite's ``lower`` folds ASCII only, which is all
the fragments need.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, text

from databases import fresh_database  # bench/databases.py
from shopwarden.catalog.service import sync_categories
from shopwarden.catalog.tables import MerchantRow, ProductRow
from shopwarden.catalog.tree import load_tree
from shopwarden.db.engine import Database
from shopwarden.trust import index
from shopwarden.trust.queries import by_title
from shopwarden.trust.search_model import fold

DEFAULT_PG = os.environ.get(
    "SHOPWARDEN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
NOW = datetime(2024, 3, 1, 1, 0, tzinfo=UTC)
ADJECTIVES = (
    "防摔",
    "透明",
    "加厚",
    "超薄",
    "磨砂",
    "真皮",
    "硅胶",
    "原装",
    "便携",
    "无线",
    "蓝牙",
    "降噪",
    "快充",
    "儿童",
    "商务",
    "复古",
)
NOUNS = (
    "手机壳",
    "耳机",
    "充电器",
    "数据线",
    "钢化膜",
    "保温杯",
    "围巾",
    "连衣裙",
    "运动鞋",
    "背包",
    "台灯",
    "茶叶",
    "蜂蜜",
    "坚果",
    "面膜",
    "口红",
    "手表",
    "键盘",
    "鼠标",
    "音箱",
)
BRANDS = (
    "iPhone",
    "Huawei",
    "Xiaomi",
    "OPPO",
    "vivo",
    "Honor",
    "Anker",
    "Sony",
    "Lenovo",
    "Apple",
)
COLOURS = (
    "黑色",
    "白色",
    "红色",
    "蓝色",
    "粉色",
    "灰色",
    "金色",
    "绿色",
)
FRAGMENTS = (
    "壳",  # 1 character, common
    "巾",  # 1 character, rarer
    "手机",  # 2 characters, common
    "围巾",  # 2 characters
    "手机壳",  # 3
    "iphone",  # Latin, any case
    "防摔手机壳",  # 5
    "蓝牙耳机 sony",  # mixed, rare
    "真皮围巾 apple",  # mixed, rare combination
    "不存在",  # no match
)


def title(rng: random.Random, i: int) -> str:
    words = [rng.choice(ADJECTIVES) + rng.choice(NOUNS), rng.choice(BRANDS)]
    words += [str(rng.randint(1, 20)), rng.choice(COLOURS) + "款"]
    return " ".join(words) + f" {i % 997}"


def seed(db: Database, products: int, merchants: int) -> None:
    rng = random.Random(7)
    with db.transaction() as session:
        sync_categories(session, load_tree())
        leaf = "mobile_phones"
        session.execute(
            insert(MerchantRow),
            [
                {
                    "id": f"m{m:05d}",
                    "name": f"Merchant {m}",
                    "status": "open",
                    "wallet_upgraded": True,
                    "created_at": NOW,
                    "status_changed_at": NOW,
                }
                for m in range(merchants)
            ],
        )
    batch = 50_000
    for start in range(0, products, batch):
        rows = [
            {
                "id": f"p{i:08d}",
                "merchant_id": f"m{i % merchants:05d}",
                "title": title(rng, i),
                "category_code": leaf,
                "origin": "distributed" if i % 5 == 0 else "self_built",
                "listed": True,
                "promised_shipping_hours": None,
                "flash_purchase": False,
                "created_at": NOW,
                "updated_at": NOW,
            }
            for i in range(start, min(start + batch, products))
        ]
        with db.transaction() as session:
            session.execute(insert(ProductRow), rows)


def analyze(db: Database) -> None:
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.exec_driver_sql("ANALYZE")


def index_lookup(db: Database, fragment: str, limit: int) -> list[str]:
    with db.transaction(read_only=True) as session:
        return list(session.scalars(by_title(fold(fragment)).limit(limit)))


def scan_lookup(db: Database, fragment: str, limit: int) -> list[str]:
    sql = "SELECT id FROM products WHERE lower(title) LIKE :pattern ORDER BY id LIMIT :limit"
    with db.transaction(read_only=True) as session:
        found = session.execute(text(sql), {"pattern": f"%{fold(fragment)}%", "limit": limit})
        return [row[0] for row in found]


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function()
    return (time.perf_counter() - start) * 1000, result


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def measure(db: Database, fragment: str, rounds: int, limit: int) -> list[str]:
    contenders = {
        "index": lambda: index_lookup(db, fragment, limit),
        "baseline": lambda: scan_lookup(db, fragment, limit),
    }
    answers = {name: run() for name, run in contenders.items()}  # warm-up, untimed
    if answers["index"] != answers["baseline"]:
        sys.exit(
            f"{fragment!r}: the index found {answers['index'][:5]}…, the scan "
            f"{answers['baseline'][:5]}…"
        )
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for r in range(rounds):
        order = list(contenders) if r % 2 == 0 else list(reversed(contenders))
        for name in order:
            times[name].append(timed(contenders[name])[0])
    i50, b50 = statistics.median(times["index"]), statistics.median(times["baseline"])
    return [
        repr(fragment),
        str(len(fragment)),
        str(len(answers["index"])),
        f"{i50:.2f}",
        f"{p99(times['index']):.2f}",
        f"{b50:.2f}",
        f"{p99(times['baseline']):.2f}",
        f"{b50 / i50:.1f}x",
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--merchants", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    args = parser.parse_args(argv)
    with fresh_database(args.backend, args.pg_url, "trust") as url:
        db = Database(url)
        seconds, _ = timed(lambda: seed(db, args.products, args.merchants))
        print(f"{args.backend}: {args.products} products inserted in {seconds / 1000:.1f} s")

        def mirror() -> int:
            with db.transaction() as session:
                return index.catch_up(session)

        seconds, mirrored = timed(mirror)
        analyze(db)
        print(
            f"trust mirrored {mirrored} products (titles and their grams) in {seconds / 1000:.1f} s"
        )
        header = [
            "fragment",
            "chars",
            "found",
            "index p50 ms",
            "index p99 ms",
            "scan p50 ms",
            "scan p99 ms",
            "scan/index p50",
        ]
        rows = [measure(db, f, args.rounds, args.limit) for f in FRAGMENTS]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))
        db.engine.dispose()


if __name__ == "__main__":
    main()
