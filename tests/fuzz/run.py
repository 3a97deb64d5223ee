"""Fuzz the HTTP API from its OpenAPI document: ``python3 tests/fuzz/run.py [--examples N]``.

For each role (operator, then merchant) a fresh PostgreSQL database is created on the server
of ``SHOPWARDEN_TEST_PG_URL`` (default: the local one, user postgres), ``fuzz_api.py`` runs
schemathesis against the app in process (no network) with a fixed seed, and the database is
dropped. Exit 1 when any check failed for either role. ``make fuzz`` runs it with more
examples (``FUZZ_EXAMPLES``); ``.ci/run`` with the default.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PG_SERVER = os.environ.get(
    "SHOPWARDEN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _server_url() -> str:
    url = make_url(PG_SERVER)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def run_role(role: str, examples: int, seed: int, extra: list[str]) -> int:
    name = f"shopwarden_fuzz_{role}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(_server_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # a throwaway database: commits need not wait for the disk
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    url = make_url(_server_url()).set(database=name).render_as_string(hide_password=False)
    env = {
        **os.environ,
        "SHOPWARDEN_FUZZ_DATABASE_URL": url,
        "SHOPWARDEN_FUZZ_ROLE": role,
        "SHOPWARDEN_FUZZ_EXAMPLES": str(examples),
        "SHOPWARDEN_FUZZ_SEED": str(seed),
    }
    started = time.monotonic()
    try:
        command = [
            sys.executable,
            "-m",
            "pytest",
            str(HERE / "fuzz_api.py"),
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            *extra,
        ]
        code = subprocess.run(command, env=env, cwd=ROOT, check=False).returncode
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    print(f"fuzz [{role}]: exit {code} in {time.monotonic() - started:.0f} s", flush=True)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--examples",
        type=int,
        default=int(os.environ.get("FUZZ_EXAMPLES", "10")),
        help="most examples per operation and phase (default: $FUZZ_EXAMPLES or 10)",
    )
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument(
        "--role", action="append", choices=["operator", "merchant"], help="default: both"
    )
    args, extra = parser.parse_known_args(argv)
    codes = [
        run_role(role, args.examples, args.seed, extra)
        for role in args.role or ["operator", "merchant"]
    ]
    return 1 if any(codes) else 0


if __name__ == "__main__":
    sys.exit(main())
