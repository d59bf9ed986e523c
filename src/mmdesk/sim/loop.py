"""The simulation event loop: one clock, the matching engine, latency, agents and a desk slot.

Work is ordered by ``(time, phase, sequence)``; at each timestamp (see
``docs/simulation.md``):

0. **match** — every command message that reaches the venue at this time
   (sent earlier + order-entry latency), in send order, is applied to the books
   in one engine batch; aggressive underlying trades update the price impact;
   fills update positions and open interest; RFQs in the messages are run;
1. **react** — participants whose fills, order updates or pushed market data
   arrive now (venue time + ack / market-data latency) handle them;
2. **timers** — participants whose timer is due get the latest market view
   they can see and act; reference marks are taken;
3. **settle** — expiries due now are settled.

Anything a handler returns is stamped with the current time and reaches the
venue after the sender's order-entry latency (>= 1 ns), so it is matched at a
later step: new commands never jump ahead of work already due.
"""

from __future__ import annotations

import hashlib
import heapq
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from mmdesk.flow.agents.base import AgentContext
from mmdesk.flow.agents.informed import InformedAgents
from mmdesk.flow.agents.institutional import InstitutionalAgents
from mmdesk.flow.agents.liquidity import LiquidityProviders
from mmdesk.flow.agents.market_makers import MarketMakers
from mmdesk.flow.agents.noise import NoiseAgents
from mmdesk.flow.agents.tags import TAG_DESK
from mmdesk.flow.agents.vol_informed import VolInformedAgents
from mmdesk.market.events import EVENT_DTYPE, EventKind
from mmdesk.sim._pack import (
    pack_message,
    private_rows,
    rows_with,
    scan_into,
    take_rows,
    trade_rows,
)
from mmdesk.sim.clock import SimClock, TradingCalendar
from mmdesk.sim.config import ScenarioConfig
from mmdesk.sim.fair_value import simulate_session_paths
from mmdesk.sim.oracle import PathOracle
from mmdesk.sim.seeds import SeedBank
from mmdesk.typing import Float64Array, Int64Array
from mmdesk.venue.commands import COMMAND_DTYPE
from mmdesk.venue.config import LatencyConfig
from mmdesk.venue.engine import MatchingEngine
from mmdesk.venue.impact import PriceImpact
from mmdesk.venue.latency import DelaySampler
from mmdesk.venue.listing import Listing, build_listing
from mmdesk.venue.participant import (
    Commands,
    MarketView,
    ParticipantBase,
    RfqRequest,
    VenueInfo,
)
from mmdesk.venue.rfq import best_quotes, rfq_trade_rows
from mmdesk.venue.settlement import OpenInterestBook

EventArray = npt.NDArray[np.void]

#: Owner id of the desk (its tag is ``TAG_DESK``).
DESK_OWNER: int = 1
#: First owner id given to agents.
FIRST_AGENT_OWNER: int = 2

_MATCH, _REACT, _TIMER, _SETTLE = 0, 1, 2, 3
_KEEP_FLAGS = int(EventKind.FILL | EventKind.TRADE | EventKind.SETTLE)
_FILL, _TRADE, _TOP = int(EventKind.FILL), int(EventKind.TRADE), int(EventKind.TOP)


class _Link:
    """One participant's link: F's delay samplers (``venue.latency``), FIFO per path if asked.

    Constant delays (the default) are read without touching the generator.
    """

    def __init__(self, cfg: LatencyConfig, rng: np.random.Generator) -> None:
        self.cfg = cfg
        self._samplers = {
            "entry": DelaySampler(cfg.order_entry, rng),
            "ack": DelaySampler(cfg.ack, rng),
            "md": DelaySampler(cfg.market_data, rng),
        }
        self._const = {
            k: (int(v.config.mean_ns) if v.config.kind == "constant" else -1)
            for k, v in self._samplers.items()
        }
        self._last = {"entry": 0, "ack": 0, "md": 0}
        self._fifo = cfg.preserve_order

    def arrival(self, which: str, sent_ns: int) -> int:
        """Arrival time (ns) of a message sent at ``sent_ns`` on path ``which`` (>= 1 ns later)."""
        d = self._const[which]
        if d < 0:
            d = int(self._samplers[which].sample(1)[0])
        t = sent_ns + (d if d > 1 else 1)
        if self._fifo:
            last = self._last
            if t < last[which]:
                t = last[which]
            last[which] = t
        return t


