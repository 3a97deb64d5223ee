"""The scenario file format (documented in docs/scenarios.md), validated on load."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
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


class Header(BaseModel):
    """The file without its steps: checked first, so a bad step fails alone."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    description: str | None = None
    policy: str = "default"
    start: Instant | None = None
    steps: list[Any] = Field(min_length=1)


@dataclass
class LoadedStep:
    """A step as read: ``step`` when it is well formed, else ``problem``; ``line`` in the file."""

    line: int
    step: Step | None = None
    problem: str | None = None


@dataclass
class LoadedScenario:
    """A scenario file read leniently: a problem of the file itself is ``problem`` (with its
    line); a problem of one step is that step's, and the other steps still run."""

    name: str
    header: Header | None = None
    steps: list[LoadedStep] = field(default_factory=list)
    problem: str | None = None
    line: int = 1


def load_scenario(path: Path) -> Scenario:
    """The whole file, strictly: the first problem is refused (used by tests and tools)."""
    loaded = read_scenario(path)
    if loaded.problem is not None:
        raise InvalidInput(f"{path}: line {loaded.line}: {loaded.problem}", field="file")
    for item in loaded.steps:
        if item.problem is not None:
            raise InvalidInput(f"{path}: line {item.line}: {item.problem}", field="steps")
    assert loaded.header is not None
    data = loaded.header.model_dump(exclude={"steps"})
    return Scenario(**data, steps=[item.step for item in loaded.steps if item.step])


def read_scenario(path: Path) -> LoadedScenario:
    """Never raises for a bad file: every problem is reported with its line."""
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError) as error:
        return LoadedScenario(path.name, problem=f"cannot read the file: {error}")
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(error, "problem", None) or str(error)
        return LoadedScenario(path.name, problem=f"not YAML: {reason}", line=line)
    if not isinstance(raw, dict):
        return LoadedScenario(path.name, problem="a scenario is a mapping with name and steps")
    name = str(raw.get("name") or path.stem)
    try:
        header = Header.model_validate(_plain(raw))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        line = _line_of(node, first["loc"])
        return LoadedScenario(name, problem=f"{where}: {first['msg']}", line=line)
    steps_node = _child(node, "steps")
    loaded = LoadedScenario(name, header=header)
    for index, raw_step in enumerate(header.steps):
        item_node = steps_node.value[index] if isinstance(steps_node, yaml.SequenceNode) else None
        line = item_node.start_mark.line + 1 if item_node is not None else 1
        try:
            loaded.steps.append(LoadedStep(line, step=Step.model_validate(raw_step)))
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "step"
            loaded.steps.append(LoadedStep(line, problem=f"{where}: {first['msg']}"))
    return loaded


def _plain(value: Any) -> Any:
    """YAML reads an unquoted ``2024-03-01`` as a date: a body means the text written."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _child(node: Any, key: str) -> Any:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if getattr(key_node, "value", None) == key:
                return value_node
    return None


def _line_of(node: Any, loc: tuple[Any, ...]) -> int:
    """The line of the deepest node of ``loc`` that the file has."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = _child(node, str(part))
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            node = node.value[part] if part < len(node.value) else None
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line
