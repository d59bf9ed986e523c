"""The firm experiment (issue 7): a central book alone, with a prop book crossing, on the venue.

Four arms over the same seeds (same market, same fair-value path):

- ``a``: the central market-making book alone;
- ``b``: + an informed prop book trading by internal crossing — by default
  (``FirmConfig.prop = volatility``) a volatility book (ATM straddles of one
  expiry on a view of the realised vol to expiry), or a directional book (the
  underlying);
- ``c``: the same prop book (same signal draws) trading directly on the venue
  (IOC orders under its own owner id and tag: spread, fees, impact);
- ``d``: + an uninformed prop book (ρ = 0) trading by internal crossing.

The directional book's private information is the standardised move of the
exogenous fair-value path over its decision interval h::

    z(t) = log(F(t + h) / F(t)) / (σ · sqrt(v(t, t + h)))

with σ the agents' vol prior and v the scenario's variance time (years); only
the prop book's strategy holds it.

Every book is marked to the central book's marks (theo and spot): the central
book by its own ``value()``, a prop book by ``mark_to_internal`` at the
central book's internal quote. The firm's P&L is checked against an
independent replay of the firm's venue fills and settlements (internal crosses
excluded: they net to zero), to the cent.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.desk.central import CentralBook
from mmdesk.desk.config import CentralBookConfig
from mmdesk.desk.crossing import CrossingConfig
from mmdesk.desk.firm_records import CrossReason
from mmdesk.desk.prop import PropBook, PropStrategy
from mmdesk.desk.prop_books import (
    DirectionalBook,
    DirectionalConfig,
    VolatilityBook,
    VolatilityConfig,
    VolForecast,
    uninformed_book,
)
from mmdesk.desk.prop_desk import PropDesk, PropDeskConfig, PropRoute
from mmdesk.risk.limits import LimitsConfig
from mmdesk.risk.positions import ChainLayout, Positions
from mmdesk.sim.clock import TradingCalendarConfig
from mmdesk.sim.config import ScenarioConfig
from mmdesk.sim.loop import SimulationLoop, first_free_owner
from mmdesk.sim.oracle import PathOracle
from mmdesk.sim.run import RunConfig, RunOutput, run_desk
from mmdesk.typing import Float64Array, Int64Array

TRADING_DAYS_PER_YEAR = 252.0


class FirmArm(StrEnum):
    """The experiment's arms."""

    CENTRAL = "a"  #: the central book alone
    CROSSING = "b"  #: + informed prop through internal crossing
    VENUE = "c"  #: + the same informed prop directly on the venue
    UNINFORMED = "d"  #: + uninformed prop through internal crossing


class PropKind(StrEnum):
    """Which informed prop book the experiment's arms b, c (and its control d) run."""

    DIRECTIONAL = "directional"  #: trades the underlying on a view of its next move
    VOLATILITY = "volatility"  #: trades ATM straddles on a view of realised vol to expiry


class FirmConfig(BaseModel):
    """One firm run (an arm on a seed) besides the seed and arm."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    days: int = Field(3, ge=1, description="trading days per run")
    session_s: int = Field(23_400, gt=0, description="session length, seconds")
    prop: PropKind = Field(
        PropKind.VOLATILITY,
        description="the informed prop of arms b and c: the volatility book trades options, "
        "where the venue is costly and the central book makes the market; the directional "
        "book trades the underlying (docs/firm.md for both)",
    )
    directional: DirectionalConfig = DirectionalConfig(quality=0.3, size=1_000.0, min_trade=100.0)
    volatility: VolatilityConfig = VolatilityConfig(
        expiry=1,
        size=20.0,
        full_edge=0.03,
        min_trade=2.0,
        forecast=VolForecast.VIEW,
        view_refresh_s=86_400.0,
    )
    desk: PropDeskConfig = PropDeskConfig(decision_s=300.0)
    crossing: CrossingConfig = CrossingConfig(
        favourable_share=0.5, risk_premium=1e-3, horizon_s=300.0
    )
    prop_limits: LimitsConfig = LimitsConfig()
    central: CentralBookConfig = CentralBookConfig()


def directional_truth(oracle: PathOracle, horizon_s: float, vol: float) -> Callable[[int], float]:
    """z(t): the exogenous path's log move over ``horizon_s`` in units of its expected sd."""
    h_ns = int(horizon_s * 1e9)

    def truth(ts_ns: int) -> float:
        v = oracle.variance_years(ts_ns, ts_ns + h_ns)
        if not v > 0.0:
            return 0.0
        return oracle.future_log_return(ts_ns, h_ns) / (vol * math.sqrt(v))

    return truth


