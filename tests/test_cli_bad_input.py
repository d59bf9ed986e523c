"""Bad command-line input gets one clear error naming the option and the value, never a traceback.

Every case here runs no simulation: the check happens before any work starts.
"""

from pathlib import Path

import numpy as np
import pytest
import typer
from pydantic import BaseModel, Field
from typer.testing import CliRunner

from mmdesk.cli import params
from mmdesk.cli.main import app

SPX = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "spxw_eom_daily_2018-01-02_to_02-28.csv"
)
needs_spx = pytest.mark.skipif(not SPX.exists(), reason="shared SPXW data not present")


class TestSeeds:
    @pytest.mark.parametrize(
        ("text", "seeds"),
        [("3", [3]), ("1-5", [1, 2, 3, 4, 5]), ("1-3,7", [1, 2, 3, 7]), (" 0 , 2-2", [0, 2])],
    )
    def test_a_seed_a_range_or_a_list_of_both(self, text: str, seeds: list[int]) -> None:
        assert params.seeds(text) == seeds

    @pytest.mark.parametrize("text", ["abc", "-1", "1-", "1-x", "", "1,,2", "2.5"])
    def test_anything_else_names_the_option_and_the_text(self, text: str) -> None:
        with pytest.raises(typer.BadParameter, match=r"--seeds='.*'"):
            params.seeds(text)

    def test_an_empty_range_is_an_error_not_zero_runs(self) -> None:
        with pytest.raises(typer.BadParameter, match="the range 5-1 is empty"):
            params.seeds("5-1")


def test_a_date_must_be_a_calendar_date() -> None:
    assert params.day("2018-02-05") == np.datetime64("2018-02-05")
    with pytest.raises(typer.BadParameter, match=r"--date='2018-13-01'"):
        params.day("2018-13-01")


class TestChainFile:
    def test_a_missing_file_is_named(self, tmp_path: Path) -> None:
        with pytest.raises(typer.BadParameter, match="no such file"):
            params.chain_file(tmp_path / "none.csv")

    def test_an_unknown_format_is_named_with_its_header(self, tmp_path: Path) -> None:
        junk = tmp_path / "junk.csv"
        junk.write_bytes(b"garbage\x00\x01\n1,2,3\n")
        with pytest.raises(typer.BadParameter, match="unknown chain format"):
            params.chain_file(junk)

    @needs_spx
    def test_a_truncated_file_names_the_line_and_column(self, tmp_path: Path) -> None:
        cut = tmp_path / "cut.csv"
        cut.write_bytes(SPX.read_bytes()[:5000])
        with pytest.raises(typer.BadParameter, match=r"line \d+, column"):
            params.chain_file(cut)


class _Cfg(BaseModel):
    class _Inner(BaseModel):
        quality: float = Field(0.3, ge=0.0, le=1.0)

    n_paths: int = Field(10, ge=2)
    inner: _Inner = _Inner()


def test_a_config_error_names_the_option_that_set_the_field() -> None:
    with pytest.raises(typer.BadParameter) as err:
        params.config(
            _Cfg,
            {"n_paths": "--paths", "inner.quality": "--quality"},
            {"n_paths": 0, "inner": {"quality": 2.0}},
        )
    assert "--paths=0" in str(err.value)
    assert "--quality=2.0" in str(err.value)


def _flat(panel: str) -> str:
    """A rich panel's text on one line (box borders and wrapping removed)."""
    return " ".join(panel.replace("│", " ").split())


@needs_spx
@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["experiment", "leaning", "--seeds", "5-1"], "--seeds='5-1'"),
        (["experiment", "flow", "--seeds", "x"], "--seeds='x'"),
        (["experiment", "flow", "/no/such/run"], "run directory /no/such/run does not exist"),
        (["experiment", "firm", "--seeds", "-1"], "--seeds='-1'"),
        (["experiment", "firm", "--quality", "2"], "--quality=2.0"),
        (["experiment", "firm", "--workers", "0"], "--workers"),
        (["experiment", "firm", "--load", "/no/such/rows.json"], "--load='/no/such/rows.json'"),
        (["experiment", "scaling", "--seeds", "a-b"], "--seeds='a-b'"),
        (["experiment", "scaling", "--vols", "nan"], "vols=(nan,) must be in (0, 10]"),
        (["experiment", "pinning", "--paths", "0"], "--paths=0"),
        (["gex", str(SPX), "--date", "2018-13-01"], "--date='2018-13-01'"),
        (["gex", "/no/such/chain.csv"], "no such file"),
        (["gex", str(SPX), "--walk", "--adv", "-1"], "adv is -1.0"),
        (["surface", "/no/such/chain.csv"], "no such file"),
        (["surface", str(SPX), "--date", "garbage"], "--date='garbage'"),
        (["surface", str(SPX), "--top", "-3"], "--top"),
    ],
)
def test_the_commands_report_bad_input_as_a_usage_error(argv: list[str], says: str) -> None:
    result = CliRunner().invoke(app, argv, terminal_width=200)
    assert result.exit_code == 2, result.output
    assert says in _flat(result.output)
    assert "Traceback" not in result.output


def test_the_simulate_help_shows_the_config_tables() -> None:
    result = CliRunner().invoke(app, ["simulate", "--help"])
    assert "[scenario] and [desk] tables" in _flat(result.output)
