"""Latent fair value of the underlying: GBM, Heston and Merton jump-diffusion.

The fair value is the price the informed would pay; the venue's liquidity
providers quote around it. Three processes, each a frozen config:

* :class:`GBMConfig` — ``dS/S = mu dt + sigma dW`` (exact log-normal steps);
* :class:`HestonConfig` — ``dS/S = mu dt + sqrt(v) dW``,
  ``dv = kappa (theta - v) dt + xi sqrt(v) dZ``, ``d<W, Z> = rho dt``;
  Andersen's (2008) quadratic-exponential (QE) scheme with the central
  (gamma1 = gamma2 = 1/2) log-price discretisation, or full-truncation Euler;
* :class:`MertonConfig` — GBM plus compound-Poisson jumps in log price
  ``J ~ N(jump_mean, jump_std**2)`` at ``jump_intensity`` per year, drift
  compensated so that ``E[S_t] = S_0 exp(mu t)``.

Time here is **variance time** in years: a step of ``dt`` years carries
``sigma**2 dt`` of log variance. Over multi-day runs
(:mod:`mmdesk.market.sessions`) each trading day carries ``1/252`` year of
variance time, split between the session (spread by the intraday U-shaped
activity profile) and the overnight gap.

Two ways to use a process:

* :func:`simulate_paths` — vectorised over paths on a grid of step lengths;
* :class:`FairValueProcess` — one path stepped incrementally by the event loop.

Both take a :class:`numpy.random.Generator` (get it from
:class:`mmdesk.sim.seeds.SeedBank`; never a global RNG) and are deterministic
given it.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, NamedTuple

import numba
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.typing import Float64Array, Float64Array2D

#: Andersen's switching threshold between the quadratic and exponential branches.
QE_PSI_CRITICAL = 1.5


class GBMConfig(BaseModel):
    """Geometric Brownian motion.

    Attributes
    ----------
    mu
        Drift, continuously compounded per year (``E[S_t] = S_0 e^{mu t}``).
    sigma
        Annualised volatility.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["gbm"] = "gbm"
    mu: float = 0.0
    sigma: float = Field(default=0.2, gt=0.0, le=10.0)


class HestonConfig(BaseModel):
    """Heston stochastic variance.

    Attributes
    ----------
    mu
        Drift of the price, per year.
    kappa
        Mean-reversion speed of the variance, per year.
    theta
        Long-run variance (annualised vol squared).
    xi
        Volatility of variance ("vol of vol"), per sqrt(year).
    rho
        Correlation of price and variance shocks (negative: leverage effect).
    v0
        Initial variance (annualised vol squared).
    scheme
        ``"qe"`` (Andersen 2008, default) or ``"full_truncation"`` Euler.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["heston"] = "heston"
    mu: float = 0.0
    kappa: float = Field(default=2.0, gt=0.0)
    theta: float = Field(default=0.04, gt=0.0)
    xi: float = Field(default=0.5, gt=0.0)
    rho: float = Field(default=-0.7, ge=-1.0, le=1.0)
    v0: float = Field(default=0.04, ge=0.0)
    scheme: Literal["qe", "full_truncation"] = "qe"


class MertonConfig(BaseModel):
    """Merton (1976) jump-diffusion.

    Attributes
    ----------
    mu
        Drift, per year, including the jumps (``E[S_t] = S_0 e^{mu t}``).
    sigma
        Annualised volatility of the diffusion part.
    jump_intensity
        Expected number of jumps per year.
    jump_mean, jump_std
        Mean and standard deviation of one jump in log price.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["merton"] = "merton"
    mu: float = 0.0
    sigma: float = Field(default=0.2, gt=0.0, le=10.0)
    jump_intensity: float = Field(default=5.0, ge=0.0)
    jump_mean: float = -0.02
    jump_std: float = Field(default=0.05, ge=0.0)

    @property
    def jump_compensator(self) -> float:
        """``kappa = E[e^J] - 1``, the mean relative size of one jump."""
        return math.expm1(self.jump_mean + 0.5 * self.jump_std**2)


