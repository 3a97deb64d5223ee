"""``shopwarden report ...``: campaign reports (REPORT-1)."""

from __future__ import annotations

import typer

report_app = typer.Typer(help="Campaign reports (REPORT-1).", no_args_is_help=True)
