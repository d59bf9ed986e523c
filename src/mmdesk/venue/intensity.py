"""Intensity fill model: quotes fill as Poisson events with rate ``A exp(-k delta)``.

The alternative to the full matching engine used by Avellaneda & Stoikov
(2008), Guéant, Lehalle & Fernandez-Tapia (2013) and Guéant's option
market-making work: a resting quote at distance ``delta`` (price units) from
the mid (or theo) is hit by market orders arriving as a Poisson process of
intensity

    lambda(delta) = A exp(-k delta)          [events per unit of time]

where ``A`` is the arrival rate at the mid and ``k`` (per price unit) how fast
it decays with distance. Over a step ``dt`` the quote fills at least once with
probability ``1 - exp(-lambda dt)`` (:attr:`FillProbability.EXACT`). The A–S
paper's simulation uses the first-order ``lambda dt``
(:attr:`FillProbability.LINEAR`, clipped to [0, 1]); it overstates fills when
``lambda dt`` is not small (at A = 140, dt = 0.005, delta = 0.65: 0.27 versus
0.23 exact).

Negative ``delta`` (a bid above the mid) is allowed: the intensity exceeds
``A``. The exponent is capped at ``MAX_EXPONENT`` so that a quote far through
the mid gives a (saturated) probability 1 instead of an overflow.

All functions broadcast over arrays of quotes and paths.
"""

from __future__ import annotations

import math
from enum import StrEnum

import numba
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.typing import BoolArray, Float64Array, FloatLike

#: Cap on ``-k delta`` in ``exp``: exp(700) ~ 1e304 is still finite in float64.
MAX_EXPONENT = 700.0


class FillProbability(StrEnum):
    """How a per-step fill probability is obtained from the intensity."""

    #: ``1 - exp(-lambda dt)``: probability of at least one Poisson arrival in ``dt``.
    EXACT = "exact"
    #: ``min(lambda dt, 1)``: first order in ``dt``, as in Avellaneda & Stoikov (2008).
    LINEAR = "linear"


class IntensityConfig(BaseModel):
    """Parameters of the exponential fill intensity.

    Attributes
    ----------
    A
        Arrival rate of market orders hitting a quote at the mid, events per
        unit of time (per year if ``dt`` is in years).
    k
        Decay of the arrival rate with distance, per price unit.
    probability
        :class:`FillProbability` used for per-step fills.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    A: float = Field(gt=0.0)
    k: float = Field(gt=0.0)
    probability: FillProbability = FillProbability.EXACT

    def intensity(self, delta: FloatLike) -> Float64Array:
        """``A exp(-k delta)`` for quotes at distance ``delta`` (see :func:`fill_intensity`)."""
        return fill_intensity(delta, self.A, self.k)

    def fill_probability(self, delta: FloatLike, dt: float) -> Float64Array:
        """Per-step fill probability with this config's rule (see :func:`fill_probability`)."""
        return fill_probability(delta, self.A, self.k, dt, self.probability)


def _check(A: float, k: float, dt: float | None = None) -> None:
    if not (math.isfinite(A) and A > 0.0):
        raise ValueError(f"intensity: A={A} must be a positive finite rate")
    if not (math.isfinite(k) and k > 0.0):
        raise ValueError(f"intensity: k={k} must be positive and finite")
    if dt is not None and not (math.isfinite(dt) and dt >= 0.0):
        raise ValueError(f"intensity: dt={dt} must be finite and >= 0")


def fill_intensity(delta: FloatLike, A: float, k: float) -> Float64Array:
    """Poisson arrival rate ``A exp(-k delta)`` of fills for a quote at distance ``delta``.

    Parameters
    ----------
    delta
        Distance of the quote from the mid, price units (ask − mid, or mid − bid);
        may be negative.
    A
        Rate at the mid, events per unit of time.
    k
        Decay per price unit.

    Returns
    -------
    float64 array
        Intensity, events per unit of time.

    Examples
    --------
    >>> float(fill_intensity(0.0, 140.0, 1.5))
    140.0
    """
    _check(A, k)
    d = np.asarray(delta, dtype=np.float64)
    if np.any(np.isnan(d)):
        raise ValueError("intensity: delta contains NaN")
    return A * np.exp(np.minimum(-k * d, MAX_EXPONENT))


def fill_probability(
    delta: FloatLike,
    A: float,
    k: float,
    dt: float,
    probability: FillProbability = FillProbability.EXACT,
) -> Float64Array:
    """Probability that a quote at distance ``delta`` fills during a step of ``dt``.

    Parameters
    ----------
    delta
        Distance from the mid, price units.
    A, k
        Intensity parameters (see :func:`fill_intensity`).
    dt
        Step length, in the time unit of ``A``.
    probability
        ``EXACT`` (``1 - exp(-lambda dt)``) or ``LINEAR`` (``min(lambda dt, 1)``).

    Returns
    -------
    float64 array
        Probabilities in [0, 1].
    """
    _check(A, k, dt)
    lam_dt = fill_intensity(delta, A, k) * dt
    if probability is FillProbability.EXACT:
        return -np.expm1(-lam_dt)
    return np.minimum(lam_dt, 1.0)


def sample_fills(
    delta: FloatLike,
    A: float,
    k: float,
    dt: float,
    uniforms: Float64Array,
    probability: FillProbability = FillProbability.EXACT,
) -> BoolArray:
    """Which quotes fill in this step, given uniform(0, 1) draws.

    Taking the uniforms (rather than a generator) lets a caller use common
    random numbers across strategies and keeps the draw order explicit.

    Parameters
    ----------
    delta
        Distances from the mid, price units (broadcast against ``uniforms``).
    A, k, dt, probability
        As in :func:`fill_probability`.
    uniforms
        Uniform(0, 1) draws, one per quote.

    Returns
    -------
    bool array
        True where the quote filled (``u < p``).
    """
    return np.asarray(uniforms) < fill_probability(delta, A, k, dt, probability)


def fill_probability_scalar_python(
    delta: float, A: float, k: float, dt: float, exact: bool
) -> float:
    """Scalar fill probability for use inside numba kernels (readable spec).

    Same as :func:`fill_probability` for one quote; no validation (the caller's
    boundary validates).
    """
    x = -k * delta
    if x > MAX_EXPONENT:
        x = MAX_EXPONENT
    lam_dt = A * math.exp(x) * dt
    if exact:
        return -math.expm1(-lam_dt)
    return lam_dt if lam_dt < 1.0 else 1.0


fill_probability_scalar = numba.njit(cache=True)(fill_probability_scalar_python)
