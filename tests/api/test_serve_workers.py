"""``shopwarden serve --workers N``: each worker process builds the app from the environment."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from shopwarden.api.app import app_from_environment
from shopwarden.cli import app as cli


def test_a_worker_builds_the_app_from_the_environments_settings(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "shopwarden.db"
    shutil.copy(sqlite_template, database)
    monkeypatch.setenv("SHOPWARDEN_HOME", str(tmp_path))
    monkeypatch.setenv("SHOPWARDEN_DATABASE_URL", f"sqlite:///{database}")
    app = app_from_environment()
    try:
        with TestClient(app) as client:
            answer = client.get("/healthz")
        assert answer.json() == {"status": "ok", "database": "sqlite"}
        assert app.state.container.settings.home == tmp_path
    finally:
        app.state.container.close()


def test_serve_takes_a_number_of_workers() -> None:
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--workers" in result.output
    refused = CliRunner().invoke(cli, ["serve", "--workers", "0"])
    assert refused.exit_code == 2