def realised_vol_truth(oracle: PathOracle) -> Callable[[int, int], float]:
    """truth(t, T): the exogenous path's realised vol from t to expiry T (annualised)."""

    def truth(ts_ns: int, expiry_ns: int) -> float:
        return oracle.realised_vol(ts_ns, max(expiry_ns - ts_ns, 0))

    return truth


def central_lean(central: CentralBook, expiry: int | None = None) -> float:
    """The central book's quote lean along one risk factor.

    Its quotes move by −skew_i per option (GLFT: positive skew lowers bid and
    ask). The least-squares projection of that shift on the options' loadings
    x_i, −Σ skew_i x_i / Σ x_i², is the factor move the quotes express; > 0 when
    the book leans its quotes up (it is short the factor).

    Parameters
    ----------
    central : CentralBook
        The book (NaN before its first quotes).
    expiry : int, optional
        None: x = delta, the lean of the underlying's reservation price
        (currency per share). An expiry index: x = vega over that expiry's
        options, the lean of its implied vol (vol units).
    """
    pr, th = central.pricing, central.theo
    if pr is None or th is None:
        return math.nan
    if expiry is None:
        x = np.where(th.live, th.delta, 0.0)
    else:
        x = np.where(th.live & (central.listing.expiry_index == expiry), th.vega, 0.0)
    den = float(np.dot(x, x))
    return -float(np.dot(pr.skew, x)) / den if den > 0.0 else math.nan


def day_end_values(ts: np.ndarray, values: np.ndarray, closes: Sequence[int]) -> Float64Array:
    """The last value at or before each session close (NaN for a day with none)."""
    out = np.full(len(closes), np.nan)
    for d, c in enumerate(closes):
        sel = np.flatnonzero(ts <= c)
        if sel.size:
            out[d] = values[sel[-1]]
    return out


def daily_stats(per_day: Float64Array) -> dict[str, float]:
    """Total, mean and sd of daily P&L, annualised Sharpe (√252) and down days."""
    x = per_day[np.isfinite(per_day)]
    sd = float(x.std(ddof=1)) if x.size > 1 else math.nan
    mean = float(x.mean()) if x.size else math.nan
    sharpe = mean / sd * math.sqrt(TRADING_DAYS_PER_YEAR) if sd > 0 else math.nan
    return {
        "total": float(x.sum()),
        "mean": mean,
        "sd": sd,
        "sharpe": sharpe,
        "down_days": int((x < 0).sum()),
        "days": int(x.size),
    }


def replay_firm_value(
    central: CentralBook, props: Sequence[PropDesk], option_marks: Float64Array, spot: float
) -> float:
    """The firm's value rebuilt from its venue fills and settlements only (currency).

    Internal crosses are left out (they net to zero inside the firm); the
    result must equal the sum of the books' values.
    """
    pos = Positions(central.layout)
    unit = central.unit
    f = central.journal.frame("fills").filter(pl.col("kind") != "cross")
    rows = [
        (
            int(r["ts_ns"]),
            r["kind"] == "settle",
            int(r["instrument"]),
            float(r["side"]) * float(r["qty"]),
            float(r["price"]) * unit,
            float(r["fee"]),
        )
        for r in f.iter_rows(named=True)
    ]
    for p in props:
        if p.journal.rows("fills"):
            for r in p.journal.frame("fills").iter_rows(named=True):
                rows.append(
                    (
                        int(r["ts_ns"]),
                        False,
                        int(r["instrument"]),
                        float(r["side"]) * float(r["qty"]),
                        float(r["price_px"]),
                        float(r["fee"]),
                    )
                )
    rows.sort(key=lambda x: (x[0], x[1]))
    for _ts, settle, ins, sq, px, fee in rows:
        if settle:
            if ins > 0:
                pos.cash -= fee
                pos.contracts[ins - 1] = 0.0
            else:
                pos.shares += sq
        elif ins == 0:
            pos.fill_underlying(sq, px, fee)
        else:
            pos.fill_option(ins - 1, sq, px, fee)
    return pos.value(option_marks, spot)


