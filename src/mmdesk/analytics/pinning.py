"""Avellaneda–Lipkin pin model: hedgers' delta rebalancing moves the price; Monte Carlo pin odds.

Mechanics (derivation in ``docs/pinning.md``)
---------------------------------------------
Hedgers hold ``n_j`` options (signed, in shares = contracts × multiplier) at
strikes ``K_j`` of the next expiry and keep ``−D(S, τ)`` shares of stock,
``D(S, τ) = Σ_j n_j Δ(S; K_j, τ)`` (Black–Scholes call delta with r = q = 0;
a put's delta differs by a constant, which never trades). Over a step their
trade is ``Q = −(D(S_new, τ_new) − D(S_old, τ_old))`` shares, and with the
linear price impact of Avellaneda–Lipkin, ``ΔS/S = E · Q / ADV``. The exogenous
order flow moves the price lognormally with vol σ; the market clears at a price
consistent with the hedgers' trade at that price:

    S_new = S_old · exp(σ √dt Z − σ² dt / 2) − λ S_old (D(S_new, τ_new) − D(S_old, τ_old)),

with ``λ = E / ADV`` per share. In the limit this is AL's SDE
``dS/S = [σ dW − λ S ∂_tD dt] / (1 + λ S ∂_S D)``: hedgers long gamma
(``∂_S D = Σ n_j Γ_j > 0``) sell into rises and buy into falls, which damps the
vol near a heavy strike and, through the charm term, gives the singular drift
toward it (pinning). Hedgers short gamma do the opposite: the denominator can
reach zero near the strike, where the price runs away from it (the equation
then has several clearing prices; we take the first one reached from the old
price in the direction of the excess demand, i.e. the feedback cascade).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt

from mmdesk.pricing.normal import norm_cdf_given_pdf
from mmdesk.typing import Float64Array, FloatLike

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
#: Newton/bisection iterations per clearing price (at most).
_MAX_ITER = 100
#: Doubling steps to bracket the first clearing price.
_MAX_SCAN = 60
#: Smallest bracketing step, fraction of price.
_MIN_STEP = 1e-9
#: Clearing-price tolerance, fraction of price.
_TOL = 1e-9


def hedger_delta_gamma_python(
    x: float, strikes: Float64Array, shares: Float64Array, tau: float, vol: float
) -> tuple[float, float]:
    """Hedgers' option delta ``Σ n_j N(d1_j)`` (shares) and gamma (shares per currency) at ``x``.

    Black–Scholes with r = q = 0 and ``tau`` years to expiry; at ``tau == 0``
    each delta is the step 1 above the strike, 1/2 at it, 0 below, and gamma is 0.
    """
    delta = 0.0
    gamma = 0.0
    sd = vol * math.sqrt(tau) if tau > 0.0 else 0.0
    if sd > 0.0:
        log_x = math.log(x)
        for j in range(strikes.shape[0]):
            d1 = (log_x - math.log(strikes[j])) / sd + 0.5 * sd
            pdf = _INV_SQRT_2PI * math.exp(-0.5 * d1 * d1)
            delta += shares[j] * norm_cdf_given_pdf(d1, pdf)
            gamma += shares[j] * pdf
        return delta, gamma / (x * sd)
    for j in range(strikes.shape[0]):
        if x > strikes[j]:
            delta += shares[j]
        elif x == strikes[j]:
            delta += 0.5 * shares[j]
    return delta, 0.0


hedger_delta_gamma = numba.njit(cache=True)(hedger_delta_gamma_python)


def hedger_delta(
    x: float, strikes: Float64Array, shares: Float64Array, tau: float, vol: float
) -> float:
    """Hedgers' option delta at ``x``, shares (see :func:`hedger_delta_gamma`)."""
    return float(hedger_delta_gamma(x, strikes, shares, tau, vol)[0])


