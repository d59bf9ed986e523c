"""Markouts of the desk's option fills: P&L marked at fixed horizons, split by cause.

For a desk fill at time t (desk ``side`` +1 bought / −1 sold, ``qty``
contracts at ``price``, multiplier m) the markout at horizon h is, in currency
and from the desk's side::

    markout(h) = side · (theo(t + h) − price) · qty · m

with ``theo(t + h)`` the desk's Black–Scholes–Merton value of the option at the
underlying mid and the option's implied vol known at t + h (the journal's
as-of ``marks``: the option's theo is the desk's fitted mid). It splits into

- ``edge``: side · (theo_px − price) · qty · m, the spread captured at the fill
  (``theo_px`` is the desk's theo journaled with the fill);
- ``underlying``: side · delta · ΔS · qty · m, the underlying's move (delta at the
  fill, ΔS = S(t + h) − S(t));
- ``vol``: side · vega · Δσ · qty · m, the implied-vol move of that option;
- ``residual``: the rest (gamma, theta, cross terms).

Every series is as-of: the value at t + h is the last one journaled at or
before t + h (underlying mids from ``marks``, ``snapshots`` and fills; option
vols from ``marks`` and fills). Horizons that end after the last journaled
time are NaN (not yet matured). Everything is vectorised with
``np.searchsorted``: no Python loop over fills.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from mmdesk.flow.agents.tags import kinds_of_tags
from mmdesk.pricing import bs_greeks
from mmdesk.typing import BoolArray, Float64Array, Int64Array

#: Default markout horizons, seconds.
HORIZONS_S: tuple[float, ...] = (1.0, 10.0, 60.0, 300.0)
_NS_PER_YEAR = 365.0 * 86_400.0 * 1e9
#: Kinds of journaled fills that are option trades with a counterparty.
OPTION_FILL_KINDS: tuple[str, ...] = ("quote", "rfq", "unwind", "order")


@dataclass(frozen=True, eq=False)
class MarketTape:
    """As-of series of the underlying mid and of each option's implied vol.

    Attributes
    ----------
    spot_ts_ns, spot : ndarray
        Sorted times (ns) and underlying mids (currency).
    vol_key : ndarray
        Sorted ``option * (n_times + 1) + time_rank`` keys of the vol rows.
    vol : ndarray
        Annualised implied vol of each vol row (same order as ``vol_key``).
    times : ndarray
        Sorted unique times (ns) of the vol rows (the ranks index into it).
    """

    spot_ts_ns: Int64Array
    spot: Float64Array
    vol_key: Int64Array
    vol: Float64Array
    times: Int64Array

    @classmethod
    def from_rows(
        cls,
        spot_ts_ns: Int64Array,
        spot: Float64Array,
        vol_ts_ns: Int64Array,
        vol_option: Int64Array,
        vol: Float64Array,
    ) -> MarketTape:
        """Build from unsorted rows; non-finite or non-positive values are dropped.

        Parameters
        ----------
        spot_ts_ns, spot : ndarray
            Times (ns) and underlying mids (currency).
        vol_ts_ns, vol_option, vol : ndarray
            Times (ns), option indices (0-based, −1 = none) and annualised vols.
        """
        st = np.asarray(spot_ts_ns, dtype=np.int64)
        sp = np.asarray(spot, dtype=np.float64)
        ok = np.isfinite(sp) & (sp > 0.0)
        order = np.argsort(st[ok], kind="stable")
        vt = np.asarray(vol_ts_ns, dtype=np.int64)
        vo = np.asarray(vol_option, dtype=np.int64)
        vv = np.asarray(vol, dtype=np.float64)
        okv = np.isfinite(vv) & (vv > 0.0) & (vo >= 0)
        vt, vo, vv = vt[okv], vo[okv], vv[okv]
        times = np.unique(vt)
        rank = np.searchsorted(times, vt)
        key = vo * (times.size + 1) + rank
        korder = np.argsort(key, kind="stable")
        return cls(st[ok][order], sp[ok][order], key[korder], vv[korder], times)

    @property
    def last_ts_ns(self) -> int:
        """Last time (ns) with an underlying mid (−1 when empty)."""
        return int(self.spot_ts_ns[-1]) if self.spot_ts_ns.size else -1

    def spot_at(self, ts_ns: Int64Array) -> Float64Array:
        """Underlying mid as of each time (NaN before the first row)."""
        t = np.asarray(ts_ns, dtype=np.int64)
        pos = np.searchsorted(self.spot_ts_ns, t, side="right") - 1
        out = self.spot[np.maximum(pos, 0)] if self.spot.size else np.full(t.shape, np.nan)
        return np.where(pos >= 0, out, np.nan)

    def vol_at(self, option: Int64Array, ts_ns: Int64Array) -> Float64Array:
        """Implied vol of each option as of each time (NaN before its first row)."""
        o = np.asarray(option, dtype=np.int64)
        t = np.asarray(ts_ns, dtype=np.int64)
        if self.vol.size == 0:
            return np.full(np.broadcast(o, t).shape, np.nan)
        rank = np.searchsorted(self.times, t, side="right") - 1
        stride = self.times.size + 1
        key = o * stride + rank
        pos = np.searchsorted(self.vol_key, key, side="right") - 1
        p = np.maximum(pos, 0)
        same = (pos >= 0) & (self.vol_key[p] // stride == o) & (rank >= 0)
        return np.where(same, self.vol[p], np.nan)


def tape_from_journal(
    fills: pl.DataFrame, marks: pl.DataFrame, snapshots: pl.DataFrame | None = None
) -> MarketTape:
    """The as-of tape from the journal's ``fills``, ``marks`` and ``snapshots`` tables."""
    opt = fills.filter(pl.col("instrument") > 0)
    parts_t = [marks["ts_ns"].to_numpy(), fills["ts_ns"].to_numpy()]
    parts_s = [marks["spot_px"].to_numpy(), fills["spot_px"].to_numpy()]
    if snapshots is not None and snapshots.height:
        parts_t.append(snapshots["ts_ns"].to_numpy())
        parts_s.append(snapshots["spot_px"].to_numpy())
    return MarketTape.from_rows(
        np.concatenate(parts_t),
        np.concatenate(parts_s),
        np.concatenate([marks["ts_ns"].to_numpy(), opt["ts_ns"].to_numpy()]),
        np.concatenate(
            [marks["option"].to_numpy().astype(np.int64), opt["instrument"].to_numpy() - 1]
        ),
        np.concatenate([marks["vol"].to_numpy(), opt["vol"].to_numpy()]),
    )


