"""P&L attribution from the journal: where the desk's money came from.

The book is replayed from the journal alone. The timeline is every fill (at
the venue's time, valued at the spot and vol the desk journaled with it) and
every ``marks`` row (the spot and the vol of each held option). Between two
consecutive events k → k+1 the book held is constant, and each option's value
change is split with its Black–Scholes–Merton greeks at event k:

    ΔV = Δ·ΔS + ½Γ·ΔS² + Θ·Δt + ν·Δσ + vanna·ΔS·Δσ + ½ volga·Δσ² + residual

(ΔS the underlying's move, Δσ the option's implied-vol move, Δt in years) —
second order in S and σ, first in t; the residual is the Taylor remainder,
small when the events are close together. Shares held contribute Δ·ΔS. A
vol step larger than ``remark_threshold`` is a surface refit, not a market
move: it is revalued exactly (``vol_remark``) and the step's spot and time
terms use the greeks at the new vol.

At a fill the book's mark-to-theo value jumps:

- option fill: ``edge`` = side·qty·m·(theo − price), the spread captured
  against the desk's theo journaled with the fill; ``fees`` (negative =
  rebates); ``theo_mismatch`` = side·qty·m·(replayed value − journaled theo)
  (the replay revalues at the fill's own time; counted in the residual);
- underlying fill (hedges): ``hedge_cost`` = −side·qty·(price − mid), the
  spread and impact paid against the mid, plus its fees in ``hedge_fees``;
- settlement: ``settlement`` (cash received − value given up).

Everything is one vectorised BSM call over (events × options ever held).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from mmdesk.pricing import bs_greeks
from mmdesk.typing import Float64Array

_NS_PER_YEAR = 365.0 * 86_400.0 * 1e9

#: Greek components of the interval P&L, in order.
GREEK_COMPONENTS: tuple[str, ...] = ("delta", "gamma", "theta", "vega", "vanna", "volga")
#: Every component of :class:`Attribution` (their sum is the replayed P&L).
COMPONENTS: tuple[str, ...] = (
    "edge",
    "fees",
    *GREEK_COMPONENTS,
    "vol_remark",
    "hedge_cost",
    "hedge_fees",
    "settlement",
    "residual",
)


@dataclass(frozen=True, eq=False)
class Attribution:
    """The attribution of one run.

    Attributes
    ----------
    events : polars.DataFrame
        One row per event: ``ts_ns`` and the P&L of every component over the
        interval that ends at it and the fills at it (currency); its cumulative
        sums are the P&L by component over time.
    by_expiry : polars.DataFrame
        Per expiry index: edge, fees, greek components, settlement, residual.
    by_tag : polars.DataFrame
        Per counterparty tag: option fills, contracts, edge, fees.
    totals : dict
        Component → total (currency), plus ``pnl`` (the sum: the replayed
        mark-to-theo P&L) and ``residual`` (the Taylor remainder and the theo
        mismatch at fills).
    """

    events: pl.DataFrame
    by_expiry: pl.DataFrame
    by_tag: pl.DataFrame
    totals: dict[str, float]

    @property
    def gross(self) -> float:
        """Gross P&L: the sum of the absolute totals of every component but the residual."""
        return float(sum(abs(self.totals[c]) for c in COMPONENTS if c != "residual"))

    @property
    def residual_share(self) -> float:
        """|residual| / gross P&L."""
        g = self.gross
        return abs(self.totals["residual"]) / g if g > 0 else 0.0


def attribute(
    fills: pl.DataFrame,
    marks: pl.DataFrame,
    listing: pl.DataFrame,
    rate: float,
    div_yield: float,
    price_unit: float,
    tau_floor_s: float = 60.0,
    remark_threshold: float = 0.01,
) -> Attribution:
    """Attribute the book's P&L from the journal (module docstring).

    Parameters
    ----------
    fills, marks : polars.DataFrame
        The journal's ``fills`` and ``marks`` tables.
    listing : polars.DataFrame
        Option series (``strike``, ``expiry_ns``, ``expiry``, ``is_call``, ``multiplier``).
    rate, div_yield : float
        Continuously compounded rate and dividend yield, per year.
    price_unit : float
        Currency per integer venue price unit.
    tau_floor_s : float
        Floor on time to expiry, seconds (the theo engine's).
    remark_threshold : float
        An option's vol step larger than this (annualised vol) between two
        events is a surface re-mark, revalued exactly into ``vol_remark``.

    Raises
    ------
    ValueError
        If ``price_unit`` is not positive.
    """
    if not price_unit > 0.0:
        raise ValueError(f"attribute: price_unit={price_unit!r} must be > 0")
    n_opt = listing.height
    mult = float(listing["multiplier"][0]) if n_opt else 1.0
    # ---- the timeline: fills first, then marks at equal times (the desk marks after booking)
    f = fills.sort("ts_ns", maintain_order=True)
    m = marks.sort("ts_ns", maintain_order=True)
    m_ts = m["ts_ns"].to_numpy().astype(np.int64)
    m_start = np.flatnonzero(np.r_[True, m_ts[1:] != m_ts[:-1]]) if m_ts.size else np.zeros(0, int)
    f_ts = f["ts_ns"].to_numpy().astype(np.int64)
    ev_ts = np.concatenate([f_ts, m_ts[m_start]])
    ev_kind = np.concatenate([np.zeros(f_ts.size, int), np.ones(m_start.size, int)])
    order = np.lexsort((ev_kind, ev_ts))
    n_ev = order.size
    pos_of = np.empty(n_ev, dtype=np.int64)
    pos_of[order] = np.arange(n_ev)
    fill_ev = pos_of[: f_ts.size]  # event index of each fill
    mark_ev = pos_of[f_ts.size :]  # event index of each mark group
    ts = ev_ts[order]
    if n_ev == 0:
        return _empty()
    # ---- spot per event
    f_spot = f["spot_px"].to_numpy().astype(np.float64)
    spot = np.full(n_ev, np.nan)
    spot[fill_ev] = f_spot
    spot[mark_ev] = m["spot_px"].to_numpy()[m_start]
    spot = _ffill(spot)
    spot = np.where(np.isfinite(spot), spot, _first_finite(spot))
    # ---- vol per (event, option ever held)
    f_ins = f["instrument"].to_numpy().astype(np.int64)
    f_kind = f["kind"].to_numpy()
    is_settle = f_kind == "settle"
    is_opt = (f_ins > 0) & ~is_settle
    held_opts = np.unique(f_ins[f_ins > 0] - 1)
    col = np.full(max(n_opt, 1), -1, dtype=np.int64)
    col[held_opts] = np.arange(held_opts.size)
    n_col = held_opts.size
    vol = np.full((n_ev, n_col), np.nan)
    f_vol = f["vol"].to_numpy().astype(np.float64)
    sel = is_opt & np.isfinite(f_vol)
    vol[fill_ev[sel], col[f_ins[sel] - 1]] = f_vol[sel]
    m_opt = m["option"].to_numpy().astype(np.int64)
    m_group = np.cumsum(np.r_[True, m_ts[1:] != m_ts[:-1]]) - 1 if m_ts.size else m_opt
    ok = (m_opt >= 0) & (m_opt < n_opt)
    ok &= col[np.clip(m_opt, 0, max(n_opt - 1, 0))] >= 0
    vol[mark_ev[m_group[ok]], col[m_opt[ok]]] = m["vol"].to_numpy()[ok]
    vol = _ffill(vol)
    vol = np.where(np.isfinite(vol), vol, _first_finite_cols(vol))
    # ---- positions held after each event
    sq = f["side"].to_numpy().astype(np.float64) * f["qty"].to_numpy().astype(np.float64)
    dq = np.zeros((n_ev, n_col))
    np.add.at(dq, (fill_ev[is_opt], col[f_ins[is_opt] - 1]), sq[is_opt])
    q = np.cumsum(dq, axis=0)
    settle_opt = is_settle & (f_ins > 0)
    q_before_settle = np.zeros(f_ts.size)
    if settle_opt.any():  # a settlement closes the whole position at its event
        for j in np.flatnonzero(settle_opt):  # a handful per expiry: not a hot loop
            c, k = col[f_ins[j] - 1], fill_ev[j]
            q_before_settle[j] = q[k, c]
            q[k:, c] -= q[k, c]
    und = (f_ins == 0) & ~is_settle
    und_settle = (f_ins == 0) & is_settle
    d_sh = np.zeros(n_ev)
    np.add.at(d_sh, fill_ev[und | und_settle], sq[und | und_settle])
    shares = np.cumsum(d_sh)
    # ---- greeks of every (event, held option) in one call
    strike = listing["strike"].to_numpy().astype(np.float64)[held_opts]
    expiry_ns = listing["expiry_ns"].to_numpy().astype(np.int64)[held_opts]
    is_call = listing["is_call"].to_numpy().astype(bool)[held_opts]
    secs = (expiry_ns[None, :] - ts[:, None]).astype(np.float64) * 1e-9
    tau = np.maximum(secs, tau_floor_s) / (_NS_PER_YEAR * 1e-9)
    g = bs_greeks(spot[:, None], strike[None, :], tau, vol, rate, div_yield, is_call[None, :])
    # ---- interval P&L: the book after event k, from k to k+1
    d_s = np.diff(spot)[:, None]
    d_v = np.diff(vol, axis=0)
    d_t = (np.diff(ts).astype(np.float64) / _NS_PER_YEAR)[:, None]
    w = q[:-1] * mult
    parts = {
        "delta": g.delta[:-1] * d_s,
        "gamma": 0.5 * g.gamma[:-1] * d_s**2,
        "theta": g.theta[:-1] * d_t,
        "vega": g.vega[:-1] * d_v,
        "vanna": g.vanna[:-1] * d_s * d_v,
        "volga": 0.5 * g.volga[:-1] * d_v**2,
    }
    # surface re-marks: a step that moves an option's vol by more than remark_threshold
    # (a refit, not a market move) is revalued exactly at the old spot and time, and the
    # spot/time terms of that step use the greeks at the new vol
    jump_cell = np.abs(d_v) > remark_threshold
    remark = np.zeros_like(d_v)
    if jump_cell.any():
        kk, cc = np.nonzero(jump_cell)
        g2 = bs_greeks(
            spot[kk], strike[cc], tau[kk, cc], vol[kk + 1, cc], rate, div_yield, is_call[cc]
        )
        remark[kk, cc] = g2.price - g.price[kk, cc]
        ds = d_s[kk, 0]
        parts["delta"][kk, cc] = g2.delta * ds
        parts["gamma"][kk, cc] = 0.5 * g2.gamma * ds**2
        parts["theta"][kk, cc] = g2.theta * d_t[kk, 0]
        for c in ("vega", "vanna", "volga"):
            parts[c][kk, cc] = 0.0
    parts["vol_remark"] = remark
    d_price = np.diff(g.price, axis=0)
    taylor = sum(parts.values())
    per_opt = {k: w * v for k, v in parts.items()}
    per_opt["residual"] = w * (d_price - taylor)
    # ---- jumps at fills
    px = f["price"].to_numpy().astype(np.float64) * price_unit
    fee = f["fee"].to_numpy().astype(np.float64)
    theo_px = f["theo_px"].to_numpy().astype(np.float64)
    val = np.zeros(f_ts.size)
    val[is_opt] = g.price[fill_ev[is_opt], col[f_ins[is_opt] - 1]]
    theo_px = np.where(np.isfinite(theo_px), theo_px, val)
    jump = {c: np.zeros(f_ts.size) for c in COMPONENTS}
    jump["edge"][is_opt] = (sq * mult * (theo_px - px))[is_opt]
    jump["fees"][is_opt] = -fee[is_opt]
    jump["residual"][is_opt] = (sq * mult * (val - theo_px))[is_opt]
    jump["hedge_cost"][und] = (sq * (spot[fill_ev] - px))[und]
    jump["hedge_fees"][und] = -fee[und]
    # settlement: the option's cash (−fee) replaces its value; delivered shares enter at spot
    settle_val = np.zeros(f_ts.size)
    settle_val[settle_opt] = (
        q_before_settle * mult * g.price[fill_ev, np.maximum(col[np.maximum(f_ins - 1, 0)], 0)]
    )[settle_opt]
    jump["settlement"][settle_opt] = (-fee - settle_val)[settle_opt]
    jump["settlement"][und_settle] = (sq * spot[fill_ev])[und_settle]
    # ---- per event table
    ev = {c: np.zeros(n_ev) for c in COMPONENTS}
    for c, v in per_opt.items():
        ev[c][1:] += v.sum(axis=1)
    ev["delta"][1:] += shares[:-1] * d_s[:, 0]
    for c in COMPONENTS:
        np.add.at(ev[c], fill_ev, jump[c])
    events = pl.DataFrame({"ts_ns": ts, **ev})
    totals = {c: float(ev[c].sum()) for c in COMPONENTS}
    totals["pnl"] = float(sum(totals[c] for c in COMPONENTS))
    # ---- by expiry and by tag
    exp_of_col = listing["expiry"].to_numpy().astype(np.int64)[held_opts]
    rows: dict[str, list[float]] = {"expiry": []}
    for c in ("edge", "fees", *GREEK_COMPONENTS, "vol_remark", "settlement", "residual"):
        rows[c] = []
    f_exp = np.where(f_ins > 0, listing["expiry"].to_numpy()[np.maximum(f_ins - 1, 0)], -1)
    for e in np.unique(exp_of_col):  # a few expiries
        cols_e = exp_of_col == e
        rows["expiry"].append(float(e))
        for c in ("edge", "fees", "settlement"):
            rows[c].append(float(jump[c][f_exp == e].sum()))
        for c in (*GREEK_COMPONENTS, "vol_remark"):
            rows[c].append(float(per_opt[c][:, cols_e].sum()))
        rows["residual"].append(
            float(per_opt["residual"][:, cols_e].sum() + jump["residual"][f_exp == e].sum())
        )
    by_expiry = pl.DataFrame(rows).with_columns(pl.col("expiry").cast(pl.Int64))
    fo = pl.DataFrame(
        {
            "tag": f["tag"].to_numpy().astype(np.int64)[is_opt],
            "qty": f["qty"].to_numpy().astype(np.float64)[is_opt],
            "edge": jump["edge"][is_opt],
            "fees": jump["fees"][is_opt],
        }
    )
    by_tag = (
        fo.group_by("tag")
        .agg(
            pl.len().alias("fills"),
            pl.col("qty").sum().alias("contracts"),
            pl.col("edge").sum(),
            pl.col("fees").sum(),
        )
        .sort("tag")
    )
    return Attribution(events, by_expiry, by_tag, totals)


def _ffill(a: Float64Array) -> Float64Array:
    """Forward-fill NaNs down axis 0 (vectorised)."""
    ok = np.isfinite(a)
    idx = np.where(ok, np.arange(a.shape[0]).reshape(-1, *([1] * (a.ndim - 1))), 0)
    idx = np.maximum.accumulate(idx, axis=0)
    out = np.take_along_axis(a, idx, axis=0) if a.ndim > 1 else a[idx]
    return np.asarray(out)


def _first_finite(a: Float64Array) -> float:
    ok = np.flatnonzero(np.isfinite(a))
    return float(a[ok[0]]) if ok.size else 100.0


def _first_finite_cols(a: Float64Array) -> Float64Array:
    out = np.full(a.shape[1], 0.2)
    for j in range(a.shape[1]):  # per option ever held, once
        ok = np.flatnonzero(np.isfinite(a[:, j]))
        if ok.size:
            out[j] = a[ok[0], j]
    return out


def _empty() -> Attribution:
    events = pl.DataFrame({"ts_ns": np.zeros(0, dtype=np.int64)} | {c: [] for c in COMPONENTS})
    totals = dict.fromkeys(COMPONENTS, 0.0) | {"pnl": 0.0}
    return Attribution(events, pl.DataFrame({"expiry": []}), pl.DataFrame({"tag": []}), totals)