def clearing_price_python(
    s_old: float,
    d_old: float,
    a: float,
    lam: float,
    bound: float,
    strikes: Float64Array,
    shares: Float64Array,
    tau: float,
    vol: float,
) -> float:
    """The price where exogenous flow and the hedgers' re-hedging trade clear (one step).

    Solves ``g(x) = x − a + lam · s_old · (D(x, tau) − d_old) = 0`` for the first
    root reached from ``s_old`` in the direction of the excess demand ``−g(s_old)``.
    ``a`` is the price the exogenous flow alone would give, ``bound`` = ``lam ·
    s_old · Σ|n_j|`` bounds the hedgers' impact, so every root lies in
    ``[a − bound, a + bound]``. The root is bracketed (first at ``a``, where a
    long-gamma book always brackets it, then outward in doubling steps) and
    polished by Newton steps safeguarded by bisection.
    """
    c = lam * s_old
    if c == 0.0:
        return a
    g0 = s_old - a + c * (hedger_delta_gamma(s_old, strikes, shares, tau, vol)[0] - d_old)
    if g0 == 0.0:
        return s_old
    d = 1.0 if g0 < 0.0 else -1.0  # price moves up while g < 0 (excess demand)
    lo = s_old
    # bracket: the first point (from s_old, direction d) where d·g >= 0
    end = a + d * bound
    if (end - s_old) * d <= 0.0:
        end = s_old + d * bound
    step = abs(a - s_old)
    floor = _MIN_STEP * s_old
    if step < floor:
        step = floor
    x = s_old + d * step
    hi = end
    g_hi = 0.0
    found = False
    for _ in range(_MAX_SCAN):
        if (x - end) * d >= 0.0:
            x = end
        if x <= 0.0:
            x = 0.5 * lo
        gx = x - a + c * (hedger_delta_gamma(x, strikes, shares, tau, vol)[0] - d_old)
        if gx * d >= 0.0:
            hi = x
            g_hi = gx
            found = True
            break
        lo = x
        if x == end:
            break
        step *= 2.0
        x = s_old + d * step
    if not found:
        return end
    # safeguarded Newton inside [lo, hi] (d·g_lo < 0 <= d·g_hi)
    x = hi
    gx = g_hi
    slope = 1.0 + c * hedger_delta_gamma(x, strikes, shares, tau, vol)[1]
    tol = _TOL * s_old
    for _ in range(_MAX_ITER):
        if gx == 0.0 or abs(hi - lo) <= tol:
            break
        nx = x - gx / slope if slope != 0.0 else 0.5 * (lo + hi)
        if not (min(lo, hi) < nx < max(lo, hi)):
            nx = 0.5 * (lo + hi)
        moved = abs(nx - x)
        x = nx
        dg = hedger_delta_gamma(x, strikes, shares, tau, vol)
        gx = x - a + c * (dg[0] - d_old)
        slope = 1.0 + c * dg[1]
        if gx * d >= 0.0:
            hi = x
        else:
            lo = x
        if moved <= tol:
            break
    return x


clearing_price = numba.njit(cache=True)(clearing_price_python)


def pin_paths_python(
    s0: float,
    strikes: Float64Array,
    shares: Float64Array,
    tau_grid: Float64Array,
    vol: float,
    lam: float,
    z: Float64Array,
    out: Float64Array,
) -> None:
    """Simulate the hedged price to expiry on every path; final prices into ``out``.

    Parameters
    ----------
    s0
        Spot now (currency).
    strikes, shares
        Hedgers' option strikes (currency) and signed holdings (shares).
    tau_grid
        Years to expiry at each step, decreasing, ``tau_grid[-1] == 0``.
    vol
        Annualised vol of the exogenous flow.
    lam
        Price impact ``E / ADV``, fraction of price per share traded.
    z
        Standard normals, shape (paths, steps).
    out
        Final prices, shape (paths,).
    """
    n_paths = z.shape[0]
    n_steps = tau_grid.shape[0] - 1
    total_abs = 0.0
    for j in range(shares.shape[0]):
        total_abs += abs(shares[j])
    for p in numba.prange(n_paths):
        s = s0
        d_old = hedger_delta_gamma(s, strikes, shares, tau_grid[0], vol)[0]
        for k in range(n_steps):
            dt = tau_grid[k] - tau_grid[k + 1]
            a = s * math.exp(vol * math.sqrt(dt) * z[p, k] - 0.5 * vol * vol * dt)
            tau = tau_grid[k + 1]
            s_new = clearing_price(s, d_old, a, lam, lam * s * total_abs, strikes, shares, tau, vol)
            d_old = hedger_delta_gamma(s_new, strikes, shares, tau, vol)[0] if lam > 0.0 else 0.0
            s = s_new
        out[p] = s


pin_paths = numba.njit(cache=True, parallel=True)(pin_paths_python)


def expiry_tau_grid(t: float, n_steps: int) -> Float64Array:
    """Years to expiry on a grid dense near expiry: ``τ_k = t (1 − k/n)²``, k = 0..n."""
    if not (np.isfinite(t) and t > 0.0):
        raise ValueError(f"t is {t!r}; expected years to expiry > 0")
    if n_steps < 1:
        raise ValueError(f"n_steps is {n_steps!r}; expected >= 1")
    u = 1.0 - np.arange(n_steps + 1) / n_steps
    grid = t * u * u
    grid[-1] = 0.0
    return grid