def _prop_costs(prop: PropDesk, multiplier: float) -> dict[str, float]:
    """Execution cost against the internal mid at decision, currency (+ = paid by the prop)."""
    j = prop.journal
    if prop.config.route is PropRoute.CROSSING:
        if not j.rows("crosses"):
            return {"spread_impact": 0.0, "fees": 0.0, "turnover": 0.0, "crosses": 0}
        c = j.frame("crosses")
        size = c["qty"].to_numpy() * np.where(c["instrument"].to_numpy() > 0, multiplier, 1.0)
        reduces = (c["reason"] == CrossReason.REDUCES_RISK.name).to_numpy()
        return {
            "spread_impact": float(np.sum(size * c["adjustment"].to_numpy())),
            "fees": 0.0,
            "turnover": float(np.abs(size).sum()),
            "crosses": int(c.height),
            "reducing_share": float(reduces.mean()),
        }
    if not j.rows("fills"):
        return {"spread_impact": 0.0, "fees": 0.0, "turnover": 0.0, "fills": 0}
    f = j.frame("fills")
    size = (f["side"].to_numpy() * f["qty"].to_numpy()).astype(np.float64)
    size *= np.where(f["instrument"].to_numpy() > 0, multiplier, 1.0)
    paid = size * (f["price_px"].to_numpy() - f["mid_px"].to_numpy())
    return {
        "spread_impact": float(np.nansum(paid)),
        "fees": float(f["fee"].sum()),
        "turnover": float(np.abs(size).sum()),
        "fills": int(f.height),
    }


def _share_with_central(central: CentralBook, prop: PropDesk) -> float:
    """Share of a venue-route prop book's contracts and shares the central book took
    on the venue (its fills against the prop's tag); NaN without venue fills."""
    if prop.config.route is not PropRoute.VENUE or not prop.journal.rows("fills"):
        return math.nan
    mine = float(prop.journal.frame("fills")["qty"].sum())
    theirs = central.journal.frame("fills").filter(
        (pl.col("tag") == prop.tags[0]) & pl.col("kind").is_in(["quote", "rfq"])
    )
    return float(theirs["qty"].sum()) / mine if mine > 0 else math.nan


def _corr(x: Float64Array, y: Float64Array) -> float:
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3 or np.std(x[ok]) == 0.0 or np.std(y[ok]) == 0.0:
        return math.nan
    return float(np.corrcoef(x[ok], y[ok])[0, 1])


def decision_grid(sessions: Sequence[tuple[int, int]], desk: PropDeskConfig) -> Int64Array:
    """The prop book's decision times: open + ``decision_phase_s`` + k·``decision_s`` before
    each close, ns (the same grid in every arm, whether or not a prop book runs)."""
    phase, step = int(desk.decision_phase_s * 1e9), int(desk.decision_s * 1e9)
    grid = [np.arange(o + phase, c, step, dtype=np.int64) for o, c in sessions]
    return np.concatenate(grid) if grid else np.zeros(0, dtype=np.int64)


