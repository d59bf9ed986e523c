"""Recompute the book's exposures from the journal alone, and check them against the limits.

The acceptance test of the risk gate must not trust the desk's own counters.
This module rebuilds the book from the journal's ``fills`` (every own fill,
hedges and settlements included, at the venue's timestamp), revalues every
held option at each ``marks`` row with Black–Scholes–Merton from the journaled
theo inputs (spot and vol; gamma on an option's expiry date by the limits'
delta ladder, :mod:`mmdesk.risk.expiry_gamma`; the vol of an option missing from a mark is its
last journaled vol), aggregates the exposures exactly as the risk engine
defines them and reports the utilisation of every hard limit at every mark.

A fill that reached the venue before a mark but the desk only later is
counted at its venue time: the audit sees the true book, never a staler one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from mmdesk.pricing import bs_greeks
from mmdesk.risk.expiry_gamma import limit_gamma
from mmdesk.risk.gate import utilisation
from mmdesk.risk.limits import LimitsConfig
from mmdesk.risk.positions import ChainLayout, Positions

_NS_PER_YEAR = 365.0 * 86_400.0 * 1e9
_NS_PER_DAY = 86_400 * 1_000_000_000


@dataclass(frozen=True, eq=False)
class AuditResult:
    """Utilisation of every hard limit at every mark, recomputed from the journal.

    Attributes
    ----------
    table : polars.DataFrame
        One row per mark: ``ts_ns``, the recomputed ``delta``, ``gamma``, ``vega``
        and one ``use_<limit>`` column per limit (|exposure| / limit).
    max_utilisation : dict
        Largest utilisation of each limit over the run.
    """

    table: pl.DataFrame
    max_utilisation: dict[str, float]

    @property
    def breached(self) -> list[str]:
        """Limits whose recomputed utilisation ever exceeded 1."""
        return [k for k, v in self.max_utilisation.items() if v > 1.0 + 1e-9]


def audit_journal(
    fills: pl.DataFrame,
    marks: pl.DataFrame,
    listing: pl.DataFrame,
    limits: LimitsConfig,
    rate: float,
    div_yield: float,
) -> AuditResult:
    """Recompute positions and greeks at every mark and compare them with ``limits``.

    Parameters
    ----------
    fills, marks : polars.DataFrame
        The journal's ``fills`` and ``marks`` tables.
    listing : polars.DataFrame
        The option series (``option``, ``strike``, ``expiry_ns``, ``is_call``, ``multiplier``).
    limits : LimitsConfig
        The hard limits in force (the run's config).
    rate, div_yield : float
        The scenario's continuously compounded rate and dividend yield.
    """
    strike = listing["strike"].to_numpy().astype(np.float64)
    expiry_ns = listing["expiry_ns"].to_numpy().astype(np.int64)
    is_call = listing["is_call"].to_numpy().astype(bool)
    mult = float(listing["multiplier"][0])
    n = strike.size
    layout = ChainLayout.from_arrays(expiry_ns, strike, mult)
    expiries = np.unique(expiry_ns)
    cell_expiry = np.zeros(layout.n_strike_cells, dtype=np.int64)
    cell_expiry[layout.strike_cell] = layout.expiry

    f = fills.sort("ts_ns", maintain_order=True)
    f_ts = f["ts_ns"].to_numpy()
    f_ins = f["instrument"].to_numpy().astype(np.int64)
    f_sq = f["side"].to_numpy().astype(np.float64) * f["qty"].to_numpy().astype(np.float64)
    f_settle = (f["kind"] == "settle").to_numpy()
    f_vol = f["vol"].to_numpy()

    m = marks.sort("ts_ns", maintain_order=True)
    m_ts = m["ts_ns"].to_numpy()
    m_spot = m["spot_px"].to_numpy()
    m_opt = m["option"].to_numpy().astype(np.int64)
    m_vol = m["vol"].to_numpy()
    starts = np.flatnonzero(np.r_[True, m_ts[1:] != m_ts[:-1]])
    ends = np.r_[starts[1:], m_ts.size]

    pos = Positions(layout)
    last_vol = np.full(n, np.nan)
    j = 0
    rows: list[dict[str, float]] = []
    for a, b in zip(starts, ends, strict=True):
        ts = int(m_ts[a])
        while j < f_ts.size and f_ts[j] <= ts:
            ins = int(f_ins[j])
            if ins > 0:
                i = ins - 1
                if f_settle[j]:
                    pos.contracts[i] = 0.0
                else:
                    pos.contracts[i] += f_sq[j]
                    if np.isfinite(f_vol[j]):
                        last_vol[i] = f_vol[j]
            else:
                pos.shares += f_sq[j]
            j += 1
        sel = m_opt[a:b]
        ok = sel >= 0
        last_vol[sel[ok]] = m_vol[a:b][ok]
        spot = float(m_spot[a])
        held = np.flatnonzero(pos.contracts != 0.0)
        delta = np.zeros(n)
        gamma = np.zeros(n)
        vega = np.zeros(n)
        if held.size:
            tau = np.maximum((expiry_ns[held] - ts) * 1e-9, 60.0) / (_NS_PER_YEAR * 1e-9)
            vol = np.where(np.isfinite(last_vol[held]), last_vol[held], 0.2)
            g = bs_greeks(spot, strike[held], tau, vol, rate, div_yield, is_call[held])
            delta[held], vega[held] = g.delta, g.vega
            gamma[held] = limit_gamma(
                g.gamma, ts, expiry_ns[held], spot, strike[held], vol, rate, div_yield,
                is_call[held], limits.expiry_gamma_move,
            )  # fmt: skip
        days = (expiries - ts).astype(np.float64) / _NS_PER_DAY
        near = min(limits.strike_contracts, limits.strike_contracts_near_expiry)
        per_exp = np.where(days <= limits.pin_window_days, near, limits.strike_contracts)
        strike_limit = np.asarray(per_exp[cell_expiry], dtype=np.float64)
        # the readable numpy aggregation, not the desk's kernel (risk_and_exposure,
        # checked against it in tests/risk/test_positions.py): the judge's own path
        risk = pos.contract_risk(delta, gamma, vega, spot, strike_limit)
        book = pos.exposure(risk, spot)
        use = utilisation(book, limits, strike_limit)
        rows.append(
            {"ts_ns": ts, "delta": book.delta, "gamma": book.gamma, "vega": book.vega}
            | {f"use_{k}": v for k, v in use.items()}
        )
    table = pl.DataFrame(rows) if rows else pl.DataFrame({"ts_ns": []})
    max_use = {
        c.removeprefix("use_"): float(table[c].max())  # type: ignore[arg-type]
        for c in table.columns
        if c.startswith("use_")
    }
    return AuditResult(table, max_use)
