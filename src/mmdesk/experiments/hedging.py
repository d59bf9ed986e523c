"""Hedging cost against P&L variance: Whalley–Wilmott bands versus hedging on a clock.

A short-gamma option book (by default short 100 at-the-money 20-day
straddles, the kind of book customer flow leaves a market maker with) is
delta-hedged over one trading day along seeded GBM paths of the underlying.
Every policy runs the desk's own hedger (:class:`mmdesk.desk.hedger.DeltaHedger`
with the policy configs of :mod:`mmdesk.hedging`) on the same paths (common
random numbers). A hedge of q shares pays half the quoted spread, the taker
fee and a linear temporary impact on every share::

    cost(q) = |q| · (half_spread + fee + impact · |q|)

The book is marked with Black–Scholes at the paths' own vol, so with free,
continuous hedging its P&L would be zero: what remains is the discrete-hedging
error (variance) and the costs paid (mean). Each policy setting gives one point
(mean hedging cost, standard deviation of the day's P&L); a policy is better
when its points sit below and to the left of the other's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.desk.hedger import DeltaHedger, HedgerConfig
from mmdesk.hedging import (
    FixedBandConfig,
    FixedIntervalConfig,
    HedgeInputs,
    WhalleyWilmottConfig,
    ZakamoulineConfig,
)
from mmdesk.pricing import bs_greeks
from mmdesk.sim.seeds import SeedBank

_S_PER_YEAR = 365.0 * 86_400.0
PolicyConfig = FixedBandConfig | FixedIntervalConfig | WhalleyWilmottConfig | ZakamoulineConfig


class HedgingExperimentConfig(BaseModel):
    """The experiment's market, book and cost model.

    Attributes
    ----------
    n_paths, seed
        Number of paths and root seed.
    spot, vol, rate
        Underlying price (currency), annualised vol, rate.
    session_s, step_s
        Length of the trading day and the hedger's decision step, seconds.
    expiry_days, strike, contracts, multiplier
        The book: ``contracts`` straddles (negative: short) at ``strike``.
    half_spread, fee, impact
        Cost per share of a hedge: half-spread (currency), fee (currency) and
        impact per share traded (currency per share²).
    ww_risk_aversions, intervals_s, band_widths, zakamouline_risk_aversions
        The settings of each policy.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_paths: int = Field(100, ge=2)
    seed: int = Field(1, ge=0)
    spot: float = Field(100.0, gt=0.0)
    vol: float = Field(0.2, gt=0.0)
    rate: float = 0.0
    session_s: int = Field(23_400, gt=0)
    step_s: int = Field(30, gt=0)
    expiry_days: float = Field(20.0, gt=0.0)
    strike: float = Field(100.0, gt=0.0)
    contracts: float = -100.0
    multiplier: float = Field(100.0, gt=0.0)
    half_spread: float = Field(0.01, ge=0.0)
    fee: float = Field(0.003, ge=0.0)
    impact: float = Field(2e-6, ge=0.0)
    ww_risk_aversions: tuple[float, ...] = (3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2)
    intervals_s: tuple[float, ...] = (60.0, 300.0, 900.0, 1_800.0, 3_600.0, 7_800.0)
    band_widths: tuple[float, ...] = (200.0, 500.0, 1_000.0, 2_000.0)
    zakamouline_risk_aversions: tuple[float, ...] = (1e-4, 1e-3, 1e-2)


@dataclass(frozen=True)
class PolicyResult:
    """One policy setting's point on the cost/variance plane.

    Attributes
    ----------
    policy, setting
        Policy kind and the value of its parameter.
    mean_cost, pnl_std, mean_pnl
        Mean hedging cost (currency), standard deviation and mean of the
        day's P&L (currency), over paths.
    trades
        Mean number of hedge trades per path.
    """

    policy: str
    setting: float
    mean_cost: float
    pnl_std: float
    mean_pnl: float
    trades: float


def simulate_paths(cfg: HedgingExperimentConfig) -> np.ndarray:
    """GBM spot paths, shape (n_paths, n_steps + 1), from the experiment's seed."""
    n_steps = cfg.session_s // cfg.step_s
    # the day carries 1/252 of a year of variance, spread over the session
    dt = 1.0 / 252.0 / n_steps
    rng = SeedBank(cfg.seed).generator("experiment.hedging.paths")
    z = rng.standard_normal((cfg.n_paths, n_steps))
    steps = -0.5 * cfg.vol**2 * dt + cfg.vol * np.sqrt(dt) * z
    log_s = np.concatenate([np.zeros((cfg.n_paths, 1)), np.cumsum(steps, axis=1)], axis=1)
    return np.asarray(cfg.spot * np.exp(log_s), dtype=np.float64)


