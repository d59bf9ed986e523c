"""``mmdesk simulate``: TOML config validated with clear errors, the run directory it leaves."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from mmdesk.cli.main import app
from mmdesk.sim.run import load_run_config, run_id

SHORT = """
[scenario]
seed = 3
[scenario.calendar]
session_s = 120
[desk.quoter]
quote_size = 5
"""


def test_simulate_writes_the_run_directory(tmp_path: Path) -> None:
    cfg_file = tmp_path / "run.toml"
    cfg_file.write_text(SHORT)
    res = CliRunner().invoke(
        app,
        ["simulate", "--config", str(cfg_file), "--seed", "4", "--out", str(tmp_path), "--quiet"],
    )
    assert res.exit_code == 0, res.output
    runs = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert len(runs) == 1
    d = runs[0]
    for name in ("orders", "fills", "hedges", "risk_events", "snapshots", "inventory", "marks"):
        assert (d / f"{name}.parquet").exists()
    summary = json.loads((d / "summary.json").read_text())
    assert summary["seed"] == 4 and summary["run_id"] == d.name
    # the written config reloads to the same run (same id: content hash of config + seed)
    again = load_run_config(d / "config.toml")
    assert again.scenario.seed == 4 and again.desk.quoter.quote_size == 5
    assert run_id(again) == d.name
    assert pl.read_parquet(d / "snapshots.parquet").height > 0
    assert "P&L" in res.output
    # every run writes its report next to the journal
    assert (d / "report.html").stat().st_size > 0 and "report:" in res.output


def test_an_invalid_field_is_named_with_its_value(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[desk.quoter]\nquote_size = -3\n[scenario]\nspot = 'x'\n")
    res = CliRunner().invoke(app, ["simulate", "--config", str(bad), "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert "desk.quoter.quote_size = -3" in res.output
    assert "scenario.spot = 'x'" in res.output


def test_an_unknown_field_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[desk]\nquote_sise = 3\n")
    res = CliRunner().invoke(app, ["simulate", "--config", str(bad), "--out", str(tmp_path)])
    assert res.exit_code == 2 and "desk.quote_sise" in res.output


def test_a_value_in_brackets_is_printed_as_written(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[desk]\nbook = '[scenario] 7'\n")
    res = CliRunner().invoke(app, ["simulate", "--config", str(bad), "--out", str(tmp_path)])
    assert res.exit_code == 2 and "desk.book = '[scenario] 7'" in res.output
