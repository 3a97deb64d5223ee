"""How fast the HTTP API answers, against a bare endpoint of the same framework (issue 17).

    python bench/api.py [--backend sqlite|postgresql|both] [--seconds 10]
                        [--concurrency 1,8,32,64] [--targets ceiling,overview,score,payment]
                        [--merchants 200] [--workers 1]
                        [--pg-url URL] [--src DIR] [--json FILE]

For each backend, on a fresh database (a temporary SQLite file; a PostgreSQL database created
for the run and dropped after it): a server process seeds it through the use cases (merchants
with a product, a funded wallet, a paid cash deposit, the day's score snapshot, a merchant token
each), then serves the app the way ``shopwarden serve`` does (uvicorn, ``create_app`` over the
bootstrapped container). This process drives it over loopback with HTTP/1.1 keep-alive
connections, each concurrency level for ``--seconds``:

- ``ceiling``: a bare endpoint mounted only in the benchmark's server: one primary-key read of
  a merchant row on the same database, through an engine of its own with no events, no
  authentication, no unit of work. The ratios are to it, at the same concurrency.
- ``overview``: ``GET /v1/deposits/overview`` with a merchant's token.
- ``score``: ``GET /v1/scores/{merchant}`` of the snapshot's day, with the merchant's token.
- ``payment``: ``POST /v1/deposits/cash/payments`` of 1.00 from the merchant's wallet, a fresh
  ``Idempotency-Key`` each time: a top-up, repeatable for as long as the wallet lasts.

Each connection speaks for one merchant (connection n: merchant n mod ``--merchants``). An
error is any answer other than the expected status, or a broken connection. ``--src`` serves
another source tree (e.g. ``git archive`` of an earlier commit) to measure before and after;
``--workers`` runs that many uvicorn worker processes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
DEFAULT_PG = os.environ.get(
    "SHOPWARDEN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TARGETS = ("ceiling", "overview", "score", "payment")
EXPECTED = {"ceiling": 200, "overview": 200, "score": 200, "payment": 201}
WALLET_CENTS = 10**13  # enough for every 1.00 top-up any run can make


# the server process ------------------------------------------------------------------------
def serve(args: argparse.Namespace) -> None:
    """Seed the database, write what the client needs to ``--seeded``, then serve."""
    import uvicorn

    home = Path(args.home)
    os.environ["SHOPWARDEN_HOME"] = str(home)
    os.environ["SHOPWARDEN_DATABASE_URL"] = args.url
    seeded = _seed(home, args.url, args.merchants)
    seeded["source"] = str(Path(sys.modules["shopwarden"].__file__ or "").parent)
    Path(args.seeded).write_text(json.dumps(seeded))
    if args.workers > 1:
        sys.path.insert(0, str(Path(__file__).parent))
        uvicorn.run(
            "api:bench_app",
            factory=True,
            host=HOST,
            port=args.port,
            workers=args.workers,
            log_level="warning",
        )
    else:
        uvicorn.run(bench_app(), host=HOST, port=args.port, log_level="warning")


def bench_app() -> Any:
    """The product's app over a container bootstrapped from the environment, as ``serve``
    builds it, plus the ceiling's bare endpoint."""
    from fastapi import HTTPException
    from sqlalchemy import create_engine, text

    from shopwarden.api.app import create_app
    from shopwarden.bootstrap import bootstrap
    from shopwarden.settings import Settings

    settings = Settings()
    app = create_app(bootstrap(settings))
    url = settings.resolved_database_url
    options: dict[str, Any] = {"pool_size": 40, "max_overflow": 40}
    if url.startswith("sqlite"):
        options["connect_args"] = {"check_same_thread": False, "timeout": 60}
    bare = create_engine(url, **options)
    statement = text("SELECT id, name, status FROM merchants WHERE id = :id")

    @app.get("/bench/ceiling/{merchant_id}", include_in_schema=False)
    def ceiling(merchant_id: str) -> dict[str, Any]:
        with bare.connect() as connection:
            row = connection.execute(statement, {"id": merchant_id}).first()
        if row is None:
            raise HTTPException(404)
        return {"id": row.id, "name": row.name, "status": row.status}

    return app


