"""Does a pure market-making book scale? Sharpe, down days and P&L/day over a grid of markets.

The seed claim: *"a pure MM book has enormous risk-adjusted returns (Sharpe >
10, about no down days) but is hard to scale: its P&L is a function of volume
and volatility, which it doesn't control."* This experiment runs the central
book alone (``mmdesk.sim.run.run_desk``) for ``days`` simulated days per
seed in every cell of a grid and measures, per cell:

- **daily Sharpe**: mean / standard deviation of the daily P&L, pooled over
  every day of every seed of the cell, annualised with √252;
- **down days**: share of days with P&L < 0;
- **P&L per day** (currency) and **P&L per contract** (total P&L over option
  contracts the book traded).

The axes (:class:`ScalingConfig`):

``volume``
    Multiplier of every taker's arrival rate (noise, informed, vol-informed,
    institutional RFQs): 1 = the built-in scenario's flow.
``vol``
    The fair value's annualised GBM volatility; the option market makers'
    vol prior is set to it too (a volatility *regime* the market knows, not
    a surprise).
``informed_share``
    Share of the taker arrival rate that comes from informed and vol-informed
    traders (split 1:1 as in the built-in scenario); the rest is noise and
    institutional flow in the built-in ratio. The total taker rate is kept,
    so this axis changes the mix, not the volume. The built-in scenario's
    share is 0.12 / 0.3233 ≈ 0.37.

**The reduced scaling scenario** (:func:`scaling_run_config`). A built-in
day costs ~10-25 CPU-seconds, so 3 × 3 × 2 cells × 5 seeds × 20 days would
take hours on two cores. The scaling scenario keeps everything the claim is
about (the flow, its informed share, the volatility, the book's quoting,
hedging and limits) and cuts what it is not about:

- the chain: weekly expiries at the closes of days 4, 9, 14 and 19 plus a
  monthly on day 39 (so a 20-day run always has listed expiries: every
  weekly expires and settles inside the run), 5 strikes each (the far wings,
  where the short-dated, near-the-money flow rarely trades);
- timers: every agent acts every 20 s instead of 5 s (takers send the same
  number of orders per day, in larger batches; option makers and the
  underlying's liquidity providers refresh their quotes every 20 s: the
  fair value moves ~0.6 ticks in 20 s at 20% vol), the book's own timer
  (recalibration, snapshots, flow reading) runs every 30 s instead of 1 s
  (it still requotes on every fill and, at most once a second, on market data);
- bookkeeping: no venue journal in memory, marks every 60 s, quotes not
  journaled (fills, hedges and snapshots are).

P&L and greeks are still the book's own (snapshots every 10 s); P&L per day
is the change of the book's marked P&L from one close to the next.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field, model_validator

from mmdesk.experiments.sweep import Scalar, SweepResult, grid, run_sweep

#: Trading days per year used to annualise the daily Sharpe ratio.
TRADING_DAYS = 252
#: Claim thresholds: "Sharpe > 10, about no down days" (≤ 5% of days down).
CLAIM_SHARPE = 10.0
CLAIM_DOWN_SHARE = 0.05

# the built-in scenario's taker rates (arrivals per second, all tags of a kind)
_BASE_NOISE = 5 * 0.04
_BASE_INFORMED = 3 * 0.02
_BASE_VOL_INFORMED = 3 * 0.02
_BASE_INSTITUTIONAL = 2 / 600.0
_BASE_TOTAL = _BASE_NOISE + _BASE_INFORMED + _BASE_VOL_INFORMED + _BASE_INSTITUTIONAL
#: Informed share of the taker arrival rate in the built-in scenario.
BUILTIN_INFORMED_SHARE = (_BASE_INFORMED + _BASE_VOL_INFORMED) / _BASE_TOTAL


class ScalingConfig(BaseModel):
    """The sweep: axes, seeds, days and scenario.

    Attributes
    ----------
    volumes
        Multipliers of every taker's arrival rate (1 = built-in flow).
    vols
        Annualised volatilities of the fair value.
    informed_shares
        Shares of the taker arrival rate from informed + vol-informed traders, in [0, 1].
    seeds
        Root seeds (every cell runs every seed: common random numbers across cells).
    days
        Simulated trading days per run.
    reduced
        Use the reduced scaling scenario (module docstring); False runs the built-in
        scenario's chain, timers and journals (hours for the full grid).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    volumes: tuple[float, ...] = (0.5, 1.0, 2.0)
    vols: tuple[float, ...] = (0.1, 0.2, 0.4)
    informed_shares: tuple[float, ...] = (0.1, 0.4)
    seeds: tuple[int, ...] = (1, 2, 3, 4, 5)
    days: int = Field(20, ge=1)
    reduced: bool = True

    @model_validator(mode="after")
    def _check(self) -> ScalingConfig:
        for name in ("volumes", "vols", "informed_shares", "seeds"):
            values = getattr(self, name)
            if not values:
                raise ValueError(f"{name}={values} must list at least one value")
        if any(not 0 < v < math.inf for v in self.volumes):
            raise ValueError(f"volumes={self.volumes} must be > 0")
        if any(not 0 < v <= 10 for v in self.vols):
            raise ValueError(f"vols={self.vols} must be in (0, 10]")
        if any(not 0.0 <= s <= 1.0 for s in self.informed_shares):
            raise ValueError(f"informed_shares={self.informed_shares} must be in [0, 1]")
        if any(s < 0 for s in self.seeds):
            raise ValueError(f"seeds={self.seeds} must be >= 0")
        return self

    def cells(self) -> list[dict[str, Scalar]]:
        """The grid (volume slowest, informed share fastest); cells carry ``days``, ``reduced``."""
        return [
            {**c, "days": self.days, "reduced": self.reduced}
            for c in grid(
                volume=list(self.volumes),
                vol=list(self.vols),
                informed_share=list(self.informed_shares),
            )
        ]