def option_fills(fills: pl.DataFrame) -> pl.DataFrame:
    """The desk's option trades with a counterparty (no hedges, no settlements)."""
    return fills.filter(
        (pl.col("instrument") > 0) & pl.col("kind").is_in(list(OPTION_FILL_KINDS))
    ).sort("ts_ns", maintain_order=True)


def compute_markouts(
    fills: pl.DataFrame,
    tape: MarketTape,
    listing: pl.DataFrame,
    rate: float,
    div_yield: float,
    price_unit: float,
    horizons_s: Sequence[float] = HORIZONS_S,
    tau_floor_s: float = 60.0,
) -> pl.DataFrame:
    """Markouts of every option fill at every horizon, split by cause (module docstring).

    Parameters
    ----------
    fills : polars.DataFrame
        The journal's ``fills`` table (non-option rows are ignored).
    tape : MarketTape
        As-of underlying mids and option vols.
    listing : polars.DataFrame
        The option series (``strike``, ``expiry_ns``, ``is_call``, ``multiplier``,
        ``expiry``), row i = option i.
    rate, div_yield : float
        Continuously compounded rate and dividend yield, per year.
    price_unit : float
        Currency per integer venue price unit.
    horizons_s : sequence of float
        Horizons, seconds (> 0); ``math.inf`` marks to the journal's last time
        (columns suffixed ``close``).
    tau_floor_s : float
        Floor on time to expiry, seconds (as the desk's theo engine).

    Returns
    -------
    polars.DataFrame
        One row per option fill: ``ts_ns, kind, option, expiry, is_call, side,
        qty, tag, agent_kind, price_px, theo_px, spot_px, vol, delta, vega,
        moneyness`` (log(K/S) / (σ√τ)), ``tau`` (years), ``taker`` (the desk
        took), ``edge`` and, per horizon h (as
        ``{h:g}s``), ``markout_{h}``, ``underlying_{h}``, ``vol_{h}``,
        ``residual_{h}`` (currency, desk side; NaN if not matured).

    Raises
    ------
    ValueError
        If a horizon is not positive or ``price_unit`` is not positive.
    """
    if not price_unit > 0.0:
        raise ValueError(f"compute_markouts: price_unit={price_unit!r} must be > 0")
    for h in horizons_s:
        if not h > 0.0:
            raise ValueError(f"compute_markouts: horizon {h!r} s must be > 0")
    f = option_fills(fills)
    ts = f["ts_ns"].to_numpy().astype(np.int64)
    opt = f["instrument"].to_numpy().astype(np.int64) - 1
    side = f["side"].to_numpy().astype(np.float64)
    qty = f["qty"].to_numpy().astype(np.float64)
    px = f["price"].to_numpy().astype(np.float64) * price_unit
    strike = listing["strike"].to_numpy().astype(np.float64)[opt]
    expiry_ns = listing["expiry_ns"].to_numpy().astype(np.int64)[opt]
    is_call: BoolArray = listing["is_call"].to_numpy().astype(bool)[opt]
    expiry = listing["expiry"].to_numpy().astype(np.int64)[opt]
    mult = float(listing["multiplier"][0]) if listing.height else 1.0
    s0 = f["spot_px"].to_numpy().astype(np.float64)
    s0 = np.where(np.isfinite(s0), s0, tape.spot_at(ts))
    v0 = f["vol"].to_numpy().astype(np.float64)
    v0 = np.where(np.isfinite(v0), v0, tape.vol_at(opt, ts))

    def tau(t: Int64Array) -> Float64Array:
        secs = (expiry_ns - t).astype(np.float64) * 1e-9
        return np.asarray(np.maximum(secs, tau_floor_s) / (_NS_PER_YEAR * 1e-9))

    g0 = _greeks(s0, strike, tau(ts), v0, rate, div_yield, is_call)
    theo_px = f["theo_px"].to_numpy().astype(np.float64)
    theo_px = np.where(np.isfinite(theo_px), theo_px, g0.price)
    w = side * qty * mult
    with np.errstate(invalid="ignore", divide="ignore"):
        money = np.log(strike / s0) / (v0 * np.sqrt(tau(ts)))
    edge = w * (theo_px - px)
    cols: dict[str, object] = {
        "ts_ns": ts,
        "kind": f["kind"],
        "option": opt,
        "expiry": expiry,
        "is_call": is_call,
        "side": f["side"].to_numpy().astype(np.int8),
        "qty": qty,
        "tag": f["tag"].to_numpy().astype(np.int64),
        "agent_kind": kinds_of_tags(f["tag"].to_numpy()),
        "price_px": px,
        "theo_px": theo_px,
        "spot_px": s0,
        "vol": v0,
        "delta": g0.delta,
        "vega": g0.vega,
        "moneyness": money,
        "tau": tau(ts),
        "taker": f["taker"].to_numpy().astype(bool),
        "edge": edge,
    }
    last = tape.last_ts_ns
    for h in horizons_s:
        th = ts + np.int64(round(h * 1e9)) if np.isfinite(h) else np.full_like(ts, last)
        s1 = tape.spot_at(th)
        v1 = tape.vol_at(opt, th)
        v1 = np.where(np.isfinite(v1), v1, v0)
        g1 = _greeks(s1, strike, tau(th), v1, rate, div_yield, is_call)
        matured = th <= last
        name = _name(h)
        mk = np.where(matured, w * (g1.price - px), np.nan)
        und = np.where(matured, w * g0.delta * (s1 - s0), np.nan)
        vol = np.where(matured, w * g0.vega * (v1 - v0), np.nan)
        cols[f"markout_{name}"] = mk
        cols[f"underlying_{name}"] = und
        cols[f"vol_{name}"] = vol
        cols[f"residual_{name}"] = mk - edge - und - vol
    return pl.DataFrame(cols)