def _seed(home: Path, url: str, merchants: int) -> dict[str, Any]:
    """Merchants through the use cases: product, funded wallet, cash deposit, score snapshot,
    token. Returns the merchants, their tokens and the snapshot's instant."""
    from shopwarden.auth.service import create_token
    from shopwarden.bootstrap import bootstrap
    from shopwarden.catalog import service as catalog
    from shopwarden.catalog.schemas import MerchantCreate, ProductCreate, SkuIn
    from shopwarden.deposits import cash
    from shopwarden.facts.storage import facts_dir
    from shopwarden.ledger.model import merchant_account_code, platform_account_code, transfer
    from shopwarden.money import Money
    from shopwarden.scoring.snapshots import take_snapshots
    from shopwarden.settings import Settings

    container = bootstrap(Settings(home=home, database_url=url))
    leaves = [
        c.code
        for c in container.categories.categories
        if not container.categories.descendants(c.code)
    ]
    ids = [f"b{n:05d}" for n in range(merchants)]
    tokens = []
    with container.unit_of_work() as ctx:
        for n, merchant_id in enumerate(ids):
            catalog.create_merchant(
                ctx, data=MerchantCreate(id=merchant_id, name=f"Bench {n}", wallet_upgraded=True)
            )
            catalog.create_product(
                ctx,
                data=ProductCreate(
                    id=f"{merchant_id}-p0",
                    merchant_id=merchant_id,
                    title=f"Bench item {n}",
                    category=leaves[n % len(leaves)],
                    listed=True,
                    skus=[SkuIn(sku_id="default", price=Money(4990))],
                ),
            )
            ctx.ledger.post(
                transfer(
                    platform_account_code("bank"),
                    merchant_account_code(merchant_id, "wallet"),
                    Money(WALLET_CENTS),
                    "bench funding",
                )
            )
            cash.pay(
                ctx,
                merchant_id=merchant_id,
                amount=Money(100_000_000),
                source="wallet",
                key=f"bench:first:{merchant_id}",
            )
            tokens.append(create_token(ctx, role="merchant", merchant_id=merchant_id))
        as_of = ctx.now()
        take_snapshots(ctx, as_of=as_of, root=facts_dir(home))
    container.close()
    return {"merchants": ids, "tokens": tokens, "as_of": as_of.isoformat()}


# the client ------------------------------------------------------------------------------
@dataclass
class Measure:
    backend: str
    target: str
    concurrency: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    ratio: float | None = None

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


Request = Callable[[int, int], bytes]


