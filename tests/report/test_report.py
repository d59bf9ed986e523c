"""The run report: rebuilt from a run directory alone, every plot present, stats right."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from mmdesk.cli.main import app
from mmdesk.report.html import PLOTS, write_report
from mmdesk.report.rundir import load_run
from mmdesk.report.stats import daily_sharpe, down_day_share, max_drawdown, performance

from .synthetic_run import write_synthetic_run


def test_max_drawdown_is_the_worst_fall_from_a_peak() -> None:
    assert max_drawdown(np.array([0.0, 5.0, 2.0, 7.0, 1.0, 3.0])) == 6.0
    assert max_drawdown(np.array([-4.0, -1.0])) == 4.0  # the peak starts at 0
    assert max_drawdown(np.array([1.0, 2.0, 3.0])) == 0.0


def test_daily_sharpe_and_down_days() -> None:
    x = np.array([1.0, -1.0, 2.0, 2.0])
    assert daily_sharpe(x) == pytest.approx(x.mean() / x.std(ddof=1) * math.sqrt(252.0))
    assert math.isnan(daily_sharpe(np.array([3.0])))
    assert down_day_share(x) == 0.25
    perf = performance(x, np.cumsum(x), contracts=8.0)
    assert perf["pnl_per_contract"] == pytest.approx(0.5)


def test_report_is_rebuilt_from_the_run_directory_with_every_plot(tmp_path: Path) -> None:
    d = write_synthetic_run(tmp_path / "run")
    out = write_report(d)
    text = out.read_text()
    assert out == d / "report.html"
    for name in PLOTS:
        assert f'id="plot-{name}"' in text or f"id='plot-{name}'" in text
    assert "Performance" in text and "P&amp;L attribution" in text
    assert "daily Sharpe" in text and "max drawdown" in text
    assert text.count("plotly.js v") >= 1  # plotly.js inlined: opens offline
    assert '<script src="http' not in text and "<script src='http" not in text


def test_cli_report_writes_the_page(tmp_path: Path) -> None:
    d = write_synthetic_run(tmp_path / "run")
    res = CliRunner().invoke(app, ["report", str(d)])
    assert res.exit_code == 0, res.output
    assert (d / "report.html").exists()


def test_cli_report_names_a_missing_run_directory(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["report", str(tmp_path / "nope")])
    assert res.exit_code == 2
    assert "nope" in res.output


@pytest.mark.parametrize("name", ["fills.parquet", "listing.parquet", "summary.json"])
def test_cli_report_names_a_corrupt_file_and_leaves_the_run_as_it_was(
    tmp_path: Path, name: str
) -> None:
    d = write_synthetic_run(tmp_path / "run")
    broken = d / name
    broken.write_bytes(broken.read_bytes()[:40])
    before = {p.name: p.read_bytes() for p in d.iterdir()}
    res = CliRunner().invoke(app, ["report", str(d)])
    assert res.exit_code == 2
    assert f"{name} is unreadable" in " ".join(res.output.split())
    assert "Traceback" not in res.output
    assert {p.name: p.read_bytes() for p in d.iterdir()} == before  # nothing written, nothing lost


def test_run_loader_reads_units_and_rates(tmp_path: Path) -> None:
    run = load_run(write_synthetic_run(tmp_path / "run"))
    assert run.price_unit == 0.01 and run.rate == 0.02 and run.multiplier == 100.0
    assert run["fills"].height > 0
