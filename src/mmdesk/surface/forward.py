"""Implied forward and discount factor per expiry from put–call parity.

For European options, put–call parity at every strike K reads

    C(K) - P(K) = D * (F - K)

with F the forward to the expiry and D the discount factor to its settlement.
Regressing y = C - P (mids) on K over near-the-money strikes gives the slope
-D and the intercept D*F, so a surface needs no dividend, borrow or rate input.

Fit (``implied_forward``), per expiry, vectorised over strikes:

1. Pairs where both the call and the put are two-sided (bid > 0, ask >= bid).
2. Centre: the strike K* with the smallest |C - P|; first guess F0 = K* + (C - P)
   at K*. The ATM straddle gives the scale sigma*sqrt(t) ~ (C + P) / (0.8 F0).
3. Near the money: pairs with |ln(K / F0)| <= ``n_sd`` * sigma*sqrt(t) (at least
   ``min_strikes`` nearest ones).
4. Weighted least squares of y on K with weights 1 / (h_C^2 + h_P^2) (h = half
   spreads: the noise of a mid), then Huber iteratively reweighted least
   squares (tuning 1.345 on MAD-standardised residuals) so one bad quote cannot
   move the fit.
5. If fewer than two distinct strikes survive, or the slope gives D outside
   (0, 1.2], D is fixed from ``rate_prior`` and F is the weighted median of
   K + y / D (``discount_fitted = False``).

American chains: see ``de_americanise`` in ``mmdesk.surface.deamericanise``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mmdesk.market.chain import OptionChain
from mmdesk.typing import BoolArray, Float64Array, Int64Array

HUBER_C = 1.345
#: A residual beyond this many robust (MAD) scales counts as an outlier in the diagnostics.
OUTLIER_SCALES = 3.0
#: ATM straddle ~ 0.8 * F * sigma * sqrt(t)  (sqrt(2/pi) ~ 0.798)
STRADDLE_FACTOR = 0.7978845608028654


@dataclass(frozen=True)
class ForwardFit:
    """Implied forward of one expiry.

    Attributes
    ----------
    forward : float
        Forward price F (currency).
    discount : float
        Discount factor D to settlement.
    rate : float
        Implied continuously compounded rate, -ln(D) / t (NaN when t <= 0).
    n_used : int
        Strikes in the final fit.
    strikes_used : float64 array
        Those strikes.
    residual_rms : float
        Root mean square of the final (C - P) residuals of the inliers, currency.
    n_outliers : int
        Strikes whose standardised residual exceeds ``OUTLIER_SCALES`` robust
        scales (left out of ``residual_rms``; the Huber fit already down-weights them).
    discount_fitted : bool
        False when D was fixed from the rate prior (too few strikes or a bad slope).
    """

    forward: float
    discount: float
    rate: float
    n_used: int
    strikes_used: Float64Array
    residual_rms: float
    discount_fitted: bool
    n_outliers: int = 0


def _two_sided(bid: Float64Array, ask: Float64Array) -> BoolArray:
    with np.errstate(invalid="ignore"):
        return np.isfinite(bid) & np.isfinite(ask) & (bid > 0) & (ask >= bid)


def _weighted_median(x: Float64Array, w: Float64Array) -> float:
    order = np.argsort(x)
    cw = np.cumsum(w[order])
    return float(x[order][np.searchsorted(cw, 0.5 * cw[-1])])


def _huber_location(x: Float64Array, sig: Float64Array, iterations: int) -> float:
    """Huber M-estimate of location of ``x`` with per-point noise ``sig`` (weights 1/sig^2)."""
    w0 = 1.0 / sig**2
    loc = _weighted_median(x, w0)
    w = w0
    for _ in range(max(iterations, 1)):
        r = (x - loc) / sig
        scale = 1.4826 * float(np.median(np.abs(r - np.median(r))))
        if scale <= 1e-12:
            break
        u = np.abs(r) / (HUBER_C * scale)
        w = w0 * np.where(u <= 1.0, 1.0, 1.0 / np.maximum(u, 1.0))
        prev, loc = loc, float((w * x).sum() / w.sum())
        if abs(loc - prev) <= 1e-12 * (1.0 + abs(loc)):
            break
    return loc


def _nan_fit(rate_prior: float, t: float) -> ForwardFit:
    return ForwardFit(np.nan, float(np.exp(-rate_prior * t)), np.nan, 0, np.empty(0), np.nan, False)


def implied_forward(
    strikes: Float64Array,
    call_mid: Float64Array,
    put_mid: Float64Array,
    call_half_spread: Float64Array,
    put_half_spread: Float64Array,
    t: float,
    *,
    n_sd: float = 2.0,
    min_strikes: int = 5,
    rate_prior: float = 0.0,
    huber_iterations: int = 20,
    fix_discount: bool = False,
) -> ForwardFit:
    """Robust put–call parity fit of forward and discount factor for one expiry.

    Parameters
    ----------
    strikes : float64 array
        Strikes (currency), one per call/put pair.
    call_mid, put_mid : float64 arrays
        Mid prices of the call and the put (European or European-equivalent);
        NaN where the pair is not usable.
    call_half_spread, put_half_spread : float64 arrays
        Half bid-ask spreads (currency); they set the weights.
    t : float
        Years to settlement.
    n_sd : float
        Near-the-money window in ATM standard deviations, |ln(K/F0)| <= n_sd*sigma*sqrt(t).
    min_strikes : int
        Keep at least this many strikes nearest to F0 when the window holds fewer.
    rate_prior : float
        Continuously compounded rate used when D cannot be fitted.
    huber_iterations : int
        Iteratively reweighted least squares steps.
    fix_discount : bool
        If True, D = exp(-rate_prior * t) is imposed and only F is fitted: a
        Huber location estimate of K + (C - P) / D (``discount_fitted = False``).

    Returns
    -------
    ForwardFit
    """
    k = np.asarray(strikes, dtype=np.float64)
    y = np.asarray(call_mid, dtype=np.float64) - np.asarray(put_mid, dtype=np.float64)
    sig = np.hypot(
        np.asarray(call_half_spread, np.float64), np.asarray(put_half_spread, np.float64)
    )
    ok = np.isfinite(y) & np.isfinite(sig) & np.isfinite(k)
    if not np.any(ok):
        return _nan_fit(rate_prior, t)
    k, y, sig = k[ok], y[ok], sig[ok]
    straddle = (np.asarray(call_mid, np.float64) + np.asarray(put_mid, np.float64))[ok]
    i0 = int(np.argmin(np.abs(y)))
    f0 = k[i0] + y[i0]
    if not f0 > 0:
        f0 = k[i0]
    sd = max(straddle[i0] / (STRADDLE_FACTOR * f0), 1e-4)
    dist = np.abs(np.log(k / f0))
    near = dist <= n_sd * sd
    if np.count_nonzero(near) < min_strikes:
        near = np.zeros(k.shape, dtype=bool)
        near[np.argsort(dist)[:min_strikes]] = True
    k, y, sig = k[near], y[near], sig[near]
    positive = sig[sig > 0]
    sig_floor = 0.1 * float(np.median(positive)) if positive.size else 1.0
    sig = np.maximum(sig, max(sig_floor, 1e-12))
    kc = f0
    x = k - kc
    w0 = 1.0 / sig**2
    w = w0.copy()
    fitted = np.unique(k).size >= 2 and not fix_discount
    alpha, slope = 0.0, -np.exp(-rate_prior * t)
    for _ in range(max(huber_iterations, 1) if fitted else 0):
        sw = w.sum()
        xm = (w * x).sum() / sw
        ym = (w * y).sum() / sw
        sxx = (w * (x - xm) ** 2).sum()
        if sxx <= 0:
            fitted = False
            break
        prev = (alpha, slope)
        slope = (w * (x - xm) * (y - ym)).sum() / sxx
        alpha = ym - slope * xm
        if abs(slope - prev[1]) <= 1e-13 and abs(alpha - prev[0]) <= 1e-12 * (1.0 + abs(alpha)):
            break
        r = (y - alpha - slope * x) / sig
        scale = 1.4826 * float(np.median(np.abs(r - np.median(r))))
        if scale <= 1e-12:
            break
        u = np.abs(r) / (HUBER_C * scale)
        w = w0 * np.where(u <= 1.0, 1.0, 1.0 / np.maximum(u, 1.0))
    discount = -slope
    if not fitted or not (0.0 < discount <= 1.2):
        fitted = False
        discount = float(np.exp(-rate_prior * t))
        forward = _huber_location(k + y / discount, sig / discount, huber_iterations)
        resid = y - discount * (forward - k)
    else:
        forward = kc + alpha / discount
        resid = y - alpha - slope * x
    rate = float(-np.log(discount) / t) if t > 0 else np.nan
    z = resid / sig
    mad = 1.4826 * float(np.median(np.abs(z - np.median(z))))
    outlier = (
        np.abs(z - np.median(z)) > OUTLIER_SCALES * mad if mad > 0 else np.zeros(z.shape, bool)
    )
    inlier_resid = resid[~outlier]
    return ForwardFit(
        forward=float(forward),
        discount=float(discount),
        rate=rate,
        n_used=int(k.size),
        strikes_used=np.sort(k),
        residual_rms=float(np.sqrt(np.mean(inlier_resid**2))) if inlier_resid.size else np.nan,
        discount_fitted=bool(fitted),
        n_outliers=int(np.count_nonzero(outlier)),
    )


@dataclass(frozen=True)
class ForwardTable:
    """Implied forwards of every (quote_time, expiry) slice of a chain, as arrays.

    Attributes
    ----------
    quote_time : datetime64[ns] array
    expiry : datetime64[D] array
    t : float64 array
        Years to settlement.
    forward, discount, rate : float64 arrays
        F (currency), D, -ln(D)/t.
    carry : float64 array
        ln(F / S) / t, the implied cost of carry r - q (NaN when the chain has no
        underlying price S).
    n_used : int64 array
        Strikes in each fit.
    residual_rms : float64 array
        RMS parity residual of the inliers, currency.
    discount_fitted : bool array
        False where D came from the rate prior.
    fits : tuple of ForwardFit
        Per-slice diagnostics (strikes used).
    """

    quote_time: np.ndarray
    expiry: np.ndarray
    t: Float64Array
    forward: Float64Array
    discount: Float64Array
    rate: Float64Array
    carry: Float64Array
    n_used: Int64Array
    residual_rms: Float64Array
    discount_fitted: BoolArray
    fits: tuple[ForwardFit, ...]

    def __len__(self) -> int:
        return int(self.forward.shape[0])

    def lookup(self, chain: OptionChain) -> tuple[Float64Array, Float64Array]:
        """Per-row forward and discount factor of a chain (NaN where no slice matches)."""
        n_tab = len(self)
        keys = np.concatenate(
            (
                np.stack((self.quote_time.astype(np.int64), self.expiry.astype(np.int64)), axis=1),
                np.stack(
                    (chain.quote_time.astype(np.int64), chain.expiry.astype(np.int64)), axis=1
                ),
            )
        )
        _, inverse = np.unique(keys, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        slot = np.full(int(inverse.max()) + 1 if inverse.size else 0, -1, dtype=np.int64)
        slot[inverse[:n_tab]] = np.arange(n_tab)
        idx = slot[inverse[n_tab:]]
        hit = idx >= 0
        idx = np.where(hit, idx, 0)
        if n_tab == 0:
            nan = np.full(len(chain), np.nan)
            return nan, nan.copy()
        return np.where(hit, self.forward[idx], np.nan), np.where(hit, self.discount[idx], np.nan)


def forwards_from_mids(
    chain: OptionChain,
    mid: Float64Array,
    half_spread: Float64Array,
    *,
    n_sd: float = 2.0,
    min_strikes: int = 5,
    rate_prior: float = 0.0,
    fix_discount: bool = False,
) -> ForwardTable:
    """Fit every (quote_time, expiry) slice of ``chain`` from the given per-row mids.

    With ``fix_discount`` every slice uses D = exp(-rate_prior * t) (a flat
    rate curve) and only F is fitted.

    ``mid`` and ``half_spread`` (currency, NaN where unusable) are per row of
    ``chain``; ``implied_forwards`` passes the market mids, the
    de-Americanisation passes European-equivalent mids.
    """
    call_idx, put_idx = chain.pairs()
    qt_c, ex_c = chain.quote_time[call_idx], chain.expiry[call_idx]
    if call_idx.size:
        brk = np.flatnonzero((qt_c[1:] != qt_c[:-1]) | (ex_c[1:] != ex_c[:-1])) + 1
        starts = np.concatenate(([0], brk))
        ends = np.concatenate((brk, [call_idx.size]))
    else:
        starts = ends = np.empty(0, dtype=np.int64)
    fits: list[ForwardFit] = []
    for s, e in zip(starts, ends, strict=True):  # one iteration per expiry slice
        c, p = call_idx[s:e], put_idx[s:e]
        t = float(chain.t[c[0]])
        fits.append(
            implied_forward(
                chain.strike[c],
                mid[c],
                mid[p],
                half_spread[c],
                half_spread[p],
                t,
                n_sd=n_sd,
                min_strikes=min_strikes,
                rate_prior=rate_prior,
                fix_discount=fix_discount,
            )
        )
    first = call_idx[starts] if call_idx.size else np.empty(0, dtype=np.int64)
    t_arr = chain.t[first]
    fwd = np.array([f.forward for f in fits], dtype=np.float64)
    spot = chain.underlying_price[first]
    with np.errstate(invalid="ignore", divide="ignore"):
        carry = np.where(
            (t_arr > 0) & (spot > 0), np.log(fwd / spot) / np.where(t_arr > 0, t_arr, 1.0), np.nan
        )
    return ForwardTable(
        quote_time=chain.quote_time[first],
        expiry=chain.expiry[first],
        t=t_arr,
        forward=fwd,
        discount=np.array([f.discount for f in fits], dtype=np.float64),
        rate=np.array([f.rate for f in fits], dtype=np.float64),
        carry=carry,
        n_used=np.array([f.n_used for f in fits], dtype=np.int64),
        residual_rms=np.array([f.residual_rms for f in fits], dtype=np.float64),
        discount_fitted=np.array([f.discount_fitted for f in fits], dtype=bool),
        fits=tuple(fits),
    )


def implied_forwards(
    chain: OptionChain, *, n_sd: float = 2.0, min_strikes: int = 5, rate_prior: float = 0.0
) -> ForwardTable:
    """Implied forward and discount factor of every slice of a European chain, from market mids.

    Slices with t <= 0 are fitted too (D is then meaningless; rate is NaN).
    For American chains use ``mmdesk.surface.deamericanise.de_americanise``.
    """
    return forwards_from_mids(
        chain,
        chain.mid,
        chain.half_spread,
        n_sd=n_sd,
        min_strikes=min_strikes,
        rate_prior=rate_prior,
    )