#: Any fair-value process config (pydantic discriminated union on ``kind``).
ProcessConfig = Annotated[GBMConfig | HestonConfig | MertonConfig, Field(discriminator="kind")]


class FairValuePaths(NamedTuple):
    """Simulated paths: ``spot[p, i]`` and ``variance[p, i]`` at grid point ``i``.

    ``variance`` is the instantaneous annualised variance (constant for GBM and
    Merton, the diffusion part only).
    """

    spot: Float64Array2D
    variance: Float64Array2D


# --------------------------------------------------------------------------- Heston kernels


def heston_step_python(
    log_s: float,
    v: float,
    dt: float,
    mu: float,
    kappa: float,
    theta: float,
    xi: float,
    rho: float,
    z_v: float,
    u_v: float,
    z_x: float,
    qe: bool,
) -> tuple[float, float]:
    """One Heston step of ``dt`` years from ``(log S, v)``; readable spec of the kernel.

    Parameters
    ----------
    log_s, v
        Log price and annualised variance at the start of the step.
    dt
        Step length, years (variance time); ``dt <= 0`` returns the state unchanged.
    mu, kappa, theta, xi, rho
        Heston parameters (see :class:`HestonConfig`).
    z_v, u_v, z_x
        Independent standard normal, uniform(0, 1) and standard normal draws.
    qe
        Andersen's QE scheme if true, full-truncation Euler otherwise.

    Returns
    -------
    (log_s, v)
        State at the end of the step.
    """
    if dt <= 0.0:
        return log_s, v
    if qe:
        ekt = math.exp(-kappa * dt)
        m = theta + (v - theta) * ekt
        s2 = v * xi * xi * ekt * (1.0 - ekt) / kappa + theta * xi * xi * (1.0 - ekt) ** 2 / (
            2.0 * kappa
        )
        psi = s2 / (m * m)
        if psi <= QE_PSI_CRITICAL:
            two_over_psi = 2.0 / psi
            b2 = two_over_psi - 1.0 + math.sqrt(two_over_psi) * math.sqrt(two_over_psi - 1.0)
            a = m / (1.0 + b2)
            b = math.sqrt(b2)
            v_next = a * (b + z_v) ** 2
        else:
            p = (psi - 1.0) / (psi + 1.0)
            beta = (1.0 - p) / m
            v_next = 0.0 if u_v <= p else math.log((1.0 - p) / (1.0 - u_v)) / beta
        half = 0.5 * dt
        k0 = -rho * kappa * theta / xi * dt
        k1 = half * (kappa * rho / xi - 0.5) - rho / xi
        k2 = half * (kappa * rho / xi - 0.5) + rho / xi
        k3 = half * (1.0 - rho * rho)
        var_x = k3 * (v + v_next)
        log_next = log_s + mu * dt + k0 + k1 * v + k2 * v_next + math.sqrt(var_x) * z_x
        return log_next, v_next
    # full truncation Euler: v+ in drift and diffusion, v itself may go negative
    vp = v if v > 0.0 else 0.0
    sq = math.sqrt(vp * dt)
    z_corr = rho * z_x + math.sqrt(1.0 - rho * rho) * z_v
    log_next = log_s + (mu - 0.5 * vp) * dt + sq * z_x
    v_next = v + kappa * (theta - vp) * dt + xi * sq * z_corr
    return log_next, v_next


heston_step = numba.njit(cache=True)(heston_step_python)


def heston_paths_python(
    log_s0: float,
    v0: float,
    dt: Float64Array,
    mu: float,
    kappa: float,
    theta: float,
    xi: float,
    rho: float,
    z_v: Float64Array,
    u_v: Float64Array,
    z_x: Float64Array,
    qe: bool,
    log_s_out: Float64Array,
    v_out: Float64Array,
) -> None:
    """Fill ``log_s_out`` and ``v_out`` (n_paths, n_steps + 1) with Heston paths.

    ``dt`` holds the n_steps step lengths (years); ``z_v``, ``u_v``, ``z_x`` are
    (n_paths, n_steps) draws as in :func:`heston_step_python`.
    """
    n_paths, n_steps = z_x.shape
    for p in range(n_paths):
        ls = log_s0
        v = v0
        log_s_out[p, 0] = ls
        v_out[p, 0] = v
        for i in range(n_steps):
            ls, v = heston_step(
                ls, v, dt[i], mu, kappa, theta, xi, rho, z_v[p, i], u_v[p, i], z_x[p, i], qe
            )
            log_s_out[p, i + 1] = ls
            v_out[p, i + 1] = v


