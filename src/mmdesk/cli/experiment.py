"""``mmdesk experiment NAME``: runs that answer one question each."""

from __future__ import annotations

import typer

from mmdesk.cli import avellaneda_stoikov
from mmdesk.cli import firm as firm_cli
from mmdesk.cli import flow as flow_cli
from mmdesk.cli import hedging as hedging_cli
from mmdesk.cli import pinning as pinning_cli
from mmdesk.cli import scaling as scaling_cli

app = typer.Typer(
    help="Experiments that answer one question each and print their table.", no_args_is_help=True
)

app.command("avellaneda-stoikov")(avellaneda_stoikov.avellaneda_stoikov)
app.command("pinning")(pinning_cli.pinning)
app.command("hedging")(hedging_cli.hedging)
app.command("flow")(flow_cli.flow)
app.command("leaning")(flow_cli.leaning)
app.command("firm")(firm_cli.firm)
app.command("scaling")(scaling_cli.scaling)
