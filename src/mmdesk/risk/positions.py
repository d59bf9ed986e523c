"""A book's positions, cash and exposures for one underlying and its option chain.

Positions are signed contracts per option and signed shares of the
underlying; cash is in currency and includes every premium, hedge and fee.
Marked to a set of option values and a spot, the book's value is
cash + shares·S + Σ position·multiplier·value.

Greeks come in per share of underlying (as the pricing kernels give them);
the multiplier turns them into per-contract exposures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from mmdesk.risk.headroom import BookExposure, ContractRisk
from mmdesk.typing import Float64Array


@dataclass(frozen=True, slots=True)
class ChainLayout:
    """Static description of the option chain a book trades.

    Attributes
    ----------
    expiry : ndarray of int
        Expiry-bucket index of each option (0..n_expiries−1).
    strike_cell : ndarray of int
        Index of each option's (expiry, strike) cell (calls and puts share it).
    n_expiries : int
        Number of expiry buckets.
    n_strike_cells : int
        Number of (expiry, strike) cells.
    multiplier : float
        Shares per contract.
    """

    expiry: np.ndarray
    strike_cell: np.ndarray
    n_expiries: int
    n_strike_cells: int
    multiplier: float

    @classmethod
    def from_arrays(
        cls, expiry_ns: np.ndarray, strike: Float64Array, multiplier: float
    ) -> ChainLayout:
        """Build the bucket indices from each option's expiry time (ns) and strike."""
        expiries, expiry = np.unique(expiry_ns, return_inverse=True)
        pairs = np.stack([expiry.astype(np.float64), np.asarray(strike, dtype=np.float64)], axis=1)
        cells, strike_cell = np.unique(pairs, axis=0, return_inverse=True)
        return cls(
            expiry=expiry.astype(np.int64),
            strike_cell=strike_cell.reshape(-1).astype(np.int64),
            n_expiries=len(expiries),
            n_strike_cells=len(cells),
            multiplier=float(multiplier),
        )


class Positions:
    """Signed option contracts, underlying shares and cash of one book."""

    def __init__(self, layout: ChainLayout, cash: float = 0.0) -> None:
        self.layout = layout
        self.contracts = np.zeros(len(layout.expiry), dtype=np.float64)
        self.shares = 0.0
        self.cash = float(cash)
        self.fees = 0.0

    def fill_option(self, option: int, signed_qty: float, price: float, fee: float) -> None:
        """Book an option fill: +qty bought at ``price`` (per share), paying ``fee`` (currency)."""
        self.contracts[option] += signed_qty
        self.cash -= signed_qty * price * self.layout.multiplier + fee
        self.fees += fee

    def fill_underlying(self, signed_shares: float, price: float, fee: float) -> None:
        """Book an underlying fill: +shares bought at ``price``, paying ``fee`` (currency)."""
        self.shares += signed_shares
        self.cash -= signed_shares * price + fee
        self.fees += fee

    def settle_option(self, option: int, settlement_value: float) -> None:
        """Cash-settle an expiring option at its intrinsic value (per share)."""
        self.cash += self.contracts[option] * settlement_value * self.layout.multiplier
        self.contracts[option] = 0.0

    def value(self, option_values: Float64Array, spot: float) -> float:
        """Mark-to-market value: cash + shares·S + Σ contracts·multiplier·value (currency)."""
        return float(
            self.cash
            + self.shares * spot
            + self.layout.multiplier * np.dot(self.contracts, option_values)
        )

    def contract_risk(
        self,
        delta: Float64Array,
        gamma: Float64Array,
        vega: Float64Array,
        spot: float,
        strike_limit: Float64Array,
    ) -> ContractRisk:
        """Per-contract exposures of each option from per-share greeks.

        Parameters
        ----------
        delta, gamma, vega : ndarray
            Per-share greeks of each option (natural units).
        spot : float
            Underlying price.
        strike_limit : ndarray, shape (n_strike_cells,)
            Gross contract limit of each (expiry, strike) cell.
        """
        m = self.layout.multiplier
        return ContractRisk(
            delta=delta * m,
            gamma=gamma * m,
            vega=vega * m,
            notional=np.full(delta.shape, m * spot),
            expiry=self.layout.expiry,
            strike_cell=self.layout.strike_cell,
            strike_limit=strike_limit[self.layout.strike_cell],
        )

    def risk_and_exposure(
        self,
        delta: Float64Array,
        gamma: Float64Array,
        vega: Float64Array,
        spot: float,
        strike_limit: Float64Array,
    ) -> tuple[ContractRisk, BookExposure]:
        """:meth:`contract_risk` and :meth:`exposure` of it, with one kernel pass (the same
        values); arguments as in :meth:`contract_risk` (contiguous float64 arrays)."""
        lay = self.layout
        q = self.contracts
        n = q.shape[0]
        # separate arrays, as contract_risk makes them (np.dot sees the same memory layout)
        rows = [np.empty(n) for _ in range(6)]
        ev, eg, ec = np.zeros(lay.n_expiries), np.zeros(lay.n_expiries), np.zeros(lay.n_expiries)
        sc = np.zeros(lay.n_strike_cells)
        risk_rows(
            q, delta, gamma, vega, lay.multiplier, float(spot), strike_limit, lay.expiry,
            lay.strike_cell, rows[0], rows[1], rows[2], rows[3], rows[4], rows[5],
            ev, eg, ec, sc,
        )  # fmt: skip
        risk = ContractRisk(
            delta=rows[0],
            gamma=rows[1],
            vega=rows[2],
            notional=rows[3],
            expiry=lay.expiry,
            strike_cell=lay.strike_cell,
            strike_limit=rows[4],
        )
        book = BookExposure(
            delta=float(np.dot(q, risk.delta) + self.shares),
            gamma=float(np.dot(q, risk.gamma)),
            vega=float(np.dot(q, risk.vega)),
            notional=float(rows[5].sum() * lay.multiplier * spot + abs(self.shares) * spot),
            expiry_vega=ev,
            expiry_gamma=eg,
            expiry_contracts=ec,
            strike_contracts=sc,
            position=q.copy(),
        )
        return risk, book

    def exposure(self, risk: ContractRisk, spot: float) -> BookExposure:
        """Aggregate the book's exposures per name, expiry and strike cell."""
        lay = self.layout
        q = self.contracts
        gross = np.empty(q.shape[0])
        ev, eg, ec = np.zeros(lay.n_expiries), np.zeros(lay.n_expiries), np.zeros(lay.n_expiries)
        sc = np.zeros(lay.n_strike_cells)
        bucket_sums(q, risk.vega, risk.gamma, lay.expiry, lay.strike_cell, gross, ev, eg, ec, sc)
        return BookExposure(
            delta=float(np.dot(q, risk.delta) + self.shares),
            gamma=float(np.dot(q, risk.gamma)),
            vega=float(np.dot(q, risk.vega)),
            notional=float(gross.sum() * lay.multiplier * spot + abs(self.shares) * spot),
            expiry_vega=ev,
            expiry_gamma=eg,
            expiry_contracts=ec,
            strike_contracts=sc,
            position=q.copy(),
        )