heston_paths = numba.njit(cache=True)(heston_paths_python)


# --------------------------------------------------------------------------- vectorised paths


def _check_grid(s0: float, dt: Float64Array, n_paths: int) -> Float64Array:
    if not (math.isfinite(s0) and s0 > 0.0):
        raise ValueError(f"simulate_paths: s0={s0} must be a positive finite price")
    if n_paths < 1:
        raise ValueError(f"simulate_paths: n_paths={n_paths} must be >= 1")
    steps = np.ascontiguousarray(dt, dtype=np.float64)
    if steps.ndim != 1:
        raise ValueError(f"simulate_paths: dt must be 1-d, got shape {steps.shape}")
    if not np.all(np.isfinite(steps)) or np.any(steps < 0.0):
        raise ValueError(f"simulate_paths: dt must be finite and >= 0, got min {steps.min()}")
    return steps


def simulate_log_returns(
    config: GBMConfig | HestonConfig | MertonConfig,
    dt: Float64Array,
    n_paths: int,
    rng: np.random.Generator,
) -> tuple[Float64Array2D, Float64Array2D]:
    """Per-step log returns and variances of ``n_paths`` paths.

    Parameters
    ----------
    config
        The process.
    dt
        Step lengths, years of variance time, shape (n_steps,), each >= 0.
    n_paths
        Number of independent paths.
    rng
        Source of randomness (consumed in a fixed order: deterministic).

    Returns
    -------
    (log_returns, variance)
        ``log_returns`` (n_paths, n_steps) and the instantaneous variance at
        every grid point, (n_paths, n_steps + 1).
    """
    steps = _check_grid(1.0, dt, n_paths)
    n_steps = steps.shape[0]
    if isinstance(config, GBMConfig):
        z = rng.standard_normal((n_paths, n_steps))
        rets = (config.mu - 0.5 * config.sigma**2) * steps + config.sigma * np.sqrt(steps) * z
        var = np.full((n_paths, n_steps + 1), config.sigma**2)
        return rets, var
    if isinstance(config, MertonConfig):
        z = rng.standard_normal((n_paths, n_steps))
        n_jumps = rng.poisson(config.jump_intensity * np.broadcast_to(steps, (n_paths, n_steps)))
        z_jump = rng.standard_normal((n_paths, n_steps))
        drift = config.mu - config.jump_intensity * config.jump_compensator - 0.5 * config.sigma**2
        jumps = n_jumps * config.jump_mean + config.jump_std * np.sqrt(n_jumps) * z_jump
        rets = drift * steps + config.sigma * np.sqrt(steps) * z + jumps
        var = np.full((n_paths, n_steps + 1), config.sigma**2)
        return rets, var
    z_v = rng.standard_normal((n_paths, n_steps))
    u_v = rng.random((n_paths, n_steps))
    z_x = rng.standard_normal((n_paths, n_steps))
    log_s = np.empty((n_paths, n_steps + 1))
    var = np.empty((n_paths, n_steps + 1))
    heston_paths(
        0.0,
        config.v0,
        steps,
        config.mu,
        config.kappa,
        config.theta,
        config.xi,
        config.rho,
        z_v,
        u_v,
        z_x,
        config.scheme == "qe",
        log_s,
        var,
    )
    return np.diff(log_s, axis=1), var


