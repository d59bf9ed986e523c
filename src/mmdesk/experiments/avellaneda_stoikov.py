"""Avellaneda & Stoikov (2008), section 3.3: the inventory strategy against the symmetric one.

Set-up of the paper's simulation study (Quantitative Finance 8(3), 217–224), in
the words of its procedure: "at time t, the agent's quotes delta^a and delta^b
are computed, given the state variables. At time t + dt, the state variables
are updated. With probability lambda^a(delta^a) dt, the inventory variable
decreases by one and the wealth increases by s + delta^a. With probability
lambda^b(delta^b) dt, the inventory increases by one and the wealth decreases
by s - delta^b. The mid-price is updated by a random increment
+-sigma sqrt(dt)." Hence the defaults of :class:`ASConfig`:

* mid ``s`` starts at 100 and moves by ``+sigma sqrt(dt)`` or ``-sigma sqrt(dt)``
  with equal probability each step (:attr:`PriceStep.BINOMIAL`; sigma = 2,
  dt = 0.005, T = 1, so 200 steps);
* a quote at distance ``delta`` from the mid *at which it was set* fills with
  probability ``lambda(delta) dt`` (capped at 1), ``lambda = A exp(-k delta)``
  (A = 140, k = 1.5), bid and ask independently, at most one unit per side per
  step, at the quoted price (:attr:`FillReference.PRE_MOVE_MID`,
  :attr:`~mmdesk.venue.intensity.FillProbability.LINEAR`);
* **inventory strategy**: quotes centred on the reservation price
  ``r = s - q gamma sigma^2 (T - t)`` (eq. 3.17) with total spread
  ``(2 / gamma) ln(1 + gamma / k)`` (:attr:`SpreadModel.CONSTANT`: the
  spread the paper's tables report and the symmetric strategy quotes, "a
  bid/ask spread of $1.29"; eq. 3.18 adds ``gamma sigma^2 (T - t)``,
  :attr:`SpreadModel.FINITE_HORIZON`);
* **symmetric strategy**: the same spread, centred on the mid;
* profit = cash + q_T s_T at T (the objective's ``X_T + q_T S_T``);
  1000 simulations; q0 = 0.

Both strategies see the same mid path and the same fill uniforms (common
random numbers); each strategy's statistics are unaffected by that coupling.
The whole run is vectorised across simulations (a loop over the 200 steps).
The other readings of the set-up that public reproductions use are options
of :class:`ASConfig`; :func:`sweep_readings` runs all of them and
``docs/avellaneda-stoikov.md`` reports which published cells each reproduces.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.typing import Float64Array
from mmdesk.venue.intensity import FillProbability, fill_probability


class SpreadModel(StrEnum):
    """Which total spread the strategies quote."""

    #: ``(2/gamma) ln(1 + gamma/k)`` only: the spread of the paper's tables and
    #: of its symmetric strategy (the default).
    CONSTANT = "constant"
    #: ``gamma sigma^2 (T - t) + (2/gamma) ln(1 + gamma/k)`` (eq. 3.18 of the paper).
    FINITE_HORIZON = "finite_horizon"


class FillReference(StrEnum):
    """Against which mid a quote's distance is measured when its fill is drawn."""

    #: The mid at which the quotes were set: the paper's ``lambda(delta) dt`` with
    #: the ``delta`` "computed at time t" (the default).
    PRE_MOVE_MID = "pre_move"
    #: The mid after this step's move: quotes set at t meet orders arriving after
    #: the move (a little adverse selection; not the paper's text).
    POST_MOVE_MID = "post_move"


class PriceStep(StrEnum):
    """Distribution of the mid's increment over one step."""

    #: ``+sigma sqrt(dt)`` or ``-sigma sqrt(dt)``, probability 1/2 each (the paper).
    BINOMIAL = "binomial"
    #: ``sigma sqrt(dt) Z``, Z standard normal (an Euler step of ``dS = sigma dW``).
    GAUSSIAN = "gaussian"


class Strategy(StrEnum):
    """The two strategies of the study."""

    INVENTORY = "inventory"
    SYMMETRIC = "symmetric"