def scaling_run_config(
    volume: float,
    vol: float,
    informed_share: float,
    seed: int,
    days: int,
    reduced: bool = True,
    session_s: int | None = None,
) -> Any:
    """The :class:`mmdesk.sim.run.RunConfig` of one cell and seed.

    Parameters
    ----------
    volume
        Multiplier of every taker's arrival rate (> 0).
    vol
        Annualised volatility of the fair value.
    informed_share
        Share of the taker arrival rate from informed + vol-informed traders, [0, 1].
    seed, days
        Root seed and trading days.
    reduced
        The reduced scaling scenario (module docstring) or the built-in one.
    session_s
        Override the session length, seconds (tests only: a short day).
    """
    from mmdesk.desk.config import CentralBookConfig
    from mmdesk.market.processes import GBMConfig
    from mmdesk.sim.config import ChainConfig, LoopConfig, ScenarioConfig
    from mmdesk.sim.run import RunConfig

    if volume <= 0:
        raise ValueError(f"volume={volume} must be > 0")
    if not 0.0 <= informed_share <= 1.0:
        raise ValueError(f"informed_share={informed_share} must be in [0, 1]")
    base = ScenarioConfig()
    a = base.agents
    total = _BASE_TOTAL * volume
    smart = informed_share * total
    dumb = (1.0 - informed_share) * total
    dumb_base = _BASE_NOISE + _BASE_INSTITUTIONAL
    timer = {"timer_ms": 20_000} if reduced else {}

    def rate(group_total: float, n_tags: int) -> float:
        return group_total / n_tags if n_tags else 0.0

    agents = a.model_copy(
        update={
            "noise": a.noise.model_copy(
                update={
                    "rate_per_s": rate(dumb * _BASE_NOISE / dumb_base, a.noise.n_tags),
                    **timer,
                }
            ),
            "institutional": a.institutional.model_copy(
                update={
                    "rate_per_s": rate(
                        dumb * _BASE_INSTITUTIONAL / dumb_base, a.institutional.n_tags
                    ),
                    **timer,
                }
            ),
            "informed": a.informed.model_copy(
                update={"rate_per_s": rate(smart / 2.0, a.informed.n_tags), **timer}
            ),
            "vol_informed": a.vol_informed.model_copy(
                update={"rate_per_s": rate(smart / 2.0, a.vol_informed.n_tags), **timer}
            ),
            "market_makers": a.market_makers.model_copy(update={"vol_prior": vol, **timer}),
            "liquidity": a.liquidity.model_copy(update=timer),
        }
    )
    update: dict[str, Any] = {
        "seed": int(seed),
        "days": int(days),
        "process": GBMConfig(sigma=vol),
        "agents": agents,
    }
    if session_s is not None:
        update["calendar"] = base.calendar.model_copy(update={"session_s": int(session_s)})
    desk = CentralBookConfig()
    if reduced:
        update["chain"] = ChainConfig(
            expiry_days=(4, 9, 14, 19, 39),
            strikes_per_expiry=5,
            strike_steps=(1.0, 1.5, 2.0, 2.5, 3.0),
        )
        update["loop"] = LoopConfig(journal="none", mark_interval_ms=60_000)
        desk = CentralBookConfig(
            timer_ms=30_000, snapshot_s=30.0, min_requote_ms=1_000.0, journal_quotes=False
        )
    scenario = ScenarioConfig(**{**dict(base), **update})
    return RunConfig(scenario=scenario, desk=desk)


