"""The implied-vol acceptance check of issue 2, shared by the unit test and the benchmark.

Issue 2: "on 1,000,000 random options with T from 1 day to 5 years, vol
0.02-3 and strikes from deep in to deep out of the money, every option whose
price carries vol information (rounding bound 4·ε·price/vega below 1e-10)
comes back within that bound + 1e-14; every other input returns NaN with a
reason, none returns a wrong finite number."

How we read it (also in ``docs/implied_vol.md``):

* options: T log-uniform in [1/365, 5] years, σ log-uniform in [0.02, 3],
  r uniform in [-0.01, 0.08], q uniform in [0, 0.05], spot 100, calls and puts
  half each, strike K = F·exp(z·σ√T) with standardised moneyness z uniform in
  [-12, 12] (90 %) or [-40, 40] (10 %, to reach underflow), so from deep in to
  deep out of the money at every maturity;
* price: the double-precision BSM price of (S, K, T, σ, r, q) — by default
  from the accurate normalised Black function (``reference_bs_price``); the
  benchmark also runs it on :func:`mmdesk.pricing.bs_price`;
* bound = 4·ε·price/vega (vega per 1.00 vol); "carries information" iff
  bound < 1e-10 and both the price and the normalised price
  β = price/sqrt(S_q·K_r) (S_q = S·e^{-qT}, K_r = K·e^{-rT}) are normal doubles
  (>= 2.2e-308). Below that, the price — or β, the quantity every
  double-precision Black price and inverse passes through — is subnormal (or
  0): it is rounded to an absolute 2^-1074, not to ε·price, so the bound
  formula (0 in floating point for a subnormal price) does not describe it; in
  the 1,000,000-option run this affects about 3 in 10,000 options, all priced
  below 1e-296 currency units;
* for informative options the vol must be finite and within bound + 1e-14 of
  σ; for every other option the vol must be NaN with a reason, or within
  bound + 1e-14 (never a wrong finite number).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numba
import numpy as np

from mmdesk.pricing.normalised_black import normalised_black, normalised_vega
from mmdesk.typing import BoolArray, Float64Array, Int8Array

EPS = float(np.finfo(np.float64).eps)
DBL_MIN = float(np.finfo(np.float64).tiny)
INFORMATION_BOUND = 1e-10
ABSOLUTE_SLACK = 1e-14


class RandomOptions(NamedTuple):
    """A random European book: units as in :func:`mmdesk.pricing.bs_price`."""

    spot: Float64Array
    strike: Float64Array
    t: Float64Array
    vol: Float64Array
    rate: Float64Array
    div_yield: Float64Array
    is_call: BoolArray


def random_options(rng: np.random.Generator, n: int) -> RandomOptions:
    """Draw ``n`` options as described in the module docstring.

    Parameters
    ----------
    rng : numpy.random.Generator
        Seeded generator.
    n : int
        Number of options.

    Returns
    -------
    RandomOptions
        The book (spot 100, T in years, annualised σ, continuous r and q).
    """
    t = np.exp(rng.uniform(math.log(1.0 / 365.0), math.log(5.0), n))
    vol = np.exp(rng.uniform(math.log(0.02), math.log(3.0), n))
    rate = rng.uniform(-0.01, 0.08, n)
    div_yield = rng.uniform(0.0, 0.05, n)
    spot = np.full(n, 100.0)
    wide = rng.random(n) < 0.1
    z = np.where(wide, rng.uniform(-40.0, 40.0, n), rng.uniform(-12.0, 12.0, n))
    forward = spot * np.exp((rate - div_yield) * t)
    strike = forward * np.exp(z * vol * np.sqrt(t))
    is_call = rng.random(n) < 0.5
    return RandomOptions(spot, strike, t, vol, rate, div_yield, is_call)


def _reference_kernel_python(
    spot: Float64Array,
    strike: Float64Array,
    t: Float64Array,
    vol: Float64Array,
    rate: Float64Array,
    div_yield: Float64Array,
    is_call: BoolArray,
    price_out: Float64Array,
    vega_out: Float64Array,
) -> None:
    for i in numba.prange(spot.shape[0]):
        sq = spot[i] * math.exp(-div_yield[i] * t[i])
        kr = strike[i] * math.exp(-rate[i] * t[i])
        x = math.log(sq / kr)
        s = vol[i] * math.sqrt(t[i])
        scale = math.sqrt(sq) * math.sqrt(kr)
        theta = 1.0 if is_call[i] else -1.0
        price_out[i] = scale * normalised_black(x, s, theta)
        vega_out[i] = scale * normalised_vega(x, s) * math.sqrt(t[i])


_reference_kernel = numba.njit(parallel=True, cache=True, error_model="numpy")(
    _reference_kernel_python
)


def reference_bs_price(options: RandomOptions) -> tuple[Float64Array, Float64Array]:
    """BSM price and vega from Jäckel's normalised Black function (full relative accuracy).

    Parameters
    ----------
    options : RandomOptions
        The book.

    Returns
    -------
    price : ndarray
        Price in currency: sqrt(S_q·K_r)·b(x, σ√T, θ), x = ln(S_q/K_r).
    vega : ndarray
        ∂price/∂σ per 1.00 of vol.
    """
    price = np.empty_like(options.spot)
    vega = np.empty_like(options.spot)
    _reference_kernel(*options, price, vega)
    return price, vega


class AccuracyReport(NamedTuple):
    """Counts and worst error of one acceptance run."""

    n: int
    n_information: int
    n_information_failed: int
    n_no_information: int
    n_no_information_nan: int
    n_wrong_finite: int
    max_error_over_bound: float
    reason_counts: dict[int, int]

    @property
    def passed(self) -> bool:
        """True when every informative option is within bound and none is wrong."""
        return self.n_information_failed == 0 and self.n_wrong_finite == 0


def check_accuracy(
    options: RandomOptions,
    price: Float64Array,
    vega: Float64Array,
    vol: Float64Array,
    reason: Int8Array,
) -> AccuracyReport:
    """Score implied vols against the σ that generated the prices (module docstring rule).

    Parameters
    ----------
    options : RandomOptions
        The book; ``options.vol`` holds the generating annualised vols.
    price : ndarray
        Prices in currency.
    vega : ndarray
        Vegas per 1.00 of vol.
    vol : ndarray
        Implied vols returned.
    reason : ndarray of int8
        Reasons returned.

    Returns
    -------
    AccuracyReport
        Counts; ``passed`` is the acceptance verdict.
    """
    vol_true = options.vol
    scale = np.sqrt(options.spot * np.exp(-options.div_yield * options.t)) * np.sqrt(
        options.strike * np.exp(-options.rate * options.t)
    )
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        bound = np.where(vega > 0.0, 4.0 * EPS * price / vega, np.inf)
        error = np.abs(vol - vol_true)
        ratio = error / (bound + ABSOLUTE_SLACK)
        normalised_price = price / scale
    information = (bound < INFORMATION_BOUND) & (price >= DBL_MIN) & (normalised_price >= DBL_MIN)
    within = np.isfinite(vol) & (error <= bound + ABSOLUTE_SLACK)
    finite = np.isfinite(vol)
    info_failed = information & ~within
    wrong_finite = ~information & finite & ~within
    nan_with_reason = ~finite & (reason != 0)
    values, counts = np.unique(reason, return_counts=True)
    return AccuracyReport(
        n=int(vol.size),
        n_information=int(information.sum()),
        n_information_failed=int(info_failed.sum()),
        n_no_information=int((~information).sum()),
        n_no_information_nan=int((~information & nan_with_reason).sum()),
        n_wrong_finite=int(wrong_finite.sum()),
        max_error_over_bound=float(np.max(ratio[finite], initial=0.0)),
        reason_counts={int(v): int(c) for v, c in zip(values, counts, strict=True)},
    )
