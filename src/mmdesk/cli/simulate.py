"""``mmdesk simulate``: run the desk in the market simulator."""

from __future__ import annotations

import typer
from rich.console import Console


def simulate() -> None:
    """Run the central book in the simulator on the built-in default market."""
    Console(stderr=True).print(
        "[yellow]mmdesk simulate:[/] the market simulator and the central book have not "
        "landed yet (issues 4 and 5); nothing was run."
    )
    raise typer.Exit(code=0)
