"""Leisen–Reimer tree with cash dividends in the *spot* model: the stock drops by the dividend.

In this model (QuantLib's ``FdBlackScholesVanillaEngine`` default,
``cashDividendModel=Spot``) the stock follows a geometric Brownian motion with
the given vol between ex-dates and falls by the cash amount at each ex-date;
the vol applies to the full (cum-dividend) price.  The tree is the Leisen–Reimer
lattice of :mod:`mmdesk.pricing.american.tree` on the spot itself; when the
roll-back crosses an ex-date in ``(t_i, t_i+1]`` the values at ``t_i+1`` are
turned into cum-dividend values by ``V(t_i+1^-, S) = V(t_i+1, max(S − D, 0))``,
quadratic (3-point Lagrange) interpolation between the nodes of that step
(linear extrapolation beyond its ends; values floored at 0), and exercise
just before the dividend is allowed there (``max(V, payoff(S))``).  The
ex-date moves to the next tree time (an O(dt) error); memory O(steps).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from mmdesk.pricing.american.tree import far_from_the_money, peizer_pratt_inversion
from mmdesk.typing import Float64Array


def _shift_by_dividend_python(
    values: Float64Array,
    scratch: Float64Array,
    count: int,
    base: float,
    ratio: float,
    log_ratio: float,
    dividend: float,
    omega: float,
    strike: float,
    american: bool,
) -> None:
    """Replace ``values[:count]`` on nodes ``base * ratio**j`` by ``V(S - dividend)``."""
    for j in range(count):
        s = base * ratio**j
        # A dividend larger than the stock leaves a worthless stock (S >= 0).
        target = max(s - dividend, 0.0)
        top = base * ratio ** (count - 1)
        if target <= base or target >= top or count < 3:
            # Outside the nodes: linear extrapolation from the two end nodes
            # (exact where the value is linear: exercise region, worthless wing).
            k = 0 if target <= base else count - 2
            x_a = base * ratio**k
            x_b = x_a * ratio
            v = values[k] + (target - x_a) * (values[k + 1] - values[k]) / (x_b - x_a)
        else:
            k = math.floor(math.log(target / base) / log_ratio)
            # Quadratic (3-point Lagrange) through the nodes around the target.
            k = min(max(k, 0), count - 3)
            x_a = base * ratio**k
            x_b = x_a * ratio
            x_c = x_b * ratio
            v = (
                values[k] * (target - x_b) * (target - x_c) / ((x_a - x_b) * (x_a - x_c))
                + values[k + 1] * (target - x_a) * (target - x_c) / ((x_b - x_a) * (x_b - x_c))
                + values[k + 2] * (target - x_a) * (target - x_b) / ((x_c - x_a) * (x_c - x_b))
            )
        v = max(v, 0.0)
        if american:
            v = max(v, omega * (s - strike))
        scratch[j] = v
    for j in range(count):
        values[j] = scratch[j]


_shift_by_dividend = numba.njit(cache=True, error_model="numpy")(_shift_by_dividend_python)


def lr_tree_spot_one_python(
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
    """American (or European) price of one option in the spot-dividend model.

    Parameters and outputs as :func:`mmdesk.pricing.american.tree.lr_tree_one`,
    except that ``vol`` is the vol of the cum-dividend stock price.
    """
    omega = 1.0 if is_call else -1.0
    if t <= 0.0:
        lattice[0] = omega if omega * (spot - strike) > 0.0 else 0.0
        lattice[1] = 0.0
        lattice[2] = 0.0
        return max(omega * (spot - strike), 0.0)
    lattice[0] = math.nan
    lattice[1] = math.nan
    lattice[2] = math.nan
    n = steps if steps % 2 == 1 else steps + 1
    dt = t / n
    n_div = div_times.shape[0]
    x0 = spot
    drift_per_step = (rate - div_yield - 0.5 * vol * vol) * dt
    variance = vol * vol * t
    ermqdt = math.exp(drift_per_step + 0.5 * variance / n)
    d2 = (math.log(x0 / strike) + drift_per_step * n) / math.sqrt(variance)
    pu = peizer_pratt_inversion(d2, n)
    pdash = peizer_pratt_inversion(d2 + math.sqrt(variance), n)
    up = math.nan
    down = math.nan
    if 0.0 < pu < 1.0:
        up = ermqdt * pdash / pu
        down = (ermqdt - pu * up) / (1.0 - pu)
    if not (0.0 < pu < 1.0 and down > 0.0):
        # Far from the money: immediate or European value on the escrowed spot.
        escrowed = spot
        for k in range(n_div):
            if 0.0 < div_times[k] <= t:
                escrowed -= div_amounts[k] * math.exp(-rate * div_times[k])
        return far_from_the_money(
            spot, max(escrowed, 0.0), strike, t, vol, rate, div_yield, is_call, lattice
        )
    discount = math.exp(-rate * dt)
    disc_pu = discount * pu
    disc_pd = discount * (1.0 - pu)
    ratio = up / down
    log_ratio = math.log(ratio)
    powers = np.empty(n + 1)
    for j in range(n + 1):
        powers[j] = ratio**j
    values = np.empty(n + 1)
    scratch = np.empty(n + 1)
    base = x0 * down**n
    for j in range(n + 1):
        values[j] = max(omega * (base * powers[j] - strike), 0.0)

    p1d = p1u = p2d = p2m = p2u = 0.0
    for i in range(n - 1, -1, -1):
        # Dividends going ex in (t_i, t_i+1]: values at t_i+1 become cum-dividend.
        t_lo = i * dt
        t_hi = t if i == n - 1 else (i + 1) * dt
        paid = 0.0
        for k in range(n_div):
            if t_lo < div_times[k] <= t_hi and div_times[k] <= t:
                paid += div_amounts[k]
        if paid > 0.0:
            _shift_by_dividend(
                values, scratch, i + 2, x0 * down ** (i + 1), ratio, log_ratio,
                paid, omega, strike, american,
            )  # fmt: skip
        base = x0 * down**i
        if american:
            for j in range(i + 1):
                cont = disc_pd * values[j] + disc_pu * values[j + 1]
                values[j] = max(cont, omega * (base * powers[j] - strike))
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

    p0 = values[0]
    if n >= 3:
        s1d = x0 * down
        s1u = x0 * up
        s2d = x0 * down * down
        s2m = x0 * down * up
        s2u = x0 * up * up
        delta = (p1u - p1d) / (s1u - s1d)
        gamma = ((p2u - p2m) / (s2u - s2m) - (p2m - p2d) / (s2m - s2d)) / (0.5 * (s2u - s2d))
        ds = s2m - x0
        lattice[0] = delta
        lattice[1] = gamma
        lattice[2] = (p2m - p0 - delta * ds - 0.5 * gamma * ds * ds) / (2.0 * dt)
    return p0


lr_tree_spot_one = numba.njit(cache=True, error_model="numpy")(lr_tree_spot_one_python)