def requests_for(seeded: dict[str, Any], run: str) -> dict[str, Request]:
    """How connection ``n`` makes its ``i``-th request, per target."""
    merchants: list[str] = seeded["merchants"]
    tokens: list[str] = seeded["tokens"]
    as_of = seeded["as_of"].replace("+", "%2B")

    def head(method: str, path: str, n: int, extra: str = "") -> str:
        auth = f"Authorization: Bearer {tokens[n % len(tokens)]}\r\n"
        return f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\n{auth}{extra}"

    def ceiling(n: int, _i: int) -> bytes:
        path = f"/bench/ceiling/{merchants[n % len(merchants)]}"
        return f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode()

    def overview(n: int, _i: int) -> bytes:
        return (head("GET", "/v1/deposits/overview", n) + "\r\n").encode()

    def score(n: int, _i: int) -> bytes:
        path = f"/v1/scores/{merchants[n % len(merchants)]}?as_of={as_of}"
        return (head("GET", path, n) + "\r\n").encode()

    def payment(n: int, i: int) -> bytes:
        body = json.dumps(
            {"merchant_id": merchants[n % len(merchants)], "amount": "1.00", "source": "wallet"}
        ).encode()
        extra = (
            f"Idempotency-Key: bench-{run}-{n}-{i}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        )
        return (head("POST", "/v1/deposits/cash/payments", n, extra) + "\r\n").encode() + body

    return {"ceiling": ceiling, "overview": overview, "score": score, "payment": payment}


async def _answer(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 response with a Content-Length; returns its status."""
    header = await reader.readuntil(b"\r\n\r\n")
    lines = header.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def drive(
    port: int, request: Request, expected: int, concurrency: int, seconds: float
) -> tuple[list[float], int, float]:
    """``concurrency`` keep-alive connections, each sending its next request as soon as the
    last is answered, for ``seconds``. Returns latencies, errors and the elapsed time."""
    connections = [await asyncio.open_connection(HOST, port) for _ in range(concurrency)]
    latencies: list[float] = []
    errors = 0
    started = time.perf_counter()
    deadline = started + seconds

    async def one(n: int) -> None:
        nonlocal errors
        reader, writer = connections[n]
        i = 0
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            writer.write(request(n, i))
            i += 1
            try:
                status = await _answer(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                return
            latencies.append(time.perf_counter() - sent)
            if status != expected:
                errors += 1

    await asyncio.gather(*(one(n) for n in range(concurrency)))
    elapsed = time.perf_counter() - started
    for _, writer in connections:
        writer.close()
    return latencies, errors, elapsed


def percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure_backend(
    backend: str, port: int, seeded: dict[str, Any], args: argparse.Namespace
) -> list[Measure]:
    requests = requests_for(seeded, run=uuid.uuid4().hex[:8])
    results: list[Measure] = []
    for concurrency in args.concurrency:
        ceiling_rate = None
        for target in ["ceiling", *(t for t in args.targets if t != "ceiling")]:
            request, expected = requests[target], EXPECTED[target]
            asyncio.run(drive(port, request, expected, concurrency, args.warmup))
            latencies, errors, elapsed = asyncio.run(
                drive(port, request, expected, concurrency, args.seconds)
            )
            result = Measure(
                backend,
                target,
                concurrency,
                len(latencies),
                elapsed,
                percentile(latencies, 0.50) * 1000,
                percentile(latencies, 0.99) * 1000,
                errors,
            )
            if target == "ceiling":
                ceiling_rate = result.rate
            elif ceiling_rate:
                result.ratio = result.rate / ceiling_rate
            results.append(result)
            print(_row(result), flush=True)
    return results


def _row(m: Measure) -> str:
    ratio = f"{m.ratio:6.0%}" if m.ratio is not None else "     -"
    return (
        f"{m.backend:<10} {m.target:<9} c={m.concurrency:<3} {m.rate:8.1f} req/s  "
        f"p50 {m.p50_ms:8.1f} ms  p99 {m.p99_ms:8.1f} ms  errors {m.errors:<5} ceiling {ratio}"
    )


# orchestration ---------------------------------------------------------------------------
@contextmanager
def fresh_database(backend: str, pg_url: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'shopwarden.db'}"
        return
    from databases import postgres_database  # bench/databases.py

    with postgres_database(pg_url, "api") as url:
        yield url


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def server(url: str, folder: Path, args: argparse.Namespace) -> Iterator[tuple[int, Any]]:
    """The server process, seeded and answering ``/healthz``; stopped afterwards."""
    port, seeded_file = free_port(), folder / "seeded.json"
    env = dict(os.environ)
    if args.src:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [args.src, env.get("PYTHONPATH")]))
    command = [sys.executable, __file__, "--serve", "--url", url, "--home", str(folder)]
    command += ["--port", str(port), "--seeded", str(seeded_file)]
    command += ["--merchants", str(args.merchants), "--workers", str(args.workers)]
    with open(folder / "server.log", "wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_ready(process, port, folder / "server.log")
        yield port, json.loads(seeded_file.read_text())
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_ready(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    for _ in range(1200):
        if process.poll() is not None:
            raise SystemExit(f"the server stopped:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection((HOST, port), timeout=1) as probe:
                probe.sendall(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
                if b" 200 " in probe.recv(1024):
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise SystemExit("the server did not answer /healthz")


def parse(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument(
        "--concurrency", type=lambda s: [int(c) for c in s.split(",")], default=[1, 8, 32, 64]
    )
    parser.add_argument(
        "--targets", type=lambda s: s.split(","), default=list(TARGETS), help="e.g. overview,score"
    )
    parser.add_argument("--merchants", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--src", help="serve this source tree instead of the installed one")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    # the server process's own arguments
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--seeded", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse(argv)
    if args.serve:
        serve(args)
        return
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results: list[Measure] = []
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix="shopwarden-apibench-") as name:
            folder = Path(name)
            with (
                fresh_database(backend, args.pg_url, folder) as url,
                server(url, folder, args) as (port, seeded),
            ):
                print(f"{backend}: serving {seeded['source']}", flush=True)
                results += measure_backend(backend, port, seeded, args)
    print()
    for result in results:
        print(_row(result))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) | {"rate": r.rate} for r in results], indent=1))


if __name__ == "__main__":
    main()