def _greeks(
    spot: Float64Array,
    strike: Float64Array,
    tau: Float64Array,
    vol: Float64Array,
    rate: float,
    div_yield: float,
    is_call: BoolArray,
) -> _G:
    if strike.size == 0:
        z = np.zeros(0)
        return _G(z, z, z)
    ok = np.isfinite(spot) & (spot > 0.0) & np.isfinite(vol) & (vol > 0.0)
    g = bs_greeks(
        np.where(ok, spot, 1.0), strike, tau, np.where(ok, vol, 0.2), rate, div_yield, is_call
    )
    nan = np.full(strike.shape, np.nan)
    return _G(np.where(ok, g.price, nan), np.where(ok, g.delta, nan), np.where(ok, g.vega, nan))


@dataclass(frozen=True)
class _G:
    price: Float64Array
    delta: Float64Array
    vega: Float64Array


def moneyness_bucket(moneyness: Float64Array) -> Int64Array:
    """Bucket of standardised moneyness log(K/S)/(σ√τ): 0 ≤ −1 < 1 ≤ 0.5 … (5 buckets).

    Buckets: 0 deep below (< −1), 1 below (−1, −0.25], 2 at the money
    (−0.25, 0.25), 3 above [0.25, 1), 4 deep above (≥ 1).
    """
    m = np.asarray(moneyness, dtype=np.float64)
    return np.searchsorted(np.array([-1.0, -0.25, 0.25, 1.0]), np.nan_to_num(m), side="right")


