"""Entry point of the ``mmdesk`` command.

Each command lives in its own module under :mod:`mmdesk.cli` and registers
itself here; ``mmdesk experiment NAME`` commands register on
:data:`mmdesk.cli.experiment.app`.
"""

from __future__ import annotations

import typer

from mmdesk.cli import experiment, gex, simulate
from mmdesk.cli import report as report_cli
from mmdesk.cli import surface as surface_cli

app = typer.Typer(
    name="mmdesk",
    help="An options market-making desk: value, quote, hedge, limit, read the flow, simulate.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

app.command("simulate")(simulate.simulate)
app.add_typer(experiment.app, name="experiment")
app.command("surface")(surface_cli.surface)
app.command("gex")(gex.gex_command)
app.command("report")(report_cli.report)
