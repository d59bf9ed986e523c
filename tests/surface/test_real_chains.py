"""Acceptance on the real chains: every SPXW quote date and the AAPL snapshot.

Counted strikes: the out-of-the-money option at each strike (puts below the
implied forward, calls at or above) that is two-sided (bid > 0, ask > bid) and
whose ask has an implied vol; a bid with no implied vol (below intrinsic) puts
the band's lower edge at zero vol. AAPL quotes are de-Americanised first.
Expiries counted: at least 10 such strikes. The per-expiry figures are printed
(run with ``-s`` to see them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mmdesk.market.loaders import load_chain
from mmdesk.surface.chain_fit import chain_slice_quotes, snapshot
from mmdesk.surface.fit import FittedSurface, SliceSummary, fit_slices

MIN_TWO_SIDED = 10
BAND_SHARE = 0.90


def _fit_all(shared_data: Path) -> list[tuple[str, FittedSurface]]:
    out = []
    spx, _ = load_chain(shared_data / "spxw_eom_daily_2018-01-02_to_02-28.csv")
    for day in spx.quote_dates():
        quotes, spot = chain_slice_quotes(snapshot(spx, day))
        quotes = [q for q in quotes if q.t > 0]
        if not quotes:  # expiry day of the only expiry: t = 0, no implied vol
            continue
        out.append((f"SPXW {str(day)[:10]}", fit_slices(quotes, spot=spot)))
    aapl, _ = load_chain(shared_data / "aapl_chain_2025-10-06.csv")
    quotes, spot = chain_slice_quotes(aapl)
    out.append(("AAPL 2025-10-06", fit_slices(quotes, spot=spot)))
    return out


@pytest.fixture(scope="module")
def fits(shared_data: Path) -> list[tuple[str, FittedSurface]]:
    fits = _fit_all(shared_data)
    print("\nsurface fit per expiry (counted: >= 10 two-sided strikes)")
    print(f"{'chain':16s} {'expiry':10s} {'T(d)':>6s} {'pts':>4s} {'2s':>4s} "
          f"{'rmse':>5s} {'inband':>6s} {'min_g':>8s} bfly cal")  # fmt: skip
    for name, s in fits:
        for r in s.summaries:
            bfly = "ok" if r.butterfly_ok else "FAIL"
            cal = "ok" if r.calendar_ok else "FAIL"
            print(
                f"{name:16s} {r.label:10s} {r.t * 365:6.1f} {r.n_points:4d} {r.n_two_sided:4d} "
                f"{r.rmse_vol_pts:5.2f} {r.inside_band:6.1%} {r.min_g:8.2g} {bfly:4s} {cal}"
            )
    return fits


def _counted(fits: list[tuple[str, FittedSurface]]) -> list[tuple[str, SliceSummary]]:
    return [(n, r) for n, s in fits for r in s.summaries if r.n_two_sided >= MIN_TWO_SIDED]


def test_every_date_and_expiry_is_fitted(fits: list[tuple[str, FittedSurface]]) -> None:
    names = [n for n, _ in fits]
    assert sum(n.startswith("SPXW") for n in names) == 38  # 40 dates less 2 expiry days
    aapl = dict(fits)["AAPL 2025-10-06"]
    assert len(aapl.summaries) == 21


def test_whole_surfaces_pass_butterfly_and_calendar_checks(
    fits: list[tuple[str, FittedSurface]],
) -> None:
    bad = [(n, s.labels) for n, s in fits if not s.ok]
    assert not bad


def test_acceptance_every_expiry_at_least_90_percent_inside_band(
    fits: list[tuple[str, FittedSurface]],
) -> None:
    counted = _counted(fits)
    shares = np.array([r.inside_band for _, r in counted])
    print(
        f"\ninside-band share over {shares.size} expiries: worst {shares.min():.1%}, "
        f"median {np.median(shares):.1%}"
    )
    below = [
        (n, r.label, round(r.inside_band, 3)) for n, r in counted if r.inside_band < BAND_SHARE
    ]
    assert not below, below
