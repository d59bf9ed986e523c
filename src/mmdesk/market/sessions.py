"""Intraday activity seasonality and overnight gaps: the variance clock of multi-day runs.

A trading day carries ``1 / trading_days_per_year`` years of *variance time*
(so an annualised vol means what a desk means by it: ``sigma**2 / 252`` of log
variance per day). A fraction ``overnight_fraction`` of it is realised in one
step at the open (the overnight gap), the rest during the session, spread by
the U-shaped intraday activity profile

    phi(u) = 1 + a ((2u - 1)**2 - 1/3),   u = fraction of the session elapsed,

which averages to 1 over the session (``a`` = ``u_shape_amplitude``; a = 1.5
gives 2x the average activity at the open and close and 0.5x at midday). The
same profile scales event intensities of the agents, so volume and volatility
share the intraday shape. The gap may also carry an extra Gaussian jump with
probability ``overnight_jump_probability`` (earnings, news).

Cumulative variance time at session fraction ``u`` of trading day ``d``:

    B(d, u) = d D + (1 - f) D Phi(u),   Phi(u) = int_0^u phi,  D = 1 / days_per_year,

so B jumps by ``f D`` at each open after the first. Calendar-aware drivers
(int64 ns timestamps) are in :mod:`mmdesk.sim.fair_value`.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.typing import Float64Array, FloatLike


class SessionConfig(BaseModel):
    """How variance time is spread over sessions and nights.

    Attributes
    ----------
    trading_days_per_year
        Trading days per year of variance time (each day carries ``1 / this`` years).
    overnight_fraction
        Share of a day's variance realised as the overnight gap, in [0, 1).
    u_shape_amplitude
        Amplitude ``a`` of the intraday profile, in [0, 3) (0 = flat).
    overnight_jump_probability
        Probability of an extra jump in the overnight gap, in [0, 1].
    overnight_jump_mean, overnight_jump_std
        Mean and standard deviation of that jump in log price.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    trading_days_per_year: float = Field(default=252.0, gt=0.0)
    overnight_fraction: float = Field(default=0.2, ge=0.0, lt=1.0)
    u_shape_amplitude: float = Field(default=1.5, ge=0.0, lt=3.0)
    overnight_jump_probability: float = Field(default=0.0, ge=0.0, le=1.0)
    overnight_jump_mean: float = 0.0
    overnight_jump_std: float = Field(default=0.0, ge=0.0)

    @property
    def day_variance_years(self) -> float:
        """Variance time of one trading day, years."""
        return 1.0 / self.trading_days_per_year

    @property
    def overnight_variance_years(self) -> float:
        """Variance time of one overnight gap, years."""
        return self.overnight_fraction / self.trading_days_per_year

    @property
    def session_variance_years(self) -> float:
        """Variance time of one session, years."""
        return (1.0 - self.overnight_fraction) / self.trading_days_per_year


def _fraction(u: FloatLike) -> Float64Array:
    arr = np.asarray(u, dtype=np.float64)
    if np.any(~np.isfinite(arr)) or np.any((arr < 0.0) | (arr > 1.0)):
        raise ValueError(f"session fraction u must lie in [0, 1], got {u!r}")
    return arr


def activity_profile(u: FloatLike, amplitude: float) -> Float64Array:
    """Intraday activity multiplier ``phi(u)`` (mean 1 over the session).

    Parameters
    ----------
    u
        Fraction of the session elapsed, in [0, 1].
    amplitude
        U-shape amplitude ``a`` in [0, 3).

    Returns
    -------
    float64 array
        Multiplier of the average intensity / variance rate (dimensionless).
    """
    x = 2.0 * _fraction(u) - 1.0
    return 1.0 + amplitude * (x * x - 1.0 / 3.0)


def cumulative_activity(u: FloatLike, amplitude: float) -> Float64Array:
    """``Phi(u) = int_0^u phi``: share of a session's activity done by fraction ``u``.

    ``Phi(0) = 0`` and ``Phi(1) = 1``.
    """
    uu = _fraction(u)
    x = 2.0 * uu - 1.0
    return uu + amplitude * ((x**3 + 1.0) / 6.0 - uu / 3.0)


def variance_time(day: FloatLike, u: FloatLike, config: SessionConfig) -> Float64Array:
    """Cumulative variance time ``B(d, u)`` in years from the first open.

    Parameters
    ----------
    day
        Trading-day index (0 = first session).
    u
        Fraction of that day's session elapsed, in [0, 1] (1 after its close).
    config
        The session model.
    """
    d = np.asarray(day, dtype=np.float64)
    return d * config.day_variance_years + config.session_variance_years * cumulative_activity(
        u, config.u_shape_amplitude
    )


def overnight_jumps(
    n: int | tuple[int, ...], config: SessionConfig, rng: np.random.Generator
) -> Float64Array:
    """Extra overnight log-price jumps (zero where no jump), shape ``n``.

    Draws a uniform and a normal per gap from ``rng`` (in that order) even when
    the probability is zero, so the stream does not depend on the parameters.
    """
    hit = rng.random(n) < config.overnight_jump_probability
    size = config.overnight_jump_mean + config.overnight_jump_std * rng.standard_normal(n)
    return np.where(hit, size, 0.0)
