"""The one validated settings object, read once by the bootstrap.

Business numbers are not settings: they live in versioned policy files (SPEC POL-1).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """``SHOPWARDEN_HOME`` is the workspace; the database defaults to a SQLite file inside it."""

    model_config = SettingsConfigDict(env_prefix="SHOPWARDEN_", extra="ignore")

    home: Path = Path(".shopwarden")
    database_url: str | None = None
    policy_dir: Path | None = None

    @field_validator("database_url")
    @classmethod
    def _known_backend(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("only sqlite:/// and postgresql:// URLs are supported")
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.home / 'shopwarden.db').resolve()}"

    @property
    def workspace_policy_dir(self) -> Path:
        """Where published policy versions are written (bundled defaults stay in the package)."""
        return self.policy_dir or self.home / "policies"


def normalise_database_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://") :]
    return url
