"""``shopwarden trust ...``: trust purchase, 信任购 (TRUST-1..5)."""

from __future__ import annotations

import typer

trust_app = typer.Typer(help="Trust purchase, 信任购 (TRUST-1..5).", no_args_is_help=True)
