"""No-trade bands around the delta hedge: closed forms from the hedging literature.

All functions are array-first (numpy broadcasting) and use the units fixed in
``DOMAIN.md``: spot in currency per share, gamma in shares per currency unit of
spot move (the book's ∂Δ/∂S, with Δ in shares), time in years, rates
continuously compounded, proportional cost ``cost`` as a fraction of notional
traded (half-spread + fees + impact per share, divided by spot), risk aversion
``risk_aversion`` in 1/currency (exponential utility).

Sources
-------
- Whalley, A. E. & Wilmott, P. (1997), "An asymptotic analysis of an optimal
  hedging model for option pricing with transaction costs", Mathematical
  Finance 7(3): half-width H = ((3/2) e^{-r(T-t)} λ S Γ² / γ)^{1/3}.
- Zakamouline, V. (2006), "European option pricing and hedging with both fixed
  and proportional transaction costs", J. Economic Dynamics & Control 30;
  the fitted approximation of the utility-based band: H = H0 + H1 around the
  delta computed with a modified volatility σ_m.
"""

from __future__ import annotations

import math

import numpy as np

from mmdesk.typing import Float64Array, FloatLike


def whalley_wilmott_half_width(
    spot: FloatLike,
    gamma: FloatLike,
    t: FloatLike,
    rate: FloatLike,
    cost: FloatLike,
    risk_aversion: FloatLike,
) -> Float64Array:
    """Whalley–Wilmott half-width of the no-trade band around the hedge.

    H = ((3/2) · e^(−r·t) · λ · S · Γ² / γ)^(1/3)

    Parameters
    ----------
    spot : float or array
        Underlying price S (currency per share), > 0.
    gamma : float or array
        Gamma Γ of the position being hedged (shares per 1 currency unit of
        spot move). Its sign does not matter: the band depends on Γ².
    t : float or array
        Time to expiry T − t in years, ≥ 0.
    rate : float or array
        Continuously compounded rate r.
    cost : float or array
        Proportional transaction cost λ: cost of trading one share as a
        fraction of its price (e.g. 0.0005 for 5 bp), ≥ 0.
    risk_aversion : float or array
        Exponential-utility risk aversion γ in 1/currency, > 0.

    Returns
    -------
    ndarray
        Half-width H in shares: no hedge while |Δ_book| ≤ H; outside, trade
        back to the nearest edge.

    Examples
    --------
    >>> float(whalley_wilmott_half_width(100.0, 0.02, 0.5, 0.0, 0.001, 1e-3))
    0.3914867641168864
    """
    s, g, tau, r, lam, ra = _validate(spot, gamma, t, rate, cost, risk_aversion)
    return np.cbrt(1.5 * np.exp(-r * tau) * lam * s * g * g / ra)


def zakamouline_band(
    spot: FloatLike,
    gamma: FloatLike,
    vol: FloatLike,
    t: FloatLike,
    rate: FloatLike,
    cost: FloatLike,
    risk_aversion: FloatLike,
) -> tuple[Float64Array, Float64Array]:
    """Zakamouline's band: half-width H0 + H1 and the modified-vol multiplier.

    H0 = λ / (γ S σ² τ),
    H1 = 1.12 λ^0.31 τ^0.05 (e^(−rτ)/σ)^0.25 (|Γ|/γ)^0.5,
    K  = −4.76 λ^0.78 τ^(−0.02) (e^(−rτ)/σ)^0.25 (γ S² |Γ|)^0.15,
    σ_m = σ √(1 + K) for a long-gamma position, σ √(1 − K) for a short one.

    The band is centred on the delta computed with σ_m (the caller reprices
    its book with ``vol · vol_multiplier``).

    Parameters
    ----------
    spot : float or array
        Underlying price S (currency per share), > 0.
    gamma : float or array
        Signed gamma Γ of the position (shares per currency unit of spot move);
        its sign picks the long or short modified vol.
    vol : float or array
        Annualised volatility σ, > 0.
    t : float or array
        Time to expiry τ in years, > 0.
    rate : float or array
        Continuously compounded rate r.
    cost : float or array
        Proportional cost λ (fraction of notional), ≥ 0.
    risk_aversion : float or array
        Risk aversion γ in 1/currency, > 0.

    Returns
    -------
    half_width : ndarray
        H0 + H1 in shares.
    vol_multiplier : ndarray
        σ_m / σ (dimensionless); 1 when λ = 0.
    """
    s, g, tau, r, lam, ra = _validate(spot, gamma, t, rate, cost, risk_aversion)
    sigma = np.asarray(vol, dtype=np.float64)
    if np.any(~(sigma > 0.0)):
        raise ValueError(f"vol must be > 0, got {sigma[~(sigma > 0.0)].ravel()[:3]}")
    if np.any(~(tau > 0.0)):
        raise ValueError(f"t must be > 0 for Zakamouline's band, got {tau.ravel()[:3]}")
    scale = (np.exp(-r * tau) / sigma) ** 0.25
    abs_g = np.abs(g)
    h0 = lam / (ra * s * sigma * sigma * tau)
    h1 = 1.12 * lam**0.31 * tau**0.05 * scale * np.sqrt(abs_g / ra)
    k = -4.76 * lam**0.78 / tau**0.02 * scale * (ra * s * s * abs_g) ** 0.15
    signed_k = np.where(g >= 0.0, k, -k)
    # σ_m² = σ²(1 ± K); K is negative, so a short-gamma book hedges with a higher vol.
    multiplier = np.sqrt(np.maximum(1.0 + signed_k, 0.0))
    return h0 + h1, multiplier