def window_means(
    ts: Int64Array, values: Float64Array, grid: Int64Array, closes: Sequence[int]
) -> Float64Array:
    """Mean of ``values`` sampled at ``ts`` over each decision window (g_k, g_{k+1}], the
    last window of a session ending at its close; NaN for a window without samples."""
    ends = np.append(grid[1:], np.iinfo(np.int64).max)
    close_of = np.asarray(closes, dtype=np.int64)[
        np.searchsorted(np.asarray(closes, dtype=np.int64), grid, side="left").clip(
            0, len(closes) - 1
        )
    ]
    ends = np.minimum(ends, close_of)
    k = np.searchsorted(grid, ts, side="left") - 1
    ok = (k >= 0) & (ts <= ends[k.clip(0)]) & np.isfinite(values)
    total = np.bincount(k[ok], weights=values[ok], minlength=grid.size)
    count = np.bincount(k[ok], minlength=grid.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


class Factor(StrEnum):
    """The risk factor a prop book trades, on which its transmission is read."""

    DELTA = "delta"  #: the underlying (directional books, the uninformed control)
    VEGA = "vega"  #: the traded expiry's vega (the volatility book)


def prop_factor(config: FirmConfig, arm: FirmArm) -> Factor:
    """The factor ``arm``'s prop book trades (the uninformed control is directional)."""
    vol = config.prop is PropKind.VOLATILITY and arm is not FirmArm.UNINFORMED
    return Factor.VEGA if vol else Factor.DELTA


def central_short(run: FirmRun, factor: Factor) -> Float64Array:
    """The central book's short position in ``factor``, per decision window.

    Minus the traded expiry's vega (``expiry_greeks``) or minus the book delta
    (``snapshots``), averaged over each window of :func:`decision_grid` —
    journaled in every arm, the central book alone included.
    """
    cfg, central = run.config, run.output.desk
    if factor is Factor.VEGA:
        eg = central.journal.frame("expiry_greeks").filter(
            pl.col("expiry") == cfg.volatility.expiry
        )
        ts, x = eg["ts_ns"].to_numpy(), eg["vega"].to_numpy()
    else:
        snaps = central.journal.frame("snapshots")
        ts, x = snaps["ts_ns"].to_numpy(), snaps["delta"].to_numpy()
    grid = decision_grid(central.sessions, cfg.desk)
    closes = [c for _, c in central.sessions]
    return -window_means(ts.astype(np.int64), x.astype(np.float64), grid, closes)


def _on_grid(grid: Int64Array, ts: Int64Array, values: Float64Array) -> Float64Array:
    """Each decision's value in the slot of the grid time it was due at (NaN elsewhere)."""
    out = np.full(grid.size, np.nan)
    k = np.searchsorted(grid, ts, side="right") - 1
    ok = k >= 0
    out[k[ok]] = values[ok]
    return out


@dataclass(eq=False)
class FirmRun:
    """What one firm run leaves in memory: the desk run, its prop desks, the skew samples."""

    output: RunOutput
    props: list[PropDesk]
    samples: list[tuple[int, float, float]]
    config: FirmConfig


def simulate_firm(seed: int, arm: FirmArm, config: FirmConfig | None = None) -> FirmRun:
    """Run one arm on one seed: the central book and the arm's prop desk in the simulator.

    Parameters
    ----------
    seed : int
        Scenario seed (the same market for every arm).
    arm : FirmArm
        Which firm.
    config : FirmConfig, optional
        Days, session length, the prop book and the crossing agreement.
    """
    cfg = config if config is not None else FirmConfig()
    scenario = ScenarioConfig(
        seed=seed, days=cfg.days, calendar=TradingCalendarConfig(session_s=cfg.session_s)
    )
    run_cfg = RunConfig(scenario=scenario, desk=cfg.central)
    props: list[PropDesk] = []
    samples: list[tuple[int, float, float]] = []

    def build(loop: SimulationLoop, central: CentralBook) -> Sequence[Any]:
        if arm is FirmArm.CENTRAL:
            return []
        ss = np.random.SeedSequence([seed, 7])  # the same signal noise in b and c
        lst = loop.listing
        vol = scenario.agents.market_makers.vol_prior
        strategy: PropStrategy
        vol_view = cfg.prop is PropKind.VOLATILITY and arm is not FirmArm.UNINFORMED
        if vol_view:
            truth = realised_vol_truth(loop.oracle)
            strategy = VolatilityBook(
                cfg.volatility, lst, scenario.rate, scenario.div_yield, truth, ss
            )
        elif arm is FirmArm.UNINFORMED:  # the control: the directional book without a view
            strategy = uninformed_book(cfg.directional, ss)
        else:
            strategy = DirectionalBook(
                cfg.directional, directional_truth(loop.oracle, cfg.desk.decision_s, vol), ss
            )
        layout = ChainLayout.from_arrays(lst.expiry_ns, lst.strike, lst.multiplier)
        book = PropBook("prop", strategy, layout, cfg.prop_limits, start_ns=loop.sessions[0][0])
        route = PropRoute.VENUE if arm is FirmArm.VENUE else PropRoute.CROSSING

        def observe(ts_ns: int) -> None:
            b = central.book
            # the factor the prop trades: the traded expiry's vega, or delta
            e = cfg.volatility.expiry if vol_view else None
            if b is None:
                exposure = math.nan
            else:
                exposure = float(b.expiry_vega[e]) if e is not None else b.delta
            samples.append((ts_ns, central_lean(central, e), exposure))

        desk = PropDesk(
            book,
            central,
            cfg.desk.model_copy(update={"route": route}),
            owner_id=first_free_owner(scenario),
            crossing=cfg.crossing,
            observer=observe,
        )
        props.append(desk)
        return [desk]

    return FirmRun(run_desk(run_cfg, extra=build), props, samples, cfg)


def run_firm(seed: int, arm: FirmArm, config: FirmConfig | None = None) -> dict[str, Any]:
    """One arm on one seed; returns the figures (P&L per book and per day, costs, skew)."""
    return analyse_firm(simulate_firm(seed, arm, config), seed, arm)


def analyse_firm(run: FirmRun, seed: int, arm: FirmArm) -> dict[str, Any]:
    """The figures of one firm run (see :func:`summarise` for what they feed)."""
    out, props, samples = run.output, run.props, run.samples
    central = out.desk
    closes = [c for _, c in central.sessions]
    snaps = central.journal.frame("snapshots")
    c_ends = day_end_values(snaps["ts_ns"].to_numpy(), snaps["pnl"].to_numpy(), closes)
    c_final = central.value()
    c_ends[-1] = c_final
    quote = central.internal_quote()
    grid = decision_grid(central.sessions, run.config.desk)
    res: dict[str, Any] = {
        "seed": seed,
        "arm": arm.value,
        "factor": prop_factor(run.config, arm).value,
        "central_short_grid": {f.value: central_short(run, f).tolist() for f in Factor},
        "wall_s": out.result.wall_s,
        "cpu_s": out.result.cpu_s,
        "central_pnl": c_final,
        "central_daily": np.diff(np.concatenate([[0.0], c_ends])).tolist(),
        "central_delta_abs_mean": float(np.abs(snaps["delta"].to_numpy()).mean()),
        "central_delta_abs_max": float(np.abs(snaps["delta"].to_numpy()).max()),
        "central_shares_sd": float(snaps["shares"].to_numpy().std()),
        "central_gross_contracts_mean": float(snaps["gross_contracts"].to_numpy().mean()),
        "central_hedge_fills": int(out.summary["hedge_fills"]),
        "central_shares_hedged": int(out.summary["shares_hedged"]),
        "central_edge": float(out.summary["edge_captured"]),
    }
    th = central.theo
    assert th is not None
    option_marks = np.where(th.live, th.theo, 0.0)
    prop_final = 0.0
    p_daily = np.zeros(len(closes))
    if props:
        p = props[0]
        ps = p.journal.frame("snapshots")
        p_ends = day_end_values(ps["ts_ns"].to_numpy(), ps["pnl"].to_numpy(), closes)
        prop_final = p.value(quote) - p.book.capital
        p_ends[-1] = prop_final
        p_daily = np.diff(np.concatenate([[0.0], p_ends]))
        costs = _prop_costs(p, central.m)
        income = costs["spread_impact"] if p.config.route is PropRoute.CROSSING else 0.0
        dec = p.journal.frame("decisions")
        sig = dec["signal"].to_numpy()
        t_dec = dec["ts_ns"].to_numpy()
        s_arr = np.array(samples, dtype=np.float64).reshape(-1, 3)
        # mean central lean while each decision's position is on: samples in (t_k, t_{k+1}]
        k = np.searchsorted(t_dec, s_arr[:, 0].astype(np.int64), side="left") - 1
        lean = np.full(sig.size, np.nan)
        short = np.full(sig.size, np.nan)
        turn = np.full(sig.size, np.nan)  # −Δ one sample after the decision − just before
        for i in range(sig.size):
            sel = (k == i) & (s_arr[:, 0] > t_dec[i])
            at = np.flatnonzero(s_arr[:, 0] == t_dec[i])
            if sel.any():
                lean[i] = np.nanmean(s_arr[sel, 1])
                short[i] = -np.nanmean(s_arr[sel, 2])
                if at.size:
                    turn[i] = s_arr[at[-1], 2] - s_arr[np.flatnonzero(sel)[0], 2]
        res.update(
            {
                "prop_pnl": prop_final,
                "prop_daily": p_daily.tolist(),
                "prop_cost": costs,
                "internalisation_income": income,
                # the factor skew of the central quotes is a positive multiple of its short
                "corr_signal_skew": _corr(sig, short),
                "corr_signal_lean": _corr(sig, lean),
                "corr_signal_skew_change": _corr(sig, turn),
                "signal_grid": _on_grid(grid, t_dec, sig).tolist(),
                "decisions": int(sig.size),
                "denials": int(p.journal.rows("denials")),
                "venue_share_with_central": _share_with_central(central, p),
            }
        )
    else:
        res.update({"prop_pnl": 0.0, "prop_daily": p_daily.tolist(), "internalisation_income": 0.0})
    res["firm_pnl"] = c_final + prop_final
    res["firm_daily"] = (np.asarray(res["central_daily"]) + p_daily).tolist()
    res["firm_replay_pnl"] = replay_firm_value(central, props, option_marks, th.spot)
    return res


def _run_one(args: tuple[int, str, dict[str, Any]]) -> dict[str, Any]:
    seed, arm, cfg = args
    return run_firm(seed, FirmArm(arm), FirmConfig.model_validate(cfg))


def run_experiment(
    seeds: Sequence[int],
    arms: Sequence[FirmArm] = tuple(FirmArm),
    config: FirmConfig | None = None,
    workers: int = 2,
    progress: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Every arm on every seed (in ``workers`` processes); rows in (seed, arm) order."""
    cfg = config if config is not None else FirmConfig()
    jobs = [(s, a.value, cfg.model_dump(mode="json")) for s in seeds for a in arms]
    out: list[dict[str, Any]] = []
    if workers <= 1:
        for j in jobs:
            out.append(_run_one(j))
            if progress is not None:
                progress(f"seed {j[0]} arm {j[1]} done")
        return out
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for j, r in zip(jobs, pool.map(_run_one, jobs), strict=True):
            out.append(r)
            if progress is not None:
                progress(f"seed {j[0]} arm {j[1]} done")
    return out


def transmission(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """How much of each prop arm's signal reached the central book, net of the market.

    Per seed, the prop arm's decision signals against the change its presence made
    to the central book's short position in the factor the arm's prop trades
    (:func:`prop_factor`) — the arm's ``central_short_grid`` minus arm a's on the
    same seed and decision windows (same market draws) — so what the central
    book would have held anyway cancels. Pooled over the seeds,
    with a 95% interval (Fisher z, n − 3 degrees of freedom).

    Returns
    -------
    dict
        Per prop arm: ``per_seed`` correlations, ``pooled``, ``ci`` (low, high), ``n``.
    """
    get = {(r["seed"], r["arm"]): r for r in rows}
    out: dict[str, dict[str, Any]] = {}
    for arm in sorted({r["arm"] for r in rows} - {FirmArm.CENTRAL.value}):
        xs, ys, per_seed = [], [], []
        for seed in sorted({r["seed"] for r in rows}):
            a, x = get.get((seed, FirmArm.CENTRAL.value)), get.get((seed, arm))
            if a is None or x is None or "signal_grid" not in x:
                continue
            sig = np.asarray(x["signal_grid"], dtype=np.float64)
            f = x["factor"]  # arm a journals both factors
            short_x, short_a = x["central_short_grid"][f], a["central_short_grid"][f]
            shift = np.asarray(short_x) - np.asarray(short_a)
            per_seed.append({"seed": seed, "corr": _corr(sig, shift)})
            xs.append(sig)
            ys.append(shift)
        if not xs:
            continue
        x_all, y_all = np.concatenate(xs), np.concatenate(ys)
        r = _corr(x_all, y_all)
        n = int((np.isfinite(x_all) & np.isfinite(y_all)).sum())
        half = 1.96 / math.sqrt(n - 3) if n > 3 else math.inf
        z = math.atanh(r) if abs(r) < 1.0 else math.nan
        ci = (math.tanh(z - half), math.tanh(z + half)) if math.isfinite(z) else None
        out[arm] = {
            "per_seed": per_seed,
            "pooled": r,
            "ci": ci,
            "n": n,
        }
    return out


def _finite_mean(values: Sequence[float]) -> float:
    """Mean of the finite values, NaN if there are none."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    return float(x.mean()) if x.size else math.nan


def _pooled(rows: Sequence[dict[str, Any]], key: str) -> dict[str, float]:
    """Daily statistics pooled over the runs' days (every seed's days together)."""
    parts = [np.asarray(r[key], dtype=np.float64) for r in rows]
    return daily_stats(np.concatenate(parts) if parts else np.zeros(0))


def summarise(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The experiment's figures from :func:`run_experiment` rows.

    Returns
    -------
    dict
        ``arms``: per arm, mean P&L per run of each book and pooled daily
        statistics; ``central``: market-making vs internalisation P&L, inventory
        and skew correlations; ``b_vs_c``: what crossing saves the prop book
        against the venue and the firm comparison; ``d``: what the uninformed
        book pays and the central book earns; ``max_firm_mismatch``: largest
        |firm replay − sum of books|, currency.
    """
    by_arm: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_arm.setdefault(r["arm"], []).append(r)
    arms = {}
    for arm, rs in sorted(by_arm.items()):
        arms[arm] = {
            "runs": len(rs),
            "central_pnl": float(np.mean([r["central_pnl"] for r in rs])),
            "prop_pnl": float(np.mean([r["prop_pnl"] for r in rs])),
            "firm_pnl": float(np.mean([r["firm_pnl"] for r in rs])),
            "central": _pooled(rs, "central_daily"),
            "prop": _pooled(rs, "prop_daily"),
            "firm": _pooled(rs, "firm_daily"),
            "internalisation": float(np.mean([r["internalisation_income"] for r in rs])),
            "market_making": float(
                np.mean([r["central_pnl"] - r["internalisation_income"] for r in rs])
            ),
            "delta_abs_mean": float(np.mean([r["central_delta_abs_mean"] for r in rs])),
            "delta_abs_max": float(np.max([r["central_delta_abs_max"] for r in rs])),
            "shares_hedged": float(np.mean([r["central_shares_hedged"] for r in rs])),
            **{
                key: _finite_mean([r.get(key, math.nan) for r in rs])
                for key in (
                    "corr_signal_skew",
                    "corr_signal_lean",
                    "corr_signal_skew_change",
                    "venue_share_with_central",
                )
            },
            "prop_cost": float(np.mean([r["prop_cost"]["spread_impact"] for r in rs]))
            if "prop_cost" in rs[0]
            else 0.0,
            "prop_fees": float(np.mean([r["prop_cost"]["fees"] for r in rs]))
            if "prop_cost" in rs[0]
            else 0.0,
            "prop_turnover": float(np.mean([r["prop_cost"]["turnover"] for r in rs]))
            if "prop_cost" in rs[0]
            else 0.0,
            "cpu_s": float(np.sum([r["cpu_s"] for r in rs])),
            "wall_s": float(np.sum([r["wall_s"] for r in rs])),
        }
    out: dict[str, Any] = {"arms": arms}
    seeds = sorted({r["seed"] for r in rows})
    get = {(r["seed"], r["arm"]): r for r in rows}
    per_seed = []
    for s in seeds:
        a, b, c = (get.get((s, x)) for x in "abc")
        if a is None or b is None or c is None:
            continue
        cost_b = b["prop_cost"]["spread_impact"]
        cost_c = c["prop_cost"]["spread_impact"] + c["prop_cost"]["fees"]
        per_seed.append(
            {
                "seed": s,
                "prop_cost_b": cost_b,
                "prop_cost_c": cost_c,
                "saved_by_crossing": cost_c - cost_b,
                "firm_b": b["firm_pnl"],
                "a_plus_c_prop": a["firm_pnl"] + c["prop_pnl"],
                "firm_c": c["firm_pnl"],
            }
        )
    out["b_vs_c"] = per_seed
    out["d"] = [
        {
            "seed": r["seed"],
            "prop_paid": r["prop_cost"]["spread_impact"],
            "central_income": r["internalisation_income"],
            "prop_pnl": r["prop_pnl"],
            "central_pnl_vs_a": r["central_pnl"] - get[(r["seed"], "a")]["central_pnl"]
            if (r["seed"], "a") in get
            else math.nan,
            "firm_vs_a": r["firm_pnl"] - get[(r["seed"], "a")]["firm_pnl"]
            if (r["seed"], "a") in get
            else math.nan,
        }
        for r in rows
        if r["arm"] == FirmArm.UNINFORMED.value
    ]
    out["transmission"] = transmission(rows)
    out["max_firm_mismatch"] = max(
        (abs(r["firm_replay_pnl"] - r["firm_pnl"]) for r in rows), default=0.0
    )
    return out
