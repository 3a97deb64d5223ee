"""Workspaces with order facts, an API over them, and one small Spark session for the run."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shopwarden.api.app import create_app
from shopwarden.bootstrap import Container, bootstrap
from shopwarden.clock import SimulatedClock
from shopwarden.facts.service import generate_facts
from shopwarden.facts.storage import facts_dir
from shopwarden.settings import Settings
from tests.api.conftest import Api, bearer, make_container

GENERATED = {"merchants": 40, "orders": 24_000, "days": 35, "seed": 3, "start": date(2024, 1, 1)}
AS_OF = datetime.fromisoformat("2024-02-05T10:00:00+08:00")


@pytest.fixture
def workspace(tmp_path: Path, sqlite_template: Path) -> Iterator[Container]:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(sqlite_template, home / "shopwarden.db")
    clock = SimulatedClock(datetime.fromisoformat("2024-04-01T09:00:00+08:00"))
    container = bootstrap(Settings(home=home), clock=clock)
    yield container
    container.close()


@pytest.fixture(scope="session")
def generated_home(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Path:
    """A facts-only workspace with a small generated marketplace, shared by the engine tests."""
    home = tmp_path_factory.mktemp("generated")
    shutil.copy(sqlite_template, home / "shopwarden.db")
    container = bootstrap(Settings(home=home))
    generate_facts(container.unit_of_work, root=facts_dir(home), **GENERATED)  # type: ignore[arg-type]
    container.close()
    return home


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    clock = SimulatedClock(datetime.fromisoformat("2024-03-25T09:00:00+08:00"))
    container = make_container(database_url, tmp_path, clock)
    with TestClient(create_app(container)) as client:
        yield Api(
            client,
            container,
            clock,
            bearer(container, "operator"),
            bearer(container, "merchant", "m1"),
            bearer(container, "merchant", "m2"),
        )
    container.close()


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One small local Spark session for the whole test run (Java is needed)."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java: apt-get install openjdk-17-jre-headless")
    from shopwarden.metrics.spark import spark_session, stop_spark

    yield spark_session(master="local[2]", shuffle_partitions=2)
    stop_spark()