def simulate_settlements(
    spot: float,
    strikes: FloatLike,
    hedger_shares: FloatLike,
    t: float,
    vol: float,
    *,
    elasticity: float,
    adv: float,
    n_paths: int = 4000,
    n_steps: int = 120,
    seed: int | np.random.SeedSequence = 0,
) -> tuple[Float64Array, Float64Array]:
    """Monte Carlo settlement prices with and without the hedgers (same random numbers).

    Parameters
    ----------
    spot : float
        Spot now (currency).
    strikes : array_like
        Strikes of the hedgers' options (currency).
    hedger_shares : array_like
        Hedgers' net option holdings per strike, shares (contracts × multiplier;
        + long gamma).
    t : float
        Years to expiry (ACT/365), > 0.
    vol : float
        Annualised vol of the exogenous flow.
    elasticity : float
        E: fraction of price moved by trading one ADV (``ΔS/S = E·Q/ADV``), >= 0.
    adv : float
        Average daily volume of the hedge instrument, shares (> 0).
    n_paths, n_steps : int
        Paths and time steps (grid of :func:`expiry_tau_grid`).
    seed : int or SeedSequence
        Seed of the normals.

    Returns
    -------
    (hedged, control) : float64 arrays of shape (n_paths,)
        Settlement prices with the hedgers' impact and with ``E = 0``.
    """
    k = np.atleast_1d(np.asarray(strikes, dtype=np.float64))
    n = np.broadcast_to(np.asarray(hedger_shares, dtype=np.float64), k.shape).copy()
    if not (np.isfinite(spot) and spot > 0.0):
        raise ValueError(f"spot is {spot!r}; expected > 0")
    if not (np.isfinite(vol) and vol > 0.0):
        raise ValueError(f"vol is {vol!r}; expected annualised vol > 0")
    if not (np.isfinite(elasticity) and elasticity >= 0.0):
        raise ValueError(f"elasticity is {elasticity!r}; expected >= 0")
    if not (np.isfinite(adv) and adv > 0.0):
        raise ValueError(f"adv is {adv!r}; expected shares > 0")
    bad = np.flatnonzero(~(np.isfinite(k) & (k > 0.0)))
    if bad.size:
        raise ValueError(f"strikes[{bad[0]}] is {float(k[bad[0]])!r}; expected > 0")
    bad = np.flatnonzero(~np.isfinite(n))
    if bad.size:
        raise ValueError(f"hedger_shares[{bad[0]}] is {float(n[bad[0]])!r}; expected finite")
    grid = expiry_tau_grid(t, n_steps)
    z = np.random.default_rng(seed).standard_normal((n_paths, n_steps))
    hedged = np.empty(n_paths)
    control = np.empty(n_paths)
    pin_paths(float(spot), k, n, grid, float(vol), elasticity / adv, z, hedged)
    pin_paths(float(spot), k, n, grid, float(vol), 0.0, z, control)
    return hedged, control


@dataclass(frozen=True, eq=False)
class PinRanking:
    """Probability of settling within ``band`` of each candidate strike, ranked.

    Attributes
    ----------
    strike : float64 array
        Candidate strikes, ranked by ``probability`` (highest first).
    probability : float64 array
        P(|S_T − K| <= band) with the hedgers.
    control_probability : float64 array
        The same without hedging impact (E = 0, same random numbers).
    band : float
        Half-width of the band, currency.
    n_paths : int
        Monte Carlo paths.
    """

    strike: Float64Array
    probability: Float64Array
    control_probability: Float64Array
    band: float
    n_paths: int

    @property
    def lift(self) -> Float64Array:
        """probability − control_probability."""
        return self.probability - self.control_probability

    def top(self, n: int = 3) -> Float64Array:
        """The ``n`` most likely pin strikes."""
        return self.strike[:n]


def band_probabilities(settle: Float64Array, strikes: Float64Array, band: float) -> Float64Array:
    """Fraction of settlements within ``band`` (currency) of each strike."""
    dist = np.abs(np.asarray(settle)[:, None] - np.asarray(strikes)[None, :])
    return np.asarray((dist <= band).mean(axis=0), dtype=np.float64)


def pin_ranking(
    spot: float,
    strikes: FloatLike,
    hedger_shares: FloatLike,
    t: float,
    vol: float,
    *,
    elasticity: float,
    adv: float,
    band: float,
    candidates: npt.ArrayLike | None = None,
    n_paths: int = 4000,
    n_steps: int = 120,
    seed: int | np.random.SeedSequence = 0,
) -> PinRanking:
    """Rank strikes near spot by the probability of settling within ``band`` of them.

    Parameters
    ----------
    spot, strikes, hedger_shares, t, vol, elasticity, adv, n_paths, n_steps, seed
        As in :func:`simulate_settlements`.
    band : float
        Half-width around each strike, currency (> 0).
    candidates : array_like, optional
        Strikes to rank (default: ``strikes``).

    Returns
    -------
    PinRanking
        Candidates ranked by probability (ties broken by distance to spot).
    """
    if not (np.isfinite(band) and band > 0.0):
        raise ValueError(f"band is {band!r}; expected a half-width > 0")
    hedged, control = simulate_settlements(
        spot,
        strikes,
        hedger_shares,
        t,
        vol,
        elasticity=elasticity,
        adv=adv,
        n_paths=n_paths,
        n_steps=n_steps,
        seed=seed,
    )
    cand = np.atleast_1d(np.asarray(strikes if candidates is None else candidates, np.float64))
    prob = band_probabilities(hedged, cand, band)
    ctrl = band_probabilities(control, cand, band)
    order = np.lexsort((np.abs(cand - spot), -prob))
    return PinRanking(
        strike=cand[order],
        probability=prob[order],
        control_probability=ctrl[order],
        band=float(band),
        n_paths=n_paths,
    )