def daily_stats(pnl_per_day: Sequence[float]) -> dict[str, float]:
    """Mean, sd, annualised Sharpe (√252) and down-day share of daily P&Ls (currency).

    The Sharpe ratio is NaN when there are fewer than two days or the sd is 0.
    """
    x = np.asarray(pnl_per_day, dtype=np.float64)
    n = x.size
    mean = float(x.mean()) if n else math.nan
    sd = float(x.std(ddof=1)) if n > 1 else math.nan
    sharpe = mean / sd * math.sqrt(TRADING_DAYS) if n > 1 and sd > 0 else math.nan
    return {
        "mean": mean,
        "sd": sd,
        "sharpe": sharpe,
        "down_share": float(np.mean(x < 0.0)) if n else math.nan,
    }


def run_cell(cell: dict[str, Scalar], seed: int) -> dict[str, Scalar]:
    """One sweep task: run the central book on one cell and seed; flat results.

    ``cell`` holds ``volume``, ``vol``, ``informed_share``, ``days``,
    ``reduced`` and optionally ``session_s``. P&L figures are in currency.
    """
    import time

    from mmdesk.sim.run import run_desk

    session = cell.get("session_s")
    cfg = scaling_run_config(
        float(cell["volume"]),  # type: ignore[arg-type]
        float(cell["vol"]),  # type: ignore[arg-type]
        float(cell["informed_share"]),  # type: ignore[arg-type]
        seed,
        int(cell["days"]),  # type: ignore[arg-type]
        bool(cell.get("reduced", True)),
        None if session is None else int(session),
    )
    cpu0 = time.process_time()
    out = run_desk(cfg)
    s = out.summary
    per_day = [float(v) for v in s["pnl_per_day"]]
    st = daily_stats(per_day)
    contracts = int(s["contracts_traded"])
    x = np.asarray(per_day, dtype=np.float64)
    return {
        "run_id": out.run_id,
        "n_days": len(per_day),
        "pnl": float(s["pnl"]),
        "pnl_per_day_mean": st["mean"],
        "pnl_per_day_sd": st["sd"],
        "pnl_day_sum": float(x.sum()),
        "pnl_day_sumsq": float(np.sum(x * x)),
        "down_days": int(np.sum(x < 0.0)),
        "sharpe": st["sharpe"],
        "contracts": contracts,
        "pnl_per_contract": float(s["pnl"]) / contracts if contracts else math.nan,
        "edge_captured": float(s["edge_captured"]),
        "fees": float(s["fees"]),
        "option_fills": int(s["option_fills"]),
        "shares_hedged": int(s["shares_hedged"]),
        "max_utilisation": float(s["max_utilisation"]),
        "final_state": str(s["final_state"]),
        "risk_events": int(sum(s["risk_events"].values())),
        "pnl_per_day": json.dumps([round(v, 2) for v in per_day]),
        "sim_cpu_s": time.process_time() - cpu0,
    }


def run_scaling(
    config: ScalingConfig,
    out: str,
    *,
    address: str | None = None,
    num_cpus: int | None = None,
    progress: bool = True,
    session_s: int | None = None,
) -> SweepResult:
    """Run the scaling sweep on Ray (:func:`mmdesk.experiments.sweep.run_sweep`) into ``out``.

    ``session_s`` shortens every session (tests only).
    """
    cells = config.cells()
    if session_s is not None:
        cells = [{**c, "session_s": int(session_s)} for c in cells]
    return run_sweep(
        run_cell,
        cells,
        list(config.seeds),
        out,
        address=address,
        num_cpus=num_cpus,
        progress=progress,
        description="scaling sweep",
    )