def aggregate_markouts(
    table: pl.DataFrame, by: str | Sequence[str], horizons_s: Sequence[float] = HORIZONS_S
) -> pl.DataFrame:
    """Sum and per-contract mean of every markout component, grouped by ``by``.

    ``by`` is a column of :func:`compute_markouts`' table (``tag``, ``agent_kind``,
    ``expiry``...) or ``"bucket"`` (expiry × moneyness bucket, added here).
    Returns one row per group with ``fills``, ``contracts``, ``edge`` and, per
    horizon, the sums of ``markout``, ``underlying``, ``vol``, ``residual``, the
    markout per contract (``markout_{h}_per_contract``) and its t-statistic over
    fills (``markout_{h}_t``). Unmatured fills are left out of a horizon's sums.
    """
    t = table
    keys = [by] if isinstance(by, str) else list(by)
    if "bucket" in keys and "bucket" not in t.columns:
        mb = moneyness_bucket(t["moneyness"].to_numpy())
        t = t.with_columns(
            (pl.col("expiry") * 10 + pl.Series("mb", mb, dtype=pl.Int64)).alias("bucket")
        )
    aggs: list[pl.Expr] = [
        pl.len().alias("fills"),
        pl.col("qty").sum().alias("contracts"),
        pl.col("edge").sum().alias("edge"),
    ]
    for h in horizons_s:
        n = _name(h)
        aggs += [pl.col(f"{c}_{n}").fill_nan(None).sum().alias(f"{c}_{n}") for c in _PARTS]
        per = pl.col(f"markout_{n}").fill_nan(None) / pl.col("qty")
        aggs.append(
            (
                pl.col(f"markout_{n}").fill_nan(None).sum()
                / pl.col("qty").filter(pl.col(f"markout_{n}").is_not_nan()).sum()
            ).alias(f"markout_{n}_per_contract")
        )
        aggs.append((per.mean() / (per.std() / per.count().sqrt())).alias(f"markout_{n}_t"))
    return t.group_by(keys).agg(aggs).sort(keys)


_PARTS = ("markout", "underlying", "vol", "residual")


def _name(h: float) -> str:
    """Column suffix of a horizon: ``60s``, or ``close`` for ``inf`` (the run's last mark)."""
    return f"{h:g}s" if np.isfinite(h) else "close"


