"""The layering rules of docs/architecture.md, checked on a source tree by reading its code.

Modules are classified by convention, never by a hand-kept list, so a new rule family is
covered the moment its files exist:

- **interfaces**: the packages ``api``, ``cli``, ``demo`` and ``replay``;
- **composition root**: ``bootstrap.py`` and ``families.py``;
- **pure**: every module named ``rules``, ``policy`` or ``model``, or ending in ``_rules``,
  ``_policy`` or ``_model``, the value modules ``money``, ``clock``, ``types`` and ``errors``;
- **domain**: everything else (migrations are left out: they are frozen history).

Imports inside ``if TYPE_CHECKING:`` are annotations, not arrows at run time, and are skipped.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "shopwarden"
INTERFACES = frozenset({"api", "cli", "demo", "replay"})
COMPOSITION = frozenset({"bootstrap", "families"})
PURE_STEMS = frozenset({"rules", "policy", "model", "money", "clock", "types", "errors"})
PURE_SUFFIXES = ("_rules", "_policy", "_model")
# Third-party libraries a pure module may use: validation only, no I/O.
PURE_THIRD_PARTY = frozenset({"pydantic", "pydantic_core", "annotated_types", "typing_extensions"})
# Cycles between components that are allowed, each with its reason (none today).
ALLOWED_CYCLES: frozenset[frozenset[str]] = frozenset()
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 50


@dataclass(frozen=True)
class Module:
    name: str  # shopwarden.deposits.rules
    path: Path
    tree: ast.Module

    @property
    def parts(self) -> list[str]:
        return self.name.split(".")[1:]

    @property
    def component(self) -> str:
        """The package under ``shopwarden`` (or the root module) this module belongs to."""
        return self.parts[0] if self.parts else PACKAGE

    @property
    def stem(self) -> str:
        return self.parts[-1] if self.parts else PACKAGE

    @property
    def is_pure(self) -> bool:
        return self.stem in PURE_STEMS or self.stem.endswith(PURE_SUFFIXES)

    @property
    def is_interface(self) -> bool:
        return self.component in INTERFACES

    @property
    def is_composition(self) -> bool:
        return self.component in COMPOSITION

    @property
    def is_migration(self) -> bool:
        return self.parts[:2] == ["db", "migrations"]


def modules(root: Path) -> list[Module]:
    """Every module of the ``shopwarden`` package under ``root`` (the ``src`` folder)."""
    found = []
    for path in sorted((root / PACKAGE).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found.append(Module(".".join(parts), path, tree))
    return found


def runtime_imports(module: Module) -> Iterator[str]:
    """The modules ``module`` imports at run time (absolute names)."""
    skipped = {id(node) for node in _type_checking_blocks(module.tree)}
    for node in _walk(module.tree, skipped):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from a.b import c``: c is a module of a.b or a name in it; resolving the
            # longest known prefix of ``a.b.c`` finds whichever it is.
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _type_checking_blocks(tree: ast.Module) -> Iterator[ast.AST]:
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from node.body


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, skipped: set[int]) -> Iterator[ast.AST]:
    for child in ast.iter_child_nodes(node):
        if id(child) in skipped:
            continue
        yield child
        yield from _walk(child, skipped)


def _resolve(name: str, known: dict[str, Module]) -> Module | None:
    """The project module an imported name refers to (``a.b.c`` may be a name in ``a.b``)."""
    while name:
        if name in known:
            return known[name]
        name = name.rpartition(".")[0]
    return None


def pure_violations(found: list[Module]) -> list[str]:
    """A pure module imports only the standard library, validation, and other pure modules."""
    known = {m.name: m for m in found}
    problems = []
    for module in (m for m in found if m.is_pure and not m.is_migration):
        for name in sorted(set(runtime_imports(module))):
            top = name.split(".")[0]
            if top == "__future__" or top in sys.stdlib_module_names or top in PURE_THIRD_PARTY:
                continue
            target = _resolve(name, known) if top == PACKAGE else None
            if target is not None and (target.is_pure or target.name == PACKAGE):
                continue
            problems.append(f"pure module {module.name} imports {name}")
    return problems


def layer_violations(found: list[Module]) -> list[str]:
    """Domain code never imports an interface or the composition root; arrows point inward."""
    known = {m.name: m for m in found}
    problems = []
    for module in found:
        if module.is_interface or module.is_composition or module.is_migration:
            continue
        for name in sorted(set(runtime_imports(module)) | set(_annotation_imports(module))):
            target = _resolve(name, known)
            if target is not None and (target.is_interface or target.is_composition):
                kind = "interface" if target.is_interface else "composition root"
                problems.append(f"{module.name} imports the {kind} {target.name}")
    return problems


def _annotation_imports(module: Module) -> Iterator[str]:
    """Type-only imports count for layering: a domain must not even name the container."""
    for node in _type_checking_blocks(module.tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def component_cycles(found: list[Module]) -> list[str]:
    """Cycles between components (top-level packages), other than the declared ones."""
    known = {m.name: m for m in found}
    graph: dict[str, set[str]] = {m.component: set() for m in found}
    for module in (m for m in found if not m.is_migration):
        for name in runtime_imports(module):
            target = _resolve(name, known)
            if target is not None and target.component not in (module.component, PACKAGE):
                graph[module.component].add(target.component)
    return [
        "import cycle between " + " → ".join(sorted(group))
        for group in _strongly_connected(graph)
        if len(group) > 1 and frozenset(group) not in ALLOWED_CYCLES
    ]


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative enough for a graph of a few dozen components."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def size_violations(found: list[Module]) -> list[str]:
    """No module over 400 lines and no function over 50, migrations aside."""
    problems = []
    for module in (m for m in found if not m.is_migration):
        lines = len(module.path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            problems.append(f"{module.name} has {lines} lines (> {MAX_MODULE_LINES})")
        for node in ast.walk(module.tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    problems.append(
                        f"{module.name}.{node.name} has {length} lines (> {MAX_FUNCTION_LINES})"
                    )
    return problems


def use_case_violations(found: list[Module]) -> list[str]:
    """A use case is ``verb(ctx: Context, *, …)``: nothing positional after the context."""
    problems = []
    for module in found:
        if module.is_interface or module.is_composition or module.is_migration:
            continue
        for node in module.tree.body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            positional = [*node.args.posonlyargs, *node.args.args]
            if positional and _annotated_context(positional[0]) and len(positional) > 1:
                extra = ", ".join(a.arg for a in positional[1:])
                problems.append(f"{module.name}.{node.name} takes {extra} positionally after ctx")
    return problems


def _annotated_context(argument: ast.arg) -> bool:
    annotation = argument.annotation
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        return annotation.value == "Context"
    return isinstance(annotation, ast.Name) and annotation.id == "Context"


def all_violations(root: Path) -> list[str]:
    found = modules(root)
    return [
        *pure_violations(found),
        *layer_violations(found),
        *component_cycles(found),
        *size_violations(found),
        *use_case_violations(found),
    ]
