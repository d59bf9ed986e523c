"""Internal crossing: a prop book trades with the central book at mid ± a risk adjustment.

The agreement (see ``docs/firm.md``). The central book's risk is a quadratic
form over its greek buckets, x = (Δ_book; V_1 … V_B) — delta in shares, vega
per expiry bucket in currency per 1.00 vol::

    R(x) = h · (σ_S²S² · Δ_book² + Σ_b η_b² · V_b²)        (currency²)

with σ_S²S² the underlying's price-variance rate (currency² per share² per
second), η_b² bucket b's implied-vol variance rate ((vol units)² per second)
and h the horizon (seconds) — the variance of the book's greek P&L over h
under the factor model of :func:`mmdesk.desk.glft.factor_covariance_with_book`
(factors uncorrelated, so W is diagonal). A cross of q contracts of option i
moves the central book by −q·(δ_i, ν_i); its marginal risk is

    ΔR = R(x + Δx) − R(x) = h · (2 q_c (Σx)_i + q_c² σ_i²),   q_c = −q,

with (Σx)_i and σ_i² exactly the per-option covariance with the book and own
variance of ``factor_covariance_with_book``. The price, in currency per share,
with s = sign(q) (+ when the prop book buys) and hs the internal half-spread:

- ΔR < 0 (the cross takes risk off the central book):
  price = mid − s · share · hs (the prop book gets ``share`` of the half-spread back);
- otherwise: price = mid + s · (hs + κ · ΔR / (|q| · multiplier)): the full
  half-spread plus a premium whose total value κ·ΔR (currency, κ in 1/currency
  — a certainty-equivalent of the added variance) grows with the marginal risk.

Both books' risk gates must approve the cross (options through
``RiskGate.check_option_order``, the underlying through ``check_hedge``, each
with the mid as theo for the collar). The central book's gate also checks the
delta it would hold after the cross with a margin for its resting quotes
(``CrossMarks.quote_reach``, :meth:`RiskGate.check_cross_delta`): a cross that
adds delta must leave room for ``sweep_share`` of everything its quotes would
add in that direction inside the hard limit (and the cross itself inside the
quoting, breach-fraction, limit). The approved cross is one
:class:`~mmdesk.desk.firm_records.CrossRecord`, appended to both books'
journals and booked at its one price into both books' positions, so internal
crosses net to zero for the firm.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from mmdesk.desk.firm_records import (
    CrossReason,
    CrossRecord,
    CrossRequest,
    CrossRole,
    InternalQuote,
    frozen_copy,
)
from mmdesk.desk.glft import factor_covariance_with_book
from mmdesk.risk.gate import Decision, RiskGate, RiskReason
from mmdesk.risk.headroom import BookExposure, ContractRisk
from mmdesk.risk.positions import Positions
from mmdesk.typing import Float64Array


class CrossingConfig(BaseModel):
    """The internal crossing agreement between the central book and its prop books."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    favourable_share: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="share of the half-spread given back to a prop book whose cross reduces "
        "the central book's risk (0 = trade at mid, 1 = at the far side of the spread)",
    )
    risk_premium: float = Field(
        1e-3,
        ge=0.0,
        description="κ, 1/currency: the premium charged is κ·ΔR currency for ΔR currency² "
        "of risk added (a certainty-equivalent: κ plays γ/2 of a mean-variance book)",
    )
    horizon_s: float = Field(
        23_400.0,
        gt=0.0,
        description="horizon h of the risk measure, seconds (default one 6.5-hour session)",
    )
    partial: bool = Field(
        True,
        description="a cross that would take the central book's delta past what its gate "
        "allows is cut to the whole contracts or shares that fit (False: denied whole)",
    )


