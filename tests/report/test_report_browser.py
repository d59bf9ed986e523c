"""report.html in headless Chromium: no script errors, every listed plot rendered, screenshot."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mmdesk.report.html import PLOTS, write_report

from .synthetic_run import write_synthetic_run

CHROMIUM = next(
    (p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p),
    None,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="headless chromium is not installed"),
]


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=20000",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)


def test_report_renders_every_plot_without_errors(tmp_path: Path) -> None:
    page = write_report(write_synthetic_run(tmp_path / "run"))
    url = page.resolve().as_uri()
    dom = _chromium("--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    console = [ln for ln in dom.stderr.splitlines() if "CONSOLE" in ln]
    errors = [ln for ln in console if re.search(r"Uncaught|Error", ln)]
    assert not errors, errors
    for name in PLOTS:
        m = re.search(rf'<div id="plot-{name}" class="([^"]*)"', dom.stdout)
        assert m is not None, f"plot {name} missing"
        assert "js-plotly-plot" in m.group(1), f"plot {name} not rendered by plotly"
    # each rendered figure draws its own svg canvas
    assert dom.stdout.count('class="main-svg"') >= len(PLOTS)
    shot = tmp_path / "report.png"
    res = _chromium(f"--screenshot={shot}", "--window-size=1400,6000", url)
    assert res.returncode == 0, res.stderr[-2000:]
    assert shot.exists() and shot.stat().st_size > 50_000  # a page of plots, not a blank one
