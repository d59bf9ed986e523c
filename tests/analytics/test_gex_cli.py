"""``mmdesk gex``: the per-strike table and plot for a date, and the walk into expiry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from mmdesk.cli.main import app
from mmdesk.market.chain_io import write_chain
from mmdesk.market.loaders import load_spxw_optopsy

SPXW = Path("/work/shared/data/spxw_eom_daily_2018-01-02_to_02-28.csv")
pytestmark = pytest.mark.skipif(not SPXW.exists(), reason="shared SPXW data not present")


def test_gex_prints_the_table_and_writes_a_self_contained_plot(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["gex", str(SPXW), "--date", "2018-01-30", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "Dealer GEX 2018-01-30" in result.output
    assert "zero-gamma level" in result.output
    html = (tmp_path / "gex_2018-01-30.html").read_text()
    assert 'src="http' not in html  # plotly.js is embedded, not fetched
    assert len(html) > 1_000_000 and "Dealer gamma exposure" in html


def test_gex_walk_prints_top_strikes_and_settlement(tmp_path: Path) -> None:
    chain, _ = load_spxw_optopsy(SPXW)
    chain = chain.for_expiry("2018-01-31")
    keep = np.isin(chain.quote_date, np.array(["2018-01-30", "2018-01-31"], dtype="M8[D]"))
    small = tmp_path / "last_days.csv"
    write_chain(chain.select(keep), small)
    result = CliRunner().invoke(
        app, ["gex", str(small), "--walk", "--paths", "100", "--steps", "10"]
    )
    assert result.exit_code == 0, result.output
    assert "expiry 2018-01-31: settlement 2,823.89" in result.output
    assert "2018-01-30" in result.output and "top-3 pin strikes" in result.output


def test_gex_rejects_a_date_without_quotes(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["gex", str(SPXW), "--date", "2017-06-01", "--out", str(tmp_path)]
    )
    assert result.exit_code != 0
