"""Reading policy files: YAML text to a validated :class:`PolicyVersion`, or a clear refusal.

A bad file is refused whole, never half-loaded. The refusal names the file, the line, the
field path (``parameters.consumer_protection.minimum``) and the reason, so that whoever wrote
the file can fix it without reading code. Line numbers come from the YAML node tree, which is
kept beside the parsed data for that purpose; a key written twice is refused too, because
plain YAML would silently keep the last one.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from shopwarden.errors import NotFound, PolicyInvalid
from shopwarden.policy.model import PolicyVersion

BUNDLED_DIR = Path(__file__).parent / "defaults"

Loc = tuple[int | str, ...]

Schemas = Mapping[str, type[BaseModel]]
"""Which parameter model validates each family (POL-2), given by the composition root."""


class _NoFamily(BaseModel):
    """Stands in for the parameters of a file whose family is unknown."""


class _StrictLoader(yaml.SafeLoader):
    """Safe YAML that refuses a mapping key written twice."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"the key {key!r} is written twice",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_policy(
    text: str,
    *,
    origin: str,
    schemas: Schemas,
    published_at: datetime | None = None,
    draft_published_at: datetime | None = None,
) -> PolicyVersion:
    """Validate one policy file against the family ``schemas``. ``published_at``, when given,
    replaces the file's own; ``draft_published_at`` stands in for a draft's missing one
    (publishing sets it, so a draft need not)."""
    data, root = _read_yaml(text, origin)
    if draft_published_at is not None and isinstance(data, dict):
        data.setdefault("published_at", draft_published_at)
    problems: list[tuple[Loc, str]] = []
    for set_by_the_store in ("origin", "replaced_by"):
        if set_by_the_store in data:
            problems.append(((set_by_the_store,), _reason_for("extra_forbidden", "")))
    if published_at is not None:
        data["published_at"] = published_at
    family = data.get("family")
    model = schemas.get(family) if isinstance(family, str) else None
    if isinstance(family, str) and model is None:
        problems.append((("family",), unknown_family(family, schemas)))
    # Until the parameters validate, a placeholder lets the header be checked too, so that
    # one reading of the file lists all its problems. An unknown family is a header problem.
    parameters: BaseModel = model.model_construct() if model is not None else _NoFamily()
    if "parameters" not in data:
        problems.append((("parameters",), "required but missing"))
    elif model is not None:
        try:
            parameters = model.model_validate(data["parameters"])
        except ValidationError as error:
            problems += [(("parameters", *e["loc"]), _reason(e)) for e in error.errors()]
    try:
        version = PolicyVersion.model_validate({**data, "parameters": parameters, "origin": origin})
    except ValidationError as error:
        problems += [(tuple(e["loc"]), _reason(e)) for e in error.errors()]
    if problems:
        raise _refusal(origin, root, problems)
    problems += _unknown_assumption_paths(version)
    if problems:
        raise _refusal(origin, root, problems)
    return version


def _unknown_assumption_paths(version: PolicyVersion) -> list[tuple[Loc, str]]:
    """An assumption must name a value the version has, or the marker would mark nothing."""
    document = version.document()
    return [
        (("assumptions", index, "path"), f"{item.path} names no value of this version")
        for index, item in enumerate(version.assumptions)
        if not _resolves(document, item.path)
    ]


def _resolves(document: Any, path: str) -> bool:
    node = document
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            if not isinstance(node, list) or index >= len(node):
                return False
            node = node[index]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    return True


def unknown_family(family: str, schemas: Schemas) -> str:
    """Why a family no schema validates is refused (POL-2)."""
    return f"unknown family {family!r}; known: {', '.join(schemas)}"


def load_file(path: Path, *, schemas: Schemas, origin: str | None = None) -> PolicyVersion:
    """``origin`` names the file in messages (default: its path)."""
    origin = origin or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NotFound(f"no policy file at {origin}") from None
    except UnicodeDecodeError as error:
        raise PolicyInvalid(f"{origin}: not UTF-8 text ({error.reason})") from None
    return parse_policy(text, origin=origin, schemas=schemas)


def load_directory(
    directory: Path, *, schemas: Schemas, label: str | None = None
) -> list[PolicyVersion]:
    """Every ``*.yaml`` file under ``directory``, recursively, in path order. With ``label``,
    a file is named ``label:family/version.yaml`` in messages, never by its path on the
    server (an API answer must not show one)."""
    if not directory.is_dir():
        raise NotFound(f"no policy directory at {label or directory}")
    return [
        load_file(path, schemas=schemas, origin=_origin(directory, path, label))
        for path in sorted(directory.rglob("*.yaml"))
    ]


def _origin(directory: Path, path: Path, label: str | None) -> str:
    return f"{label}:{path.relative_to(directory).as_posix()}" if label else str(path)


def format_path(loc: Sequence[int | str]) -> str:
    """``("parameters", "bands", 0, "mapping")`` -> ``parameters.bands[0].mapping``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _read_yaml(text: str, origin: str) -> tuple[dict[str, Any], yaml.Node | None]:
    loader = _StrictLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        line = mark.line + 1 if mark is not None else 1
        raise PolicyInvalid(
            f"{origin}{where}: not valid YAML: {problem}",
            field="file",
            extra={
                "errors": [{"field": "file", "line": line, "reason": f"not valid YAML: {problem}"}]
            },
        ) from None
    finally:
        loader.dispose()  # type: ignore[no-untyped-call]
    if not isinstance(data, dict):
        reason = "a policy file is a mapping with family, version, ..., parameters"
        raise PolicyInvalid(
            f"{origin}: {reason}",
            field="file",
            extra={"errors": [{"field": "file", "line": 1, "reason": reason}]},
        )
    return data, root


def _reason(error: ErrorDetails) -> str:
    if error["type"] == "string_type" and not isinstance(error["input"], dict | list):
        value = error["input"]
        return f'write it as quoted text, "{value}": unquoted, YAML reads a {type(value).__name__}'
    return _reason_for(error["type"], error["msg"], error.get("ctx"))


def _reason_for(kind: str, message: str, ctx: dict[str, Any] | None = None) -> str:
    if kind == "extra_forbidden":
        return "unknown key: not part of this policy (misspelt, or in the wrong place?)"
    if kind == "missing":
        return "required but missing"
    if kind == "value_error" and ctx is not None and "error" in ctx:
        return str(ctx["error"])
    if kind == "timezone_aware":
        return 'needs its time zone, e.g. "2023-12-15T00:00:00+08:00"'
    return message


def _refusal(origin: str, root: yaml.Node | None, problems: list[tuple[Loc, str]]) -> PolicyInvalid:
    located = sorted(
        ((_line_of(root, loc), format_path(loc), reason) for loc, reason in problems),
        key=lambda item: (item[0], item[1].startswith("parameters")),  # header first
    )
    lines = [f"{origin}:{line}: {path or '(file)'}: {reason}" for line, path, reason in located]
    errors = [
        {"field": path or "file", "line": line, "reason": reason} for line, path, reason in located
    ]
    return PolicyInvalid("\n".join(lines), field=located[0][1] or None, extra={"errors": errors})


def _line_of(node: yaml.Node | None, loc: Loc) -> int:
    """The line of the deepest YAML node on ``loc`` (1-based); 1 when there is no tree."""
    if node is None:
        return 1
    for part in loc:
        child = _child(node, part)
        if child is None:
            break
        node = child
    return int(node.start_mark.line) + 1


def _child(node: yaml.Node, part: int | str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if str(key_node.value) == str(part):
                return value_node  # type: ignore[no-any-return]
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        return node.value[part]  # type: ignore[no-any-return]
    return None
