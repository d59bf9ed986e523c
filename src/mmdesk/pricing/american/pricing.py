"""``american_price``: array-first American option prices by BAW, BJS (2002/1993) or LR tree."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from mmdesk.pricing._broadcast import FlatInputs, flatten_inputs
from mmdesk.pricing.american._common import (
    AmericanMethod,
    DividendModel,
    american_price_kernel,
    american_price_kernel_serial,
    method_code,
)
from mmdesk.pricing.american.baw import QL_CRITICAL_PRICE_TOLERANCE
from mmdesk.pricing.american.tree import DEFAULT_STEPS
from mmdesk.typing import BoolLike, Float64Array, FloatLike

#: Dividend schedule as given by callers: (ex-dividend times in years, cash amounts).
DividendsLike = tuple[npt.ArrayLike, npt.ArrayLike]


class CashDividends(NamedTuple):
    """A validated discrete cash-dividend schedule of the underlying.

    Attributes
    ----------
    times : ndarray
        Ex-dividend times in years from now (ACT/365), 1-D float64.
    amounts : ndarray
        Cash amounts per share (currency), 1-D float64, >= 0.
    """

    times: Float64Array
    amounts: Float64Array


NO_DIVIDENDS = CashDividends(np.empty(0), np.empty(0))


def as_method(method: AmericanMethod | str) -> AmericanMethod:
    """Parse a method name (``"baw"``, ``"bjs2002"``, ``"bjs1993"``, ``"tree"``)."""
    try:
        return AmericanMethod(method)
    except ValueError:
        names = ", ".join(repr(m.value) for m in AmericanMethod)
        raise ValueError(f"method must be one of {names}, got {method!r}") from None


def as_dividends(dividends: DividendsLike | None, method: AmericanMethod) -> CashDividends:
    """Validate a ``(times, amounts)`` cash-dividend schedule (tree method only)."""
    if dividends is None:
        return NO_DIVIDENDS
    if method is not AmericanMethod.TREE:
        raise ValueError(
            f"dividends are only supported by method='tree', got method={method.value!r}; "
            "the closed forms take a continuous div_yield"
        )
    try:
        raw_times, raw_amounts = dividends
    except (TypeError, ValueError):
        raise ValueError(
            f"dividends must be a pair (times_in_years, cash_amounts), got {dividends!r:.80}"
        ) from None
    times = np.ascontiguousarray(raw_times, dtype=np.float64).reshape(-1)
    amounts = np.ascontiguousarray(raw_amounts, dtype=np.float64).reshape(-1)
    if times.shape != amounts.shape:
        raise ValueError(
            f"dividends times and amounts differ in length: {times.size} vs {amounts.size}"
        )
    if not np.all(np.isfinite(times)):
        raise ValueError(f"dividend times must be finite, got {times.tolist()}")
    bad = ~(np.isfinite(amounts) & (amounts >= 0.0))
    if np.any(bad):
        raise ValueError(f"dividend amounts must be finite and >= 0, got {amounts[bad][0]!r}")
    return CashDividends(times, amounts)


def as_dividend_model(model: DividendModel | str) -> DividendModel:
    """Parse a dividend model name (``"escrowed"``, ``"spot"``)."""
    try:
        return DividendModel(model)
    except ValueError:
        names = ", ".join(repr(m.value) for m in DividendModel)
        raise ValueError(f"dividend_model must be one of {names}, got {model!r}") from None


def check_steps(steps: int) -> int:
    """Validate the tree step count (>= 3)."""
    if not isinstance(steps, int | np.integer) or steps < 3:
        raise ValueError(f"steps must be an integer >= 3, got {steps!r}")
    return int(steps)


def flatten_american(
    spot: FloatLike,
    strike: FloatLike,
    t: FloatLike,
    vol: FloatLike,
    rate: FloatLike,
    div_yield: FloatLike,
    is_call: BoolLike,
) -> FlatInputs:
    """Broadcast the seven option inputs to flat arrays (see ``_broadcast``)."""
    return flatten_inputs(
        {
            "spot": spot,
            "strike": strike,
            "t": t,
            "vol": vol,
            "rate": rate,
            "div_yield": div_yield,
        },
        {"is_call": is_call},
    )


def price_flat(
    method: AmericanMethod,
    flat: FlatInputs,
    dividends: CashDividends,
    steps: int,
    dividend_model: DividendModel = DividendModel.ESCROWED,
    baw_tolerance: float = QL_CRITICAL_PRICE_TOLERANCE,
) -> tuple[Float64Array, Float64Array]:
    """Run the price kernel on flat inputs: (prices, lattice greeks rows (3, m))."""
    out = flat.empty()
    lattice = flat.empty(3)
    # The tree costs ~steps**2 per option: threads pay off from a handful of options.
    parallel = flat.parallel or (method is AmericanMethod.TREE and flat.size >= 8)
    kernel = american_price_kernel if parallel else american_price_kernel_serial
    spot, strike, t, vol, rate, div_yield = flat.floats
    (is_call,) = flat.flags
    kernel(
        method_code(method, dividend_model),
        spot,
        strike,
        t,
        vol,
        rate,
        div_yield,
        is_call,
        steps,
        dividends.times,
        dividends.amounts,
        baw_tolerance,
        out,
        lattice,
    )
    return out, lattice


def american_price(
    spot: FloatLike,
    strike: FloatLike,
    t: FloatLike,
    vol: FloatLike,
    rate: FloatLike,
    div_yield: FloatLike,
    is_call: BoolLike,
    method: AmericanMethod | str = AmericanMethod.BAW,
    *,
    dividends: DividendsLike | None = None,
    steps: int = DEFAULT_STEPS,
    dividend_model: DividendModel | str = DividendModel.ESCROWED,
) -> float | Float64Array:
    """Price American options (array-first: all inputs broadcast numpy-style).

    Parameters
    ----------
    spot : float or array_like
        Underlying price S (currency), cum all future cash dividends.
    strike : float or array_like
        Strike K (currency).
    t : float or array_like
        Time to expiry in years (ACT/365).
    vol : float or array_like
        Annualised vol (0.20 = 20 vol points); with cash dividends, the vol of
        the escrowed price ``S − PV(dividends)``.
    rate : float or array_like
        Continuously compounded risk-free rate per year.
    div_yield : float or array_like
        Continuously compounded dividend (borrow) yield per year.
    is_call : bool or array_like of bool
        True for calls, False for puts.
    method : {"baw", "bjs2002", "bjs1993", "tree"} or AmericanMethod
        ``"baw"`` Barone-Adesi–Whaley (QuantLib's engine to rounding),
        ``"bjs2002"`` Bjerksund–Stensland 2002, ``"bjs1993"`` Bjerksund–Stensland
        1993 (QuantLib's engine to rounding), ``"tree"`` Leisen–Reimer binomial
        tree (QuantLib's ``BinomialLRVanillaEngine`` at the same odd step count).
    dividends : (times, amounts), optional
        Discrete cash dividends of the underlying, shared by all options:
        ex-dividend times in years from now and cash amounts per share
        (currency).  Tree only.
    steps : int, default 201
        Tree steps; an even count is raised by one (Leisen–Reimer needs odd).
    dividend_model : {"escrowed", "spot"}, default "escrowed"
        Tree with cash dividends: ``"escrowed"`` — ``S − PV(dividends)`` is
        lognormal with ``vol``; ``"spot"`` — the stock is lognormal with
        ``vol`` between ex-dates and drops by each dividend (QuantLib's FD
        default).  See ``docs/american.md``.

    Returns
    -------
    float or ndarray
        Price in currency.  NaN per option for invalid inputs (NaN/inf,
        ``spot <= 0``, ``strike <= 0``, ``t < 0``, ``vol < 0``) and where a
        method does not apply (BAW with a negative rate and early exercise
        possible, or its critical-price iteration diverging; BJS double-boundary
        cases ``r < q < 0``).  ``t == 0`` gives intrinsic, ``vol == 0`` the best
        deterministic exercise value.

    Raises
    ------
    ValueError
        Unknown method, dividends with a closed-form method, malformed
        dividends, ``steps < 3``, or inputs that do not broadcast.

    Examples
    --------
    >>> round(american_price(100.0, 100.0, 1.0, 0.2, 0.05, 0.0, False, "tree", steps=801), 2)
    6.09
    """
    m = as_method(method)
    divs = as_dividends(dividends, m)
    n_steps = check_steps(steps)
    model = as_dividend_model(dividend_model)
    flat = flatten_american(spot, strike, t, vol, rate, div_yield, is_call)
    out, _ = price_flat(m, flat, divs, n_steps, model)
    return flat.finish(out)