@dataclass(frozen=True, slots=True)
class CrossMarks:
    """The central book's marks a cross is priced and risk-checked with.

    Attributes
    ----------
    spot : float
        Underlying price, currency.
    delta, gamma, vega : ndarray, shape (n_options,)
        Per-share greeks of each option (shares; shares per 1.00 spot; currency per 1.00 vol).
    strike_limit : ndarray, shape (n_strike_cells,)
        Gross contract limit of each (expiry, strike) cell (pin-window aware).
    tick : float
        Price increment for the gates' collar, currency.
    spot_variance : float
        σ_S²S², currency² per share² per second.
    volvol_variance : ndarray, shape (n_expiries,)
        η_b², (vol units)² per second.
    quote_reach : tuple of float
        Margin of the central book's resting quotes on its delta, shares up and
        down (``sweep_share`` × :func:`~mmdesk.risk.headroom.quote_reach`); a cross
        adding delta must leave room for it (:meth:`RiskGate.check_cross_delta`).
    """

    spot: float
    delta: Float64Array
    gamma: Float64Array
    vega: Float64Array
    strike_limit: Float64Array
    tick: float
    spot_variance: float
    volvol_variance: Float64Array
    quote_reach: tuple[float, float] = (0.0, 0.0)

    @classmethod
    def make(
        cls,
        spot: float,
        delta: Float64Array,
        gamma: Float64Array,
        vega: Float64Array,
        strike_limit: Float64Array,
        tick: float,
        spot_variance: float,
        volvol_variance: Float64Array,
        quote_reach: tuple[float, float] = (0.0, 0.0),
    ) -> CrossMarks:
        """Validated marks with private read-only copies of the arrays."""
        for name, x in (("spot", spot), ("tick", tick), ("spot_variance", spot_variance)):
            if not (math.isfinite(x) and x >= 0.0):
                raise ValueError(f"{name}={x} must be a finite number >= 0")
        d, g, v = (
            frozen_copy(delta, "delta"),
            frozen_copy(gamma, "gamma"),
            frozen_copy(vega, "vega"),
        )
        if not d.shape == g.shape == v.shape:
            raise ValueError(f"greek shapes differ: delta {d.shape} gamma {g.shape} vega {v.shape}")
        up, down = (float(x) for x in quote_reach)
        if not (math.isfinite(up) and math.isfinite(down) and up >= 0.0 and down >= 0.0):
            raise ValueError(f"quote_reach={quote_reach} must be finite numbers >= 0")
        vv = frozen_copy(volvol_variance, "volvol_variance")
        if np.any(~np.isfinite(vv) | (vv < 0.0)):
            raise ValueError(f"volvol_variance={vv} must be finite and >= 0")
        return cls(
            float(spot),
            d,
            g,
            v,
            frozen_copy(strike_limit, "strike_limit"),
            float(tick),
            float(spot_variance),
            vv,
            (up, down),
        )


def greek_buckets(positions: Positions, marks: CrossMarks) -> tuple[float, Float64Array]:
    """A book's greek buckets x: delta (shares, hedge included) and vega per expiry.

    Returns
    -------
    delta : float
        Shares.
    vega : ndarray, shape (n_expiries,)
        Currency per 1.00 vol per expiry bucket.
    """
    lay = positions.layout
    m = lay.multiplier
    q = positions.contracts
    delta = float(np.dot(q, marks.delta) * m + positions.shares)
    vega = np.bincount(lay.expiry, q * marks.vega * m, lay.n_expiries).astype(np.float64)
    return delta, vega


def greek_bucket_risk(
    delta: float,
    vega: Float64Array,
    spot_variance: float,
    volvol_variance: Float64Array,
    horizon_s: float,
) -> float:
    """R(x) = h · (σ_S²S² Δ² + Σ_b η_b² V_b²), currency².

    Parameters
    ----------
    delta : float
        Book delta, shares.
    vega : ndarray
        Book vega per expiry bucket, currency per 1.00 vol.
    spot_variance : float
        σ_S²S², currency² per share² per second.
    volvol_variance : ndarray
        η_b², (vol units)² per second.
    horizon_s : float
        h, seconds.
    """
    return float(horizon_s * (spot_variance * delta * delta + np.dot(volvol_variance, vega * vega)))


def marginal_risk(
    positions: Positions, marks: CrossMarks, instrument: int, book_qty: float, horizon_s: float
) -> float:
    """ΔR = R(x + Δx) − R(x) of trading ``book_qty`` of ``instrument`` into ``positions``.

    Computed as h·(2 q (Σx)_i + q² σ_i²) from
    :func:`~mmdesk.desk.glft.factor_covariance_with_book`, which equals the
    difference of :func:`greek_bucket_risk` before and after.

    Parameters
    ----------
    positions : Positions
        The book taking the trade (the central book).
    marks : CrossMarks
        Greeks and factor variances.
    instrument : int
        0 = underlying, i + 1 = option i.
    book_qty : float
        Signed size the book takes (contracts or shares).
    horizon_s : float
        h, seconds.

    Returns
    -------
    float
        currency².
    """
    m = positions.layout.multiplier
    if instrument == 0:
        d, v, b = np.ones(1), np.zeros(1), np.zeros(1, dtype=np.int64)
    else:
        i = instrument - 1
        d = marks.delta[i : i + 1] * m
        v = marks.vega[i : i + 1] * m
        b = positions.layout.expiry[i : i + 1]
    book_delta, book_vega = greek_buckets(positions, marks)
    cov, own = factor_covariance_with_book(
        d, v, b, book_delta, book_vega, marks.spot_variance, marks.volvol_variance
    )
    return float(horizon_s * (2.0 * book_qty * cov[0] + book_qty * book_qty * own[0]))