def summarise_cells(table: pl.DataFrame) -> pl.DataFrame:
    """Per cell: pooled daily Sharpe (√252), down-day share, P&L/day and P&L/contract.

    Pools every day of every successful seed of a cell (from each run's day
    count, sum and sum of squares of daily P&L). Columns: ``volume``, ``vol``,
    ``informed_share``, ``seeds``, ``days``, ``pnl_per_day``, ``pnl_per_day_sd``,
    ``sharpe``, ``sharpe_seed_min``, ``sharpe_seed_max``, ``down_share``,
    ``pnl_per_contract``, ``contracts_per_day``, ``edge_per_day`` (spread captured
    against theo per day, currency), ``final_reducing`` (seeds that ended
    outside ACTIVE), ``max_utilisation`` (largest limit utilisation seen), ``claim_holds``.
    """
    ok = table.filter(pl.col("status") == "ok")
    n = pl.col("n_days").sum()
    mean = pl.col("pnl_day_sum").sum() / n
    var = (pl.col("pnl_day_sumsq").sum() - n * mean * mean) / (n - 1)
    cells = (
        ok.group_by(["volume", "vol", "informed_share"])
        .agg(
            seeds=pl.len(),
            days=n,
            pnl_per_day=mean,
            pnl_var=var,
            sharpe_seed_min=pl.col("sharpe").min(),
            sharpe_seed_max=pl.col("sharpe").max(),
            down_share=pl.col("down_days").sum() / n,
            pnl_per_contract=pl.col("pnl").sum() / pl.col("contracts").sum(),
            contracts_per_day=pl.col("contracts").sum() / n,
            edge_per_day=pl.col("edge_captured").sum() / n,
            final_reducing=(pl.col("final_state") != "ACTIVE").sum(),
            max_utilisation=pl.col("max_utilisation").max(),
        )
        .with_columns(pnl_per_day_sd=pl.col("pnl_var").clip(lower_bound=0.0).sqrt())
        .with_columns(
            sharpe=pl.when(pl.col("pnl_per_day_sd") > 0)
            .then(pl.col("pnl_per_day") / pl.col("pnl_per_day_sd") * math.sqrt(TRADING_DAYS))
            .otherwise(None)
        )
        .with_columns(
            claim_holds=(pl.col("sharpe") > CLAIM_SHARPE)
            & (pl.col("down_share") <= CLAIM_DOWN_SHARE)
        )
        .drop("pnl_var")
        .sort(["volume", "vol", "informed_share"])
    )
    return cells


def _spread(cells: pl.DataFrame, axis: str, value: str) -> tuple[float, float, float]:
    """Mean of ``value`` over the other axes at the lowest and highest ``axis`` level, and ratio."""
    lo = cells.filter(pl.col(axis) == cells[axis].min())[value].mean()
    hi = cells.filter(pl.col(axis) == cells[axis].max())[value].mean()
    lo_f = float(lo) if isinstance(lo, (int, float)) else math.nan
    hi_f = float(hi) if isinstance(hi, (int, float)) else math.nan
    ratio = hi_f / lo_f if lo_f not in (0.0,) and not math.isnan(lo_f) else math.nan
    return lo_f, hi_f, ratio


def verdict(cells: pl.DataFrame) -> list[str]:
    """Plain sentences: where the Sharpe / down-day claim holds; how P&L/day moves per axis."""
    lines = []
    n = cells.height
    holds = cells.filter(pl.col("claim_holds"))
    if holds.height == n:
        lines.append(
            f"The claim 'Sharpe > {CLAIM_SHARPE:g}, about no down days' (≤ {CLAIM_DOWN_SHARE:.0%} "
            f"of days down) HOLDS in all {n} cells."
        )
    elif holds.height == 0:
        lines.append(
            f"The claim 'Sharpe > {CLAIM_SHARPE:g}, about no down days' (≤ {CLAIM_DOWN_SHARE:.0%} "
            f"of days down) holds in NONE of the {n} cells."
        )
    else:
        where = ", ".join(
            f"(volume {r['volume']:g}, vol {r['vol']:g}, informed {r['informed_share']:g})"
            for r in holds.iter_rows(named=True)
        )
        lines.append(
            f"The claim 'Sharpe > {CLAIM_SHARPE:g}, about no down days' holds in {holds.height} "
            f"of {n} cells: {where}."
        )
    best = cells.sort("sharpe", descending=True, nulls_last=True).row(0, named=True)
    worst = cells.sort("sharpe", nulls_last=True).row(0, named=True)
    lines.append(
        f"Sharpe ranges from {worst['sharpe']:.1f} (volume {worst['volume']:g}, vol "
        f"{worst['vol']:g}, informed {worst['informed_share']:g}) to {best['sharpe']:.1f} "
        f"(volume {best['volume']:g}, vol {best['vol']:g}, informed {best['informed_share']:g})."
    )
    axes = (("volume", "volume"), ("vol", "volatility"), ("informed_share", "informed share"))
    for axis, label in axes:
        if cells[axis].n_unique() < 2:
            continue
        lo, hi, ratio = _spread(cells, axis, "pnl_per_day")
        a_lo, a_hi = float(cells[axis].min()), float(cells[axis].max())  # type: ignore[arg-type]
        lines.append(
            f"P&L/day vs {label}: {lo:,.0f} at {axis}={a_lo:g} → {hi:,.0f} at "
            f"{axis}={a_hi:g} (averaged over the other axes"
            + (f"; ratio {ratio:.2f})." if lo > 0 and hi > 0 else ").")
        )
    return lines
