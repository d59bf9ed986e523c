"""Leisen–Reimer binomial tree for American options, with discrete cash dividends.

Source: D. Leisen and M. Reimer, "Binomial Models for Option Valuation —
Examining and Improving Convergence", Applied Mathematical Finance 3, 1996,
319-346 (Peizer–Pratt method-2 inversion, odd step counts, tree centred on
the strike).  The construction follows QuantLib's ``LeisenReimer`` tree and
``BinomialVanillaEngine`` (``ql/methods/lattices/binomialtree.cpp``,
``bsmlattice.hpp``, ``discretizedvanillaoption.cpp``) step for step, so that
without dividends prices agree with ``BinomialLRVanillaEngine`` at the same
(odd) step count:

- an even ``steps`` is raised to ``steps + 1`` (the LR inversion needs odd n);
  QuantLib's engine does the same inside the tree but discounts on the even
  grid, so compare with it at odd step counts only;
- ``dt = t / n``, drift per step ``(r - q - vol**2/2) dt``,
  ``d2 = (ln(S/K) + (r - q - vol**2/2) t) / (vol sqrt(t))``,
  ``p = h(d2)``, ``p' = h(d2 + vol sqrt(t))`` with ``h`` the Peizer–Pratt
  inversion, ``u = e^{(r-q) dt} p'/p``, ``d = (e^{(r-q) dt} - p u)/(1 - p)``;
- roll back ``V = e^{-r dt} (p V_up + (1 - p) V_down)`` and take
  ``max(V, payoff)`` at every step, t = 0 included.

Discrete cash dividends use the **escrowed-dividend model**: the tree is built
on ``S* = S - PV(dividends paid in (0, t])`` (discounted at ``rate``), which
follows a geometric Brownian motion with the given ``vol``; at a node at time
``t_i`` the stock price is ``S*_node + PV_{t_i}(dividends paid after t_i and
up to t)``, and the exercise value uses that stock price.  A dividend whose
ex-date falls on a tree time counts as already paid at that time; at the step
before an ex-date the exercise value also includes committing to exercise at
the ex-date itself (see the roll-back loop).  This is
QuantLib's ``FdBlackScholesVanillaEngine(..., cashDividendModel=Escrowed)``
model (the tests compare against it); note that the same cash dividends in
QuantLib's default ``Spot`` model (the stock drops by the dividend, ``vol``
applies to the full price) give a slightly different price.

Memory is O(steps) per option (one value row), work O(steps**2).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from mmdesk.pricing.american.baw import black_undiscounted
from mmdesk.typing import Float64Array

#: Default number of tree steps (odd, as Leisen–Reimer requires).
DEFAULT_STEPS = 201


def peizer_pratt_inversion_python(z: float, n: int) -> float:
    """Peizer–Pratt method-2 inversion: binomial probability matching N(z) for odd ``n``.

    Parameters
    ----------
    z : float
        Standard normal quantile (d1 or d2).
    n : int
        Odd number of steps.

    Returns
    -------
    float
        The up-probability in (0, 1).
    """
    result = z / (n + 1.0 / 3.0 + 0.1 / (n + 1.0))
    result *= result
    result = math.exp(-result * (n + 1.0 / 6.0))
    sign = 1.0 if z > 0.0 else -1.0
    return 0.5 + sign * math.sqrt(0.25 * (1.0 - result))


peizer_pratt_inversion = numba.njit(cache=True, error_model="numpy")(peizer_pratt_inversion_python)


def odd_steps(steps: int) -> int:
    """The step count the tree uses: ``steps`` if odd, else ``steps + 1``."""
    return steps if steps % 2 == 1 else steps + 1


def lr_tree_one_python(
    spot: float,
    strike: float,
    t: float,
    vol: float,
    rate: float,
    div_yield: float,
    is_call: bool,
    steps: int,
    div_times: Float64Array,
    div_amounts: Float64Array,
    american: bool,
    lattice: Float64Array,
) -> float:
    """Leisen–Reimer American price of one option; lattice greeks written into ``lattice``.

    Parameters
    ----------
    spot, strike : float
        Spot (cum all future dividends) and strike (currency).
    t : float
        Time to expiry (years).
    vol : float
        Annualised vol of the escrowed (ex-dividend) price.
    rate, div_yield : float
        Continuously compounded rate and continuous dividend yield (per year).
    is_call : bool
        Call (True) or put.
    steps : int
        Number of tree steps (raised to the next odd number).
    div_times, div_amounts : ndarray
        Ex-dividend times (years from now) and cash amounts (currency); only
        those in (0, t] matter.
    american : bool
        American (True) or European exercise (the European tree is the
        control used in tests and for QuantLib comparisons).
    lattice : ndarray of 3
        Output: delta (per unit spot), gamma (per unit spot squared) and theta
        (per year) read from the first two tree steps (nodes at t = dt, 2 dt).

    Returns
    -------
    float
        Option value (currency); NaN if the escrowed spot is not positive.
        Far from the money (|d2| beyond ~38, where the Leisen–Reimer
        probabilities round to 0 or 1) the larger of the immediate-exercise and
        European values (:func:`far_from_the_money`).
    """
    omega = 1.0 if is_call else -1.0
    if t <= 0.0:
        lattice[0] = 0.0
        lattice[1] = 0.0
        lattice[2] = 0.0
        if omega * (spot - strike) > 0.0:
            lattice[0] = omega
        return max(omega * (spot - strike), 0.0)
    n = steps if steps % 2 == 1 else steps + 1
    dt = t / n
    # Escrowed-dividend spot: S* = S - PV(dividends in (0, t]).
    n_div = div_times.shape[0]
    x0 = spot
    for k in range(n_div):
        if 0.0 < div_times[k] <= t:
            x0 -= div_amounts[k] * math.exp(-rate * div_times[k])
    if not x0 > 0.0:
        lattice[0] = math.nan
        lattice[1] = math.nan
        lattice[2] = math.nan
        return math.nan

    drift_per_step = (rate - div_yield - 0.5 * vol * vol) * dt
    variance = vol * vol * t
    ermqdt = math.exp(drift_per_step + 0.5 * variance / n)
    d2 = (math.log(x0 / strike) + drift_per_step * n) / math.sqrt(variance)
    pu = peizer_pratt_inversion(d2, n)
    pd = 1.0 - pu
    pdash = peizer_pratt_inversion(d2 + math.sqrt(variance), n)
    up = math.nan
    down = math.nan
    if 0.0 < pu < 1.0:  # degenerate (0 or 1) for d2 beyond ~±38: strike far outside the tree
        up = ermqdt * pdash / pu
        down = (ermqdt - pu * up) / (1.0 - pu)
    if not (0.0 < pu < 1.0 and down > 0.0):
        return far_from_the_money(spot, x0, strike, t, vol, rate, div_yield, is_call, lattice)
    discount = math.exp(-rate * dt)
    disc_pu = discount * pu
    disc_pd = discount * pd
    ratio = up / down
    # Node (i, j) sits at x0 * down**i * ratio**j (+ PV of dividends still to come).
    powers = np.empty(n + 1)
    for j in range(n + 1):
        powers[j] = ratio**j
    # Early exercise can only pay with cash dividends, a call with q > 0 or
    # r < 0, or a put with r > 0 or q < 0; otherwise roll back European values.
    early = american and (
        n_div > 0
        or (is_call and (div_yield > 0.0 or rate < 0.0))
        or ((not is_call) and (rate > 0.0 or div_yield < 0.0))
    )

    values = np.empty(n + 1)
    # Terminal payoff: no dividend remains after expiry.
    base = x0 * down**n
    for j in range(n + 1):
        values[j] = max(omega * (base * powers[j] - strike), 0.0)

    p1d = p1u = p2d = p2m = p2u = 0.0
    for i in range(n - 1, -1, -1):
        ti = i * dt
        pv_rest = 0.0
        for k in range(n_div):
            if ti < div_times[k] <= t:
                pv_rest += div_amounts[k] * math.exp(-rate * (div_times[k] - ti))
        # Exercise right at an ex-dividend time inside (t_i, t_i+1] (a call just
        # before it, a put just after), decided at t_i: worth
        # omega * (S*_i e^{-q tau} + PV_i(dividends still attached) - K e^{-r tau}).
        # Without it the tree could only exercise at t_i, up to dt early (an O(dt) error).
        best_scale = 0.0
        best_shift = -math.inf
        for k in range(n_div):
            tk = div_times[k]
            if ti < tk <= t and tk <= ti + dt:
                tau = tk - ti
                attached = 0.0
                for m in range(n_div):
                    tm = div_times[m]
                    if (tm >= tk if is_call else tm > tk) and tm <= t:
                        attached += div_amounts[m] * math.exp(-rate * (tm - ti))
                scale = math.exp(-div_yield * tau)
                shift_k = omega * (attached - strike * math.exp(-rate * tau))
                if shift_k > best_shift:  # same scale for all k up to e^{-q tau}
                    best_scale = omega * scale
                    best_shift = shift_k
        if early:
            base = x0 * down**i
            shift = pv_rest - strike
            if best_shift > -math.inf:
                for j in range(i + 1):
                    cont = disc_pd * values[j] + disc_pu * values[j + 1]
                    node = base * powers[j]
                    now = omega * (node + shift)
                    at_dividend = best_scale * node + best_shift
                    values[j] = max(cont, max(now, at_dividend))
            else:
                for j in range(i + 1):
                    cont = disc_pd * values[j] + disc_pu * values[j + 1]
                    values[j] = max(cont, omega * (base * powers[j] + shift))
        else:
            for j in range(i + 1):
                values[j] = disc_pd * values[j] + disc_pu * values[j + 1]
        if i == 2:
            p2d = values[0]
            p2m = values[1]
            p2u = values[2]
        elif i == 1:
            p1d = values[0]
            p1u = values[1]

    # Lattice greeks (stock prices include the PV of dividends still to come).
    pv1 = 0.0
    pv2 = 0.0
    pv0 = 0.0
    for k in range(n_div):
        if 0.0 < div_times[k] <= t:
            pv0 += div_amounts[k] * math.exp(-rate * div_times[k])
        if dt < div_times[k] <= t:
            pv1 += div_amounts[k] * math.exp(-rate * (div_times[k] - dt))
        if 2.0 * dt < div_times[k] <= t:
            pv2 += div_amounts[k] * math.exp(-rate * (div_times[k] - 2.0 * dt))
    p0 = values[0]
    if n >= 3:
        s1d = x0 * down + pv1
        s1u = x0 * up + pv1
        s2d = x0 * down * down + pv2
        s2m = x0 * down * up + pv2
        s2u = x0 * up * up + pv2
        delta = (p1u - p1d) / (s1u - s1d)
        delta_u = (p2u - p2m) / (s2u - s2m)
        delta_d = (p2m - p2d) / (s2m - s2d)
        gamma = (delta_u - delta_d) / (0.5 * (s2u - s2d))
        ds = s2m - (x0 + pv0)
        theta = (p2m - p0 - delta * ds - 0.5 * gamma * ds * ds) / (2.0 * dt)
    else:
        delta = math.nan
        gamma = math.nan
        theta = math.nan
    lattice[0] = delta
    lattice[1] = gamma
    lattice[2] = theta
    return p0


def far_from_the_money_python(
    spot: float,
    x0: float,
    strike: float,
    t: float,
    vol: float,
    rate: float,
    div_yield: float,
    is_call: bool,
    lattice: Float64Array,
) -> float:
    """Value when the strike is so far from the spot that the tree degenerates.

    With |d2| beyond ~38 the Leisen–Reimer probabilities round to 0 or 1.  The
    option is then worth its immediate exercise value or its European value
    (on the escrowed spot ``x0``), whichever is larger, to within
    ``exp(-d2**2/2)``; lattice delta/gamma/theta are those of that value.
    """
    omega = 1.0 if is_call else -1.0
    now = max(omega * (spot - strike), 0.0)
    d_q = math.exp(-div_yield * t)
    d_r = math.exp(-rate * t)
    european = black_undiscounted(is_call, strike, x0 * d_q / d_r, vol * math.sqrt(t)) * d_r
    lattice[1] = 0.0
    if now >= european:
        lattice[0] = omega if now > 0.0 else 0.0
        lattice[2] = 0.0
        return now
    lattice[0] = omega * d_q
    lattice[2] = omega * (div_yield * x0 * d_q - rate * strike * d_r)
    return european


far_from_the_money = numba.njit(cache=True, error_model="numpy")(far_from_the_money_python)


lr_tree_one = numba.njit(cache=True, error_model="numpy")(lr_tree_one_python)