def price_cross(
    request: CrossRequest, quote: InternalQuote, delta_risk: float, config: CrossingConfig
) -> tuple[float, float, CrossReason]:
    """The cross price from the internal quote and the central book's marginal risk.

    Parameters
    ----------
    request : CrossRequest
        Instrument and signed size (+ = the prop book buys).
    quote : InternalQuote
        Internal mid and half-spread, currency per share.
    delta_risk : float
        ΔR of the central book, currency².
    config : CrossingConfig
        The agreement.

    Returns
    -------
    price : float
        Currency per share.
    adjustment : float
        price − mid, currency per share.
    reason : CrossReason
    """
    ins = request.instrument
    if ins >= quote.mid.size:
        raise ValueError(f"instrument={ins} outside the internal quote (size {quote.mid.size})")
    mid, hs = float(quote.mid[ins]), float(quote.half_spread[ins])
    if not (math.isfinite(mid) and math.isfinite(hs)):
        raise ValueError(f"no internal price for instrument={ins}: mid={mid}, half_spread={hs}")
    s = 1.0 if request.qty > 0 else -1.0
    if delta_risk < 0.0:
        adj, reason = -s * config.favourable_share * hs, CrossReason.REDUCES_RISK
    else:
        shares = abs(request.qty) * (quote.multiplier if ins > 0 else 1.0)
        adj = s * (hs + config.risk_premium * delta_risk / shares)
        reason = CrossReason.ADDS_RISK
    return mid + adj, adj, reason


def apply_cross(positions: Positions, record: CrossRecord, role: CrossRole) -> None:
    """Book a cross into a book's positions at the record's one price (no fee).

    The central book applies it with ``CrossRole.CENTRAL`` exactly like a venue
    fill, so its skew leans on the new inventory like on any other.
    """
    qty = record.signed_qty(role)
    if record.instrument == 0:
        positions.fill_underlying(qty, record.price, 0.0)
    else:
        positions.fill_option(record.instrument - 1, qty, record.price, 0.0)


@dataclass(eq=False)
class BookLedger:
    """A book's side of the crossing: positions, risk gate and cross journal."""

    name: str
    positions: Positions
    gate: RiskGate
    crosses: list[CrossRecord] = field(default_factory=list)

    def risk(self, marks: CrossMarks) -> tuple[ContractRisk, BookExposure]:
        """Per-contract risk and aggregated exposures of the book at ``marks``."""
        return self.positions.risk_and_exposure(
            marks.delta, marks.gamma, marks.vega, marks.spot, marks.strike_limit
        )

    def check(
        self, ts_ns: int, instrument: int, qty: float, price: float, mid: float, marks: CrossMarks
    ) -> Decision:
        """Ask this book's gate about taking ``qty`` (signed) of ``instrument`` at ``price``."""
        risk, book = self.risk(marks)
        if instrument == 0:
            return self.gate.check_hedge(ts_ns, qty, price, mid, marks.tick, book, marks.spot)
        return self.gate.check_option_order(
            ts_ns, instrument - 1, qty, price, mid, marks.tick, book, risk
        )

    def book(self, record: CrossRecord, role: CrossRole) -> None:
        """Journal the cross and book it into the positions."""
        self.crosses.append(record)
        apply_cross(self.positions, record, role)


@dataclass(frozen=True, slots=True)
class CrossDenial:
    """A cross one of the gates refused (the gate journals its own event too)."""

    ts_ns: int
    prop: str
    instrument: int
    qty: float
    price: float
    denied_by: CrossRole
    reason: RiskReason