@dataclass(eq=False)
class RunResult:
    """What a run leaves in memory.

    Attributes
    ----------
    digest
        SHA-256 of every venue row of the run, in order (the determinism check).
    n_events, n_commands
        Venue rows emitted (engine + RFQ + settlement) and commands processed.
    wall_s, cpu_s
        Wall-clock and process CPU seconds of :meth:`SimulationLoop.run` (the only
        clock reads outside the simulated clock; CPU time is the fairer speed
        figure on a shared machine).
    journal
        Kept rows (``LoopConfig.journal``), EVENT_DTYPE.
    mark_ts, mark_mid, mark_fair
        Reference marks: times (ns), mids of every instrument (currency, NaN if a
        side is empty; shape (n_marks, n_instruments)), latent fair value.
    mark_consensus_vol
        The competing makers' consensus vol at each mark (NaN without makers).
    """

    digest: str
    n_events: int
    n_commands: int
    wall_s: float
    cpu_s: float
    journal: EventArray
    mark_ts: Int64Array
    mark_mid: Float64Array
    mark_fair: Float64Array
    mark_consensus_vol: Float64Array

    @property
    def events_per_second(self) -> float:
        """Venue rows per wall-clock second."""
        return self.n_events / self.wall_s if self.wall_s > 0 else float("nan")

    @property
    def events_per_cpu_second(self) -> float:
        """Venue rows per CPU second of the run."""
        return self.n_events / self.cpu_s if self.cpu_s > 0 else float("nan")