def simulate_paths(
    config: GBMConfig | HestonConfig | MertonConfig,
    s0: float,
    dt: Float64Array,
    n_paths: int,
    rng: np.random.Generator,
) -> FairValuePaths:
    """Vectorised fair-value paths on a grid of step lengths.

    Parameters
    ----------
    config
        The process.
    s0
        Initial fair value (price units).
    dt
        Step lengths in years of variance time, shape (n_steps,). For a
        uniform grid over ``T`` years use ``np.full(n, T / n)``.
    n_paths
        Number of paths.
    rng
        Generator (e.g. ``SeedBank(seed).generator("market.fair_value")``).

    Returns
    -------
    FairValuePaths
        ``spot`` and ``variance``, each (n_paths, n_steps + 1); column 0 is t = 0.
    """
    _check_grid(s0, dt, n_paths)
    rets, var = simulate_log_returns(config, dt, n_paths, rng)
    log_s = np.empty((n_paths, rets.shape[1] + 1))
    log_s[:, 0] = 0.0
    np.cumsum(rets, axis=1, out=log_s[:, 1:])
    return FairValuePaths(spot=s0 * np.exp(log_s), variance=var)


# --------------------------------------------------------------------------- incremental stepping


class FairValueProcess:
    """One fair-value path, stepped forward by the event loop.

    Parameters
    ----------
    config
        The process.
    s0
        Initial fair value.
    rng
        The process's own generator; each step draws from it in a fixed order.

    Examples
    --------
    >>> import numpy as np
    >>> fv = FairValueProcess(GBMConfig(sigma=0.2), 100.0, np.random.default_rng(1))
    >>> fv.step(1 / 252) > 0
    True
    """

    def __init__(
        self,
        config: GBMConfig | HestonConfig | MertonConfig,
        s0: float,
        rng: np.random.Generator,
    ) -> None:
        if not (math.isfinite(s0) and s0 > 0.0):
            raise ValueError(f"FairValueProcess: s0={s0} must be a positive finite price")
        self.config = config
        self._rng = rng
        self._log_s = math.log(s0)
        self._v = config.v0 if isinstance(config, HestonConfig) else config.sigma**2

    @property
    def value(self) -> float:
        """Current fair value (price units)."""
        return math.exp(self._log_s)

    @property
    def log_value(self) -> float:
        """Natural log of the current fair value."""
        return self._log_s

    @property
    def variance(self) -> float:
        """Current instantaneous annualised variance (diffusion part)."""
        return self._v

    def step(self, dt: float) -> float:
        """Advance by ``dt`` years of variance time and return the new fair value.

        ``dt == 0`` leaves the state (and the generator) untouched.
        """
        if not (math.isfinite(dt) and dt >= 0.0):
            raise ValueError(f"FairValueProcess.step: dt={dt} must be finite and >= 0")
        if dt == 0.0:
            return self.value
        cfg = self.config
        rng = self._rng
        if isinstance(cfg, GBMConfig):
            z = float(rng.standard_normal())
            self._log_s += (cfg.mu - 0.5 * cfg.sigma**2) * dt + cfg.sigma * math.sqrt(dt) * z
        elif isinstance(cfg, MertonConfig):
            z = float(rng.standard_normal())
            n = int(rng.poisson(cfg.jump_intensity * dt))
            zj = float(rng.standard_normal())
            drift = cfg.mu - cfg.jump_intensity * cfg.jump_compensator - 0.5 * cfg.sigma**2
            jump = n * cfg.jump_mean + cfg.jump_std * math.sqrt(n) * zj
            self._log_s += drift * dt + cfg.sigma * math.sqrt(dt) * z + jump
        else:
            z_v = float(rng.standard_normal())
            u_v = float(rng.random())
            z_x = float(rng.standard_normal())
            self._log_s, self._v = heston_step(
                self._log_s,
                self._v,
                dt,
                cfg.mu,
                cfg.kappa,
                cfg.theta,
                cfg.xi,
                cfg.rho,
                z_v,
                u_v,
                z_x,
                cfg.scheme == "qe",
            )
        return self.value

    def jump(self, log_jump: float) -> float:
        """Apply a jump of ``log_jump`` to the log fair value (e.g. an overnight gap)."""
        if not math.isfinite(log_jump):
            raise ValueError(f"FairValueProcess.jump: log_jump={log_jump} must be finite")
        self._log_s += log_jump
        return self.value