class InternalCrossing:
    """The crossing desk: prices a prop book's request, asks both gates, books both sides.

    Parameters
    ----------
    config : CrossingConfig
        The agreement.
    central : BookLedger
        The central book's ledger (positions, gate, crosses).
    accept : callable, optional
        Books an approved cross on the central side instead of
        ``central.book(record, CrossRole.CENTRAL)`` — e.g.
        :meth:`mmdesk.desk.central.CentralBook.accept_cross`, which books the
        same ledger and also journals the cross and marks the quotes dirty.
    """

    def __init__(
        self,
        config: CrossingConfig,
        central: BookLedger,
        accept: Callable[[CrossRecord], None] | None = None,
    ) -> None:
        self.config = config
        self._central = central
        self._accept = accept

    def _central_delta(self, instrument: int, marks: CrossMarks) -> tuple[float, float]:
        """The central book's delta now and per unit of ``instrument`` it takes (shares)."""
        before, _ = greek_buckets(self._central.positions, marks)
        m = self._central.positions.layout.multiplier
        return before, 1.0 if instrument == 0 else float(marks.delta[instrument - 1]) * m

    def _central_delta_room(
        self, ts_ns: int, instrument: int, book_qty: float, marks: CrossMarks
    ) -> Decision:
        """The central book's delta after the cross, with the margin for its resting quotes."""
        central = self._central
        before, per = self._central_delta(instrument, marks)
        return central.gate.check_cross_delta(
            ts_ns, before, before + book_qty * per, marks.quote_reach
        )

    def _fitting_qty(self, instrument: int, qty: float, marks: CrossMarks) -> float:
        """The part of a prop book's signed ``qty`` the central book's delta gate can take.

        ``qty`` itself if the cross reduces the central |delta| or fits the gate's
        band (:meth:`RiskGate.cross_delta_band`); else the whole units (contracts or
        shares) that bring the central delta to the band's edge; 0 if none fit.
        """
        central = self._central
        before, per = self._central_delta(instrument, marks)
        after = before - qty * per  # the central book takes the other side
        if abs(after) < abs(before) or per == 0.0:
            return qty
        lo, hi = central.gate.cross_delta_band(marks.quote_reach)
        if lo <= after <= hi:
            return qty
        room = (hi - before) if after > before else (before - lo)
        units = math.floor(max(room, 0.0) / abs(per))
        return math.copysign(min(float(units), abs(qty)), qty)

    def cross(
        self,
        ts_ns: int,
        prop: BookLedger,
        request: CrossRequest,
        quote: InternalQuote,
        marks: CrossMarks,
    ) -> CrossRecord | CrossDenial:
        """Price ``request`` for ``prop``, check both gates, and book it in both books.

        Parameters
        ----------
        ts_ns : int
            Time of the cross, ns.
        prop : BookLedger
            The requesting prop book's ledger.
        request : CrossRequest
            Instrument and signed size from the prop book's side.
        quote : InternalQuote
            The internal quote the price starts from.
        marks : CrossMarks
            The central book's greeks and factor variances.

        Returns
        -------
        CrossRecord or CrossDenial
            The booked cross, or which side's gate refused it and why.
        """
        if prop is self._central:
            raise ValueError(f"prop={prop.name!r} is the central book itself")
        ins, qty = request.instrument, float(request.qty)
        n_instruments = self._central.positions.contracts.size + 1
        if ins >= n_instruments or ins >= quote.mid.size:
            raise ValueError(
                f"instrument={ins} outside the chain ({n_instruments} instruments, "
                f"internal quote of {quote.mid.size})"
            )
        if not (math.isfinite(quote.mid[ins]) and math.isfinite(quote.half_spread[ins])):
            # not priced yet (before the central book's first quotes) or expired
            return CrossDenial(
                ts_ns, prop.name, ins, qty, math.nan, CrossRole.CENTRAL, RiskReason.DENY_NO_PRICE
            )
        if self.config.partial:
            fitted = self._fitting_qty(ins, qty, marks)
            if fitted != 0.0 and fitted != qty:
                qty = fitted
                request = CrossRequest(ins, qty)
        dr = marginal_risk(self._central.positions, marks, ins, -qty, self.config.horizon_s)
        price, adj, reason = price_cross(request, quote, dr, self.config)
        mid = float(quote.mid[ins])
        for book, role in ((prop, CrossRole.PROP), (self._central, CrossRole.CENTRAL)):
            decision = book.check(ts_ns, ins, float(role) * qty, price, mid, marks)
            if decision.allowed and role is CrossRole.CENTRAL:
                decision = self._central_delta_room(ts_ns, ins, float(role) * qty, marks)
            if not decision.allowed:
                return CrossDenial(ts_ns, prop.name, ins, qty, price, role, decision.reason)
        record = CrossRecord(ts_ns, prop.name, ins, qty, price, mid, adj, dr, reason)
        prop.book(record, CrossRole.PROP)
        if self._accept is not None:
            self._accept(record)
        else:
            self._central.book(record, CrossRole.CENTRAL)
        return record
