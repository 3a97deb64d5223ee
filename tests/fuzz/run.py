"""Fuzz the HTTP API from its OpenAPI document: ``python3 tests/fuzz/run.py [--examples N]``.

For each role (operator and merchant, side by side unless ``--serial``) a fresh PostgreSQL
database is created on the server of ``SHOPWARDEN_TEST_PG_URL`` (default: the local one, user
postgres), ``fuzz_api.py`` runs schemathesis against the app in process (no network) with a
fixed seed, and the database is dropped; each role's report is printed when it is done.
Exit 1 when any check failed for either role. ``make fuzz`` runs it with more
examples (``FUZZ_EXAMPLES``); ``.ci/run`` with the default.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import Engine, create_engine, text
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


def _create_database(admin: Engine, role: str) -> str:
    name = f"shopwarden_fuzz_{role}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # a throwaway database: commits need not wait for the disk
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    return name


def _start(role: str, database: str, examples: int, seed: int, extra: list[str]) -> Run:
    url = make_url(_server_url()).set(database=database).render_as_string(hide_password=False)
    env = {
        **os.environ,
        "SHOPWARDEN_FUZZ_DATABASE_URL": url,
        "SHOPWARDEN_FUZZ_ROLE": role,
        "SHOPWARDEN_FUZZ_EXAMPLES": str(examples),
        "SHOPWARDEN_FUZZ_SEED": str(seed),
    }
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
    output = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed by main)
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, text=True
    )
    return Run(role, database, process, output, time.monotonic())


@dataclass
class Run:
    role: str
    database: str
    process: subprocess.Popen[str]
    output: IO[str]
    started: float


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
    parser.add_argument(
        "--serial", action="store_true", help="one role after the other (default: side by side)"
    )
    args, extra = parser.parse_known_args(argv)
    roles = args.role or ["operator", "merchant"]
    admin = create_engine(_server_url(), isolation_level="AUTOCOMMIT")
    runs: list[Run] = []
    codes: list[int] = []
    try:
        for role in roles:
            runs.append(
                _start(role, _create_database(admin, role), args.examples, args.seed, extra)
            )
            if args.serial:
                runs[-1].process.wait()
        for run in runs:
            code = run.process.wait()
            codes.append(code)
            run.output.seek(0)
            sys.stdout.write(f"===== fuzz [{run.role}] =====\n{run.output.read()}")
            print(f"fuzz [{run.role}]: exit {code} in {time.monotonic() - run.started:.0f} s")
            run.output.close()
            sys.stdout.flush()
    finally:
        for run in runs:
            if run.process.poll() is None:
                run.process.kill()
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{run.database}" WITH (FORCE)'))
        admin.dispose()
    return 1 if any(codes) else 0


if __name__ == "__main__":
    sys.exit(main())
