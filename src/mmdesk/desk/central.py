"""The central market-making book: a venue participant that prices, quotes, hedges and limits.

One cycle (on every underlying move, every own fill and every timer tick):

1. **theo** — reprice the chain at the underlying mid (one vectorised call);
   the surface is recalibrated on its schedule from the others' quotes;
2. **risk** — aggregate the book's greeks per name, expiry and strike; the risk
   gate updates its state (ACTIVE / REDUCING / HALTED) and journals why;
3. **quotes** — GLFT half-spread and greek-factor skew per option, on the
   tick grid, clamped inside the others' market, sized by the gate's headroom
   (a full fill of any quote keeps every exposure within ``breach_fraction``
   of its limit), pulled outside the collar; only changed legs are sent, and
   only if the order-rate limit allows;
4. **unwind** — while REDUCING, one IOC order that closes part of the
   position doing most for the breached exposures per unit of spread paid,
   within the day's ``unwind_cost_budget``;
5. **hedge** — the hedging policy's band; a hedge is an IOC in the
   underlying checked by the gate.

Everything the desk sends or decides lands in its :class:`~mmdesk.desk.journal.Journal`.
The book never reads another participant's state: it sees market data, its
own fills and settlements, and the static :class:`~mmdesk.venue.participant.VenueInfo`.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from mmdesk.desk.config import CentralBookConfig
from mmdesk.desk.crossing import BookLedger, CrossMarks
from mmdesk.desk.firm_records import CrossRecord, CrossRole, InternalQuote
from mmdesk.desk.hedger import DeltaHedger, HedgeOrder
from mmdesk.desk.intensity_fit import IntensityEstimator
from mmdesk.desk.journal import SCHEMAS, Journal
from mmdesk.desk.pin import pin_widening_ticks
from mmdesk.desk.quote_legs import quote_legs
from mmdesk.desk.quote_pass import quote_pass
from mmdesk.desk.quoter import (
    N_MONEYNESS_BUCKETS,
    Pricing,
    QuoteInputs,
    glft_quote_terms,
    imbalance_signal,
    price_quotes,
    rfq_prices,
    tick_size,
)
from mmdesk.desk.requote import exposure_rows, gamma_weights, new_buckets, record_legs
from mmdesk.desk.settlement_hedge import settlement_hedge_delta, vanishing_delta
from mmdesk.desk.theo import TheoEngine, TheoState
from mmdesk.flow.agents.tags import TAG_DESK
from mmdesk.flow.reader import FlowReader
from mmdesk.hedging import FixedIntervalConfig, HedgeInputs
from mmdesk.market.events import EventKind
from mmdesk.pricing import bs_greeks
from mmdesk.risk.expiry_gamma import limit_gamma, on_expiry_date
from mmdesk.risk.gate import GateState, RiskGate, RiskReason
from mmdesk.risk.headroom import BookExposure, ContractRisk, quote_reach
from mmdesk.risk.limits import LimitsConfig
from mmdesk.risk.positions import ChainLayout, Positions
from mmdesk.typing import Float64Array, Int64Array
from mmdesk.venue.participant import (
    TIF_IOC,
    Commands,
    MarketView,
    ParticipantBase,
    RfqAnswer,
    RfqRequest,
    VenueInfo,
    make_orders,
    make_quotes,
)

_KIND_HEDGE = 1
_KIND_UNWIND = 2
_NS_PER_DAY = 86_400 * 1_000_000_000
_F_FILL = int(EventKind.FILL)
_F_QUOTE = int(EventKind.QUOTE)
_F_RFQ = int(EventKind.RFQ)
_F_TAKER = int(EventKind.TAKER)


class CentralBook(ParticipantBase):
    """The central market-making book as a venue participant.

    Parameters
    ----------
    config : CentralBookConfig
        Settings.
    clock : callable, optional
        Returns the current time in ns (the simulator's injected clock). Without
        it the book uses the timestamps of what it receives.
    owner_id : int
        Venue owner id of the desk (the simulator's desk slot is 1).
    """

    def __init__(
        self,
        config: CentralBookConfig | None = None,
        clock: Callable[[], int] | None = None,
        owner_id: int = 1,
    ) -> None:
        self.config = config if config is not None else CentralBookConfig()
        self.clock = clock
        #: optional callback with the clock time at every timer tick (progress bars)
        self.progress: Callable[[int], None] | None = None
        self.participant_ids = (int(owner_id),)
        self.tags = (TAG_DESK,)
        self.timer_ns = self.config.timer_ms * 1_000_000
        self.market_data_push = self.config.react_to_ticks
        self.wants_order_updates = False
        self.journal = Journal()
        self.gate = RiskGate(self.config.limits)
        self.hedger = DeltaHedger(self.config.hedger)
        self.view: MarketView | None = None
        self._ledger: BookLedger | None = None
        self.theo: TheoState | None = None
        self.pricing: Pricing | None = None
        self._started = False
        self._now_seen = 0
        self.counters: dict[str, int] = {
            "requotes": 0,
            "legs_sent": 0,
            "clamped_sides": 0,
            "collar_pulled_sides": 0,
            "hedges_sent": 0,
            "hedges_denied": 0,
            "unwinds_sent": 0,
            "rfq_answered": 0,
            "rfq_declined": 0,
            "option_fills": 0,
            "hedge_fills": 0,
            "calibrations": 0,
        }

    # ------------------------------------------------------------------ set-up
    def on_start(self, info: VenueInfo) -> None:
        """Build the chain-dependent state from the venue's static facts."""
        cfg = self.config
        self.info = info
        lst = info.listing
        self.listing = lst
        self.n = lst.n_options
        self.unit = float(info.price_unit)
        self.opt_ticks = info.option_ticks
        self.und_ticks = info.underlying_ticks
        self.und_tick_units = int(self.und_ticks.steps[0])
        self.theo_engine = TheoEngine(
            cfg.theo,
            lst.strike,
            lst.expiry_ns,
            lst.expiry_index,
            lst.is_call,
            info.rate,
            info.div_yield,
        )
        self.layout = ChainLayout.from_arrays(lst.expiry_ns, lst.strike, lst.multiplier)
        self.positions = Positions(self.layout)
        self.m = float(lst.multiplier)
        n_exp = self.layout.n_expiries
        self._cell_expiry = np.zeros(self.layout.n_strike_cells, dtype=np.int64)
        self._cell_expiry[self.layout.strike_cell] = self.layout.expiry
        self._strike_limit_for: LimitsConfig | None = None
        self._strike_limit_window: tuple[bool, ...] = ()
        self._strike_limit_cells = np.zeros(0)
        self.estimator = IntensityEstimator(cfg.intensity, n_exp * N_MONEYNESS_BUCKETS)
        self.intensity_a = np.full(n_exp * N_MONEYNESS_BUCKETS, cfg.intensity.prior_a)
        self.intensity_k = np.full(n_exp * N_MONEYNESS_BUCKETS, cfg.intensity.prior_k)
        self.sent_bid = np.zeros(self.n, dtype=np.int64)
        self.sent_ask = np.zeros(self.n, dtype=np.int64)
        self.sent_bq = np.zeros(self.n, dtype=np.int64)
        self.sent_aq = np.zeros(self.n, dtype=np.int64)
        self.bucket = np.zeros(self.n, dtype=np.int64)
        self._priced_theo: TheoState | None = None
        self._live_theo_for: TheoState | None = None
        self._live_theo_arr = np.zeros(self.n)
        # expiries as Python ints, and whether they are sorted (the front by bisection)
        self._expiries = [int(e) for e in lst.expiries_ns]
        self._expiries_sorted = self._expiries == sorted(self._expiries)
        self._expiry_range = np.arange(self.layout.n_expiries, dtype=np.int32)
        self._expiry_range.flags.writeable = False  # journaled by reference at every snapshot
        self._settle_window_ns = int(cfg.hedger.settlement_window_s * 1e9)
        self._glft_terms: tuple[Float64Array, Float64Array] | None = None
        # each option's fill intensity (A, k), taken with the GLFT terms
        self._option_intensity: tuple[Float64Array, Float64Array] = (np.zeros(0), np.zeros(0))
        self._run_down_for: tuple[TheoState, LimitsConfig] | None = None
        self._run_down = np.zeros(self.n, dtype=bool)
        self._any_run_down = False
        self._front = 0
        self.flow = FlowReader(cfg.flow, lst.expiry_index, self.m)
        self.sessions = info.sessions_ns
        start = info.sessions_ns[0][0] if info.sessions_ns else 0
        self.gate = RiskGate(cfg.limits, start_ns=start)
        self._now_seen = start
        self._last_requote_ns = -(1 << 62)
        self._fresh_requote_due = False
        self._dirty = True
        self._risk_dirty = True
        self._last_signal = 0.0
        self._last_snapshot_ns = -(1 << 62)
        self._last_exposure_ns = start
        self._last_refit_ns = start
        self._last_unwind_ns = -(1 << 62)
        self._events_journaled = 0
        self._day = -1
        self._closed = bool(self.sessions)  # quotes start after the opening delay
        self._day_open_value = 0.0
        self._peak_value = 0.0
        self._unwind_spent = 0.0
        self._next_client = 1
        self._next_limit_change = 0
        self.book: BookExposure | None = None
        self.risk: ContractRisk | None = None
        self._ledger = None
        # the config's periods in ns, once (the handlers compare clocks with them)
        self._exposure_ns = int(cfg.exposure_record_s * 1e9)
        self._refit_ns = int(cfg.intensity_refit_s * 1e9)
        self._snapshot_ns = int(cfg.snapshot_s * 1e9)
        self._min_requote_ns = int(cfg.min_requote_ms * 1e6)
        self._reprice_ns = int(cfg.reprice_s * 1e9)
        self._close_window_ns = int(max(cfg.pull_before_close_s * 1e9, cfg.timer_ms * 1e6))
        self._open_delay_ns = int(cfg.open_delay_s * 1e9)
        self._expiry_date_for: tuple[int, bool] = (-1, False)  # (calendar day, any expiry on it)
        self._on_clock = isinstance(cfg.hedger.policy, FixedIntervalConfig)
        self._started = True

    # ------------------------------------------------------------------ helpers
    def _now(self, hint: int = 0) -> int:
        if self.clock is not None:
            t = int(self.clock())
        else:
            t = max(self._now_seen, int(hint))
        self._now_seen = max(self._now_seen, t)
        return t

    def _spot(self) -> float | None:
        v = self.view
        if v is None or v.bid[0] <= 0 or v.ask[0] <= 0:
            return None
        return 0.5 * float(v.bid[0] + v.ask[0]) * self.unit

    def _client_id(self, kind: int) -> int:
        cid = (self._next_client << 2) | kind
        self._next_client += 1
        return cid

    def _strike_limits(self, now_ns: int) -> Float64Array:
        """Gross contract limit per (expiry, strike) cell (read-only; pin-window aware)."""
        lim = self.gate.limits
        # the tighter limit is applied pin_lead_days early: the book is brought under it
        # (sized against it, REDUCING and unwinding above it) before it binds
        days = lim.pin_window_days + lim.pin_lead_days
        window = tuple(float(e - now_ns) / _NS_PER_DAY <= days for e in self._expiries)
        # changes only when an expiry enters its pin window (or the limits are replaced)
        if self._strike_limit_for is not lim or self._strike_limit_window != window:
            near = min(lim.strike_contracts, lim.strike_contracts_near_expiry)
            per_expiry = np.where(np.array(window, dtype=bool), near, lim.strike_contracts)
            cells = np.asarray(per_expiry[self._cell_expiry], dtype=np.float64)
            cells.flags.writeable = False
            self._strike_limit_for, self._strike_limit_window = lim, window
            self._strike_limit_cells = cells
        return self._strike_limit_cells

    def _other_tops(self) -> tuple[Int64Array, Int64Array]:
        """Others' best bid/ask per option (units; -1 where only the desk's own quote is known)."""
        v = self.view
        assert v is not None
        bid = v.bid[1:].astype(np.int64)
        ask = v.ask[1:].astype(np.int64)
        bid = np.where((self.sent_bq > 0) & (bid == self.sent_bid), -1, bid)
        ask = np.where((self.sent_aq > 0) & (ask == self.sent_ask), -1, ask)
        return bid, ask

    @staticmethod
    def _as_i64(a: Int64Array) -> Int64Array:
        """``a`` as contiguous int64 (the view's columns already are: no copy then)."""
        if a.dtype == np.int64 and a.flags.c_contiguous:
            return a
        return np.ascontiguousarray(a, dtype=np.int64)

    def _market_at(self, instruments: Int64Array) -> dict[str, Int64Array]:
        """The visible best bid/ask (units, −1 if none) of ``instruments``, for the journal."""
        v = self.view
        if v is None:
            none = np.full(instruments.shape, -1, dtype=np.int64)
            return {"mkt_bid": none, "mkt_ask": none}
        return {"mkt_bid": v.bid[instruments], "mkt_ask": v.ask[instruments]}

    def value(self) -> float:
        """Mark-to-theo value of the book (currency): cash + shares·S + Σ q·m·theo."""
        if self.theo is None:
            return self.positions.cash
        return self.positions.value(self._live_theo(), self.theo.spot)

    def _live_theo(self) -> Float64Array:
        """The theo with 0 for expired options (once per theo; read-only)."""
        th = self.theo
        assert th is not None
        if self._live_theo_for is not th:
            arr = np.where(th.live, th.theo, 0.0)
            arr.flags.writeable = False
            self._live_theo_for, self._live_theo_arr = th, arr
        return self._live_theo_arr

    # ------------------------------------------------------------------ cycle parts
    def _reprice(self, now_ns: int, force: bool = False) -> bool:
        spot = self._spot()
        if spot is None:
            return False
        th = self.theo
        stale = th is None or now_ns - th.ts_ns >= self._reprice_ns
        if force or stale or spot != th.spot:  # type: ignore[union-attr]
            self.theo = self.theo_engine.reprice(now_ns, spot)
            self._dirty = True
            self._risk_dirty = True
        return True

    def _limit_greeks(self, now_ns: int, th: TheoState) -> tuple[Float64Array, Float64Array]:
        """Per-share gamma and vega the limits see.

        Gamma: the theo's, with options on their expiry date measured by the
        ``expiry_gamma_move`` ladder (:mod:`mmdesk.risk.expiry_gamma`). Within
        ``overnight_gamma_minutes`` of a close followed by another session: gamma is
        the larger of that and the same measure at the next open's time to expiry
        (same spot and vols; options expiring before that open count 0 there), and
        gamma and vega are divided by ``1 − overnight_headroom`` — the night's limits
        keep that share free for the opening gap.
        """
        lst, info, limits = self.listing, self.info, self.gate.limits
        move = limits.expiry_gamma_move

        def at(ts_ns: int, gamma: Float64Array) -> Float64Array:
            return limit_gamma(
                gamma, ts_ns, lst.expiry_ns, th.spot, lst.strike, th.vol, info.rate,
                info.div_yield, lst.is_call, move,
            )  # fmt: skip

        day = now_ns // _NS_PER_DAY
        if self._expiry_date_for[0] != day:  # does any option expire on this calendar day?
            self._expiry_date_for = (day, bool(on_expiry_date(now_ns, lst.expiry_ns).any()))
        now_gamma = at(now_ns, th.gamma) if self._expiry_date_for[1] else th.gamma
        if len(self.sessions) < 2:  # no close followed by another session
            return now_gamma, th.vega
        window = np.int64(limits.overnight_gamma_minutes * 60e9)
        now = np.int64(now_ns)
        for (_, close_ns), (next_open, _) in zip(self.sessions, self.sessions[1:], strict=False):
            if close_ns - window <= now < close_ns:
                tau = lst.tau(int(next_open))
                ahead = bs_greeks(
                    th.spot, lst.strike, tau, th.vol, info.rate, info.div_yield, lst.is_call
                ).gamma
                ahead = at(int(next_open), ahead)
                gamma = np.maximum(now_gamma, np.where(lst.live(int(next_open)), ahead, 0.0))
                keep = 1.0 - limits.overnight_headroom
                return gamma / keep, th.vega / keep
        return now_gamma, th.vega

    def _update_risk(self, now_ns: int) -> None:
        th = self.theo
        assert th is not None
        strike_limit = self._strike_limits(now_ns)
        self.strike_limit_cells = strike_limit
        gamma, vega = self._limit_greeks(now_ns, th)
        self.risk, self.book = self.positions.risk_and_exposure(
            th.delta, gamma, vega, th.spot, strike_limit
        )
        self._roll_day(now_ns)
        value = self.value()
        self._peak_value = max(self._peak_value, value)
        before = self.gate.state
        self.gate.update(
            now_ns, self.book, strike_limit, value - self._day_open_value, value - self._peak_value
        )
        if self.gate.state is not before:
            self._dirty = True
        self._journal_events()

    def _roll_day(self, now_ns: int) -> None:
        day = -1
        for d, (open_ns, _close) in enumerate(self.sessions):
            if now_ns >= open_ns:
                day = d
        if day != self._day:
            self._day = day
            if day > 0:
                self.gate.new_day(now_ns)
            self._day_open_value = self.value()
            if day <= 0:
                self._peak_value = self._day_open_value
            self._unwind_spent = 0.0

    def _sweep_share(self, now_ns: int) -> float:
        """The sweep guard's share of a leg out of a plausible move's reach.

        ``sweep_share``, except in the first ``opening_sweep_s`` of a session that
        follows a night: then 1, every quote sized as if all of them fill at once.
        """
        lim = self.gate.limits
        window = np.int64(lim.opening_sweep_s * 1e9)
        for open_ns, _close in self.sessions[1:]:
            if open_ns <= now_ns < open_ns + window:
                return 1.0
        return float(lim.sweep_share)

    def _closing(self, now_ns: int) -> bool:
        """True outside the sessions, in the opening delay and the last ``pull_before_close_s``.

        The closing window is at least one timer period long, so the last timer
        before the close always falls inside it.
        """
        window, delay = self._close_window_ns, self._open_delay_ns
        for open_ns, close_ns in self.sessions:
            if open_ns <= now_ns < close_ns:
                return now_ns < open_ns + delay or now_ns + window >= close_ns
        return True

    def _journal_events(self) -> None:
        ev = self.gate.events
        if self._events_journaled == len(ev):
            return
        new = ev[self._events_journaled :]
        self._events_journaled = len(ev)
        self.journal.append(
            "risk_events",
            ts_ns=np.array([e.ts_ns for e in new], dtype=np.int64),
            state=np.array([e.state.name for e in new], dtype=object),
            reason=np.array([e.reason.name for e in new], dtype=object),
            detail=np.array([e.detail for e in new], dtype=object),
        )

    def _price(self) -> Pricing:
        th = self.theo
        book = self.book
        assert th is not None and book is not None
        eng = self.theo_engine
        k = th.log_moneyness
        if self._priced_theo is not th:  # what depends on the theo alone: once per reprice
            self._priced_theo = th
            bucket = np.empty(self.n, dtype=np.int64)
            if new_buckets(self.listing.expiry_index, k, th.vol, th.tau, self.bucket, bucket):
                self._glft_terms = None
            self.bucket = bucket
            self._front = self._front_expiry(th.ts_ns)
        front = self._front
        v = self.view
        signal = 0.0
        if v is not None:
            signal = imbalance_signal(
                float(v.bid_qty[0]), float(v.ask_qty[0]), self.config.quoter.imbalance_coefficient
            )
        widen = self.gate.limits.reducing_widen if self.gate.state is GateState.REDUCING else 1.0
        if self._glft_terms is None:  # changes with the intensity refit and the buckets only
            self._option_intensity = (self.intensity_a[self.bucket], self.intensity_k[self.bucket])
            self._glft_terms = glft_quote_terms(
                self.config.quoter, self._option_intensity[1], self._option_intensity[0], self.m
            )
        ia, ik = self._option_intensity
        x = QuoteInputs(
            theo=th.theo,
            delta=th.delta,
            vega=th.vega,
            tau=th.tau,
            log_moneyness=k,
            expiry=self.listing.expiry_index,
            multiplier=self.m,
            book_delta=book.delta,
            book_vega=book.expiry_vega,
            spot=th.spot,
            spot_vol=float(eng.fallback_vol[front]),
            volvol=eng.volvol,
            vol_uncertainty=eng.vol_uncertainty,
            intensity_a=ia,
            intensity_k=ik,
            signal=signal,
            widen=widen,
            lean=self.flow.lean,
            pin_ticks=pin_widening_ticks(
                self.layout.strike_cell,
                self.positions.contracts,
                th.gamma,
                th.tau * 365.0,
                self.m,
                self.config.quoter.pin,
                n_cells=self.layout.n_strike_cells,
            ),
            hedge_cost=self._hedge_cost_per_share(th.spot),
        )
        self.pricing = price_quotes(x, self.config.quoter, self.opt_ticks, self._glft_terms)
        return self.pricing

    def _front_expiry(self, now_ns: int) -> int:
        """Index of the first expiry after ``now_ns`` (0 if none is left)."""
        if self._expiries_sorted:
            i = bisect.bisect_right(self._expiries, int(now_ns))
            return i if i < len(self._expiries) else 0
        live_exp = np.flatnonzero(self.listing.expiries_ns > np.int64(now_ns))
        return int(live_exp[0]) if live_exp.size else 0

    def _hedge_cost_per_share(self, spot: float) -> float:
        """What hedging one share of delta costs now (currency per share; inf without a market)."""
        v = self.view
        if v is None or v.bid[0] <= 0 or v.ask[0] <= 0:
            return math.inf
        return spot * self.hedger.cost_fraction(
            spot, float(v.bid[0]) * self.unit, float(v.ask[0]) * self.unit
        )

    def _quotes(self, now_ns: int, passive_only: bool = False) -> npt.NDArray[np.void] | None:
        th = self.theo
        assert th is not None and self.book is not None and self.risk is not None
        n = self.n
        lim = self.gate.limits
        bid_new = np.empty(n, dtype=np.int64)
        ask_new = np.empty(n, dtype=np.int64)
        bq = np.empty(n, dtype=np.int64)
        aq = np.empty(n, dtype=np.int64)
        changed = np.empty(n, dtype=np.bool_)
        if self.gate.state is GateState.HALTED or self._closed:
            zero_u = np.zeros(n, dtype=np.int64)
            zero = np.zeros(n)
            # the collar, the passive-only rule and the legs that changed:
            # see mmdesk.desk.quote_legs
            self.counters["collar_pulled_sides"] += quote_legs(
                zero_u, zero_u, zero, zero, th.theo, zero, self.unit,
                float(lim.collar_ticks), float(lim.collar_fraction), passive_only,
                self.sent_bid, self.sent_ask, self.sent_bq, self.sent_aq,
                bid_new, ask_new, bq, aq, changed,
            )  # fmt: skip
        else:
            pricing = self._price()
            # grid (clamped against the whole visible market, own resting quotes included:
            # when the desk is alone at the top the others sit behind it, so that bound is
            # safe), wanted sizes, the gate's sizes (headroom and sweep guard), the collar,
            # the passive-only rule and the legs that changed: mmdesk.desk.quote_pass
            v = self.view
            assert v is not None
            # legs a plausible spot move puts through theo count in full in the sweep guard
            spot_sd_1s = th.spot * float(self.theo_engine.fallback_vol[self._front])
            spot_sd_1s /= float(np.sqrt(self.config.quoter.trading_seconds_per_year))
            move = lim.sweep_move_sd * spot_sd_1s * float(np.sqrt(lim.sweep_horizon_s))
            # expiring soon: quoted only to close (changes with the theo's clock and the limits)
            if self._run_down_for != (th, lim):
                self._run_down_for = (th, lim)
                self._run_down = self.gate.run_down(th.tau)
                self._any_run_down = bool(self._run_down.any())
            book, risk, ticks = self.book, self.risk, self.opt_ticks
            strike_q, quoting, hard = self.gate.sizing_inputs(risk)
            clamped, pulled = quote_pass(
                pricing.reservation, pricing.half_spread, pricing.tick,
                ticks.unit, ticks.starts, ticks.steps, ticks.nbands,
                self._as_i64(v.bid[1:]), self._as_i64(v.ask[1:]),
                th.live, self.theo_engine.fitted, self.listing.expiry_index,
                float(self.config.quoter.quote_size), self.unit, th.theo, th.delta,
                move, self._sweep_share(now_ns), self._run_down, self._any_run_down,
                np.array([book.delta, book.gamma, book.vega, book.notional]),
                book.expiry_vega, book.expiry_gamma, book.expiry_contracts,
                book.strike_contracts, book.position,
                risk.delta, risk.gamma, risk.vega, risk.notional, risk.expiry,
                risk.strike_cell, strike_q, quoting, hard,
                self.gate.state is GateState.REDUCING,
                float(lim.collar_ticks), float(lim.collar_fraction), passive_only,
                self.sent_bid, self.sent_ask, self.sent_bq, self.sent_aq,
                bid_new, ask_new, bq, aq, changed,
            )  # fmt: skip
            self.counters["clamped_sides"] += clamped
            self._clamped_recent = clamped
            self.counters["collar_pulled_sides"] += pulled
        bid, ask = bid_new, ask_new
        legs = np.flatnonzero(changed)
        if legs.size == 0:
            return None
        granted = self.gate.grant_messages(now_ns, int(legs.size))
        if granted < legs.size:
            # the order-rate limit binds: pulls and size cuts first (they reduce risk),
            # then the legs whose prices moved the most
            self._journal_events()
            if granted == 0:
                return None
            cut = (bq[legs] < self.sent_bq[legs]) | (aq[legs] < self.sent_aq[legs])
            moved = np.maximum(
                np.abs(bid[legs] - self.sent_bid[legs]), np.abs(ask[legs] - self.sent_ask[legs])
            )
            order = np.lexsort((-moved, ~cut))
            legs = np.sort(legs[order[:granted]])
        k = int(legs.size)
        v = self.view
        assert v is not None
        instrument = np.empty(2 * k, dtype=np.int32)
        side = np.empty(2 * k, dtype=np.int8)
        price = np.empty(2 * k, dtype=np.int64)
        qty = np.empty(2 * k, dtype=np.int64)
        theo_px = np.empty(2 * k)
        mkt_bid = np.empty(2 * k, dtype=np.int64)
        mkt_ask = np.empty(2 * k, dtype=np.int64)
        record_legs(
            legs, bid, ask, bq, aq, th.theo, v.bid, v.ask,
            self.sent_bid, self.sent_ask, self.sent_bq, self.sent_aq,
            instrument, side, price, qty, theo_px, mkt_bid, mkt_ask,
        )  # fmt: skip
        self.counters["requotes"] += 1
        self.counters["legs_sent"] += k
        if self.config.journal_quotes:
            self.journal.append(
                "orders",
                ts_ns=now_ns,
                kind="quote",
                instrument=instrument,
                side=side,
                price=price,
                qty=qty,
                theo_px=theo_px,
                client_id=0,
                state=self.gate.state.name,
                mkt_bid=mkt_bid,
                mkt_ask=mkt_ask,
            )
        return make_quotes(instrument[:k], price[:k], qty[:k], price[k:], qty[k:])

    def _delta_to_hedge(self, now_ns: int, book_delta: float) -> float:
        """The book delta, or inside an expiry's settlement window the delta it will
        hold after the settlement, as far as the gate lets it carry the difference
        (:mod:`mmdesk.desk.settlement_hedge`), shares."""
        cfg = self.config.hedger
        window = np.int64(self._settle_window_ns)
        if not any(0 < e - now_ns <= self._settle_window_ns for e in self._expiries):
            return book_delta
        th = self.theo
        assert th is not None
        left = self.listing.expiry_ns - np.int64(now_ns)
        gone = vanishing_delta(
            self.positions.contracts,
            th.delta,
            self.listing.strike,
            self.listing.is_call,
            (left > 0) & (left <= window),
            th.spot,
            self.m,
            self.info.physical_settlement,
        )
        cap = cfg.settlement_keep_fraction * self.gate.quoting_limits.delta
        return settlement_hedge_delta(book_delta, gone, cap)

    def _hedge(self, now_ns: int) -> npt.NDArray[np.void] | None:
        th, book = self.theo, self.book
        assert th is not None and book is not None
        v = self.view
        assert v is not None
        q = self.positions.contracts
        wsum, wt_sum, wv_sum = gamma_weights(q, th.gamma, th.tau, th.vol, th.live)
        t_book = float(wt_sum / wsum) if wsum > 0 else 0.0
        vol_book = float(wv_sum / wsum) if wsum > 0 else 0.2
        vanna = float(np.dot(q, th.vanna) * self.m)
        bb, ba = float(v.bid[0]) * self.unit, float(v.ask[0]) * self.unit
        state = HedgeInputs(
            now_ns=now_ns,
            spot=th.spot,
            delta=self._delta_to_hedge(now_ns, book.delta),
            gamma=book.gamma,
            vanna=vanna,
            vol=vol_book,
            t=t_book,
            rate=self.theo_engine.rate,
            cost=self.hedger.cost_fraction(th.spot, bb, ba),
            last_hedge_ns=self.hedger.last_hedge_ns,
        )
        order = self.hedger.decide(state, int(v.bid[0]), int(v.ask[0]), self.und_tick_units)
        lim = self.gate.limits
        # while REDUCING, a delta over the resume level is brought back to it
        cooling = now_ns - self.hedger.last_sent_ns < int(self.config.hedger.cooldown_ms * 1e6)
        if order is None and not cooling and self.gate.state is not GateState.ACTIVE:
            edge = lim.resume_fraction * lim.delta
            if abs(book.delta) > edge:
                shares = -int(np.sign(book.delta) * np.ceil(abs(book.delta) - edge))
                ref = int(v.ask[0]) if shares > 0 else int(v.bid[0])
                if ref > 0 and shares != 0:
                    slip = self.config.hedger.slippage_ticks * self.und_tick_units
                    price = ref + slip if shares > 0 else max(ref - slip, self.und_tick_units)
                    order = HedgeOrder(shares, int(price), book.delta, float(shares))
        if order is None:
            return None
        decision = self.gate.check_hedge(
            now_ns,
            float(order.shares),
            order.price_units * self.unit,
            th.spot,
            self.und_tick_units * self.unit,
            book,
            th.spot,
        )
        cid = self._client_id(_KIND_HEDGE)
        self.journal.append(
            "hedges",
            ts_ns=now_ns,
            shares=order.shares,
            price=order.price_units,
            delta_before=order.delta_before,
            target=order.target,
            policy=self.config.hedger.policy.kind,
            allowed=decision.allowed,
            reason=decision.reason.name,
            client_id=cid if decision.allowed else 0,
        )
        self._journal_events()
        if not decision.allowed or not self.gate.allow_messages(now_ns, 1):
            self.counters["hedges_denied"] += 1
            self._journal_events()
            return None
        self.hedger.sent(now_ns)
        self.counters["hedges_sent"] += 1
        side = 1 if order.shares > 0 else -1
        self.journal.append(
            "orders",
            ts_ns=now_ns,
            kind="hedge",
            instrument=0,
            side=side,
            price=order.price_units,
            qty=abs(order.shares),
            theo_px=th.spot,
            client_id=cid,
            state=self.gate.state.name,
            **self._market_at(np.array([0])),
        )
        return make_orders(0, side, order.price_units, abs(order.shares), TIF_IOC, cid)

    def _unwind(self, now_ns: int) -> npt.NDArray[np.void] | None:
        """One risk-reducing IOC in the option doing most for the breach per unit of spread."""
        th, book, risk = self.theo, self.book, self.risk
        assert th is not None and book is not None and risk is not None
        cfg = self.config
        if now_ns - self._last_unwind_ns < int(cfg.unwind_interval_ms * 1e6):
            return None
        lim = self.gate.limits
        use = self.gate.last_utilisation
        target = lim.resume_fraction
        q = self.positions.contracts
        held = th.live & (q != 0.0)
        if not held.any():
            return None
        s = -np.sign(q)  # closing direction per option
        e = risk.expiry
        benefit = np.zeros(self.n)
        worse = np.zeros(self.n, dtype=bool)
        need = np.zeros(self.n)  # contracts needed to bring the worst term to target

        def linear(
            total: float | Float64Array, per: Float64Array, limit: float, over: bool
        ) -> None:
            nonlocal benefit, worse, need
            if not over:
                return
            tot = np.asarray(total, dtype=np.float64)
            red = -np.sign(tot) * s * per / limit  # utilisation removed per contract
            red = np.where(np.abs(red) > 1e-12, red, 0.0)  # a subnormal greek removes nothing
            benefit += np.maximum(red, 0.0)
            worse |= red < 0.0
            excess = np.abs(tot) / limit - target
            need = np.maximum(need, np.where(red > 0, excess / np.where(red > 0, red, 1.0), 0.0))

        linear(book.vega, risk.vega, lim.vega, use.get("vega", 0.0) > target)
        linear(book.gamma, risk.gamma, lim.gamma, use.get("gamma", 0.0) > target)
        ev_over = np.abs(book.expiry_vega[e]) / lim.expiry_vega > target
        eg_over = np.abs(book.expiry_gamma[e]) / lim.expiry_gamma > target
        if ev_over.any():
            linear(
                np.where(ev_over, book.expiry_vega[e], 0.0),
                np.where(ev_over, risk.vega, 0.0),
                lim.expiry_vega,
                True,
            )
        if eg_over.any():
            linear(
                np.where(eg_over, book.expiry_gamma[e], 0.0),
                np.where(eg_over, risk.gamma, 0.0),
                lim.expiry_gamma,
                True,
            )
        for gross, limit in (
            (book.expiry_contracts[e], lim.expiry_contracts),
            (book.strike_contracts[risk.strike_cell], risk.strike_limit),
            (np.abs(book.position), lim.option_position),
        ):
            over = gross / limit > target
            benefit += np.where(over, 1.0 / limit, 0.0)
            need = np.maximum(need, np.where(over, gross - target * limit, 0.0))
        if use.get("notional", 0.0) > target:
            benefit += risk.notional / lim.notional
            need = np.maximum(need, (book.notional - target * lim.notional) / risk.notional)
        v = self.view
        assert v is not None
        other_bid, other_ask = self._other_tops()
        px = np.where(s > 0, other_ask, other_bid)
        top_qty = np.where(s > 0, v.ask_qty[1:], v.bid_qty[1:])
        cost = np.abs(px * self.unit - th.theo) * self.m + cfg.option_taker_fee
        ok = held & ~worse & (benefit > 0.0) & (px > 0) & (top_qty > 0)
        if not ok.any():
            return None
        score = np.where(ok, benefit / cost, -np.inf)
        i = int(np.argmax(score))
        qty = int(min(np.ceil(need[i]), abs(q[i]), top_qty[i], cfg.unwind_max_contracts))
        budget = lim.unwind_cost_budget - self._unwind_spent
        if qty <= 0 or cost[i] * qty > budget:
            qty = int(min(qty, np.floor(budget / cost[i]))) if cost[i] > 0 else qty
            if qty <= 0:
                return None
        side = int(s[i])
        price = int(px[i])
        decision = self.gate.check_option_order(
            now_ns,
            i,
            float(side * qty),
            price * self.unit,
            float(th.theo[i]),
            float(tick_size(self.opt_ticks, th.theo[i : i + 1])[0]),
            book,
            risk,
        )
        self._journal_events()
        if not decision.allowed or not self.gate.allow_messages(now_ns, 1):
            self._journal_events()
            return None
        self._last_unwind_ns = now_ns
        self._unwind_spent += float(cost[i] * qty)
        cid = self._client_id(_KIND_UNWIND)
        self.counters["unwinds_sent"] += 1
        self.journal.append(
            "orders",
            ts_ns=now_ns,
            kind="unwind",
            instrument=i + 1,
            side=side,
            price=price,
            qty=qty,
            theo_px=float(th.theo[i]),
            client_id=cid,
            state=self.gate.state.name,
            **self._market_at(np.array([i + 1])),
        )
        self.gate.note(
            now_ns,
            RiskReason.UNWIND,
            f"unwind option {i} side {side} qty {qty} at {price * self.unit:.2f} "
            f"(theo {th.theo[i]:.4f}, cost {cost[i] * qty:.2f}, budget left {budget:.2f})",
        )
        self._journal_events()
        return make_orders(i + 1, side, price, qty, TIF_IOC, cid)

    def _cycle(self, now_ns: int, requote: bool, passive_only: bool = False) -> Commands | None:
        if not self._started or not self._reprice(now_ns):
            return None
        # the book's exposures change only with the theo (market, time) or the positions
        risk_changed = self._risk_dirty or self.book is None
        if risk_changed:
            self._update_risk(now_ns)
            self._risk_dirty = False
        quotes = None
        throttle_ok = now_ns - self._last_requote_ns >= self._min_requote_ns
        if self._dirty and (requote or throttle_ok):
            # quotes are recomputed only when an input changed: theo, book, state, fits
            quotes = self._quotes(now_ns, passive_only)
            self._last_requote_ns = now_ns
            self._fresh_requote_due = passive_only
            self._dirty = passive_only
        orders = []
        if self.gate.state is GateState.REDUCING:
            u = self._unwind(now_ns)
            if u is not None:
                orders.append(u)
        if risk_changed or self._on_clock or self.gate.state is not GateState.ACTIVE:
            h = self._hedge(now_ns)
            if h is not None:
                orders.append(h)
        if quotes is None and not orders:
            return None
        if quotes is None:
            return Commands(orders=np.concatenate(orders))
        if not orders:
            return Commands(quotes=quotes)
        return Commands(quotes=quotes, orders=np.concatenate(orders))

    # ------------------------------------------------------------------ handlers
    def on_market_data(self, view: MarketView) -> Commands | None:
        """A new top of book: reprice and requote when the underlying moved."""
        self.view = view
        now = self._now(view.ts_local)
        if not self._started:
            return None
        spot = self._spot()
        if spot is None:
            return None
        moved = self.theo is None or spot != self.theo.spot
        if self._fresh_requote_due:  # a fill was answered with a passive-only requote
            return self._cycle(now, requote=True)
        signal = imbalance_signal(
            float(view.bid_qty[0]), float(view.ask_qty[0]), self.config.quoter.imbalance_coefficient
        )
        if signal != self._last_signal:
            self._last_signal = signal
            self._dirty = True
        if not (moved or self._dirty):
            return None
        return self._cycle(now, requote=False)

    def on_timer(self, now_ns: int) -> Commands | None:
        """Recalibrate when due, refit fill intensities, snapshot, then a full cycle."""
        now = self._now(now_ns)
        if self.progress is not None:
            self.progress(now)
        if not self._started or self.view is None:
            return None
        spot = self._spot()
        if spot is None:
            return None
        if now - self._last_exposure_ns >= self._exposure_ns:
            self._record_exposure(now)
        if self._next_limit_change < len(self.config.limit_changes):
            self._apply_limit_changes(now)
        closing = bool(self.sessions) and self._closing(now)
        if closing != self._closed:  # pull every quote before the close, quote again at the open
            self._closed = closing
            self._dirty = True
        eng = self.theo_engine
        if eng.due(now) or eng.level_due(now):
            other_bid, other_ask = self._other_tops()
            bid_px = np.where(other_bid > 0, other_bid * self.unit, 0.0)
            ask_px = np.where(other_ask > 0, other_ask * self.unit, 0.0)
            usable = np.ones(self.n, dtype=bool)
            if eng.due(now):
                if eng.calibrate(now, spot, bid_px, ask_px, usable):
                    self.counters["calibrations"] += 1
            else:
                eng.track_level(now, spot, bid_px, ask_px, usable)
            self._reprice(now, force=True)
        th = self.theo
        if th is not None and self.flow.update(now, th.theo, th.delta, th.live, th.spot):
            self._dirty = True
            read = self.flow.read_columns()
            self.journal.append(
                "flow_read", ts_ns=now, **{c: read[c] for c in SCHEMAS["flow_read"] if c != "ts_ns"}
            )
        if now - self._last_refit_ns >= self._refit_ns:
            self.intensity_a, self.intensity_k = self.estimator.estimate()
            self._glft_terms = None
            self._last_refit_ns = now
            self._dirty = True
        out = self._cycle(now, requote=True)
        if now - self._last_snapshot_ns >= self._snapshot_ns:
            self.snapshot(now)
        return out

    def _apply_limit_changes(self, now_ns: int) -> None:
        """Scheduled limit changes that are due, through the gate's audited path."""
        changes = self.config.limit_changes
        start = self.sessions[0][0] if self.sessions else 0
        while self._next_limit_change < len(changes):
            ch = changes[self._next_limit_change]
            if now_ns - start < int(ch.at_s * 1e9):
                break
            self.gate.change_limits(now_ns, ch.limits, ch.who, ch.why)
            self._next_limit_change += 1
            self._risk_dirty = True
            self._dirty = True
            self._journal_events()

    def _record_exposure(self, now_ns: int) -> None:
        th = self.theo
        secs = (now_ns - self._last_exposure_ns) * 1e-9
        self._last_exposure_ns = now_ns
        if th is None or secs <= 0.0:
            return
        rows = np.empty(2 * self.n, dtype=np.int64)
        dist = np.empty(2 * self.n)
        m = exposure_rows(
            self.bucket, th.theo, self.sent_bid, self.sent_ask, self.sent_bq, self.sent_aq,
            self.unit, rows, dist,
        )  # fmt: skip
        self.estimator.record_exposure(rows[:m], dist[:m], secs)

    def on_fill(self, fills: npt.NDArray[np.void]) -> Commands | None:
        """Book own fills, update the fill-intensity data, then requote and hedge at once."""
        if not self._started:
            return None
        f = fills[(fills["flags"] & _F_FILL) != 0]
        if f.size == 0:
            return None
        now = self._now(int(f["ts_exchange"].max()))
        th = self.theo
        kinds = []
        for r in f:
            ins = int(r["instrument"])
            sq = float(r["side"]) * float(r["qty"])
            px = float(r["price"]) * self.unit
            fee = float(r["fee"])
            flags = int(r["flags"])
            if ins == 0:
                self.positions.fill_underlying(sq, px, fee)
                kind = "hedge" if int(r["client_id"]) & 3 == _KIND_HEDGE else "underlying"
                self.counters["hedge_fills"] += 1
            else:
                i = ins - 1
                self.positions.fill_option(i, sq, px, fee)
                self.counters["option_fills"] += 1
                if flags & _F_QUOTE:
                    kind = "quote"
                    if r["side"] > 0:
                        self.sent_bq[i] = max(self.sent_bq[i] - int(r["qty"]), 0)
                    else:
                        self.sent_aq[i] = max(self.sent_aq[i] - int(r["qty"]), 0)
                    if th is not None:
                        self.estimator.record_fills(
                            self.bucket[i : i + 1], np.array([abs(px - th.theo[i])])
                        )
                elif flags & _F_RFQ:
                    kind = "rfq"
                elif int(r["client_id"]) & 3 == _KIND_UNWIND:
                    kind = "unwind"
                else:
                    kind = "order"
            kinds.append(kind)
        ins_arr = f["instrument"].astype(np.int64)
        theo_px = np.full(f.size, np.nan)
        vol = np.full(f.size, np.nan)
        spot = th.spot if th is not None else float("nan")
        if th is not None:
            opt = ins_arr > 0
            theo_px[opt] = th.theo[ins_arr[opt] - 1]
            vol[opt] = th.vol[ins_arr[opt] - 1]
        self.journal.append(
            "fills",
            ts_ns=f["ts_exchange"],
            kind=np.array(kinds, dtype=object),
            instrument=f["instrument"],
            side=f["side"],
            price=f["price"],
            qty=f["qty"],
            fee=f["fee"],
            taker=(f["flags"] & _F_TAKER) != 0,
            tag=f["tag"],
            theo_px=theo_px,
            spot_px=spot,
            vol=vol,
            client_id=f["client_id"],
            match_id=f["match_id"],
        )
        if th is not None:
            chose_us = np.isin(np.array(kinds), ("quote", "rfq"))
            self.flow.record(
                f["ts_exchange"][chose_us],
                ins_arr[chose_us] - 1,
                f["side"][chose_us],
                f["qty"][chose_us],
                f["price"][chose_us] * self.unit,
                f["tag"][chose_us],
                th.theo[ins_arr[chose_us] - 1],
                th.delta[ins_arr[chose_us] - 1],
                th.vega[ins_arr[chose_us] - 1],
                th.spot,
            )
        self._dirty = True
        self._risk_dirty = True
        out = self._cycle(now, requote=True, passive_only=True)
        self._mark(now)
        return out

    def _mark(self, now_ns: int, held: Int64Array | None = None) -> None:
        """Journal the theo inputs of every held option (for recomputing greeks from fills).

        ``held``: the held options' indices when the caller has them."""
        th = self.theo
        if th is None:
            return
        if held is None:
            held = np.flatnonzero(self.positions.contracts != 0.0)
        if held.size == 0:  # one row with option −1: the book holds no option at this mark
            self.journal.append("marks", ts_ns=now_ns, spot_px=th.spot, option=-1, vol=np.nan)
            return
        self.journal.append(
            "marks", ts_ns=now_ns, spot_px=th.spot, option=held.astype(np.int32), vol=th.vol[held]
        )

    def on_rfq(self, request: RfqRequest) -> list[RfqAnswer]:
        """Answer with the desk's own pricing for the block size, each side checked by the gate."""
        if not self._started or self.theo is None or self.view is None:
            return []
        now = self._now(request.ts_ns)
        i = request.instrument - 1
        if not 0 <= i < self.n or not self.theo.live[i]:
            return []
        self._reprice(now)
        self._update_risk(now)
        if self.gate.state is GateState.HALTED or self._closed:
            self.counters["rfq_declined"] += 1
            return []
        pricing = self._price()
        lean_widen, lean_mult = self.flow.tag_lean(request.requester_tag)
        bid_px, ask_px = rfq_prices(
            pricing, i, request.qty, self.config.quoter, lean_widen, lean_mult
        )
        th, book, risk = self.theo, self.book, self.risk
        assert book is not None and risk is not None
        tick = float(tick_size(self.opt_ticks, th.theo[i : i + 1])[0])
        bid_u = int(self.opt_ticks.price_to_units(max(bid_px, 0.0), 1)) if bid_px > 0 else 0
        ask_u = int(self.opt_ticks.price_to_units(ask_px, -1))
        theo_i = float(th.theo[i])
        if bid_u > 0:
            ok = self.gate.check_option_order(
                now, i, float(request.qty), bid_u * self.unit, theo_i, tick, book, risk
            )
            bid_u = bid_u if ok.allowed else 0
        ok = self.gate.check_option_order(
            now, i, -float(request.qty), ask_u * self.unit, theo_i, tick, book, risk
        )
        ask_u = ask_u if ok.allowed else 0
        self._journal_events()
        if bid_u <= 0 and ask_u <= 0:
            self.counters["rfq_declined"] += 1
            return []
        self.counters["rfq_answered"] += 1
        self.journal.append(
            "orders",
            ts_ns=now,
            kind="rfq",
            instrument=np.array([i + 1, i + 1], dtype=np.int32),
            side=np.array([1, -1], dtype=np.int8),
            price=np.array([bid_u, ask_u]),
            qty=np.array([request.qty if bid_u > 0 else 0, request.qty if ask_u > 0 else 0]),
            theo_px=theo_i,
            client_id=request.rfq_id,
            state=self.gate.state.name,
            **self._market_at(np.array([i + 1, i + 1])),
        )
        return [
            RfqAnswer(
                request.rfq_id,
                self.participant_ids[0],
                bid_u if bid_u > 0 else -1,
                ask_u if ask_u > 0 else -1,
            )
        ]

    def on_trades(self, trades: npt.NDArray[np.void]) -> None:
        """Public trade prints: the underlying's go to the ``tape`` journal (VPIN's input)."""
        und = trades[trades["instrument"] == 0]
        if und.size:
            self.journal.append(
                "tape",
                ts_ns=und["ts_exchange"],
                price=und["price"],
                qty=und["qty"],
                side=und["side"],
            )

    def on_settlement(self, records: npt.NDArray[np.void]) -> None:
        """Expiry: settled options leave the book; cash (and delivered shares) enter it."""
        if not self._started or records.size == 0:
            return
        ts = int(records["ts_exchange"].max())
        for r in records:
            ins = int(r["instrument"])
            if ins > 0:
                i = ins - 1
                self.positions.cash -= float(r["fee"])
                self.positions.contracts[i] = 0.0
                self.sent_bq[i] = self.sent_aq[i] = 0
                self.sent_bid[i] = self.sent_ask[i] = 0
            else:
                self.positions.shares += float(r["side"]) * float(r["qty"])
        self.journal.append(
            "fills",
            ts_ns=records["ts_exchange"],
            kind="settle",
            instrument=records["instrument"],
            side=records["side"],
            price=records["price"],
            qty=records["qty"],
            fee=records["fee"],
            taker=False,
            tag=0,
            theo_px=np.nan,
            spot_px=np.nan,
            vol=np.nan,
            client_id=0,
            match_id=-1,
        )
        self._dirty = True
        self._risk_dirty = True
        self._mark(self._now(ts))

    # ------------------------------------------------------------------ the firm (issue 7)
    def internal_quote(self) -> InternalQuote:
        """The internal price for prop books: unskewed theo and half-spread per instrument.

        Index 0 is the underlying (its mid and half its quoted spread); expired or
        unpriced options are NaN. Nothing in it depends on the book's positions.
        """
        th, pr, v = self.theo, self.pricing, self.view
        n = self.n + 1
        mid = np.full(n, np.nan)
        half = np.full(n, np.nan)
        if th is not None:
            mid[0] = th.spot
            mid[1:] = np.where(th.live, th.theo, np.nan)
        if v is not None and v.bid[0] > 0 and v.ask[0] > 0:
            half[0] = 0.5 * float(v.ask[0] - v.bid[0]) * self.unit
        if pr is not None and th is not None:
            # the quoter's half-spread without the REDUCING widening
            widen = self.gate.limits.reducing_widen if self.gate.state is GateState.REDUCING else 1
            half[1:] = np.where(th.live, pr.half_spread / widen, np.nan)
        ts = th.ts_ns if th is not None else self._now_seen
        return InternalQuote.make(ts, mid, half, self.m)

    def cross_marks(self) -> CrossMarks:
        """The marks a cross with this book is priced and risk-checked with (see crossing)."""
        th = self.theo
        if th is None:
            raise RuntimeError("CentralBook.cross_marks: no theo yet (no market data)")
        spy = self.config.quoter.trading_seconds_per_year
        live_exp = np.flatnonzero(self.listing.expiries_ns > np.int64(th.ts_ns))
        front = int(live_exp[0]) if live_exp.size else 0
        spot_vol = float(self.theo_engine.fallback_vol[front])
        up, down = quote_reach(
            np.where(th.live, th.delta, 0.0) * self.m,
            self.sent_bq.astype(np.float64),
            self.sent_aq.astype(np.float64),
        )
        share = self.gate.limits.sweep_share
        return CrossMarks.make(
            th.spot,
            th.delta,
            th.gamma,
            th.vega,
            self._strike_limits(th.ts_ns),
            float(self.opt_ticks.steps[0]) * self.unit,
            spot_vol**2 * th.spot**2 / spy,
            self.theo_engine.volvol**2 / spy,
            (share * up, share * down),
        )

    @property
    def ledger(self) -> BookLedger:
        """This book's side of internal crossing: its positions, gate and crosses."""
        if self._ledger is None:
            self._ledger = BookLedger("central", self.positions, self.gate)
        return self._ledger

    def accept_cross(self, record: CrossRecord) -> None:
        """Book an internal cross (already approved by both gates) like a venue fill.

        The cross enters the positions at its one price, the ledger and the
        journal (``fills`` kind ``cross``), and the book requotes with its new
        skew at the next cycle.
        """
        self.ledger.book(record, CrossRole.CENTRAL)
        th = self.theo
        i = record.instrument - 1
        signed = record.signed_qty(CrossRole.CENTRAL)
        self.journal.append(
            "fills",
            ts_ns=record.ts_ns,
            kind="cross",
            instrument=record.instrument,
            side=1 if signed > 0 else -1,
            price=round(record.price / self.unit),
            qty=round(abs(signed)),
            fee=0.0,
            taker=False,
            tag=0,
            theo_px=float(th.theo[i]) if th is not None and i >= 0 else np.nan,
            spot_px=th.spot if th is not None else np.nan,
            vol=float(th.vol[i]) if th is not None and i >= 0 else np.nan,
            client_id=0,
            match_id=-1,
        )
        self.journal.append(
            "crosses",
            ts_ns=record.ts_ns,
            prop=record.prop,
            instrument=record.instrument,
            qty=record.qty,
            price_px=record.price,
            mid_px=record.mid,
            adjustment=record.adjustment,
            delta_risk=record.delta_risk,
            reason=record.reason.name,
        )
        self._dirty = True
        self._risk_dirty = True
        self._mark(self._now(record.ts_ns))

    # ------------------------------------------------------------------ journal
    def snapshot(self, now_ns: int) -> None:
        """Journal P&L, greeks, utilisation, per-expiry greeks, inventory and theo inputs."""
        th, book = self.theo, self.book
        if th is None or book is None:
            return
        self._last_snapshot_ns = now_ns
        value = self.value()
        pos = self.positions
        use = self.gate.last_utilisation
        opt_value = float(np.dot(pos.contracts, self._live_theo()) * self.m)
        self.journal.append(
            "snapshots",
            ts_ns=now_ns,
            spot_px=th.spot,
            pnl=value,
            pnl_today=value - self._day_open_value,
            drawdown=value - self._peak_value,
            cash=pos.cash,
            fees=pos.fees,
            shares=pos.shares,
            option_value=opt_value,
            delta=book.delta,
            gamma=book.gamma,
            vega=book.vega,
            notional=book.notional,
            gross_contracts=float(np.abs(pos.contracts).sum()),
            max_utilisation=max(use.values()) if use else 0.0,
            state=self.gate.state.name,
            quoted_sides=np.count_nonzero(self.sent_bq > 0) + np.count_nonzero(self.sent_aq > 0),
            clamped_sides=self.counters["clamped_sides"],
            unwind_spent=self._unwind_spent,
        )
        self.journal.append(
            "expiry_greeks",
            ts_ns=now_ns,
            expiry=self._expiry_range,
            vega=book.expiry_vega,
            gamma=book.expiry_gamma,
            contracts=book.expiry_contracts,
            # copies: calibrations update the engine's arrays in place
            vol_uncertainty=self.theo_engine.vol_uncertainty.copy(),
            volvol=self.theo_engine.volvol.copy(),
        )
        held = np.flatnonzero(pos.contracts != 0.0)
        if held.size:
            self.journal.append(
                "inventory",
                ts_ns=now_ns,
                option=held.astype(np.int32),
                contracts=pos.contracts[held],
            )
        self._mark(now_ns, held)

    def finish(self, now_ns: int) -> None:
        """Take a final snapshot (end of the run)."""
        if self._started and self.theo is not None:
            self._now(now_ns)
            if self.book is not None:
                self.snapshot(now_ns)
