"""The risk gate: every order passes it before it leaves; every decision is an event.

States (nautilus_trader's vocabulary):

- ACTIVE: quote and hedge freely inside the limits; quotes are sized so a
  full fill of any one of them cannot take an exposure past ``breach_fraction``
  of its hard limit (the rest of the limit absorbs fills racing a requote and
  greeks drifting with the market, so the hard limit is never crossed).
- REDUCING: some exposure is over ``breach_fraction`` of its limit (a fill raced a requote, a limit
  was lowered, the market moved the greeks). Only risk-reducing quotes and
  orders pass; the desk widens its quotes and runs its automatic unwind. Back
  to ACTIVE once every exposure is below ``resume_fraction`` of its limit.
- HALTED: the daily loss or drawdown limit was hit. No quotes; only orders
  that reduce |delta| (hedges) pass. A daily-loss halt lasts for the rest of
  the day and is lifted at the next session's open (:meth:`RiskGate.new_day`,
  reason ``NEW_DAY``); a drawdown halt lasts for the rest of the run.

Limits change only through :meth:`RiskGate.change_limits`, which records who,
why and the old and new values as an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numba
import numpy as np

from mmdesk.risk.headroom import (
    BookExposure,
    ContractRisk,
    packed_limits,
    quote_headroom,
    sweep_fill_share,
    sweep_scale,
)
from mmdesk.risk.limits import LimitsConfig
from mmdesk.typing import BoolArray, Float64Array


class GateState(IntEnum):
    """Trading state of a book."""

    ACTIVE = 0
    REDUCING = 1
    HALTED = 2


class RiskReason(IntEnum):
    """Why the gate decided what it did (carried on every risk event)."""

    OK = 0
    BREACH = 1
    RESUMED = 2
    DAILY_LOSS = 3
    DRAWDOWN = 4
    LIMIT_CHANGED = 5
    DENY_LIMIT = 6
    DENY_COLLAR = 7
    DENY_ORDER_RATE = 8
    DENY_HALTED = 9
    DENY_REDUCING_ONLY = 10
    UNWIND = 11
    NEW_DAY = 12
    DENY_NO_PRICE = 13  #: an internal cross on an instrument the central book does not price


@dataclass(frozen=True, slots=True)
class RiskEvent:
    """One decision of the gate, with its reason."""

    ts_ns: int
    state: GateState
    reason: RiskReason
    detail: str


@dataclass(frozen=True, slots=True)
class Decision:
    """The gate's answer to one order."""

    allowed: bool
    reason: RiskReason


def breached(book: BookExposure, limits: LimitsConfig, strike_limit: Float64Array) -> list[str]:
    """Names of the exposures over their limit (empty when all are inside).

    Parameters
    ----------
    book : BookExposure
        The book's exposures.
    limits : LimitsConfig
        The limits.
    strike_limit : ndarray
        Per (expiry, strike) cell gross limit (pin-window aware).
    """
    return [name for name, share in utilisation(book, limits, strike_limit).items() if share > 1.0]


def worst_share_python(values: Float64Array, limits: Float64Array) -> float:
    """max_i |values_i| / limits_i as ``np.max`` gives it (NaN propagates); 0.0 if empty.

    ``limits`` holds one limit per value, or a single limit for all of them.
    """
    one = limits.shape[0] == 1
    worst = 0.0
    for i in range(values.shape[0]):
        share = abs(values[i]) / (limits[0] if one else limits[i])
        if i == 0 or share != share or share > worst:
            worst = share
            if share != share:
                break
    return worst


worst_share = numba.njit(cache=True)(worst_share_python)


def _worst(values: Float64Array, limit: float | Float64Array) -> float:
    lim = np.asarray(limit, dtype=np.float64).reshape(-1)
    vals = np.ascontiguousarray(values, dtype=np.float64)
    if lim.shape[0] not in (1, vals.shape[0]):  # anything else: numpy broadcasting rules
        arr = np.abs(vals) / limit
        return float(arr.max()) if arr.size else 0.0
    return float(worst_share(vals, np.ascontiguousarray(lim)))