def hedged_markouts(
    table: pl.DataFrame,
    tape: MarketTape,
    listing: pl.DataFrame,
    rate: float,
    div_yield: float,
    grid_s: float = 10.0,
    tau_floor_s: float = 60.0,
    as_of_ns: int | None = None,
) -> Float64Array:
    """Delta-hedged markout of every fill to the journal's last time, currency, desk side.

    The option bought or sold at the fill is held to the end of the journal and
    its delta hedged on a grid of ``grid_s`` seconds (at the tape's as-of mids):
    the result is the spread captured plus the option's gamma, theta and vol P&L
    — what a vol-informed counterparty (who knows the realised vol) takes from
    the desk. One BSM pass over (options traded × grid times); no loop over fills.

    Parameters
    ----------
    table : polars.DataFrame
        :func:`compute_markouts`' table.
    tape, listing, rate, div_yield, tau_floor_s
        As :func:`compute_markouts`.
    grid_s : float
        Re-hedging interval, seconds (> 0).
    as_of_ns : int, optional
        Mark to this time instead of the journal's last time (ns); fills after
        it get NaN. What an online classifier knows at ``as_of_ns``.

    Raises
    ------
    ValueError
        If ``grid_s`` is not positive.
    """
    if not grid_s > 0.0:
        raise ValueError(f"hedged_markouts: grid_s={grid_s!r} must be > 0")
    n = table.height
    if n == 0 or tape.spot.size == 0:
        return np.full(n, np.nan)
    ts = table["ts_ns"].to_numpy().astype(np.int64)
    opt = table["option"].to_numpy().astype(np.int64)
    last = tape.last_ts_ns if as_of_ns is None else min(int(as_of_ns), tape.last_ts_ns)
    if ts.min() >= last:
        return np.full(n, np.nan)
    step = np.int64(round(grid_s * 1e9))
    grid = np.arange(int(ts.min()), last, step, dtype=np.int64)
    grid = np.append(grid, np.int64(last))
    uniq, row = np.unique(opt, return_inverse=True)
    strike = listing["strike"].to_numpy().astype(np.float64)[uniq][:, None]
    expiry_ns = listing["expiry_ns"].to_numpy().astype(np.int64)[uniq][:, None]
    is_call = listing["is_call"].to_numpy().astype(bool)[uniq][:, None]
    s = tape.spot_at(grid)
    s = np.where(np.isfinite(s), s, float(tape.spot[0]))
    vol = tape.vol_at(np.broadcast_to(uniq[:, None], (uniq.size, grid.size)), grid[None, :])
    first = np.array([_first_finite(v) for v in vol])  # per traded option, not per fill
    vol = np.where(np.isfinite(vol), vol, first[:, None])
    secs = (expiry_ns - grid[None, :]).astype(np.float64) * 1e-9
    tau = np.maximum(secs, tau_floor_s) / (_NS_PER_YEAR * 1e-9)
    g = bs_greeks(s[None, :], strike, tau, vol, rate, div_yield, is_call)
    inc = np.diff(g.price, axis=1) - g.delta[:, :-1] * np.diff(s)[None, :]
    cum = np.concatenate([np.zeros((uniq.size, 1)), np.cumsum(inc, axis=1)], axis=1)
    a = np.minimum(np.searchsorted(grid, ts, side="left"), grid.size - 1)
    s0 = table["spot_px"].to_numpy()
    theo0 = table["theo_px"].to_numpy()
    w = table["side"].to_numpy().astype(np.float64) * table["qty"].to_numpy()
    mult = float(listing["multiplier"][0]) if listing.height else 1.0
    first_leg = g.price[row, a] - theo0 - table["delta"].to_numpy() * (s[a] - s0)
    rest = cum[row, -1] - cum[row, a]
    out = table["edge"].to_numpy() + w * mult * (first_leg + rest)
    return np.asarray(np.where(ts < last, out, np.nan))


def _first_finite(v: Float64Array) -> float:
    ok = np.flatnonzero(np.isfinite(v))
    return float(v[ok[0]]) if ok.size else 0.2