def whalley_wilmott_half_width_scalar(
    spot: float, gamma: float, t: float, rate: float, cost: float, risk_aversion: float
) -> float:
    """:func:`whalley_wilmott_half_width` for plain floats (no numpy overhead; the policies' path).

    Same formula, units and validation as the array version.
    """
    _check_scalars(spot, gamma, t, rate, cost, risk_aversion)
    return (1.5 * math.exp(-rate * t) * cost * spot * gamma * gamma / risk_aversion) ** (1.0 / 3.0)


def zakamouline_band_scalar(
    spot: float,
    gamma: float,
    vol: float,
    t: float,
    rate: float,
    cost: float,
    risk_aversion: float,
) -> tuple[float, float]:
    """:func:`zakamouline_band` for plain floats: (half-width, vol multiplier)."""
    _check_scalars(spot, gamma, t, rate, cost, risk_aversion)
    if not vol > 0.0:
        raise ValueError(f"vol must be > 0, got {[vol]}")
    if not t > 0.0:
        raise ValueError(f"t must be > 0 for Zakamouline's band, got {[t]}")
    scale = (math.exp(-rate * t) / vol) ** 0.25
    abs_g = abs(gamma)
    h0 = cost / (risk_aversion * spot * vol * vol * t)
    h1 = 1.12 * cost**0.31 * t**0.05 * scale * math.sqrt(abs_g / risk_aversion)
    k = -4.76 * cost**0.78 / t**0.02 * scale * (risk_aversion * spot * spot * abs_g) ** 0.15
    signed_k = k if gamma >= 0.0 else -k
    return h0 + h1, math.sqrt(max(1.0 + signed_k, 0.0))


def _check_scalars(
    spot: float, gamma: float, t: float, rate: float, cost: float, risk_aversion: float
) -> None:
    for name, value, ok in (
        ("spot", spot, spot > 0.0),
        ("gamma", gamma, math.isfinite(gamma)),
        ("t", t, t >= 0.0),
        ("rate", rate, math.isfinite(rate)),
        ("cost", cost, cost >= 0.0),
        ("risk_aversion", risk_aversion, risk_aversion > 0.0),
    ):
        if not ok:
            raise ValueError(f"{name} out of range: {[value]}")


def _validate(
    spot: FloatLike,
    gamma: FloatLike,
    t: FloatLike,
    rate: FloatLike,
    cost: FloatLike,
    risk_aversion: FloatLike,
) -> tuple[Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array]:
    s, g, tau, r, lam, ra = np.broadcast_arrays(
        *(np.asarray(x, dtype=np.float64) for x in (spot, gamma, t, rate, cost, risk_aversion))
    )
    for name, arr, ok in (
        ("spot", s, s > 0.0),
        ("gamma", g, np.isfinite(g)),
        ("t", tau, tau >= 0.0),
        ("rate", r, np.isfinite(r)),
        ("cost", lam, lam >= 0.0),
        ("risk_aversion", ra, ra > 0.0),
    ):
        if not np.all(ok):
            bad = arr[~ok].ravel()[:3]
            raise ValueError(f"{name} out of range: {bad.tolist()}")
    return s, g, tau, r, lam, ra
