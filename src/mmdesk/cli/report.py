"""``mmdesk report RUN_DIR``: rebuild ``report.html`` from a run directory alone."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from mmdesk.report.html import write_report
from mmdesk.report.rundir import RunDirError


def report(
    run_dir: Annotated[Path, typer.Argument(help="A run directory written by mmdesk simulate.")],
) -> None:
    """Write RUN_DIR/report.html (plotly, self-contained, opens offline)."""
    try:
        out = write_report(run_dir)
    except RunDirError as exc:
        Console(stderr=True).print(str(exc), style="red", markup=False, highlight=False)
        raise typer.Exit(code=2) from None
    Console().print(f"report written: {out}")
