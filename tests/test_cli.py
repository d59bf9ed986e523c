"""The command line starts and lists its commands."""

from typer.testing import CliRunner

from mmdesk.cli.main import app


def test_help_lists_the_main_commands() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "simulate" in result.output
    assert "experiment" in result.output
