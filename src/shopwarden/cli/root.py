"""The CLI's root command: flags shown as flags, and one way to report a refusal.

Exit codes: 0 done; 1 refused by a rule or a conflict with the current state (or a check
failed, which the command itself exits with); 2 bad usage or input, an unknown merchant,
product or policy included. With ``--json`` a refusal is also a problem document on stdout.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from shopwarden.cli.output import JSON_HELP, MODE, set_json
from shopwarden.errors import ShopwardenError

NO_JSON = frozenset({"serve"})  # runs until stopped: its output is the server's log

EXIT_REFUSED = 1  # refused by a rule, a conflict with the current state, or a check failed
EXIT_BAD_INPUT = 2  # bad usage or input, or an unknown merchant, product or policy


@cache
def _json_option() -> Any:
    """The ``--json`` option every command has (built by Typer once, then shared)."""
    template = typer.Typer(add_completion=False)

    @template.command()
    def command(
        as_json: Annotated[
            bool,
            typer.Option("--json", help=JSON_HELP, callback=set_json, expose_value=False),
        ] = False,
    ) -> None: ...

    params = typer.main.get_command(template).params
    return next(param for param in params if "--json" in getattr(param, "opts", ()))


def _prepare(node: Any, json_option: Any) -> None:
    """Every leaf command gets ``--json``, and help shows a flag as a flag (``--serve``), not
    as an option taking ``<bool>``."""
    commands = getattr(node, "commands", None)
    opts = {opt for param in node.params for opt in getattr(param, "opts", ())}
    if commands is None and "--json" not in opts and node.name not in NO_JSON:
        node.params.append(json_option)
    for param in node.params:
        if getattr(param, "is_flag", False):
            param.metavar = ""
    node.get_help_option = _flag_help(node.get_help_option)
    for child in (commands or {}).values():
        _prepare(child, json_option)


def _flag_help(make: Any) -> Any:
    def get_help_option(ctx: Any) -> Any:
        option = make(ctx)
        if option is not None:
            option.metavar = ""
        return option

    return get_help_option


class Root(TyperGroup):
    """The CLI's root: flags shown as flags, and one way to report a refusal."""

    arguments: tuple[str, ...] = ()

    def main(self, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        MODE.json = False  # each run starts in table mode; its own --json turns JSON on
        _prepare(self, _json_option())
        self.arguments = tuple(sys.argv[1:] if args is None else args)
        return super().main(args, *rest, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        from shopwarden.clock import ClockError

        try:
            return super().invoke(ctx)
        except (ShopwardenError, ClockError) as error:
            raise typer.Exit(_report(error, as_json="--json" in self.arguments)) from error


def _report(error: Exception, *, as_json: bool) -> int:
    """A refusal: one line on stderr (and a problem document on stdout with ``--json``);
    the exit code says whether a rule refused (1) or the input was bad (2)."""
    from shopwarden.errors import Conflict, RuleRefused

    if not isinstance(error, ShopwardenError):  # the clock's own refusal
        error = ShopwardenError(str(error), field="clock")
    if as_json:
        print(json.dumps(_problem(error), ensure_ascii=False, indent=2))
    where = f" (field: {error.field})" if error.field else ""
    rule = f" [rule {error.rule}]" if error.rule else ""
    print(f"error: {error.detail}{where}{rule}", file=sys.stderr)
    return EXIT_REFUSED if isinstance(error, RuleRefused | Conflict) else EXIT_BAD_INPUT


def _problem(error: ShopwardenError) -> dict[str, Any]:
    return {
        "type": error.slug,
        "title": error.title,
        "detail": error.detail,
        "field": error.field,
        "rule": error.rule,
        **error.extra,
    }
