"""Runs a scenario on a fresh workspace, through the real HTTP API, on a simulated clock."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from shopwarden.api.app import create_app
from shopwarden.api.problems import TYPE_PREFIX, status_of
from shopwarden.auth.service import create_token
from shopwarden.bootstrap import Container, bootstrap
from shopwarden.clock import SimulatedClock
from shopwarden.errors import ShopwardenError
from shopwarden.replay.matching import mismatches, pick
from shopwarden.replay.scenario import LoadedStep, Scenario, Step, read_scenario
from shopwarden.settings import Settings

DEFAULT_START = datetime.fromisoformat("2024-01-01T00:00:00+08:00")
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class StepResult:
    index: int
    label: str
    ok: bool
    problems: list[str] = field(default_factory=list)
    expected: Any = None
    got: Any = None
    line: int | None = None  # where the step starts in the file


@dataclass
class ReplayReport:
    name: str
    results: list[StepResult]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def failures(self) -> list[StepResult]:
        return [r for r in self.results if not r.ok]


def replay_file(path: Path, *, database_url: str | None = None) -> ReplayReport:
    """Never raises for a bad file: a problem of the file is a failing step 0 with its line,
    a malformed step fails alone (the others run), and so does a step that breaks."""
    loaded = read_scenario(path)
    if loaded.problem is not None or loaded.header is None:
        problem = f"line {loaded.line}: {loaded.problem}"
        return ReplayReport(
            loaded.name, [StepResult(0, "file", False, [problem], line=loaded.line)]
        )
    header = loaded.header
    good = [item.step for item in loaded.steps if item.step is not None]
    scenario = Scenario.model_construct(
        name=header.name,
        description=header.description,
        policy=header.policy,
        start=header.start,
        steps=good,
    )
    try:
        report = replay(scenario, base_dir=path.parent, database_url=database_url)
    except Exception as error:  # a workspace that cannot be set up: the file's problem
        problem = f"cannot set up the replay: {type(error).__name__}: {error}"
        return ReplayReport(loaded.name, [StepResult(0, "file", False, [problem], line=1)])
    return ReplayReport(report.name, _in_file_order(loaded.steps, report.results))


def _in_file_order(items: list[LoadedStep], played: list[StepResult]) -> list[StepResult]:
    """The played results and the malformed steps, numbered and placed as in the file."""
    results, played_iter = [], iter(played)
    for index, item in enumerate(items, start=1):
        if item.step is None:
            problem = f"line {item.line}: {item.problem}"
            results.append(StepResult(index, "malformed step", False, [problem], line=item.line))
            continue
        result = next(played_iter)
        result.index, result.line = index, item.line
        results.append(result)
    return results


def replay(scenario: Scenario, *, base_dir: Path, database_url: str | None = None) -> ReplayReport:
    if not scenario.steps:
        return ReplayReport(scenario.name, [])
    start = scenario.start or next((s.at for s in scenario.steps if s.at), None) or DEFAULT_START
    clock = SimulatedClock(start)
    with tempfile.TemporaryDirectory(prefix="shopwarden-replay-") as home:
        settings = Settings(home=Path(home), database_url=database_url)
        policy_dirs = [] if scenario.policy == "default" else [base_dir / scenario.policy]
        container = bootstrap(
            settings,
            clock=clock,
            policy_dirs=policy_dirs,
            bundled_policies=scenario.policy == "default",
        )
        try:
            with TestClient(create_app(container), raise_server_exceptions=True) as client:
                return _Run(scenario, container, clock, client, base_dir).play()
        finally:
            container.close()


class _Run:
    def __init__(
        self,
        scenario: Scenario,
        container: Container,
        clock: SimulatedClock,
        client: TestClient,
        base_dir: Path,
    ) -> None:
        self.scenario = scenario
        self.container = container
        self.clock = clock
        self.client = client
        self.base_dir = base_dir
        self.tokens: dict[str, str] = {}
        self.variables: dict[str, Any] = {}

    def play(self) -> ReplayReport:
        results = [self._step(i, step) for i, step in enumerate(self.scenario.steps, start=1)]
        return ReplayReport(self.scenario.name, results)

    def _step(self, index: int, step: Step) -> StepResult:
        action = f"run {step.run}" if step.run else f"ingest {step.ingest}" if step.ingest else ""
        label = step.note or step.call or action or "clock"
        try:
            if step.at is not None:
                self.clock.advance_to(step.at)
            if step.call:
                return self._call(index, label, step)
            if step.run == "cycle":
                body = {"as_of": self.clock.now().isoformat()}
                return self._exchange(index, label, step, "POST", "/v1/cycle/runs", json_body=body)
            if step.ingest:
                return self._ingest(index, label, step)
            return StepResult(index, label or "clock", True)
        except Exception as error:  # a step that breaks fails; the replay goes on
            return StepResult(index, label, False, [f"{type(error).__name__}: {error}"])

    def _ingest(self, index: int, label: str, step: Step) -> StepResult:
        """Order facts from a file beside the scenario; the ingest report is the body."""
        from shopwarden.facts.ingest import ingest_file
        from shopwarden.facts.storage import facts_dir

        path = self.base_dir / self._substitute(step.ingest)
        root = facts_dir(self.container.settings.home)
        try:
            report = ingest_file(self.container.unit_of_work, root=root, path=path)
            status, got = 200, report.as_dict()
        except ShopwardenError as error:
            status = status_of(error)
            got = {"type": TYPE_PREFIX + error.slug, "detail": error.detail, "field": error.field}
        problems = self._check(step, status, got, {})
        if status != 200 and step.expect.status is None:
            problems.append(f"ingest refused: {got['detail']}")
        expected = {"status": step.expect.status, "body": self._substitute(step.expect.body)}
        return StepResult(
            index, label, not problems, problems, expected, {"status": status, "body": got}
        )

    def _call(self, index: int, label: str, step: Step) -> StepResult:
        method, path = self._substitute(step.call).split(" ", 1)  # type: ignore[union-attr]
        return self._exchange(
            index,
            label,
            step,
            method,
            path,
            json_body=self._substitute(step.body),
            content=self._substitute(step.content),
        )

    def _exchange(
        self,
        index: int,
        label: str,
        step: Step,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        content: str | None = None,
    ) -> StepResult:
        headers = {
            "Authorization": f"Bearer {self._token(step.as_)}",
            **self._substitute(step.headers),
        }
        request: dict[str, Any] = {"headers": headers, "params": self._substitute(step.query)}
        if content is not None:
            request["content"] = content.encode()
            headers.setdefault("Content-Type", "application/yaml")
        elif json_body is not None:
            request["json"] = json_body
        response = self.client.request(method, path, **request)
        got = _json_or_text(response.text)
        problems = self._check(step, response.status_code, got, dict(response.headers))
        if not problems:
            for name, where in step.capture.items():
                self.variables[name] = pick(got, where)
        expected = {"status": step.expect.status, "body": self._substitute(step.expect.body)}
        return StepResult(
            index,
            label,
            not problems,
            problems,
            expected,
            {"status": response.status_code, "body": got},
        )

    def _check(self, step: Step, status: int, got: Any, headers: dict[str, str]) -> list[str]:
        problems = []
        if step.expect.status is not None and status != step.expect.status:
            problems.append(f"status: expected {step.expect.status}, got {status}")
        if step.expect.body is not None:
            problems += mismatches(self._substitute(step.expect.body), got)
        for name, value in (step.expect.headers or {}).items():
            if headers.get(name.lower()) != value:
                problems.append(
                    f"header {name}: expected {value!r}, got {headers.get(name.lower())!r}"
                )
        return problems

    def _token(self, who: str) -> str:
        if who not in self.tokens:
            role, _, merchant = who.partition(":")
            with self.container.unit_of_work() as ctx:
                self.tokens[who] = create_token(
                    ctx,
                    role=role,
                    merchant_id=merchant or None,
                    label=f"replay {who}",
                )
        return self.tokens[who]

    def _substitute(self, value: Any) -> Any:
        return _walk(value, self._replace_text)

    def _replace_text(self, text: str) -> Any:
        whole = _VARIABLE.fullmatch(text)
        if whole:
            return self._variable(whole.group(1))
        return _VARIABLE.sub(lambda m: str(self._variable(m.group(1))), text)

    def _variable(self, name: str) -> Any:
        if name not in self.variables:
            raise KeyError(f"${{{name}}} was not captured by an earlier step")
        return self.variables[name]


def _walk(value: Any, on_text: Callable[[str], Any]) -> Any:
    if isinstance(value, str):
        return on_text(value)
    if isinstance(value, dict):
        return {k: _walk(v, on_text) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, on_text) for v in value]
    return value


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text
