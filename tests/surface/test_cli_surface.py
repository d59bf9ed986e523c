"""``mmdesk surface FILE``: tables, stickouts and a self-contained HTML plot."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mmdesk.cli.main import app

runner = CliRunner()


def test_surface_command_prints_per_expiry_table_and_writes_html(
    shared_data: Path, tmp_path: Path
) -> None:
    res = runner.invoke(
        app,
        [
            "surface",
            str(shared_data / "spxw_eom_daily_2018-01-02_to_02-28.csv"),
            "--date",
            "2018-01-24",
            "--out",
            str(tmp_path),
            "--no-png",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "2018-01-31" in res.output and "in band" in res.output
    assert "stickouts" in res.output and "passes" in res.output
    html = tmp_path / "surface_SPX_2018-01-24.html"
    text = html.read_text()
    assert html.stat().st_size > 1_000_000  # plotly.js embedded: opens offline
    assert "plotly" in text


def test_surface_command_says_what_it_did_to_a_dirty_file(
    shared_data: Path, tmp_path: Path
) -> None:
    lines = (shared_data / "aapl_chain_2025-10-06.csv").read_text().splitlines()
    head = lines[0].split(",")
    row = lines[100].split(",")  # file line 101
    row[head.index("bid")], row[head.index("ask")] = "5.0", "4.0"
    lines[100] = ",".join(row)
    dirty = tmp_path / "crossed.csv"
    dirty.write_text("\n".join(lines) + "\n")
    res = runner.invoke(app, ["surface", str(dirty), "--out", str(tmp_path), "--no-png"])
    assert res.exit_code == 0, res.output
    assert "2099 rows read, 2098 kept" in res.output
    crossed = next(ln for ln in res.output.splitlines() if "crossed_quote" in ln)
    assert crossed.split()[1:4] == ["1", "dropped", "lines"] and crossed.split()[4] == "101"


def test_surface_command_rejects_a_missing_file_and_an_unknown_date(
    shared_data: Path, tmp_path: Path
) -> None:
    res = runner.invoke(app, ["surface", str(tmp_path / "nope.csv")])
    assert res.exit_code != 0 and "no such file" in res.output
    res = runner.invoke(
        app,
        [
            "surface",
            str(shared_data / "spxw_eom_daily_2018-01-02_to_02-28.csv"),
            "--date",
            "2017-12-01",
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 1 and "no quotes on" in res.output


@pytest.mark.browser
def test_surface_png_needs_chromium(shared_data: Path, tmp_path: Path) -> None:
    if not (shutil.which("chromium") or shutil.which("google-chrome")):
        pytest.skip("no Chrome/Chromium for kaleido")
    res = runner.invoke(
        app,
        [
            "surface",
            str(shared_data / "spxw_eom_daily_2018-01-02_to_02-28.csv"),
            "--date",
            "2018-01-24",
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 0, res.output
    png = tmp_path / "surface_SPX_2018-01-24.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
