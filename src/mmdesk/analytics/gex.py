"""Dealer gamma exposure (GEX) per strike and expiry, its spot profile and the zero-gamma level.

Units (fixed; see ``docs/gex.md``)
----------------------------------
GEX is the *dealers'* gamma, signed, in two units:

* **shares per 1-point move**: ``Γ · contracts · multiplier`` summed with the
  dealers' sign. If the underlying rises by one point, the dealers' delta
  changes by this many shares; to stay hedged they *sell* that many shares
  (positive GEX: they sell rallies and buy dips) or buy them (negative GEX).
* **currency per 1% move**: shares per point × ``0.01·S`` points × ``S``
  currency per share = ``Γ · contracts · multiplier · S² · 0.01``: the
  notional the dealers must trade to re-hedge a 1% move.

Whose position is it? (:class:`DealerPosition`)
-----------------------------------------------
Open interest says how many contracts are open, not who holds them. The
assumption is explicit: the SqueezeMetrics convention (dealers long the calls,
short the puts), Avellaneda–Lipkin's market makers (long every open contract),
the desk's own book (signed contracts given), or dealer positions inferred
from the simulator's flow (signed contracts given).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np
import numpy.typing as npt

from mmdesk.pricing.greeks import bs_greeks
from mmdesk.typing import Float64Array, FloatLike

#: Contract multiplier of index and equity options (shares or index units per contract).
DEFAULT_MULTIPLIER = 100.0
#: One percent, as a fraction of spot.
ONE_PERCENT = 0.01
#: Spot-grid rows repriced per chunk in :func:`gex_profile` (bounds memory on big books).
_PROFILE_CHUNK_ELEMENTS = 2_000_000


class DealerPosition(Enum):
    """Where the dealers' signed option positions come from.

    Members
    -------
    CONVENTION
        SqueezeMetrics: dealers are long every open call and short every open
        put (position = +OI for calls, −OI for puts).
    LONG_ALL
        Avellaneda–Lipkin (2003): the hedging market makers are long all the
        open interest (position = +OI for calls and puts).
    DESK_BOOK
        The desk's own book: signed contracts given in ``positions``.
    SIMULATOR_FLOW
        Dealer positions inferred from the simulator's flow (net contracts the
        dealers opened, signed), given in ``positions``.
    """

    CONVENTION = "convention"
    LONG_ALL = "long_all"
    DESK_BOOK = "desk_book"
    SIMULATOR_FLOW = "simulator_flow"


def _float_array(name: str, value: FloatLike, shape: tuple[int, ...]) -> Float64Array:
    """``value`` broadcast to ``shape`` as float64; raises naming the field if impossible."""
    arr = np.asarray(value, dtype=np.float64)
    try:
        return np.broadcast_to(arr, shape).astype(np.float64)
    except ValueError as exc:
        raise ValueError(f"{name} has shape {arr.shape}; cannot broadcast to {shape}") from exc


def dealer_contracts(
    is_call: npt.ArrayLike,
    open_interest: FloatLike | None = None,
    *,
    assumption: DealerPosition = DealerPosition.CONVENTION,
    positions: FloatLike | None = None,
) -> Float64Array:
    """Signed dealer contracts per option under a :class:`DealerPosition` assumption.

    Parameters
    ----------
    is_call : array_like of bool
        True for calls.
    open_interest : array_like, optional
        Open contracts (>= 0, finite); required by CONVENTION and LONG_ALL.
    assumption : DealerPosition
        Which sign the dealers hold.
    positions : array_like, optional
        Signed dealer contracts (+ long), required by DESK_BOOK and SIMULATOR_FLOW.

    Returns
    -------
    float64 array
        Contracts the dealers hold (negative = short), one per option.

    Raises
    ------
    ValueError
        Missing or superfluous input for the assumption, negative or non-finite values.
    """
    call = np.asarray(is_call, dtype=bool)
    if assumption in (DealerPosition.DESK_BOOK, DealerPosition.SIMULATOR_FLOW):
        if positions is None:
            raise ValueError(f"positions is None; assumption {assumption.name} needs them")
        pos = _float_array("positions", positions, call.shape)
        bad = np.flatnonzero(~np.isfinite(pos))
        if bad.size:
            raise ValueError(
                f"positions[{bad[0]}] is {float(pos[bad[0]])!r}; expected a finite number"
            )
        return pos
    if positions is not None:
        raise ValueError(
            f"positions given with assumption {assumption.name}; it uses open_interest"
        )
    if open_interest is None:
        raise ValueError(f"open_interest is None; assumption {assumption.name} needs it")
    oi = _float_array("open_interest", open_interest, call.shape)
    bad = np.flatnonzero(~(np.isfinite(oi) & (oi >= 0.0)))
    if bad.size:
        raise ValueError(
            f"open_interest[{bad[0]}] is {float(oi[bad[0]])!r}; expected finite and >= 0"
        )
    if assumption is DealerPosition.CONVENTION:
        return np.where(call, oi, -oi)
    return oi


def option_gex_shares(
    spot: FloatLike,
    strike: FloatLike,
    t: FloatLike,
    vol: FloatLike,
    is_call: npt.ArrayLike,
    contracts: FloatLike,
    *,
    rate: FloatLike = 0.0,
    div_yield: FloatLike = 0.0,
    multiplier: float = DEFAULT_MULTIPLIER,
) -> Float64Array:
    """Gamma exposure of signed option positions, shares per 1-point move (broadcasts).

    ``Γ(S, K, T, σ, r, q) · contracts · multiplier``; Γ from :func:`bs_greeks`
    (per currency of spot), so the result is shares of delta gained per
    one-point rise in the underlying.

    Parameters
    ----------
    spot, strike : array_like
        Underlying price and strike, currency.
    t : array_like
        Years to expiry (ACT/365); 0 gives zero gamma (the deterministic limit).
    vol : array_like
        Annualised vol.
    is_call : array_like of bool
        True for calls.
    contracts : array_like
        Signed contracts held (+ long).
    rate, div_yield : array_like
        Continuously compounded rate and dividend yield per year.
    multiplier : float
        Shares (index units) per contract.

    Returns
    -------
    float64 array
        Shares per 1-point move, broadcast shape of the inputs.
    """
    gamma = np.asarray(bs_greeks(spot, strike, t, vol, rate, div_yield, is_call).gamma)
    return np.asarray(gamma * np.asarray(contracts, dtype=np.float64) * multiplier)


def shares_to_currency_per_pct(shares_per_point: FloatLike, spot: FloatLike) -> Float64Array:
    """Convert GEX in shares per 1-point move to currency per 1% move: ``× S · 0.01 · S``."""
    s = np.asarray(spot, dtype=np.float64)
    return np.asarray(np.asarray(shares_per_point, dtype=np.float64) * s * ONE_PERCENT * s)


@dataclass(frozen=True, eq=False)
class GexTable:
    """Dealer GEX per (expiry, strike) at one spot, rows sorted by expiry then strike.

    Attributes
    ----------
    spot : float
        Underlying price the gammas were computed at (currency).
    expiry : datetime64[D] array
        Expiry of each row (``NaT`` when no expiry was given).
    strike : float64 array
        Strike (currency).
    call_shares, put_shares : float64 arrays
        Dealer GEX of the calls / puts at that strike, shares per 1-point move.
    """

    spot: float
    expiry: npt.NDArray[np.datetime64]
    strike: Float64Array
    call_shares: Float64Array
    put_shares: Float64Array

    @property
    def shares(self) -> Float64Array:
        """Net dealer GEX per row, shares per 1-point move."""
        return self.call_shares + self.put_shares

    @property
    def currency_per_pct(self) -> Float64Array:
        """Net dealer GEX per row, currency per 1% move."""
        return shares_to_currency_per_pct(self.shares, self.spot)

    @property
    def total_shares(self) -> float:
        """Total dealer GEX, shares per 1-point move."""
        return float(self.shares.sum())

    @property
    def total_currency_per_pct(self) -> float:
        """Total dealer GEX, currency per 1% move."""
        return float(shares_to_currency_per_pct(self.total_shares, self.spot))

    def by_strike(self) -> tuple[Float64Array, Float64Array]:
        """Net GEX per strike summed over expiries: (strikes ascending, shares per 1-point move)."""
        strikes, inverse = np.unique(self.strike, return_inverse=True)
        return strikes, np.bincount(inverse, weights=self.shares, minlength=strikes.size).astype(
            np.float64
        )

    def largest_positive_strike(self) -> float:
        """Strike with the largest positive net GEX over all expiries (NaN if none is > 0)."""
        strikes, shares = self.by_strike()
        if shares.size == 0 or shares.max() <= 0.0:
            return float("nan")
        return float(strikes[int(np.argmax(shares))])

    def largest_negative_strike(self) -> float:
        """Strike with the most negative net GEX over all expiries (NaN if none is < 0)."""
        strikes, shares = self.by_strike()
        if shares.size == 0 or shares.min() >= 0.0:
            return float("nan")
        return float(strikes[int(np.argmin(shares))])

    def concentration(self) -> tuple[Float64Array, Float64Array, Float64Array]:
        """Per-strike gamma concentration of the book (for pin-risk limits near expiry).

        Returns
        -------
        strikes : float64 array
            Strikes ascending.
        shares : float64 array
            Net GEX per strike, shares per 1-point move (signed).
        fraction : float64 array
            ``|shares| / Σ|shares|`` (zeros when the book has no gamma).
        """
        strikes, shares = self.by_strike()
        total = float(np.abs(shares).sum())
        fraction = np.abs(shares) / total if total > 0.0 else np.zeros_like(shares)
        return strikes, shares, fraction


def gex(
    spot: float,
    strike: FloatLike,
    t: FloatLike,
    vol: FloatLike,
    is_call: npt.ArrayLike,
    open_interest: FloatLike | None = None,
    *,
    expiry: npt.ArrayLike | None = None,
    assumption: DealerPosition = DealerPosition.CONVENTION,
    positions: FloatLike | None = None,
    rate: FloatLike = 0.0,
    div_yield: FloatLike = 0.0,
    multiplier: float = DEFAULT_MULTIPLIER,
) -> GexTable:
    """Dealer gamma exposure per strike and expiry (vectorised over options).

    Parameters
    ----------
    spot : float
        Underlying price (currency), > 0.
    strike, t, vol : array_like
        Per option: strike (currency), years to expiry (ACT/365), annualised vol.
    is_call : array_like of bool
        Per option: True for calls.
    open_interest : array_like, optional
        Per option open contracts (CONVENTION, LONG_ALL).
    expiry : array_like of datetime64, optional
        Per option expiry date; rows are grouped by (expiry, strike). Without
        it, rows are grouped by strike only (expiry ``NaT``).
    assumption : DealerPosition
        Dealer-position assumption (see :func:`dealer_contracts`).
    positions : array_like, optional
        Signed dealer contracts (DESK_BOOK, SIMULATOR_FLOW).
    rate, div_yield : array_like
        Continuously compounded rate and dividend yield per year.
    multiplier : float
        Shares (index units) per contract, > 0.

    Returns
    -------
    GexTable
        Calls and puts per (expiry, strike), shares per 1-point move, with
        the currency-per-1% view.

    Raises
    ------
    ValueError
        Non-positive spot or multiplier, bad positions/open interest, shape mismatch.
    """
    if not (np.isfinite(spot) and spot > 0.0):
        raise ValueError(f"spot is {spot!r}; expected a finite price > 0")
    if not (np.isfinite(multiplier) and multiplier > 0.0):
        raise ValueError(f"multiplier is {multiplier!r}; expected > 0")
    call = np.atleast_1d(np.asarray(is_call, dtype=bool))
    shape = call.shape
    k = _float_array("strike", strike, shape)
    contracts = dealer_contracts(call, open_interest, assumption=assumption, positions=positions)
    shares = option_gex_shares(
        spot,
        k,
        _float_array("t", t, shape),
        _float_array("vol", vol, shape),
        call,
        contracts,
        rate=rate,
        div_yield=div_yield,
        multiplier=multiplier,
    )
    bad = np.flatnonzero(~np.isfinite(shares))
    if bad.size:
        i = bad[0]
        raise ValueError(
            f"option {i} (strike {float(k[i])!r}) has non-finite gamma; check its t, vol, strike"
        )
    if expiry is None:
        ex = np.full(shape, np.datetime64("NaT"), dtype="datetime64[D]")
    else:
        ex = np.broadcast_to(np.asarray(expiry).astype("datetime64[D]"), shape)
    # group by (expiry, strike): sort, then segment sums
    ex_key = ex.astype(np.int64)  # NaT is the smallest int64 and equals itself here
    order = np.lexsort((k, ex_key))
    ks, es, cs, ss = k[order], ex[order], call[order], shares[order]
    new = np.ones(ks.size, dtype=bool)
    new[1:] = (ks[1:] != ks[:-1]) | (ex_key[order][1:] != ex_key[order][:-1])
    group = np.cumsum(new) - 1
    n_groups = int(group[-1]) + 1 if group.size else 0
    call_sh = np.bincount(group, weights=np.where(cs, ss, 0.0), minlength=n_groups)
    put_sh = np.bincount(group, weights=np.where(cs, 0.0, ss), minlength=n_groups)
    return GexTable(
        spot=float(spot),
        expiry=es[new],
        strike=ks[new],
        call_shares=call_sh.astype(np.float64),
        put_shares=put_sh.astype(np.float64),
    )


@dataclass(frozen=True, eq=False)
class GexProfile:
    """Total dealer GEX as a function of spot (every option repriced at each grid spot).

    Attributes
    ----------
    spot : float64 array
        Spot grid, ascending (currency).
    shares : float64 array
        Total GEX at each grid spot, shares per 1-point move.
    """

    spot: Float64Array
    shares: Float64Array

    @property
    def currency_per_pct(self) -> Float64Array:
        """Total GEX at each grid spot, currency per 1% move (at that spot)."""
        return shares_to_currency_per_pct(self.shares, self.spot)

    def zero_gamma_levels(self) -> Float64Array:
        """Every spot where the profile changes sign, linearly interpolated (ascending)."""
        g = self.shares
        s = self.spot
        crossing = np.flatnonzero(np.sign(g[1:]) * np.sign(g[:-1]) < 0.0)
        exact = np.flatnonzero(g == 0.0)
        g0, g1 = g[crossing], g[crossing + 1]
        s0, s1 = s[crossing], s[crossing + 1]
        roots = s0 + (s1 - s0) * g0 / (g0 - g1)
        return np.unique(np.concatenate((roots, s[exact])))

    def zero_gamma(self, reference: float) -> float:
        """The zero-gamma (flip) level nearest ``reference`` (NaN if the profile never flips)."""
        roots = self.zero_gamma_levels()
        if roots.size == 0:
            return float("nan")
        return float(roots[int(np.argmin(np.abs(roots - reference)))])


def gex_profile(
    spot_grid: npt.ArrayLike,
    strike: FloatLike,
    t: FloatLike,
    vol: FloatLike,
    is_call: npt.ArrayLike,
    contracts: FloatLike,
    *,
    rate: FloatLike = 0.0,
    div_yield: FloatLike = 0.0,
    multiplier: float = DEFAULT_MULTIPLIER,
) -> GexProfile:
    """Total dealer GEX at each spot of a grid, repricing every option's gamma there.

    Vols are held per option (sticky strike); time is frozen. Vectorised as a
    (grid × options) gamma array, in row chunks to bound memory.

    Parameters
    ----------
    spot_grid : array_like
        Spots to evaluate at (currency, > 0); sorted ascending on output.
    strike, t, vol, is_call
        Per option, as in :func:`option_gex_shares`.
    contracts : array_like
        Signed dealer contracts per option (e.g. from :func:`dealer_contracts`).
    rate, div_yield, multiplier
        As in :func:`option_gex_shares`.

    Returns
    -------
    GexProfile
        Grid and total shares per 1-point move at each grid spot.
    """
    grid = np.sort(np.asarray(spot_grid, dtype=np.float64).ravel())
    bad = np.flatnonzero(~(np.isfinite(grid) & (grid > 0.0)))
    if bad.size:
        raise ValueError(f"spot_grid[{bad[0]}] is {float(grid[bad[0]])!r}; expected a price > 0")
    call = np.atleast_1d(np.asarray(is_call, dtype=bool))
    shape = call.shape
    args = [
        _float_array(name, value, shape)[None, :]
        for name, value in (("strike", strike), ("t", t), ("vol", vol), ("contracts", contracts))
    ]
    r = _float_array("rate", rate, shape)[None, :]
    q = _float_array("div_yield", div_yield, shape)[None, :]
    rows = max(1, _PROFILE_CHUNK_ELEMENTS // max(call.size, 1))
    out = np.empty(grid.size)
    for lo in range(0, grid.size, rows):  # chunks of grid rows, each fully vectorised
        s = grid[lo : lo + rows, None]
        g = option_gex_shares(
            s,
            args[0],
            args[1],
            args[2],
            call[None, :],
            args[3],
            rate=r,
            div_yield=q,
            multiplier=multiplier,
        )
        out[lo : lo + rows] = g.sum(axis=1)
    return GexProfile(spot=grid, shares=out)


def gamma_concentration(
    spot: float,
    strike: FloatLike,
    t: FloatLike,
    vol: FloatLike,
    is_call: npt.ArrayLike,
    positions: FloatLike,
    *,
    rate: FloatLike = 0.0,
    div_yield: FloatLike = 0.0,
    multiplier: float = DEFAULT_MULTIPLIER,
) -> tuple[Float64Array, Float64Array, Float64Array]:
    """Per-strike gamma concentration of a given book (the desk's own) at ``spot``.

    For pin-risk limits and quote widening near expiry: the book's gamma per
    strike, shares per 1-point move (signed), and each strike's share of the
    book's total absolute gamma. As expiry nears, gamma concentrates at the
    strikes next to spot.

    Returns
    -------
    (strikes, shares, fraction)
        See :meth:`GexTable.concentration`.
    """
    table = gex(
        spot,
        strike,
        t,
        vol,
        is_call,
        assumption=DealerPosition.DESK_BOOK,
        positions=positions,
        rate=rate,
        div_yield=div_yield,
        multiplier=multiplier,
    )
    return table.concentration()


__all__ = [
    "DEFAULT_MULTIPLIER",
    "DealerPosition",
    "GexProfile",
    "GexTable",
    "dealer_contracts",
    "gamma_concentration",
    "gex",
    "gex_profile",
    "option_gex_shares",
    "shares_to_currency_per_pct",
]