def bucket_shares_python(
    expiry_vega: Float64Array,
    expiry_gamma: Float64Array,
    expiry_contracts: Float64Array,
    strike_contracts: Float64Array,
    position: Float64Array,
    limits: Float64Array,
    strike_limit: Float64Array,
    out: Float64Array,
) -> None:
    """The worst share of each bucketed limit, :func:`worst_share` of each, into ``out``.

    ``limits`` is packed (:func:`mmdesk.risk.headroom.packed_limits`); ``strike_limit``
    holds one limit per strike cell or a single one. ``out`` gets expiry vega,
    expiry gamma, expiry contracts, strike contracts and option position, in that order.
    """
    out[0] = worst_share(expiry_vega, limits[4:5])
    out[1] = worst_share(expiry_gamma, limits[5:6])
    out[2] = worst_share(expiry_contracts, limits[6:7])
    out[3] = worst_share(strike_contracts, strike_limit)
    out[4] = worst_share(position, limits[7:8])


bucket_shares = numba.njit(cache=True)(bucket_shares_python)


def _flat_f64(a: object) -> bool:
    return type(a) is np.ndarray and a.dtype == np.float64 and a.ndim == 1 and a.flags.c_contiguous


def utilisation(
    book: BookExposure, limits: LimitsConfig, strike_limit: Float64Array
) -> dict[str, float]:
    """Share of each limit in use (|exposure| / limit; the worst bucket for bucketed ones)."""
    names = (book.expiry_vega, book.expiry_gamma, book.expiry_contracts, book.position)
    sc = book.strike_contracts
    if (
        all(_flat_f64(a) for a in names)
        and _flat_f64(sc)
        and _flat_f64(strike_limit)
        and strike_limit.shape[0] in (1, sc.shape[0])
    ):  # the book's own arrays (Positions.exposure): one kernel call
        out = np.empty(5)
        bucket_shares(*names[:3], sc, names[3], packed_limits(limits), strike_limit, out)
        ev, eg, ec, st, op = out.tolist()
    else:
        ev = _worst(book.expiry_vega, limits.expiry_vega)
        eg = _worst(book.expiry_gamma, limits.expiry_gamma)
        ec = _worst(book.expiry_contracts, limits.expiry_contracts)
        st = _worst(book.strike_contracts, strike_limit)
        op = _worst(book.position, limits.option_position)
    return {
        "delta": abs(book.delta) / limits.delta,
        "gamma": abs(book.gamma) / limits.gamma,
        "vega": abs(book.vega) / limits.vega,
        "notional": book.notional / limits.notional,
        "expiry_vega": ev,
        "expiry_gamma": eg,
        "expiry_contracts": ec,
        "strike_contracts": st,
        "option_position": op,
    }


