"""The chain's theos and greeks: a per-expiry SVI surface fitted to the market's own quotes.

Every option of the listing is valued with Black–Scholes–Merton (European
options, continuous yield) at the underlying mid, with the vol read off the
desk's fitted surface:

    F_i   = S · exp((r − q) τ_i)
    k_i   = ln(K_i / F_i)
    σ_i   = sqrt(w_e(k_i) / τ_e^fit)

where ``w_e`` is the raw-SVI total variance of expiry ``e`` calibrated at time
to expiry ``τ_e^fit`` (the smile is held in log-moneyness as the spot moves and
time passes: sticky moneyness). Repricing after an underlying move is one
vectorised SVI evaluation and one :func:`mmdesk.pricing.bs_greeks` call over the
whole chain.

Calibration (on a schedule, e.g. every five simulated minutes) takes the mids
of the other makers' top of book (the desk's own resting quotes are masked
out), inverts them to implied vols, keeps out-of-the-money options with a
usable vol and a sensible spread, and fits one raw SVI smile per expiry with
:func:`mmdesk.surface.svi.calibrate_svi` (weights ∝ vega, the bid/ask vols as
the band). Expiries with too few quotes keep their previous smile (or the
flat starting vol), and so does an expiry whose new fit is implausible
(:meth:`TheoEngine.acceptable_fit`: negative variance at a listed strike,
wings beyond ``max_fit_wing_ratio`` × the at-the-money vol, or a vol move larger
than ``max_fit_vol_move`` at a quoted strike that matters). Per expiry the fit also yields

- ``vol_uncertainty``: the vega-weighted RMS of (fitted − mid) vol, a measure
  of how well the desk knows the vol (the quoter widens by vega × it);
- ``volvol``: an EWMA estimate of the annualised volatility of the expiry's
  ATM vol from successive fits, shrunk toward a prior (the skew's factor
  variance η_b of :mod:`mmdesk.desk.glft`).

Units: prices per share (currency), τ in ACT/365 years, vols annualised,
greeks per share in natural units (vega per 1.00 vol).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.desk.np_exact import max_nan
from mmdesk.pricing import IVReason
from mmdesk.pricing.greeks import N_GREEK_ROWS, Greeks, bs_greeks_kernel
from mmdesk.pricing.implied_vol import implied_vol_kernel
from mmdesk.surface.svi import calibrate_svi
from mmdesk.typing import BoolArray, Float64Array, Int64Array

#: IVReason.OK as the kernel writes it (comparing an array with the enum member costs µs)
_IV_OK = np.int8(IVReason.OK)
_YEAR_S = 365.0 * 86_400.0 * 1e9 * 1e-9  # ACT/365 seconds per year (as ns per year · 1e-9)


class TheoConfig(BaseModel):
    """Settings of the desk's surface and theo.

    Attributes
    ----------
    initial_vol
        Flat vol used before an expiry's first fit (annualised).
    recalibrate_s
        Seconds between surface calibrations (simulated time).
    min_quotes
        Fewest usable quotes for an expiry's SVI fit.
    max_relative_spread
        Quotes whose (ask − bid)/mid exceeds this are not used.
    min_vega
        Quotes whose vega per share (per 1.00 vol) is below this are not used.
    min_vol_uncertainty
        Floor on each expiry's vol uncertainty (annualised vol).
    volvol_prior
        Prior annualised vol of an expiry's ATM implied vol (vol units / √year).
    volvol_prior_weight
        Weight of the prior, in calibration intervals.
    tau_floor_s
        Floor on time to expiry, seconds.
    trading_seconds_per_year
        Seconds of trading per year of variance (vol-of-vol per year ↔ per second).
    level_update_s
        Seconds between two updates of each expiry's vol level between full fits.
    level_weight
        Weight of the newest market-vs-model vol gap in the level's EWMA (0..1].
    max_fit_vol_move
        Largest change of vol (annualised) one recalibration may make at a
        listed strike inside the range of the quotes it used whose vega per
        share is at least ``min_vega``; a fit that moves more is rejected and
        the expiry keeps its smile (the level tracking still follows a genuine
        parallel move). Off (``inf``) by default: measured, it locked in an
        earlier fit's bad wing against sound fits that corrected it.
    max_fit_wing_ratio
        Largest ratio between a listed strike's fitted vol and the fit's
        at-the-money vol (either way); SVI wings extrapolated beyond the
        quotes that exceed it reject the fit.
    max_fit_through_market
        A fit is rejected when it values an out-of-the-money option beyond the
        quotes it was fitted to above the other participants' offer, or below
        their bid, by more than this many times their width (ask − bid, or the
        one price shown when a side is missing); ``inf`` turns the check off.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    initial_vol: float = Field(0.20, gt=0.0, le=5.0)
    recalibrate_s: float = Field(300.0, gt=0.0)
    min_quotes: int = Field(5, ge=3)
    max_relative_spread: float = Field(0.6, gt=0.0)
    min_vega: float = Field(0.5, ge=0.0)
    min_vol_uncertainty: float = Field(0.002, ge=0.0)
    volvol_prior: float = Field(0.5, gt=0.0)
    volvol_prior_weight: float = Field(10.0, gt=0.0)
    tau_floor_s: float = Field(60.0, gt=0.0)
    trading_seconds_per_year: float = Field(252.0 * 23_400.0, gt=0.0)
    level_update_s: float = Field(15.0, gt=0.0)
    level_weight: float = Field(0.5, gt=0.0, le=1.0)
    max_fit_vol_move: float = Field(float("inf"), gt=0.0)
    max_fit_wing_ratio: float = Field(3.0, gt=1.0)
    max_fit_through_market: float = Field(1.0, gt=0.0)