def risk_rows_python(
    q: Float64Array,
    delta: Float64Array,
    gamma: Float64Array,
    vega: Float64Array,
    multiplier: float,
    spot: float,
    strike_limit_cells: Float64Array,
    expiry: np.ndarray,
    strike_cell: np.ndarray,
    r_delta: Float64Array,
    r_gamma: Float64Array,
    r_vega: Float64Array,
    r_notional: Float64Array,
    r_strike_limit: Float64Array,
    gross: Float64Array,
    expiry_vega: Float64Array,
    expiry_gamma: Float64Array,
    expiry_contracts: Float64Array,
    strike_contracts: Float64Array,
) -> None:
    """:meth:`Positions.contract_risk`'s rows and :func:`bucket_sums` in one pass.

    Per option: greeks per contract (per-share ``delta``, ``gamma``, ``vega`` ×
    ``multiplier``), the notional one contract adds (``multiplier · spot``,
    currency) and its strike cell's limit; then the bucket sums of the zeroed
    per-expiry and per-cell outputs as :func:`bucket_sums` adds them.
    """
    notional = multiplier * spot
    for i in range(q.shape[0]):
        r_delta[i] = delta[i] * multiplier
        r_gamma[i] = gamma[i] * multiplier
        r_vega[i] = vega[i] * multiplier
        r_notional[i] = notional
        r_strike_limit[i] = strike_limit_cells[strike_cell[i]]
    bucket_sums(
        q, r_vega, r_gamma, expiry, strike_cell, gross,
        expiry_vega, expiry_gamma, expiry_contracts, strike_contracts,
    )  # fmt: skip


def bucket_sums_python(
    q: Float64Array,
    vega: Float64Array,
    gamma: Float64Array,
    expiry: np.ndarray,
    strike_cell: np.ndarray,
    gross: Float64Array,
    expiry_vega: Float64Array,
    expiry_gamma: Float64Array,
    expiry_contracts: Float64Array,
    strike_contracts: Float64Array,
) -> None:
    """Gross contracts per option and the book's sums per expiry and strike cell.

    Adds ``q·vega``, ``q·gamma`` and ``|q|`` of each option (contracts; greeks per
    contract) into its expiry's entry of the zeroed outputs and ``|q|`` into its
    strike cell's, in option order (``np.bincount``'s order, so its floats);
    writes ``|q|`` into ``gross``.
    """
    for i in range(q.shape[0]):
        g = abs(q[i])
        gross[i] = g
        e = expiry[i]
        expiry_vega[e] += q[i] * vega[i]
        expiry_gamma[e] += q[i] * gamma[i]
        expiry_contracts[e] += g
        strike_contracts[strike_cell[i]] += g


bucket_sums = numba.njit(cache=True)(bucket_sums_python)


risk_rows = numba.njit(cache=True)(risk_rows_python)