class RiskGate:
    """Pre-trade checks, the ACTIVE/REDUCING/HALTED state machine and its journal."""

    def __init__(self, limits: LimitsConfig, start_ns: int = 0) -> None:
        self._limits = limits
        self._quoting = limits.scaled(limits.breach_fraction)
        self.state = GateState.ACTIVE
        self.halt_reason: RiskReason | None = None
        self.events: list[RiskEvent] = []
        self._tokens = limits.order_burst
        self._token_ts = start_ns
        self.last_utilisation: dict[str, float] = {}
        self._scaled_for: tuple[ContractRisk, LimitsConfig, ContractRisk] | None = None

    @property
    def quoting_limits(self) -> LimitsConfig:
        """The limits quotes and orders are sized against: the hard ones × ``breach_fraction``."""
        return self._quoting

    def _scaled_risk(self, risk: ContractRisk) -> ContractRisk:
        # the same risk is sized many times between two updates of the book's greeks
        cached = self._scaled_for
        if cached is not None and cached[0] is risk and cached[1] is self._limits:
            return cached[2]
        scaled = self._scale_risk(risk)
        self._scaled_for = (risk, self._limits, scaled)
        return scaled

    def _scale_risk(self, risk: ContractRisk) -> ContractRisk:
        # built directly: dataclasses.replace costs more than the quote sizing itself
        return ContractRisk(
            delta=risk.delta,
            gamma=risk.gamma,
            vega=risk.vega,
            notional=risk.notional,
            expiry=risk.expiry,
            strike_cell=risk.strike_cell,
            strike_limit=risk.strike_limit * self._limits.breach_fraction,
        )

    @property
    def limits(self) -> LimitsConfig:
        """The limits in force (frozen; replace them with :meth:`change_limits`)."""
        return self._limits

    def _record(self, ts_ns: int, reason: RiskReason, detail: str) -> None:
        self.events.append(RiskEvent(ts_ns, self.state, reason, detail))

    def new_day(self, ts_ns: int) -> None:
        """A new session opens at ``ts_ns`` (ns): a halt on the daily loss limit is lifted.

        The book goes back to ACTIVE (the next :meth:`update` re-checks every
        limit); a halt on the drawdown limit stays.
        """
        if self.state is GateState.HALTED and self.halt_reason is RiskReason.DAILY_LOSS:
            self.state = GateState.ACTIVE
            self.halt_reason = None
            self._record(ts_ns, RiskReason.NEW_DAY, "daily loss halt lifted at the open")

    def note(self, ts_ns: int, reason: RiskReason, detail: str) -> None:
        """Journal a decision taken under the gate's authority (e.g. an automatic unwind)."""
        self._record(ts_ns, reason, detail)

    def change_limits(self, ts_ns: int, new: LimitsConfig, who: str, why: str) -> None:
        """Replace the limits; the only way to change them, and always journaled."""
        old = self._limits.model_dump()
        diff = {k: (old[k], v) for k, v in new.model_dump().items() if old[k] != v}
        self._limits = new
        self._quoting = new.scaled(new.breach_fraction)
        self._record(ts_ns, RiskReason.LIMIT_CHANGED, f"by {who}: {why}; changed {diff}")

    def update(
        self,
        ts_ns: int,
        book: BookExposure,
        strike_limit: Float64Array,
        pnl_today: float,
        pnl_peak_drawdown: float,
    ) -> GateState:
        """Re-evaluate the state from exposures and P&L; record any transition.

        Parameters
        ----------
        ts_ns : int
            Clock time, ns.
        book : BookExposure
            Exposures now.
        strike_limit : ndarray
            Gross limit per (expiry, strike) cell.
        pnl_today : float
            P&L since the day's open (currency, marked to theo).
        pnl_peak_drawdown : float
            Current P&L minus its running peak (≤ 0, currency).
        """
        if self.state is GateState.HALTED:
            return self.state
        if pnl_today <= -self.limits.daily_loss:
            self.state = GateState.HALTED
            self.halt_reason = RiskReason.DAILY_LOSS
            self._record(ts_ns, RiskReason.DAILY_LOSS, f"P&L today {pnl_today:.2f}")
            return self.state
        if pnl_peak_drawdown <= -self.limits.drawdown:
            self.state = GateState.HALTED
            self.halt_reason = RiskReason.DRAWDOWN
            self._record(ts_ns, RiskReason.DRAWDOWN, f"drawdown {pnl_peak_drawdown:.2f}")
            return self.state
        use = utilisation(book, self.limits, strike_limit)
        self.last_utilisation = use
        over = [k for k, v in use.items() if v > self.limits.breach_fraction]
        if self.state is GateState.ACTIVE and over:
            self.state = GateState.REDUCING
            self._record(ts_ns, RiskReason.BREACH, ", ".join(f"{k}={use[k]:.3f}" for k in over))
        elif self.state is GateState.REDUCING and max(use.values()) <= self.limits.resume_fraction:
            self.state = GateState.ACTIVE
            self._record(ts_ns, RiskReason.RESUMED, f"max utilisation {max(use.values()):.3f}")
        return self.state

    def quote_sizes(
        self,
        book: BookExposure,
        risk: ContractRisk,
        bid_size: Float64Array,
        ask_size: Float64Array,
        fill_share: tuple[Float64Array, Float64Array] | None = None,
        run_down: BoolArray | None = None,
    ) -> tuple[Float64Array, Float64Array]:
        """Cap desired quote sizes by each quote's headroom and by the sweep guard.

        Zero when HALTED. Each quote alone stays within ``breach_fraction`` of
        every limit; all of them together, each filling its share in one sweep
        (``fill_share`` from :meth:`sweep_shares`; ``sweep_share`` for every leg
        without it), within the hard limit. Options in ``run_down``
        (:meth:`run_down`) are quoted only to close: a bid up to the short
        position, an offer up to the long one.
        """
        if self.state is GateState.HALTED:
            return np.zeros_like(bid_size), np.zeros_like(ask_size)
        if run_down is not None and run_down.any():
            pos = book.position
            bid_size = np.where(run_down, np.minimum(bid_size, np.maximum(-pos, 0.0)), bid_size)
            ask_size = np.where(run_down, np.minimum(ask_size, np.maximum(pos, 0.0)), ask_size)
        max_bid, max_ask = quote_headroom(
            book,
            self._scaled_risk(risk),
            self.quoting_limits,
            reducing=self.state is GateState.REDUCING,
        )
        return sweep_scale(
            book,
            risk,
            self.limits,
            np.minimum(bid_size, max_bid),
            np.minimum(ask_size, max_ask),
            self.limits.sweep_share,
            *(fill_share if fill_share is not None else (None, None)),
        )

    def sizing_inputs(self, risk: ContractRisk) -> tuple[Float64Array, Float64Array, Float64Array]:
        """What :meth:`quote_sizes` sizes ``risk`` against, for a caller doing it in one kernel.

        Returns
        -------
        strike_limit : ndarray
            Each option's strike-cell limit × ``breach_fraction`` (contracts).
        quoting, hard : ndarray
            The quoting and hard limits packed
            (:func:`mmdesk.risk.headroom.packed_limits`).
        """
        return (
            self._scaled_risk(risk).strike_limit,
            packed_limits(self.quoting_limits),
            packed_limits(self._limits),
        )

    def run_down(self, tau: Float64Array) -> BoolArray:
        """Options within ``run_down_minutes`` of expiry (``tau`` in ACT/365 years).

        They are quoted only to close positions (:meth:`quote_sizes`).
        """
        minutes = np.asarray(tau, dtype=np.float64) * (365.0 * 24.0 * 60.0)
        return np.asarray(
            (minutes <= self.limits.run_down_minutes) & (self.limits.run_down_minutes > 0)
        )

    def sweep_shares(
        self,
        theo: Float64Array,
        delta: Float64Array,
        bid_px: Float64Array,
        ask_px: Float64Array,
        spot_sd_1s: float,
    ) -> tuple[Float64Array, Float64Array]:
        """Share of each leg assumed to fill in one sweep (1 near theo, ``sweep_share`` else).

        Near theo: within |delta| × ``sweep_move_sd`` × ``spot_sd_1s`` ×
        √``sweep_horizon_s`` of it (:func:`mmdesk.risk.headroom.sweep_fill_share`).

        Parameters
        ----------
        theo, delta : ndarray
            Theo (currency per share) and delta per share of each option.
        bid_px, ask_px : ndarray
            The legs' prices, currency per share.
        spot_sd_1s : float
            Standard deviation of the underlying's move over one second, currency.
        """
        lim = self.limits
        move = lim.sweep_move_sd * spot_sd_1s * float(np.sqrt(lim.sweep_horizon_s))
        return sweep_fill_share(theo - bid_px, ask_px - theo, delta, move, lim.sweep_share)

    def allow_messages(self, ts_ns: int, n: int = 1) -> bool:
        """Token-bucket order-rate limit: may ``n`` more messages leave at ``ts_ns``?"""
        elapsed = max(ts_ns - self._token_ts, 0) * 1e-9
        self._token_ts = max(ts_ns, self._token_ts)
        self._tokens = min(self.limits.order_burst, self._tokens + elapsed * self.limits.order_rate)
        if self._tokens >= n:
            self._tokens -= n
            return True
        self._record(ts_ns, RiskReason.DENY_ORDER_RATE, f"{n} messages, {self._tokens:.1f} tokens")
        return False

    def grant_messages(self, ts_ns: int, n: int) -> int:
        """Token-bucket order-rate limit for a requote: how many of ``n`` messages may leave now.

        Leaves ``order_reserve`` tokens for hedges and unwinds (:meth:`allow_messages`);
        consumes the granted tokens; a shortfall is journaled as DENY_ORDER_RATE.
        """
        elapsed = max(ts_ns - self._token_ts, 0) * 1e-9
        self._token_ts = max(ts_ns, self._token_ts)
        self._tokens = min(self.limits.order_burst, self._tokens + elapsed * self.limits.order_rate)
        granted = max(min(n, int(self._tokens - self.limits.order_reserve)), 0)
        self._tokens -= granted
        if granted < n:
            self._record(ts_ns, RiskReason.DENY_ORDER_RATE, f"{n} messages, {granted} granted")
        return granted

    def in_collar(self, price: float, theo: float, tick: float) -> bool:
        """Is ``price`` within the collar around ``theo`` (ticks or fraction, the wider)?"""
        width = max(self.limits.collar_ticks * tick, self.limits.collar_fraction * abs(theo))
        return abs(price - theo) <= width

    def check_option_order(
        self,
        ts_ns: int,
        option: int,
        signed_qty: float,
        price: float,
        theo: float,
        tick: float,
        book: BookExposure,
        risk: ContractRisk,
    ) -> Decision:
        """Check one option order (an unwind or an RFQ answer) of ``signed_qty`` contracts."""
        if self.state is GateState.HALTED:
            return self._deny(ts_ns, RiskReason.DENY_HALTED, f"option {option}")
        if not self.in_collar(price, theo, tick):
            return self._deny(ts_ns, RiskReason.DENY_COLLAR, f"option {option} {price} vs {theo}")
        max_bid, max_ask = quote_headroom(
            book,
            self._scaled_risk(risk),
            self.quoting_limits,
            reducing=self.state is GateState.REDUCING,
        )
        room = max_bid[option] if signed_qty > 0 else max_ask[option]
        if abs(signed_qty) > room:
            reason = (
                RiskReason.DENY_REDUCING_ONLY
                if self.state is GateState.REDUCING
                else RiskReason.DENY_LIMIT
            )
            return self._deny(ts_ns, reason, f"option {option} qty {signed_qty} room {room}")
        return Decision(True, RiskReason.OK)

    def check_hedge(
        self,
        ts_ns: int,
        signed_shares: float,
        price: float,
        mid: float,
        tick: float,
        book: BookExposure,
        spot: float,
    ) -> Decision:
        """Check an underlying order: it must stay inside the delta and notional limits
        or reduce |delta|, and sit inside the collar around the mid."""
        if not self.in_collar(price, mid, tick):
            return self._deny(ts_ns, RiskReason.DENY_COLLAR, f"hedge {price} vs mid {mid}")
        new_delta = book.delta + signed_shares
        reduces = abs(new_delta) < abs(book.delta)
        if self.state is GateState.HALTED and not reduces:
            return self._deny(ts_ns, RiskReason.DENY_HALTED, f"hedge {signed_shares}")
        quoting = self.quoting_limits
        within = abs(new_delta) <= quoting.delta and (
            book.notional + abs(signed_shares) * spot <= quoting.notional
        )
        if not (within or reduces):
            return self._deny(ts_ns, RiskReason.DENY_LIMIT, f"hedge {signed_shares} → {new_delta}")
        return Decision(True, RiskReason.OK)

    def check_cross_delta(
        self, ts_ns: int, delta_before: float, delta_after: float, reach: tuple[float, float]
    ) -> Decision:
        """Check an internal cross's effect on delta, with a margin for the resting quotes.

        Allowed if it reduces |delta|, or if the post-cross delta stays inside the
        quoting delta limit (hard × ``breach_fraction``) and, after the resting
        quotes' ``reach`` (shares up, shares down: ``sweep_share`` of what they
        would add if all filled, :func:`mmdesk.risk.headroom.quote_reach`), inside
        the hard limit — the invariant the quote sizing keeps
        (:func:`mmdesk.risk.headroom.sweep_scale`) until the next requote resizes them.

        Parameters
        ----------
        ts_ns : int
            Clock time, ns.
        delta_before, delta_after : float
            Book delta before and after the cross, shares.
        reach : tuple of float
            Margin above and below the post-cross delta, shares (≥ 0).
        """
        if abs(delta_after) < abs(delta_before):
            return Decision(True, RiskReason.OK)
        up, down = reach
        lo, hi = self.cross_delta_band(reach)
        if lo <= delta_after <= hi:
            return Decision(True, RiskReason.OK)
        return self._deny(
            ts_ns,
            RiskReason.DENY_LIMIT,
            f"cross delta {delta_before:.0f} → {delta_after:.0f} (+{up:.0f}/−{down:.0f} quotes)",
        )

    def cross_delta_band(self, reach: tuple[float, float]) -> tuple[float, float]:
        """The book deltas (shares) an adding cross may leave: inside the quoting limit
        and, with the resting quotes' ``reach`` (shares up, shares down), inside the hard one.

        The band is empty (lo > hi) when the quotes' reach alone fills the room.
        """
        up, down = reach
        hard = self.limits.delta
        quoting = self.quoting_limits.delta
        return max(-quoting, -hard + down), min(quoting, hard - up)

    def _deny(self, ts_ns: int, reason: RiskReason, detail: str) -> Decision:
        self._record(ts_ns, reason, detail)
        return Decision(False, reason)