@dataclass(frozen=True, eq=False)
class TheoState:
    """Theos and greeks of the whole chain at one instant (per share, option index i).

    Attributes
    ----------
    ts_ns
        Time of the valuation, ns.
    spot
        Underlying mid used, currency.
    tau
        Time to expiry, ACT/365 years.
    vol
        Vol used per option (annualised).
    theo, delta, gamma, vega, theta, vanna
        Black–Scholes–Merton price and greeks per share (natural units).
    live
        Options not yet expired.
    log_moneyness
        ln(K/F) per option at ``spot`` and ``tau`` (the smile's coordinate).
    """

    ts_ns: int
    spot: float
    tau: Float64Array
    vol: Float64Array
    theo: Float64Array
    delta: Float64Array
    gamma: Float64Array
    vega: Float64Array
    theta: Float64Array
    vanna: Float64Array
    live: BoolArray
    log_moneyness: Float64Array


def _flat_greeks(
    spot: float,
    strike: Float64Array,
    tau: Float64Array,
    vol: Float64Array,
    rate: float,
    div_yield: float,
    is_call: BoolArray,
) -> Greeks:
    """:func:`mmdesk.pricing.bs_greeks` of flat contiguous arrays of one length.

    The serial kernel is called directly: the chain is repriced on every tick and
    the general broadcasting front end costs more than the pricing itself.
    """
    n = strike.shape[0]
    rows = np.empty((N_GREEK_ROWS, n))
    bs_greeks_kernel(
        np.full(n, float(spot)), strike, tau, vol, np.full(n, rate), np.full(n, div_yield),
        is_call, rows,
    )  # fmt: skip
    return Greeks(*rows)


def _flat_implied_vol(
    price: Float64Array,
    spot: float,
    strike: Float64Array,
    tau: Float64Array,
    rate: float,
    div_yield: float,
    is_call: BoolArray,
) -> tuple[Float64Array, np.ndarray]:
    """:func:`mmdesk.pricing.implied_vol_with_reason` of flat arrays (serial kernel, as above)."""
    n = strike.shape[0]
    vol = np.empty(n)
    reason = np.empty(n, dtype=np.int8)
    implied_vol_kernel(
        np.ascontiguousarray(price, dtype=np.float64), np.full(n, float(spot)), strike, tau,
        np.full(n, rate), np.full(n, div_yield), is_call, False, vol, reason,
    )  # fmt: skip
    return vol, reason


