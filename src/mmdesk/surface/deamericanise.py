"""De-Americanisation: European-equivalent prices and implied forwards for American chains.

Put–call parity holds for European options only; an American option's price
carries an early-exercise premium (large on in-the-money puts when rates are
positive, on calls before dividends). The procedure, per quote time:

0. Fit forwards F_k per expiry from the raw mids (``forwards_from_mids``:
   near-the-money strikes, where the premium is smallest) with a flat rate r:
   given, or first estimated from strikes below the forward only (their
   in-the-money leg is the call, with little premium when dividends are small).
1. Spot: ln(D_k F_k) = ln S - q t_k over the three nearest live expiries,
   extrapolated to t = 0 (``implied_spot``), unless ``spot`` is given. Per
   expiry the carry yield q_k = r - ln(F_k/S)/t_k (dividends and borrow as one
   continuous yield).
2. For every two-sided option: its American implied vol (vectorised bisection
   on ``mmdesk.pricing.american.american_price``, method "baw" by default),
   then the European price at that vol, ``bs_price(S, K, t, vol, r_k, q_k)``.
   The early-exercise premium is mid - European price; the European-equivalent
   bid/mid/ask are the quotes less that premium.
3. Refit F_k on the European-equivalent mids with D_k = exp(-r t_k) imposed
   (short expiries cannot pin D: the premium and D are confounded there);
   repeat from 1 until the forwards move less than ``tol`` (relative) or
   ``max_iter`` is reached. The rate is not re-estimated in the loop: on a
   synthetic chain that feedback ran away, so r is a market input (pass the
   OIS/T-bill rate when known) and the below-the-forward estimate a fallback
   biased low by the calls' dividend premium.

Options whose mid is at or below the American price at zero vol (no implied
vol) keep NaN European equivalents. Tree pricing is possible (method "tree")
but far slower; BAW is accurate to a few cents for listed equity options.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mmdesk.market.chain import OptionChain
from mmdesk.pricing import bs_price
from mmdesk.surface.forward import ForwardTable, forwards_from_mids
from mmdesk.typing import Float64Array

VOL_LOW = 1e-4
VOL_HIGH = 5.0
BISECTION_STEPS = 42
WARM_STEPS = 34


@dataclass(frozen=True)
class DeAmericanised:
    """European equivalents of an American chain (per-row arrays) and its implied forwards.

    Attributes
    ----------
    forwards : ForwardTable
        F, D per (quote_time, expiry) fitted on European-equivalent mids.
    spot : float
        Spot used by the American pricer (currency).
    rate, carry_yield : float64 arrays
        Per-row r (continuously compounded, as fed to the pricer) and q.
    american_vol : float64 array
        Implied vol of each mid under the American model (NaN where none).
    premium : float64 array
        Early-exercise premium, mid - European price (currency).
    european_bid, european_mid, european_ask : float64 arrays
        Quotes less the premium (NaN where not two-sided or no vol).
    iterations : int
        Refits performed.
    converged : bool
        Forwards moved less than ``tol`` on the last refit.
    """

    forwards: ForwardTable
    spot: float
    rate: Float64Array
    carry_yield: Float64Array
    american_vol: Float64Array
    premium: Float64Array
    european_bid: Float64Array
    european_mid: Float64Array
    european_ask: Float64Array
    iterations: int
    converged: bool


def american_model_price(
    spot: float,
    strike: Float64Array,
    t: Float64Array,
    vol: Float64Array,
    rate: Float64Array,
    div_yield: Float64Array,
    is_call: np.ndarray,
    method: str = "baw",
) -> Float64Array:
    """American price, using the European formula where early exercise is never optimal.

    A put with rate <= 0 or a call with div_yield <= 0 is worth its European
    price (and BAW is undefined at rate == 0), so those rows use ``bs_price``.
    """
    from mmdesk.pricing.american import american_price

    def safe(idx: np.ndarray) -> Float64Array:
        # The pricer raises ZeroDivisionError on rare extreme inputs (a pricing-layer bug,
        # reported); isolate those rows by halving and leave them NaN.
        try:
            return np.asarray(
                american_price(
                    spot,
                    strike[idx],
                    t[idx],
                    vol[idx],
                    rate[idx],
                    div_yield[idx],
                    is_call[idx],
                    method,
                ),
                dtype=np.float64,
            )
        except ZeroDivisionError:
            if idx.size == 1:
                return np.full(1, np.nan)
            h = idx.size // 2
            return np.concatenate((safe(idx[:h]), safe(idx[h:])))

    european_only = np.where(is_call, div_yield <= 0.0, rate <= 0.0)
    out = np.asarray(bs_price(spot, strike, t, vol, rate, div_yield, is_call), dtype=np.float64)
    am = ~european_only
    if np.any(am):
        out = out.copy()
        out[am] = safe(np.flatnonzero(am))
    return out


def _bisect(
    lo: Float64Array,
    hi: Float64Array,
    steps: int,
    price: Float64Array,
    spot: float,
    strike: Float64Array,
    t: Float64Array,
    rate: Float64Array,
    div_yield: Float64Array,
    is_call: np.ndarray,
    method: str,
) -> Float64Array:
    for _ in range(steps):  # fixed count: every option halves its bracket together
        mid = 0.5 * (lo + hi)
        p = american_model_price(spot, strike, t, mid, rate, div_yield, is_call, method)
        with np.errstate(invalid="ignore"):
            above = p > price  # a NaN (pricer not converged at small vol) counts as below
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    return 0.5 * (lo + hi)


def american_implied_vol_bisect(
    price: Float64Array,
    spot: float,
    strike: Float64Array,
    t: Float64Array,
    rate: Float64Array,
    div_yield: Float64Array,
    is_call: np.ndarray,
    method: str = "baw",
    guess: Float64Array | None = None,
) -> Float64Array:
    """American implied vol by vectorised bisection on [1e-4, 5] (NaN when out of range).

    ``guess`` (e.g. the previous refit's vols) narrows the bracket to +-10% around
    it where the price lies inside, which needs ``WARM_STEPS`` halvings instead of
    ``BISECTION_STEPS``; vol accuracy is below 1e-9 either way.
    """
    lo = np.full(price.shape, VOL_LOW)
    hi = np.full(price.shape, VOL_HIGH)
    # lower bound: the American price is at least intrinsic and the European price (BAW
    # may not converge at tiny vols, so it is not evaluated there)
    intrinsic = np.maximum(np.where(is_call, spot - strike, strike - spot), 0.0)
    euro_lo = np.asarray(bs_price(spot, strike, t, lo, rate, div_yield, is_call), dtype=np.float64)
    p_lo = np.maximum(intrinsic, euro_lo)
    p_hi = american_model_price(spot, strike, t, hi, rate, div_yield, is_call, method)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(price) & (price > p_lo) & (price < p_hi)
    out = np.full(price.shape, np.nan)
    warm = np.zeros(price.shape, dtype=bool)
    if guess is not None:
        g = np.asarray(guess, dtype=np.float64)
        has = ok & np.isfinite(g)
        w_lo = np.clip(0.9 * g, VOL_LOW, VOL_HIGH)
        w_hi = np.clip(1.1 * g, VOL_LOW, VOL_HIGH)
        idx = np.flatnonzero(has)
        if idx.size:
            sub = (spot, strike[idx], t[idx], rate[idx], div_yield[idx], is_call[idx])
            pl = american_model_price(sub[0], sub[1], sub[2], w_lo[idx], *sub[3:], method)
            ph = american_model_price(sub[0], sub[1], sub[2], w_hi[idx], *sub[3:], method)
            with np.errstate(invalid="ignore"):
                inside = (pl < price[idx]) & (price[idx] < ph)
            wi = idx[inside]
            warm[wi] = True
            if wi.size:
                out[wi] = _bisect(
                    w_lo[wi],
                    w_hi[wi],
                    WARM_STEPS,
                    price[wi],
                    spot,
                    strike[wi],
                    t[wi],
                    rate[wi],
                    div_yield[wi],
                    is_call[wi],
                    method,
                )
    cold = np.flatnonzero(ok & ~warm)
    if cold.size:
        out[cold] = _bisect(
            lo[cold],
            hi[cold],
            BISECTION_STEPS,
            price[cold],
            spot,
            strike[cold],
            t[cold],
            rate[cold],
            div_yield[cold],
            is_call[cold],
            method,
        )
    return out


def implied_spot(table: ForwardTable, n_nearest: int = 3) -> float:
    """Spot from the present values of the nearest forwards: ln(D_k F_k) = ln S - q t_k.

    A straight line through the ``n_nearest`` live expiries extrapolated to t = 0
    (one expiry: S = D_1 F_1).
    """
    ok = np.flatnonzero(np.isfinite(table.forward) & (table.t > 0))
    near = ok[np.argsort(table.t[ok])[:n_nearest]]
    y = np.log(table.discount[near] * table.forward[near])
    if near.size < 2:
        return float(np.exp(y[0]))
    _slope, intercept = np.polyfit(table.t[near], y, 1)
    return float(np.exp(intercept))


def term_rate(table: ForwardTable, min_t: float, max_rate: float) -> float:
    """One rate for the whole curve: median parity-implied rate of expiries with t >= ``min_t``.

    Falls back to all fitted expiries, then to 0; clipped to [0, ``max_rate``].
    """
    fitted = table.discount_fitted & np.isfinite(table.rate)
    pick = fitted & (table.t >= min_t)
    if not np.any(pick):
        pick = fitted
    if not np.any(pick):
        return 0.0
    return float(np.clip(np.median(table.rate[pick]), 0.0, max_rate))


def de_americanise(
    chain: OptionChain,
    *,
    spot: float | None = None,
    rate: float | None = None,
    method: str = "baw",
    max_iter: int = 12,
    tol: float = 1e-5,
    max_rate: float = 0.2,
    rate_min_t: float = 0.25,
    n_sd: float = 2.0,
    min_strikes: int = 5,
) -> DeAmericanised:
    """Remove the early-exercise premium from an American chain and fit its forwards.

    Parameters
    ----------
    chain : OptionChain
        One quote time (use ``chain.for_date`` first for a history); rows with
        t <= 0 keep NaN European equivalents.
    spot : float, optional
        Underlying price; by default ``implied_spot`` of the fitted forwards.
    rate : float, optional
        Flat continuously compounded rate (recommended: the market rate). By
        default the median parity-implied rate, over expiries with
        t >= ``rate_min_t`` years, of strikes below the forward (biased low by
        the calls' dividend-driven premium).
    method : str
        American pricer method for ``mmdesk.pricing.american.american_price``.
    max_iter : int
        Maximum refits.
    tol : float
        Convergence: max relative change of the forwards between refits.
    max_rate : float
        Cap on the estimated rate.
    rate_min_t : float
        Shortest expiry (years) used to estimate the rate (short expiries pin D poorly).
    n_sd, min_strikes : float, int
        Near-the-money selection of the forward fit (see ``implied_forward``).

    Returns
    -------
    DeAmericanised
        ``forwards`` holds F per expiry fitted with D = exp(-r t) for the flat
        rate r (so ``forwards.discount_fitted`` is False and ``forwards.rate`` is r).

    Raises
    ------
    ValueError
        If the chain holds more than one quote time or no live expiry.
    """
    if np.unique(chain.quote_time).size > 1:
        raise ValueError("de_americanise takes one quote time; split the chain with for_date first")
    live = chain.two_sided & (chain.t > 0)
    mid = chain.mid
    hs = chain.half_spread
    raw = np.where(live, mid, np.nan)
    if rate is not None:
        r_est = float(rate)
    else:
        # Start from strikes below the forward only: there the in-the-money leg is the call,
        # whose early-exercise premium is small (dividends only), while in-the-money puts
        # (above the forward) carry a large premium that biases D towards 1.
        f0, _ = forwards_from_mids(chain, raw, hs, n_sd=n_sd, min_strikes=min_strikes).lookup(chain)
        below = np.where(chain.strike <= f0, raw, np.nan)
        r_est = term_rate(
            forwards_from_mids(chain, below, hs, n_sd=3.0, min_strikes=min_strikes),
            rate_min_t,
            max_rate,
        )

    table = forwards_from_mids(
        chain, raw, hs, rate_prior=r_est, fix_discount=True, n_sd=n_sd, min_strikes=min_strikes
    )
    if not np.any(np.isfinite(table.forward) & (table.t > 0)):
        raise ValueError("no expiry with t > 0 has a usable forward")
    n = len(chain)
    premium = np.full(n, np.nan)
    vol = np.full(n, np.nan)
    q_row = np.full(n, np.nan)
    s = float(spot) if spot is not None else np.nan
    converged = False
    it = 0
    for step in range(1, max_iter + 1):
        it = step
        if spot is None:
            s = implied_spot(table)
        f_row, _ = table.lookup(chain)
        t_safe = np.where(chain.t > 0, chain.t, 1.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            q_row = r_est - np.log(f_row / s) / t_safe
        r_row = np.full(n, r_est)
        use = live & np.isfinite(q_row)
        vol_prev = vol
        vol = np.full(n, np.nan)
        vol[use] = american_implied_vol_bisect(
            mid[use],
            s,
            chain.strike[use],
            chain.t[use],
            r_row[use],
            q_row[use],
            chain.is_call[use],
            method,
            guess=vol_prev[use],
        )
        has_vol = np.isfinite(vol)
        euro = np.full(n, np.nan)
        euro[has_vol] = np.asarray(
            bs_price(
                s,
                chain.strike[has_vol],
                chain.t[has_vol],
                vol[has_vol],
                r_row[has_vol],
                q_row[has_vol],
                chain.is_call[has_vol],
            ),
            dtype=np.float64,
        )
        premium = np.where(has_vol, mid - euro, np.nan)
        new = forwards_from_mids(
            chain, euro, hs, rate_prior=r_est, fix_discount=True, n_sd=n_sd, min_strikes=min_strikes
        )
        with np.errstate(invalid="ignore"):
            change = (
                float(np.nanmax(np.abs(new.forward / table.forward - 1.0))) if len(new) else 0.0
            )
        table = new
        if change < tol:
            converged = True
            break
    return DeAmericanised(
        forwards=table,
        spot=s,
        rate=np.full(n, r_est),
        carry_yield=q_row,
        american_vol=vol,
        premium=premium,
        european_bid=chain.bid - premium,
        european_mid=mid - premium,
        european_ask=chain.ask - premium,
        iterations=it,
        converged=converged,
    )