class ASConfig(BaseModel):
    """Parameters of the A–S simulation study (defaults: the paper's text).

    Attributes
    ----------
    s0
        Initial mid, price units.
    T
        Horizon, in the time unit of ``A`` (1 = the paper's unit).
    sigma
        Volatility of the mid, price units per sqrt(time unit) (arithmetic).
    dt
        Quoting step, time units.
    A, k
        Fill intensity ``A exp(-k delta)``: events per time unit, per price unit.
    q0
        Initial inventory, units.
    n_sims
        Number of simulated paths.
    spread_model, probability, fill_reference, price_step
        The reading of the set-up (see the enums); defaults follow the paper.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    s0: float = Field(default=100.0, gt=0.0)
    T: float = Field(default=1.0, gt=0.0)
    sigma: float = Field(default=2.0, gt=0.0)
    dt: float = Field(default=0.005, gt=0.0)
    A: float = Field(default=140.0, gt=0.0)
    k: float = Field(default=1.5, gt=0.0)
    q0: int = 0
    n_sims: int = Field(default=1000, ge=2)
    spread_model: SpreadModel = SpreadModel.CONSTANT
    probability: FillProbability = FillProbability.LINEAR
    fill_reference: FillReference = FillReference.PRE_MOVE_MID
    price_step: PriceStep = PriceStep.BINOMIAL

    @property
    def n_steps(self) -> int:
        """Number of quoting steps, ``round(T / dt)``."""
        return round(self.T / self.dt)

    @property
    def reading(self) -> str:
        """Short label of the reading, e.g. ``constant/linear/pre_move/binomial``."""
        return "/".join(
            (
                self.spread_model.value,
                self.probability.value,
                self.fill_reference.value,
                self.price_step.value,
            )
        )


class StrategyRun(NamedTuple):
    """Per-simulation outcomes of one strategy (arrays of length n_sims)."""

    profit: Float64Array
    final_q: Float64Array
    mean_spread: Float64Array


class RowStats(NamedTuple):
    """One row of the table: means and standard deviations over simulations."""

    spread: float
    profit: float
    std_profit: float
    final_q: float
    std_q: float


def total_spread(gamma: float, tau: Float64Array | float, cfg: ASConfig) -> Float64Array:
    """Total quoted spread at time to horizon ``tau`` (price units)."""
    base = (2.0 / gamma) * math.log1p(gamma / cfg.k)
    tau_arr = np.asarray(tau, dtype=np.float64)
    if cfg.spread_model is SpreadModel.CONSTANT:
        return np.full_like(tau_arr, base)
    return gamma * cfg.sigma**2 * tau_arr + base


def reservation_price(
    mid: Float64Array, q: Float64Array, gamma: float, tau: float, sigma: float
) -> Float64Array:
    """A–S reservation price ``r = s - q gamma sigma^2 tau`` (price units)."""
    return mid - q * gamma * sigma**2 * tau


def _mid_moves(cfg: ASConfig, rng: np.random.Generator) -> Float64Array:
    """Mid increments, shape (n_steps, n_sims), price units."""
    shape = (cfg.n_steps, cfg.n_sims)
    dz = cfg.sigma * math.sqrt(cfg.dt)
    if cfg.price_step is PriceStep.BINOMIAL:
        signs = rng.integers(0, 2, size=shape).astype(np.float64) * 2.0 - 1.0
        return dz * signs
    return dz * rng.standard_normal(shape)


def simulate(gamma: float, cfg: ASConfig, rng: np.random.Generator) -> dict[Strategy, StrategyRun]:
    """Run both strategies over ``cfg.n_sims`` paths for one risk aversion ``gamma``.

    Order of work in step ``i`` (time ``t = i dt``): quotes from ``(s_t, q_t)``
    and ``T - t``; each side fills with its probability (distance measured from
    ``s_t``, or from ``s_{t+dt}`` under ``POST_MOVE_MID``) at its quoted price;
    the mid moves. After the last step the inventory is marked at ``s_T``.

    Parameters
    ----------
    gamma
        Risk aversion, per price unit (> 0).
    cfg
        Study parameters and reading.
    rng
        Generator for the mid moves and fill uniforms (drawn up front in that
        order: the outcome is a deterministic function of the generator's state).

    Returns
    -------
    dict
        :class:`StrategyRun` per :class:`Strategy`.
    """
    if not (math.isfinite(gamma) and gamma > 0.0):
        raise ValueError(f"avellaneda_stoikov.simulate: gamma={gamma} must be positive")
    n, m = cfg.n_sims, cfg.n_steps
    moves = _mid_moves(cfg, rng)
    u_bid = rng.random((m, n))
    u_ask = rng.random((m, n))
    post_move = cfg.fill_reference is FillReference.POST_MOVE_MID
    out: dict[Strategy, StrategyRun] = {}
    for strategy in Strategy:
        mid = np.full(n, cfg.s0)
        q = np.full(n, float(cfg.q0))
        cash = np.zeros(n)
        spread_sum = np.zeros(n)
        for i in range(m):
            tau = cfg.T - i * cfg.dt
            spread = float(total_spread(gamma, tau, cfg))
            centre = (
                reservation_price(mid, q, gamma, tau, cfg.sigma)
                if strategy is Strategy.INVENTORY
                else mid
            )
            bid = centre - 0.5 * spread
            ask = centre + 0.5 * spread
            ref = mid + moves[i] if post_move else mid
            bid_fill = u_bid[i] < fill_probability(ref - bid, cfg.A, cfg.k, cfg.dt, cfg.probability)
            ask_fill = u_ask[i] < fill_probability(ask - ref, cfg.A, cfg.k, cfg.dt, cfg.probability)
            q += bid_fill.astype(np.float64) - ask_fill.astype(np.float64)
            cash += np.where(ask_fill, ask, 0.0) - np.where(bid_fill, bid, 0.0)
            spread_sum += spread
            mid = mid + moves[i]
        out[strategy] = StrategyRun(profit=cash + q * mid, final_q=q, mean_spread=spread_sum / m)
    return out


def row_stats(run: StrategyRun) -> RowStats:
    """Table row of a strategy run (sample std with ddof = 1)."""
    return RowStats(
        spread=float(run.mean_spread.mean()),
        profit=float(run.profit.mean()),
        std_profit=float(run.profit.std(ddof=1)),
        final_q=float(run.final_q.mean()),
        std_q=float(run.final_q.std(ddof=1)),
    )


def kurtosis(sample: Float64Array) -> float:
    """Sample kurtosis ``m4 / m2^2`` (3 for a Gaussian; central moments, ddof = 0)."""
    dev = sample - sample.mean()
    m2 = float((dev**2).mean())
    return float((dev**4).mean()) / m2**2 if m2 > 0.0 else 3.0