def svi_vol(
    k: Float64Array,
    expiry: Int64Array,
    params: Float64Array,
    tau_fit: Float64Array,
    fallback: Float64Array,
) -> Float64Array:
    """Vol of each option from its expiry's raw-SVI smile (fallback where none is fitted).

    Parameters
    ----------
    k : ndarray
        Log-moneyness ln(K/F) per option.
    expiry : ndarray of int
        Expiry index per option.
    params : ndarray, shape (n_expiries, 5)
        Raw SVI (a, b, ρ, m, σ) per expiry; NaN rows are not fitted.
    tau_fit : ndarray, shape (n_expiries,)
        Time to expiry at calibration (years).
    fallback : ndarray, shape (n_expiries,)
        Vol used for unfitted expiries (annualised).

    Returns
    -------
    ndarray
        Annualised vol per option (floored at 1e-3).
    """
    p = params[expiry]
    x = k - p[:, 3]
    w = p[:, 0] + p[:, 1] * (p[:, 2] * x + np.sqrt(x * x + p[:, 4] ** 2))
    fitted = np.isfinite(w)
    vol = np.sqrt(np.maximum(np.where(fitted, w, 0.0), 1e-6) / tau_fit[expiry])
    return np.maximum(np.where(fitted, vol, fallback[expiry]), 1e-3)


def chain_vol_python(
    k: Float64Array,
    expiry: Int64Array,
    params: Float64Array,
    tau_fit: Float64Array,
    fallback: Float64Array,
    level: Float64Array,
    out: Float64Array,
) -> None:
    """Vol of every option: :func:`svi_vol` plus its expiry's level, floored at 1e-3.

    The same arithmetic as ``np.maximum(svi_vol(k, expiry, params, tau_fit,
    fallback) + level[expiry], 1e-3)`` in one pass (annualised vols into ``out``).
    """
    for i in range(k.shape[0]):
        e = expiry[i]
        x = k[i] - params[e, 3]
        s = params[e, 4]
        w = params[e, 0] + params[e, 1] * (params[e, 2] * x + np.sqrt(x * x + s * s))
        if np.isfinite(w):
            vol = np.sqrt(max_nan(w, 1e-6) / tau_fit[e])
        else:
            vol = fallback[e]
        out[i] = max_nan(max_nan(vol, 1e-3) + level[e], 1e-3)


chain_vol = numba.njit(cache=True)(chain_vol_python)


def years_to_expiry_python(
    expiry_ns: Int64Array, now_ns: int, floor_s: float, year_s: float, out: Float64Array
) -> None:
    """Time to expiry per option in years, floored at ``floor_s`` seconds (into ``out``).

    The same arithmetic as ``np.maximum((expiry_ns − now_ns) · 1e-9, floor_s) / year_s``
    (``expiry_ns``, ``now_ns`` in ns; ``year_s`` seconds per year) in one pass.
    """
    for i in range(expiry_ns.shape[0]):
        out[i] = max_nan(float(expiry_ns[i] - now_ns) * 1e-9, floor_s) / year_s


years_to_expiry = numba.njit(cache=True)(years_to_expiry_python)