class SimulationLoop:
    """A simulated venue with its agents, and an optional desk.

    Parameters
    ----------
    config
        The scenario.
    desk
        A participant with ``participant_ids == (DESK_OWNER,)`` and
        ``tags == (TAG_DESK,)``, or None to run the market alone.
    extra
        More participants (e.g. issue 8's hedgers, issue 7's prop books), with
        owner ids from :func:`first_free_owner` up and their own tags; they come
        after the built-in agents and before the desk in every same-time
        ordering. May be a callable ``extra(loop)`` returning them, called once
        the loop's listing and oracle exist (e.g. for a prop book's private
        view of the fair-value path).
    """

    _last_trade: Int64Array
    _dest: Int64Array
    _counts: Int64Array
    _info: Int64Array
    _max_md: int
    _view_key: tuple[int, int]
    _view: MarketView | None

    def __init__(
        self,
        config: ScenarioConfig,
        desk: Any = None,
        extra: Sequence[Any] | Callable[[SimulationLoop], Sequence[Any]] = (),
    ) -> None:
        self.config = config
        cfg = config
        self.bank = SeedBank(cfg.seed)
        self.calendar = TradingCalendar(cfg.calendar)
        cal = self.calendar
        self.sessions = tuple(
            (cal.session_open_ns(d), cal.session_close_ns(d)) for d in range(cfg.days)
        )
        self.listing = self._build_listing()
        steps = max(1, cfg.calendar.session_s * 1000 // cfg.loop.path_step_ms)
        paths = simulate_session_paths(
            cfg.process,
            cfg.spot,
            cal,
            cfg.session,
            cfg.days,
            steps,
            1,
            self.bank.generator("market.fair_value"),
            self.bank.generator("market.gaps"),
        )
        self.impact = PriceImpact(cfg.impact, self.sessions[0][0])
        self.oracle = PathOracle(paths, cal, cfg.session, self.impact, steps)
        n_ins = self.listing.n_instruments
        classes = np.ones(n_ins, dtype=np.int64)
        classes[0] = 0
        self.engine = MatchingEngine(cfg.venue, classes)
        self.option_ticks = self.engine.tick_tables[1]
        self.underlying_ticks = self.engine.tick_tables[0]
        self.unit = self.engine.unit
        self.context = AgentContext(
            listing=self.listing,
            option_ticks=self.option_ticks,
            underlying_ticks=self.underlying_ticks,
            price_unit=self.unit,
            rate=cfg.rate,
            div_yield=cfg.div_yield,
            oracle=self.oracle,
        )
        self.participants: list[Any] = self._build_agents()
        self.participants.extend(extra(self) if callable(extra) else extra)
        self.desk = desk
        if desk is not None:
            if tuple(desk.participant_ids) != (DESK_OWNER,) or tuple(desk.tags) != (TAG_DESK,):
                raise ValueError(
                    f"desk.participant_ids={desk.participant_ids} tags={desk.tags}: the desk "
                    f"trades as owner {DESK_OWNER} with tag {TAG_DESK}"
                )
            self.participants.append(desk)
        self._index_participants()
        self.clock = SimClock(self.sessions[0][0])
        self._ran = False

    # ------------------------------------------------------------------ construction
    def _build_listing(self) -> Listing:
        cfg = self.config
        ch = cfg.chain
        expiries = [self.calendar.session_close_ns(d) for d in ch.expiry_days]
        half = (ch.strikes_per_expiry - 1) / 2.0
        strikes = [
            np.round(cfg.spot + (np.arange(ch.strikes_per_expiry) - half) * step, 6)
            for step in ch.strike_steps
        ]
        for e, k in enumerate(strikes):
            if k[0] <= 0:
                raise ValueError(
                    f"chain.strike_steps[{e}]={ch.strike_steps[e]} gives strike {k[0]} <= 0"
                )
        return build_listing(expiries, strikes, ch.multiplier)

    def _build_agents(self) -> list[Any]:
        a, ctx, bank = self.config.agents, self.context, self.bank
        vol_guess = a.market_makers.vol_prior
        next_id = FIRST_AGENT_OWNER

        def ids(n: int) -> tuple[int, ...]:
            nonlocal next_id
            out = tuple(range(next_id, next_id + n))
            next_id += n
            return out

        # order matters: providers first, so at a shared timestamp quotes precede takers
        return [
            LiquidityProviders(a.liquidity, ctx, ids(a.liquidity.n_providers)),
            MarketMakers(
                a.market_makers,
                ctx,
                ids(a.market_makers.n_makers),
                bank.generator("flow.market_makers"),
            ),
            NoiseAgents(a.noise, ctx, ids(a.noise.n_tags), bank.generator("flow.noise"), vol_guess),
            InformedAgents(
                a.informed, ctx, ids(a.informed.n_tags), bank.generator("flow.informed"), vol_guess
            ),
            VolInformedAgents(
                a.vol_informed,
                ctx,
                ids(a.vol_informed.n_tags),
                bank.generator("flow.vol_informed"),
                vol_guess,
            ),
            InstitutionalAgents(
                a.institutional,
                ctx,
                ids(a.institutional.n_tags),
                bank.generator("flow.institutional"),
                vol_guess,
            ),
        ]

    def _index_participants(self) -> None:
        cap = self.config.venue.max_participants
        self._owner_pidx = np.full(cap, -1, dtype=np.int64)
        self._owner_tag = np.zeros(cap, dtype=np.int64)
        self._links: list[_Link] = []
        all_ids: list[int] = []
        for k, p in enumerate(self.participants):
            if len(p.participant_ids) != len(p.tags):
                raise ValueError(f"participant {k}: participant_ids and tags differ in length")
            for pid, tag in zip(p.participant_ids, p.tags, strict=True):
                if not 0 <= pid < cap or self._owner_pidx[pid] >= 0:
                    raise ValueError(f"participant {k}: owner id {pid} invalid or taken")
                self._owner_pidx[pid] = k
                self._owner_tag[pid] = tag
                all_ids.append(pid)
            is_desk = p is self.desk
            lat = self.config.desk_latency if is_desk else self.config.agent_latency
            self._links.append(_Link(lat, self.bank.generator(f"latency.{k}")))
        self.oi = OpenInterestBook(self.listing, tuple(all_ids))
        self._wants_fills = [
            type(p).on_fill is not ParticipantBase.on_fill for p in self.participants
        ]
        self._wants_updates = [
            bool(getattr(p, "wants_order_updates", False)) for p in self.participants
        ]
        self._push_md = [bool(getattr(p, "market_data_push", False)) for p in self.participants]
        self._wants_trades = [callable(getattr(p, "on_trades", None)) for p in self.participants]
        self._any_private = any(self._wants_fills) or any(self._wants_updates)
        # per participant: 1 wants its fills, 2 its other order updates (scan_batch)
        wants = zip(self._wants_fills, self._wants_updates, strict=True)
        self._private_mode = np.array([int(f) | 2 * int(u) for f, u in wants], dtype=np.int64)
        # the participants each kind of venue output goes to (loops below run per batch)
        self._private_ks = [
            k
            for k in range(len(self.participants))
            if self._wants_fills[k] or self._wants_updates[k]
        ]
        self._trades_ks = [k for k in range(len(self.participants)) if self._wants_trades[k]]
        self._push_md_ks = [k for k in range(len(self.participants)) if self._push_md[k]]
        self._wants_settle = [
            type(p).on_settlement is not ParticipantBase.on_settlement for p in self.participants
        ]
        self._default_owner = [
            int(p.participant_ids[0]) if len(p.participant_ids) else -1 for p in self.participants
        ]
        self._md_delay = [link.cfg.market_data.mean_ns for link in self._links]

    def venue_info(self) -> VenueInfo:
        """Static facts of this venue, as handed to ``on_start``."""
        return VenueInfo(
            listing=self.listing,
            option_ticks=self.option_ticks,
            underlying_ticks=self.underlying_ticks,
            price_unit=self.unit,
            sessions_ns=self.sessions,
            rate=self.config.rate,
            div_yield=self.config.div_yield,
            physical_settlement=self.config.settlement == "physical",
        )

    # ------------------------------------------------------------------ commands
    def _to_commands(self, ts: int, batch: list[tuple[int, Commands]]) -> EventArray:
        """One COMMAND_DTYPE batch from the messages of several participants, in send order.

        Within one message: cancels, then the mass quote, then the orders.
        """
        n = 0
        for _, c in batch:
            n += c.cancels.size + c.quotes.size + c.orders.size
        out = np.zeros(n, dtype=COMMAND_DTYPE)
        i = 0
        pidx, tags, owners = self._owner_pidx, self._owner_tag, self._default_owner
        for k, cmds in batch:
            i = pack_message(
                ts, cmds.cancels, cmds.quotes, cmds.orders, owners[k], k, pidx, tags, i, out
            )
            if i < 0:
                raise ValueError(f"participant {k} sent commands for owners it does not hold")
        return out

    # ------------------------------------------------------------------ the run
    def _push(self, t: int, phase: int, kind: int, payload: Any) -> None:
        heapq.heappush(self._heap, (t, phase, self._seq, kind, payload))
        self._seq += 1

    def _record(self, rows: EventArray, present: int = _KEEP_FLAGS) -> None:
        """Hash (always) and keep (per ``LoopConfig.journal``) venue rows.

        ``present``: the OR of the rows' flags when known (no kept kind: nothing to select).
        """
        n = rows.shape[0]
        if n == 0:
            return
        self._hasher.update((rows if rows.flags.c_contiguous else rows.copy()).data)
        self._n_events += n
        keep = self._keep
        if keep == "all":
            self._journal.append(rows)
        elif keep == "fills" and present & _KEEP_FLAGS:
            sel = rows_with(rows, _KEEP_FLAGS)
            if sel.shape[0]:
                self._journal.append(sel)

    def _send(self, t: int, k: int, cmds: Commands | None) -> None:
        """Commands from participant ``k`` at ``t`` reach the venue after its entry latency."""
        if cmds is None or not (
            cmds.quotes.size or cmds.orders.size or cmds.cancels.size or cmds.rfqs.size
        ):
            return
        heapq.heappush(
            self._heap, (self._links[k].arrival("entry", t), _MATCH, self._seq, 0, (k, cmds))
        )
        self._seq += 1

    def _view_at(self, t: int, k: int) -> MarketView | None:
        """The newest snapshot participant ``k`` can see at ``t`` (None if none or already seen)."""
        lat_t = t - self._md_delay[k]
        for snap in reversed(self._snaps):
            if snap[0] <= lat_t:
                break
        else:
            return None
        ts_s = snap[0]
        if ts_s == self._last_seen[k]:
            return None
        self._last_seen[k] = ts_s
        if self._view_key == (ts_s, t):  # participants due at one time share the view
            return self._view
        view = MarketView.from_columns(ts_s, t, snap[3], snap[2], self.unit)
        self._view_key, self._view = (ts_s, t), view
        return view

    def _deliver_private(self, t: int, rows: EventArray) -> None:
        """Schedule each participant's own rows (fills; updates if wanted) after ack latency."""
        own, flags = rows["owner"], rows["flags"]
        for k in self._private_ks:
            fi, ui = private_rows(
                own, flags, self._owner_pidx, k, self._wants_fills[k], self._wants_updates[k]
            )
            if fi.shape[0] or ui.shape[0]:
                self._push(self._links[k].arrival("ack", t), _REACT, 0, (k, rows[fi], rows[ui]))

    def _match(self, t: int, batch: list[tuple[int, Commands]]) -> None:
        """Phase 0: one engine batch of every message arriving at ``t``, then its RFQs."""
        to_engine = [(k, c) for k, c in batch if c.cancels.size or c.quotes.size or c.orders.size]
        if to_engine:
            commands = self._to_commands(t, to_engine)
            self._n_commands += commands.size
            # a view of the engine's buffer unless the journal keeps every row: the
            # rows are hashed, read and copied from before the next batch
            ev = self.engine.process(commands, copy=self._keep == "all")
            if ev.size:
                self._after_engine(t, ev)
        for k, cmds in batch:
            if cmds.rfqs.size:
                self._run_rfqs(t, k, cmds.rfqs)

    def _after_engine(self, t: int, ev: EventArray) -> None:
        keep = self._keep
        n = ev.shape[0]
        if self._dest.shape[0] < n:
            self._dest = np.empty(2 * n, dtype=np.int64)
        dest, counts, info = self._dest, self._counts, self._info
        # scan_batch in two steps: the arrays only when the batch has such rows
        present = scan_into(
            ev, _KEEP_FLAGS if keep == "fills" else 0, self._owner_pidx, self._private_mode,
            dest, counts, info,
        )  # fmt: skip
        n_keep, n_trade, n_und = info.tolist()
        # what _record does, with the kept rows already selected
        self._hasher.update((ev if ev.flags.c_contiguous else ev.copy()).data)
        self._n_events += n
        if keep == "all":
            self._journal.append(ev)
        elif n_keep:
            self._journal.append(rows_with(ev, _KEEP_FLAGS))
        if n_trade:
            tr, und_ts, und_q, new_last = trade_rows(ev, n_trade, n_und, self._last_trade)
            if n_und:
                self.impact.apply(und_ts, und_q)
        if present & _FILL:
            self.oi.apply_fills(ev)  # reads the option FILL rows only
        if self._any_private:
            cl = counts.tolist()
            for k in self._private_ks:
                nf, nu = cl[2 * k], cl[2 * k + 1]
                if nf or nu:
                    f = take_rows(ev, dest, 2 * k, nf) if nf else np.empty(0, EVENT_DTYPE)
                    u = take_rows(ev, dest, 2 * k + 1, nu) if nu else np.empty(0, EVENT_DTYPE)
                    self._push(self._links[k].arrival("ack", t), _REACT, 0, (k, f, u))
        if n_trade:
            self._last_trade = new_last
            for k in self._trades_ks:
                self._push(self._links[k].arrival("md", t), _REACT, 2, (k, tr))
        if present & (_TOP | _FILL):
            snaps = self._snaps
            snaps.append(_snapshot(t, self.engine.tops(), self._last_trade))
            while len(snaps) > 2 and snaps[1][0] <= t - self._max_md:
                snaps.popleft()
            for k in self._push_md_ks:
                self._push(self._links[k].arrival("md", t), _REACT, 1, k)

    def _run_rfqs(self, t: int, k: int, rows: npt.NDArray[np.void]) -> None:
        """Run participant ``k``'s RFQs: collect answers, show the best, trade or walk."""
        requester = self.participants[k]
        for r in rows:
            owner = int(r["owner"]) if r["owner"] >= 0 else int(requester.participant_ids[0])
            self._rfq_id += 1
            tag = int(self._owner_tag[owner])
            req = RfqRequest(self._rfq_id, t, int(r["instrument"]), int(r["qty"]), tag)
            answers = []
            for j, p in enumerate(self.participants):
                if j != k:
                    answers.extend(p.on_rfq(req))
            quotes = best_quotes(req, owner, answers)
            side = int(requester.on_rfq_quotes(quotes))
            if side == 0:
                continue
            responder = quotes.best_ask_participant if side > 0 else quotes.best_bid_participant
            if responder < 0:
                continue
            self._match_id += 1
            rows3 = rfq_trade_rows(
                t, quotes, side, tag, int(self._owner_tag[responder]), self._match_id
            )
            self._record(rows3)
            self.oi.apply_fills(rows3[:2])
            self._deliver_private(t, rows3)

    def _react(self, t: int, kind: int, payload: Any) -> None:
        """Phase 1: own rows or pushed market data arrive at a participant."""
        if kind == 0:
            k, f, u = payload
            p = self.participants[k]
            if f.size:
                self._send(t, k, p.on_fill(f))
            if u.size:
                self._send(t, k, p.on_order_update(u))
        elif kind == 1:
            k = payload
            v = self._view_at(t, k)
            if v is not None:
                self._send(t, k, self.participants[k].on_market_data(v))
        else:
            k, rows = payload
            self._send(t, k, self.participants[k].on_trades(rows))

    def _next_in_session(self, t: int, period: int, day: int) -> tuple[int, int]:
        """Next timer time after ``t`` (ns) and its day; -1 after the last close."""
        nxt = t + period
        if nxt >= self.sessions[day][1]:
            day += 1
            nxt = self.sessions[day][0] if day < len(self.sessions) else -1
        return nxt, day

    def _timer(self, t: int, kind: int, payload: Any) -> None:
        """Phase 2: a participant's timer, or a reference mark."""
        if kind == 0:
            k, day = payload
            p = self.participants[k]
            v = self._view_at(t, k)
            if v is not None:
                cmds = p.on_market_data(v)
                if cmds is not None:
                    self._send(t, k, cmds)
            cmds = p.on_timer(t)
            if cmds is not None:
                self._send(t, k, cmds)
            nxt = t + p.timer_ns
            if nxt >= self._closes[day]:
                nxt, day = self._next_in_session(t, p.timer_ns, day)
            if nxt >= 0:
                heapq.heappush(self._heap, (nxt, _TIMER, self._seq, 0, (k, day)))
                self._seq += 1
            return
        day = payload
        self._marks_ts.append(t)
        self._marks_tops.append(self.engine.tops())  # mids computed once at the end
        self._marks_fair.append(self.oracle.fair_value(t))
        mm = self._makers
        self._marks_vol.append(mm.consensus_vol if mm is not None else float("nan"))
        nxt, nday = self._next_in_session(t, self.config.loop.mark_interval_ms * 1_000_000, day)
        if nxt >= 0:
            self._push(nxt, _TIMER, 1, nday)

    def _mark_mids(self) -> Float64Array:
        """Mids (currency, NaN where a side is empty) of every instrument at every mark."""
        n_ins = self.listing.n_instruments
        if not self._marks_tops:
            return np.zeros((0, n_ins))
        tops = np.stack(self._marks_tops)  # (n_marks, n_instruments, 4)
        bid, ask = tops[:, :, 0], tops[:, :, 2]
        mid: Float64Array = np.where((bid > 0) & (ask > 0), 0.5 * (bid + ask) * self.unit, np.nan)
        return mid

    def _settle(self, t: int) -> None:
        """Phase 3: settle every expiry due at ``t`` at the latent fair value."""
        for e in self.oi.due_expiries(t):
            rows = self.oi.settle(e, self.oracle.fair_value(t), self.unit, self.config.settlement)
            self._record(rows)
            for k, p in enumerate(self.participants):
                if self._wants_settle[k]:
                    mine = self._owner_pidx[np.maximum(rows["owner"], 0)] == k
                    if mine.any():
                        p.on_settlement(rows[mine])

    def _reset_run(self) -> None:
        self._heap: list[tuple[int, int, int, int, Any]] = []
        self._seq = 0
        self._hasher = hashlib.sha256()
        self._journal: list[EventArray] = []
        open0 = self.sessions[0][0]
        self._last_trade = np.full(self.listing.n_instruments, -1, dtype=np.int64)
        self._snaps: deque[_Snapshot] = deque(
            [_snapshot(open0, self.engine.tops(), self._last_trade)]
        )
        self._last_seen = [-1] * len(self.participants)
        self._marks_ts: list[int] = []
        self._marks_tops: list[Int64Array] = []
        self._marks_fair: list[float] = []
        self._marks_vol: list[float] = []
        self._n_events = 0
        self._n_commands = 0
        self._match_id = 1 << 40
        self._rfq_id = 0
        self._makers = next((p for p in self.participants if isinstance(p, MarketMakers)), None)
        self._keep = self.config.loop.journal
        self._closes = [close for _, close in self.sessions]
        self._view_key = (-1, -1)
        self._view = None
        self._dest = np.empty(1024, dtype=np.int64)  # scan_into's buffers
        self._counts = np.zeros(2 * len(self.participants), dtype=np.int64)
        self._info = np.zeros(3, dtype=np.int64)
        self._max_md = max(
            link.cfg.market_data.mean_ns + 10 * link.cfg.market_data.floor_ns + 1
            for link in self._links
        )

    def run(self) -> RunResult:
        """Run the scenario from the first open to the last close; return the result.

        A loop runs once (build a new one to run again).
        """
        if self._ran:
            raise RuntimeError("SimulationLoop.run: this loop has already run; build a new one")
        self._ran = True
        wall0 = time.perf_counter()
        cpu0 = time.process_time()
        self._reset_run()
        info = self.venue_info()
        for p in self.participants:
            start = getattr(p, "on_start", None)
            if start is not None:
                start(info)
        open0 = self.sessions[0][0]
        for k, p in enumerate(self.participants):
            if p.timer_ns > 0:
                self._push(open0, _TIMER, 0, (k, 0))
        if self.config.loop.mark_interval_ms > 0:
            self._push(open0, _TIMER, 1, 0)
        end_ns = self.sessions[-1][1]
        for e_ns in self.listing.expiries_ns:
            if int(e_ns) <= end_ns:
                self._push(int(e_ns), _SETTLE, 0, None)

        heap, pop, clock = self._heap, heapq.heappop, self.clock
        now = -1
        while heap:
            t, phase, _, kind, payload = pop(heap)
            if t != now:
                clock.advance_to(t)
                now = t
            if phase == _TIMER:  # the most frequent first
                self._timer(t, kind, payload)
            elif phase == _MATCH:
                batch = [payload]
                while heap and heap[0][0] == t and heap[0][1] == _MATCH:
                    batch.append(pop(heap)[4])
                self._match(t, batch)
            elif phase == _REACT:
                self._react(t, kind, payload)
            else:
                self._settle(t)

        return RunResult(
            digest=self._hasher.hexdigest(),
            n_events=self._n_events,
            n_commands=self._n_commands,
            wall_s=time.perf_counter() - wall0,
            cpu_s=time.process_time() - cpu0,
            journal=_concat_rows(self._journal),
            mark_ts=np.asarray(self._marks_ts, dtype=np.int64),
            mark_mid=self._mark_mids(),
            mark_fair=np.asarray(self._marks_fair, dtype=np.float64),
            mark_consensus_vol=np.asarray(self._marks_vol, dtype=np.float64),
        )


#: A published top of book: (venue time ns, tops int64[n, 4], last trade prices,
#: the view's columns (bid, ask, bid qty, ask qty) as views of the tops).
_Columns = tuple[Int64Array, Int64Array, Int64Array, Int64Array]
_Snapshot = tuple[int, Int64Array, Int64Array, _Columns]


def _snapshot(ts: int, tops: Int64Array, last: Int64Array) -> _Snapshot:
    """A snapshot of the tops published at ``ts`` (columns sliced once, shared by its views)."""
    return (ts, tops, last, (tops[:, 0], tops[:, 2], tops[:, 1], tops[:, 3]))


def _concat_rows(chunks: list[EventArray]) -> EventArray:
    """One EVENT_DTYPE array of the chunks, in order (joined as bytes: numpy's structured
    concatenate promotes the dtype chunk by chunk, ~15 us each)."""
    if not chunks:
        return np.zeros(0, EVENT_DTYPE)
    raw = np.concatenate([np.ascontiguousarray(c).view(np.uint8) for c in chunks])
    out: EventArray = raw.view(EVENT_DTYPE)
    return out


def first_free_owner(config: ScenarioConfig) -> int:
    """The first venue owner id not used by the desk or the scenario's built-in agents."""
    a = config.agents
    return FIRST_AGENT_OWNER + (
        a.liquidity.n_providers
        + a.market_makers.n_makers
        + a.noise.n_tags
        + a.informed.n_tags
        + a.vol_informed.n_tags
        + a.institutional.n_tags
    )


def run_scenario(config: ScenarioConfig | None = None, desk: Any = None) -> RunResult:
    """Build and run a scenario (the default one if ``config`` is None)."""
    return SimulationLoop(config if config is not None else ScenarioConfig(), desk).run()