def book_greeks(
    cfg: HedgingExperimentConfig, spots: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Value, delta (shares), gamma and vanna of the book at every path point (one kernel call)."""
    n_paths, n_pts = spots.shape
    # variance time (1/252 a day) drives the paths; the book's clock is calendar time
    elapsed = np.arange(n_pts) * cfg.step_s / cfg.session_s / 252.0
    tau = np.maximum(cfg.expiry_days / 252.0 - elapsed, 1e-6)
    s = np.repeat(spots.reshape(-1), 2)
    t = np.repeat(np.tile(tau, n_paths), 2)
    is_call = np.tile([True, False], n_paths * n_pts)
    g = bs_greeks(s, cfg.strike, t, cfg.vol, cfg.rate, 0.0, is_call)
    scale = cfg.contracts * cfg.multiplier

    def pair_sum(x: np.ndarray) -> np.ndarray:
        return np.asarray((x[0::2] + x[1::2]).reshape(n_paths, n_pts) * scale)

    return pair_sum(g.price), pair_sum(g.delta), pair_sum(g.gamma), pair_sum(g.vanna)


def run_policy(
    cfg: HedgingExperimentConfig,
    policy: PolicyConfig,
    spots: np.ndarray,
    greeks: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> PolicyResult:
    """Hedge every path with ``policy`` through the desk's hedger; P&L and cost per path."""
    value, delta, gamma, vanna = greeks
    n_paths, n_pts = spots.shape
    tau0 = cfg.expiry_days / 252.0
    lam = (cfg.half_spread + cfg.fee) / cfg.spot
    pnl = np.zeros(n_paths)
    cost = np.zeros(n_paths)
    trades = np.zeros(n_paths)
    step_ns = cfg.step_s * 1_000_000_000
    for p in range(n_paths):
        hedger = DeltaHedger(HedgerConfig(policy=policy, cooldown_ms=0.0, slippage_ticks=0))
        shares = -round(float(delta[p, 0]))  # start flat: the opening hedge is not counted
        hedger.sent(0)
        cash = -shares * spots[p, 0]
        paid = 0.0
        n = 0
        for k in range(1, n_pts):
            s = float(spots[p, k])
            state = HedgeInputs(
                now_ns=k * step_ns,
                spot=s,
                delta=float(delta[p, k]) + shares,
                gamma=float(gamma[p, k]),
                vanna=float(vanna[p, k]),
                vol=cfg.vol,
                t=max(tau0 - k * cfg.step_s / cfg.session_s / 252.0, 1e-6),
                rate=cfg.rate,
                cost=lam,
                last_hedge_ns=hedger.last_hedge_ns,
            )
            units = round(s * 100.0)
            order = hedger.decide(state, units - 1, units + 1, 1)
            if order is None:
                continue
            q = order.shares
            c = abs(q) * (cfg.half_spread + cfg.fee + cfg.impact * abs(q))
            shares += q
            cash -= q * s + c
            paid += c
            n += 1
            hedger.sent(k * step_ns)
        end = n_pts - 1
        pnl[p] = (value[p, end] - value[p, 0]) + shares * spots[p, end] + cash
        cost[p] = paid
        trades[p] = n
    kind = policy.kind
    setting = float(
        {
            "whalley_wilmott": getattr(policy, "risk_aversion", 0.0),
            "zakamouline": getattr(policy, "risk_aversion", 0.0),
            "fixed_interval": getattr(policy, "interval_s", 0.0),
            "fixed_band": getattr(policy, "half_width", 0.0),
        }[kind]
    )
    return PolicyResult(
        kind,
        setting,
        float(cost.mean()),
        float(pnl.std(ddof=1)),
        float(pnl.mean()),
        float(trades.mean()),
    )


def policies(cfg: HedgingExperimentConfig) -> list[PolicyConfig]:
    """Every policy setting of the experiment."""
    out: list[PolicyConfig] = []
    out += [WhalleyWilmottConfig(risk_aversion=g) for g in cfg.ww_risk_aversions]
    out += [FixedIntervalConfig(interval_s=s) for s in cfg.intervals_s]
    out += [FixedBandConfig(half_width=w) for w in cfg.band_widths]
    out += [ZakamoulineConfig(risk_aversion=g) for g in cfg.zakamouline_risk_aversions]
    return out


def frontier_std_at(results: list[PolicyResult], kind: str, cost: float) -> float:
    """The policy's P&L std at a given mean cost, by linear interpolation of its lower hull.

    NaN outside the cost range its settings span.
    """
    pts = sorted((r.mean_cost, r.pnl_std) for r in results if r.policy == kind)
    if not pts:
        return float("nan")
    # lower frontier: running minimum of std as cost increases
    xs, ys = [], []
    best = np.inf
    for c, s in pts:
        best = min(best, s)
        xs.append(c)
        ys.append(best)
    if cost < xs[0] or cost > xs[-1]:
        return float("nan")
    return float(np.interp(cost, xs, ys))


def run(cfg: HedgingExperimentConfig | None = None) -> list[PolicyResult]:
    """All policies on the same paths."""
    c = cfg if cfg is not None else HedgingExperimentConfig()
    spots = simulate_paths(c)
    greeks = book_greeks(c, spots)
    return [run_policy(c, p, spots, greeks) for p in policies(c)]
