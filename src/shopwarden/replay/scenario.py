"""The scenario file format (documented in docs/scenarios.md), validated on load."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shopwarden.errors import InvalidInput
from shopwarden.schema_types import Instant

CALL_PATTERN = r"^(GET|POST|PUT|PATCH|DELETE) /\S*$"


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: int | None = None
    body: Any = None
    headers: dict[str, str] | None = None


class Step(BaseModel):
    """One line of the timeline: move the clock, then call the API, run the cycle or ingest."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    at: Instant | None = None
    as_: str = Field(
        default="operator", alias="as", pattern=r"^(operator|merchant:[A-Za-z0-9][A-Za-z0-9_.\-]*)$"
    )
    note: str | None = None
    call: str | None = Field(default=None, pattern=CALL_PATTERN)
    headers: dict[str, str] = Field(default_factory=dict)
    query: dict[str, Any] = Field(default_factory=dict)
    body: Any = None
    content: str | None = None  # raw text body, e.g. a YAML policy to publish
    run: Literal["cycle"] | None = None
    ingest: str | None = None
    expect: Expect = Field(default_factory=Expect)
    capture: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_action(self) -> Step:
        actions = [a for a in (self.call, self.run, self.ingest) if a is not None]
        if len(actions) > 1:
            raise ValueError("a step does one of call, run or ingest")
        if self.body is not None and self.content is not None:
            raise ValueError("give body or content, not both")
        return self


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str | None = None
    policy: str = "default"
    start: Instant | None = None
    steps: list[Step] = Field(min_length=1)


def load_scenario(path: Path) -> Scenario:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise InvalidInput(f"{path}: cannot read scenario: {error}", field="file") from error
    try:
        return Scenario.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(f"{path}: {where}: {first['msg']}", field=where) from error