class TheoEngine:
    """The desk's surface (per-expiry SVI) and the chain's theos and greeks.

    Parameters
    ----------
    config : TheoConfig
        Settings.
    strike, expiry_ns, expiry_index, is_call : ndarray
        The listing, one row per option (currency, ns, int, bool).
    rate, div_yield : float
        Continuously compounded rate and dividend yield per year.
    """

    def __init__(
        self,
        config: TheoConfig,
        strike: Float64Array,
        expiry_ns: Int64Array,
        expiry_index: Int64Array,
        is_call: BoolArray,
        rate: float,
        div_yield: float,
    ) -> None:
        self.config = config
        # the cadences in ns, once (asked at every timer tick)
        self._recalibrate_ns = int(config.recalibrate_s * 1e9)
        self._level_update_ns = int(config.level_update_s * 1e9)
        self._tau_floor_s = float(config.tau_floor_s)
        self.strike = np.ascontiguousarray(strike, dtype=np.float64)
        self.expiry_ns = np.ascontiguousarray(expiry_ns, dtype=np.int64)
        self.expiry = np.asarray(expiry_index, dtype=np.int64)
        self.is_call = np.ascontiguousarray(is_call, dtype=bool)
        self.rate = float(rate)
        self.div_yield = float(div_yield)
        self._rate_col = np.full(self.strike.shape[0], self.rate)
        self._div_col = np.full(self.strike.shape[0], self.div_yield)
        n_exp = int(self.expiry.max()) + 1 if self.expiry.size else 0
        self.n_expiries = n_exp
        #: raw SVI (a, b, ρ, m, σ) per expiry, NaN until fitted
        self.params = np.full((n_exp, 5), np.nan)
        self.tau_fit = np.ones(n_exp)
        self.fallback_vol = np.full(n_exp, config.initial_vol)
        #: vega-weighted RMS fit error per expiry (annualised vol)
        self.vol_uncertainty = np.full(n_exp, max(0.01, config.min_vol_uncertainty))
        #: annualised vol of each expiry's ATM vol (vol units per √year)
        self.volvol = np.full(n_exp, config.volvol_prior)
        self._volvol_var = np.full(n_exp, config.volvol_prior**2)
        self._atm_vol = np.full(n_exp, np.nan)
        self._atm_ts = np.zeros(n_exp, dtype=np.int64)
        #: additive vol level per expiry tracking the market between full fits (annualised)
        self.level = np.zeros(n_exp)
        self.last_level_ns: int | None = None
        self.last_calibration_ns: int | None = None
        self.n_calibrations = 0
        self.fit_count = np.zeros(n_exp, dtype=np.int64)
        #: fits rejected by :meth:`acceptable_fit` per expiry
        self.rejected_fits = np.zeros(n_exp, dtype=np.int64)

    # ------------------------------------------------------------------ valuation
    def tau(self, now_ns: int) -> Float64Array:
        """Time to expiry per option, years (floored at ``tau_floor_s``)."""
        out = np.empty(self.expiry_ns.shape[0])
        years_to_expiry(self.expiry_ns, now_ns, self._tau_floor_s, _YEAR_S, out)
        return out

    def vols(self, now_ns: int, spot: float) -> tuple[Float64Array, Float64Array]:
        """(vol, τ) of every option at ``spot`` and ``now_ns`` from the current surface."""
        vol, tau, _ = self._vols(now_ns, spot)
        return vol, tau

    def _vols(self, now_ns: int, spot: float) -> tuple[Float64Array, Float64Array, Float64Array]:
        tau = self.tau(now_ns)
        fwd = spot * np.exp((self.rate - self.div_yield) * tau)
        k = np.log(self.strike / fwd)
        vol = np.empty(k.shape[0])
        chain_vol(k, self.expiry, self.params, self.tau_fit, self.fallback_vol, self.level, vol)
        return vol, tau, k

    def reprice(self, now_ns: int, spot: float) -> TheoState:
        """Theos and greeks of the chain at ``spot`` (currency) and ``now_ns``: one kernel call."""
        if not (np.isfinite(spot) and spot > 0.0):
            raise ValueError(f"TheoEngine.reprice: spot={spot!r} must be finite and > 0")
        vol, tau, k = self._vols(now_ns, spot)
        n = self.strike.shape[0]
        rows = np.empty((N_GREEK_ROWS, n))
        # _flat_greeks over the whole chain, the constant rate and yield columns made once
        bs_greeks_kernel(
            np.full(n, float(spot)), self.strike, tau, vol, self._rate_col, self._div_col,
            self.is_call, rows,
        )  # fmt: skip
        g = Greeks(*rows)
        return TheoState(
            ts_ns=int(now_ns),
            spot=float(spot),
            tau=tau,
            vol=vol,
            theo=g.price,
            delta=g.delta,
            gamma=g.gamma,
            vega=g.vega,
            theta=g.theta,
            vanna=g.vanna,
            live=self.expiry_ns > np.int64(now_ns),
            log_moneyness=k,
        )

    # ------------------------------------------------------------------ calibration
    def due(self, now_ns: int) -> bool:
        """Is a calibration due at ``now_ns``?"""
        last = self.last_calibration_ns
        return last is None or now_ns - last >= self._recalibrate_ns

    def calibrate(
        self,
        now_ns: int,
        spot: float,
        bid: Float64Array,
        ask: Float64Array,
        usable: BoolArray,
    ) -> int:
        """Refit each expiry's SVI smile to the market's quotes.

        Parameters
        ----------
        now_ns : int
            Clock time, ns.
        spot : float
            Underlying mid, currency.
        bid, ask : ndarray
            Best bid and ask of the other participants per option (currency; ≤ 0 if none).
        usable : ndarray of bool
            Options whose quotes may be used (e.g. not the desk's own).

        Returns
        -------
        int
            Number of expiries refitted (0: nothing usable; the schedule is not advanced).
        """
        cfg = self.config
        q = self._market_vols(now_ns, spot, bid, ask, usable, with_band=True)
        if q is None:
            return 0
        idx, iv_mid, iv_bid, iv_ask, vega, good, tau, fwd = q
        refit = rejected = 0
        k_all = np.log(self.strike[idx] / fwd[idx])
        for e in range(self.n_expiries):
            sel = good & (self.expiry[idx] == e)
            if int(sel.sum()) < cfg.min_quotes:
                continue
            t_e = float(tau[idx][sel][0])
            k = k_all[sel]
            w_mid = iv_mid[sel] ** 2 * t_e
            lo = np.nan_to_num(np.asarray(iv_bid, dtype=np.float64)[sel], nan=0.0) ** 2 * t_e
            hi_v = np.asarray(iv_ask, dtype=np.float64)[sel]
            hi = np.where(np.isfinite(hi_v), hi_v**2 * t_e, np.inf)
            fit = calibrate_svi(k, w_mid, weight=vega[sel], w_lo=lo, w_hi=hi)
            p = fit.params
            w_fit = p.a + p.b * (p.rho * (k - p.m) + np.sqrt((k - p.m) ** 2 + p.sigma**2))
            if not np.all(np.isfinite(w_fit)) or np.any(w_fit <= 0.0):
                continue
            row = np.array([p.a, p.b, p.rho, p.m, p.sigma])
            k_lo, k_hi = float(k.min()), float(k.max())
            if not self.acceptable_fit(e, row, t_e, now_ns, spot, k_lo, k_hi, bid, ask):
                self.rejected_fits[e] += 1
                rejected += 1
                continue
            vol_fit = np.sqrt(w_fit / t_e)
            err = vol_fit - iv_mid[sel]
            wts = vega[sel] / vega[sel].sum()
            self.vol_uncertainty[e] = max(
                float(np.sqrt(np.sum(wts * err * err))), cfg.min_vol_uncertainty
            )
            self.params[e] = (p.a, p.b, p.rho, p.m, p.sigma)
            self.tau_fit[e] = t_e
            atm = float(
                np.sqrt(max(p.a + p.b * (-p.rho * p.m + np.hypot(p.m, p.sigma)), 1e-8) / t_e)
            )
            self._update_volvol(e, atm, int(now_ns))
            self.fallback_vol[e] = atm
            self.level[e] = 0.0
            self.fit_count[e] += 1
            refit += 1
        # an empty market (e.g. before the makers' first quotes) is retried next time;
        # a rejected fit waits for the next scheduled calibration
        if refit or rejected:
            self.last_calibration_ns = int(now_ns)
            self.n_calibrations += 1
        return refit

    def acceptable_fit(
        self,
        e: int,
        params: Float64Array,
        t_fit: float,
        now_ns: int,
        spot: float,
        k_lo: float,
        k_hi: float,
        bid: Float64Array | None = None,
        ask: Float64Array | None = None,
    ) -> bool:
        """May the raw-SVI ``params`` (fitted at ``t_fit`` years) replace expiry ``e``'s smile?

        The new smile is evaluated at every listed strike of the expiry (the fit
        only saw the usable quotes, with log-moneyness in [``k_lo``, ``k_hi``];
        SVI's wings extrapolate to the other strikes). It is rejected if

        - its total variance is not positive at some listed strike;
        - a listed strike's vol is more than ``max_fit_wing_ratio`` times the
          fit's at-the-money vol, or less than that vol divided by it
          (extrapolated wings gone wild);
        - with the market given, an out-of-the-money option outside the
          quotes' range has a theo under the fit above the other participants'
          offer, or below their bid, by more than ``max_fit_through_market``
          times their width (ask − bid; the one price shown when a side is
          missing): a wing the quotes did not pin down, valuing an option far
          through a standing order;
        - once the expiry has a fit, a strike inside the quotes' range whose
          vega per share is at least ``min_vega`` moves by more than
          ``max_fit_vol_move`` from the vol the desk uses now (its level
          included; an accepted fit starts a new level at 0).

        A fit that fails is a bad fit (too few or inconsistent quotes), not
        news: a sudden parallel move reaches the theo through the level.

        Parameters
        ----------
        e : int
            Expiry index.
        params : ndarray, shape (5,)
            Raw SVI (a, b, ρ, m, σ) of the candidate fit.
        t_fit : float
            Time to expiry at the fit, years.
        now_ns : int
            Clock time, ns.
        spot : float
            Underlying mid, currency.
        k_lo, k_hi : float
            Log-moneyness range ln(K/F) of the quotes the fit used.
        bid, ask : ndarray, optional
            Best bid and offer of the other participants per option (currency per
            share; ≤ 0 where there is none), as given to :meth:`calibrate`.
        """
        cfg = self.config
        sel = np.flatnonzero(self.expiry == e)
        vol_now, tau, k = self._vols(now_ns, spot)
        a, b, rho, m, sig = (float(v) for v in params)
        x = k[sel] - m
        w = a + b * (rho * x + np.sqrt(x * x + sig * sig))
        w_atm = a + b * (-rho * m + float(np.hypot(m, sig)))
        if not np.all(np.isfinite(w)) or np.any(w <= 0.0) or not w_atm > 0.0:
            return False
        vol_new = np.sqrt(w / t_fit)
        atm = float(np.sqrt(w_atm / t_fit))
        ratio = cfg.max_fit_wing_ratio
        if np.any(vol_new > ratio * atm) or np.any(vol_new < atm / ratio):
            return False
        through = cfg.max_fit_through_market
        if bid is not None and ask is not None and np.isfinite(through):
            theo = _flat_greeks(
                spot, self.strike[sel], tau[sel], vol_new, self.rate, self.div_yield,
                self.is_call[sel],
            ).price  # fmt: skip
            # the wings the fit extrapolated (inside the quotes' range the band
            # penalty holds the fit to the market), out of the money as the fit's
            # quotes: in the money the others' quotes lag the underlying by a
            # delta-one move of a spread or more
            fwd = spot * np.exp((self.rate - self.div_yield) * tau[sel])
            otm = np.where(self.is_call[sel], self.strike[sel] >= fwd, self.strike[sel] <= fwd)
            wing = otm & ((k[sel] < k_lo) | (k[sel] > k_hi))
            b_px, a_px = bid[sel], ask[sel]
            has_b, has_a = wing & (b_px > 0.0), wing & (a_px > 0.0)
            width = np.where(has_b & has_a, a_px - b_px, np.where(has_a, a_px, b_px))
            if np.any(has_a & (theo > a_px + through * width)) or np.any(
                has_b & (theo < b_px - through * width)
            ):
                return False
        if self.fit_count[e] == 0 or not np.isfinite(cfg.max_fit_vol_move):
            return True
        old = vol_now[sel]
        vega = _flat_greeks(
            spot, self.strike[sel], tau[sel], old, self.rate, self.div_yield, self.is_call[sel]
        ).vega
        inside = (k[sel] >= k_lo) & (k[sel] <= k_hi) & (vega >= cfg.min_vega)
        return not np.any(inside & (np.abs(vol_new - old) > cfg.max_fit_vol_move))

    def _market_vols(
        self,
        now_ns: int,
        spot: float,
        bid: Float64Array,
        ask: Float64Array,
        usable: BoolArray,
        with_band: bool,
    ) -> (
        tuple[
            Int64Array,
            Float64Array,
            Float64Array,
            Float64Array,
            Float64Array,
            BoolArray,
            Float64Array,
            Float64Array,
        ]
        | None
    ):
        """Implied vols of the usable out-of-the-money quotes (mid, and bid/ask if asked)."""
        cfg = self.config
        tau = self.tau(now_ns)
        live = self.expiry_ns > np.int64(now_ns)
        ok = usable & live & (bid > 0.0) & (ask > bid)
        mid = np.where(ok, 0.5 * (bid + ask), 1.0)
        ok &= (ask - bid) <= cfg.max_relative_spread * mid
        fwd = spot * np.exp((self.rate - self.div_yield) * tau)
        ok &= np.where(self.is_call, self.strike >= fwd, self.strike <= fwd)
        if not ok.any():
            return None
        idx = np.flatnonzero(ok)
        args = (spot, self.strike[idx], tau[idx], self.rate, self.div_yield, self.is_call[idx])
        iv_mid, why = _flat_implied_vol(mid[idx], *args)
        if with_band:
            iv_bid = _flat_implied_vol(bid[idx], *args)[0]
            iv_ask = _flat_implied_vol(ask[idx], *args)[0]
        else:
            iv_bid = iv_ask = iv_mid
        good = (why == _IV_OK) & np.isfinite(iv_mid)
        vega = np.zeros(idx.size)
        vega[good] = _flat_greeks(
            spot,
            self.strike[idx][good],
            tau[idx][good],
            iv_mid[good],
            self.rate,
            self.div_yield,
            self.is_call[idx][good],
        ).vega
        good &= vega >= cfg.min_vega
        return idx, iv_mid, iv_bid, iv_ask, vega, good, tau, fwd

    def level_due(self, now_ns: int) -> bool:
        """Is an update of the vol levels due at ``now_ns``?"""
        last = self.last_level_ns
        return last is None or now_ns - last >= self._level_update_ns

    def track_level(
        self,
        now_ns: int,
        spot: float,
        bid: Float64Array,
        ask: Float64Array,
        usable: BoolArray,
    ) -> None:
        """Move each fitted expiry's vol level toward the market's between full fits.

        The gap is the vega-weighted mean of (market mid vol − model vol) over the
        usable out-of-the-money quotes; the level moves by ``level_weight`` × gap.
        Arguments as in :meth:`calibrate`.
        """
        self.last_level_ns = int(now_ns)
        q = self._market_vols(now_ns, spot, bid, ask, usable, with_band=False)
        if q is None:
            return
        idx, iv_mid, _, _, vega, good, _, _ = q
        model, _ = self.vols(now_ns, spot)
        gap = np.where(good, iv_mid - model[idx], 0.0)
        wts = np.where(good, vega, 0.0)
        e = self.expiry[idx]
        num = np.bincount(e, wts * gap, self.n_expiries)
        den = np.bincount(e, wts, self.n_expiries)
        move = (den > 0.0) & (self.fit_count > 0)
        self.level[move] += self.config.level_weight * num[move] / den[move]

    def _update_volvol(self, e: int, atm: float, now_ns: int) -> None:
        """EWMA of squared ATM-vol changes per year, shrunk toward the prior."""
        prev = self._atm_vol[e]
        if np.isfinite(prev):
            secs = (now_ns - int(self._atm_ts[e])) * 1e-9
            dt_years = max(secs / self.config.trading_seconds_per_year, 1e-12)
            obs = (atm - prev) ** 2 / dt_years
            wgt = 1.0 / (1.0 + self.config.volvol_prior_weight)
            self._volvol_var[e] = (1.0 - wgt) * self._volvol_var[e] + wgt * obs
            self.volvol[e] = float(np.sqrt(self._volvol_var[e]))
        self._atm_vol[e] = atm
        self._atm_ts[e] = now_ns

    @property
    def fitted(self) -> BoolArray:
        """Expiries with at least one successful fit (options on others are not quoted)."""
        return np.asarray(self.fit_count > 0)

    def inputs(self) -> dict[str, Float64Array]:
        """The surface's parameters (for the journal): SVI rows, τ at fit, fallback vols."""
        return {
            "params": self.params.copy(),
            "tau_fit": self.tau_fit.copy(),
            "fallback_vol": self.fallback_vol.copy(),
        }
