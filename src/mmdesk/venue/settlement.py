"""Expiry, settlement and open interest.

Positions per (participant, option) are kept from FILL rows. **Open interest**
of an option is the number of contracts held long, ``sum_p max(pos_p, 0)`` —
equal to the contracts held short. A fill *opens* the part of its quantity that
increases the owner's absolute position and *closes* the rest, so OI rises by
``q`` when both sides open, falls by ``q`` when both close and is unchanged when
one side opens and the other closes.

At an expiry every position in that expiry's options is settled at the
settlement price ``S`` (the latent fair value at the expiry time):

* **cash**: the holder of ``n`` contracts receives ``n × m × max(phi(S − K), 0)``
  (phi = +1 call, -1 put, m the multiplier; short positions pay it);
* **physical**: an in-the-money contract is exercised: ``n × m × phi`` shares are
  delivered at the strike (cash ``-n × m × phi × K``); out-of-the-money ones lapse.

Each settled (participant, option) gives one EVENT_DTYPE row with flag SETTLE:
``instrument`` the option, ``side`` the sign of the position, ``qty`` its size,
``price`` the settlement price (integer units), ``fee`` minus the cash received
(so summed with trading fees it is the participant's cash outflow); physical
exercise adds a SETTLE row on instrument 0 with the delivered shares
(``side``, ``qty``) at the strike (``price``). Positions and OI of the expired
options are then zero.
"""

from __future__ import annotations

from typing import Literal

import numba
import numpy as np
import numpy.typing as npt

from mmdesk.market.events import EventKind, empty_events
from mmdesk.typing import Int64Array
from mmdesk.venue.listing import Listing


def apply_fills_python(
    owner: Int64Array,
    option: Int64Array,
    signed_qty: Int64Array,
    positions: Int64Array,
    open_interest: Int64Array,
    opened: Int64Array,
) -> None:
    """Apply option fills to positions and open interest in place.

    Parameters
    ----------
    owner
        Row index into ``positions`` of each fill's owner.
    option
        Option index (instrument - 1) of each fill.
    signed_qty
        Side × contracts from the owner's side.
    positions
        int64 (n_owners, n_options), contracts.
    open_interest
        int64 (n_options,), contracts held long.
    opened
        Output, int64 per fill: contracts the fill opened (the rest closed).
    """
    for j in range(owner.shape[0]):
        o = owner[j]
        i = option[j]
        q = signed_qty[j]
        p0 = positions[o, i]
        p1 = p0 + q
        positions[o, i] = p1
        open_interest[i] += max(p1, 0) - max(p0, 0)
        # closing part: the overlap of q with -p0
        if p0 * q < 0:
            closed = min(abs(q), abs(p0))
        else:
            closed = 0
        opened[j] = abs(q) - closed


apply_fills = numba.njit(cache=True)(apply_fills_python)

_FILL = int(EventKind.FILL)


def apply_fill_rows_python(
    fills: npt.NDArray[np.void],
    owner_row: Int64Array,
    positions: Int64Array,
    open_interest: Int64Array,
) -> tuple[Int64Array, int]:
    """:func:`apply_fills` straight from EVENT_DTYPE rows (option FILL rows only).

    Parameters
    ----------
    fills
        Venue rows; non-FILL rows and rows on the underlying (instrument 0) are skipped.
    owner_row
        Venue owner id → row of ``positions`` (-1 if not tracked).
    positions, open_interest
        As in :func:`apply_fills`, updated in place.

    Returns
    -------
    opened, bad
        Contracts opened per option fill, and the index of the first option fill
        whose owner is not tracked (-1 if none; then nothing was applied).
    """
    n = fills.shape[0]
    owner = np.empty(n, dtype=np.int64)
    option = np.empty(n, dtype=np.int64)
    signed = np.empty(n, dtype=np.int64)
    k = 0
    for j in range(n):
        f = fills[j]
        if (f["flags"] & _FILL) == 0 or f["instrument"] <= 0:
            continue
        o = f["owner"]
        r = owner_row[o] if 0 <= o < owner_row.shape[0] else -1
        if r < 0:
            return np.zeros(0, dtype=np.int64), j
        owner[k] = r
        option[k] = f["instrument"] - 1
        signed[k] = f["side"] * f["qty"]
        k += 1
    opened = np.zeros(k, dtype=np.int64)
    apply_fills(owner[:k], option[:k], signed[:k], positions, open_interest, opened)
    return opened, -1


apply_fill_rows = numba.njit(cache=True)(apply_fill_rows_python)


class OpenInterestBook:
    """Positions of every participant in every option, and open interest.

    Parameters
    ----------
    listing
        The option series.
    participant_ids
        Venue owner ids to track (rows of :attr:`positions`).
    """

    def __init__(self, listing: Listing, participant_ids: tuple[int, ...]) -> None:
        self.listing = listing
        self.participant_ids = tuple(participant_ids)
        size = max(self.participant_ids, default=-1) + 1
        self._row = np.full(max(size, 1), -1, dtype=np.int64)
        self._row[list(self.participant_ids)] = np.arange(len(self.participant_ids))
        self.positions = np.zeros((len(self.participant_ids), listing.n_options), dtype=np.int64)
        self.open_interest = np.zeros(listing.n_options, dtype=np.int64)
        #: cumulative settlement cash received per participant row, currency
        self.cash = np.zeros(len(self.participant_ids))
        #: shares delivered by physical settlement per participant row
        self.delivered_shares = np.zeros(len(self.participant_ids), dtype=np.int64)
        self._settled = np.zeros(listing.expiries_ns.size, dtype=bool)

    def position(self, participant_id: int) -> Int64Array:
        """Option positions (contracts) of one participant (a view)."""
        return self.positions[self._row[participant_id]]

    def apply_fills(self, fills: npt.NDArray[np.void]) -> Int64Array:
        """Apply FILL rows (EVENT_DTYPE) on options; returns contracts opened per option fill.

        Rows on the underlying (instrument 0) and non-FILL rows are ignored.

        Raises
        ------
        ValueError
            If a fill's owner is not tracked.
        """
        opened, bad = apply_fill_rows(fills, self._row, self.positions, self.open_interest)
        if bad >= 0:
            raise ValueError(
                f"OpenInterestBook: fill owner={int(fills['owner'][bad])} is not tracked"
            )
        out: Int64Array = opened
        return out

    def due_expiries(self, now_ns: int) -> list[int]:
        """Indices of expiries at or before ``now_ns`` not yet settled."""
        due = (self.listing.expiries_ns <= now_ns) & ~self._settled
        return [int(e) for e in np.flatnonzero(due)]

    def settle(
        self,
        expiry_index: int,
        settlement_price: float,
        price_unit: float,
        style: Literal["cash", "physical"] = "cash",
    ) -> npt.NDArray[np.void]:
        """Settle every position of one expiry; returns the SETTLE rows (EVENT_DTYPE).

        Parameters
        ----------
        expiry_index
            Index into ``listing.expiries_ns``.
        settlement_price
            Underlying settlement price, currency.
        price_unit
            Currency per integer price unit (for the rows' ``price``).
        style
            ``"cash"`` or ``"physical"``.
        """
        lst = self.listing
        if not 0 <= expiry_index < lst.expiries_ns.size:
            raise ValueError(f"settle: expiry_index={expiry_index} out of range")
        if style not in ("cash", "physical"):
            raise ValueError(f"settle: style={style!r} must be 'cash' or 'physical'")
        if self._settled[expiry_index]:
            raise ValueError(f"settle: expiry_index={expiry_index} is already settled")
        self._settled[expiry_index] = True
        opts = np.flatnonzero(lst.expiry_index == expiry_index)
        phi = np.where(lst.is_call[opts], 1.0, -1.0)
        k = lst.strike[opts]
        payoff = np.maximum(phi * (settlement_price - k), 0.0)
        pos = self.positions[:, opts]
        r, c = np.nonzero(pos)
        n = pos[r, c]
        ts = int(lst.expiries_ns[expiry_index])
        rows = empty_events(r.size)
        rows["ts_exchange"] = ts
        rows["ts_local"] = ts
        rows["seq"] = -1
        rows["flags"] = int(EventKind.SETTLE)
        rows["instrument"] = lst.instrument[opts[c]]
        rows["owner"] = np.asarray(self.participant_ids, dtype=np.int64)[r]
        rows["side"] = np.sign(n)
        rows["qty"] = np.abs(n)
        rows["price"] = round(settlement_price / price_unit)
        m = lst.multiplier
        extra = empty_events(0)
        if style == "cash":
            cash = n * m * payoff[c]
            rows["fee"] = -cash
            np.add.at(self.cash, r, cash)
        else:
            itm = payoff[c] > 0
            shares = (n * m * phi[c]).astype(np.int64) * itm
            cash = -shares * k[c]
            rows["fee"] = -cash
            np.add.at(self.cash, r, cash)
            np.add.at(self.delivered_shares, r, shares)
            sel = np.flatnonzero(shares != 0)
            extra = empty_events(sel.size)
            extra["ts_exchange"] = ts
            extra["ts_local"] = ts
            extra["seq"] = -1
            extra["flags"] = int(EventKind.SETTLE)
            extra["instrument"] = 0
            extra["owner"] = rows["owner"][sel]
            extra["side"] = np.sign(shares[sel])
            extra["qty"] = np.abs(shares[sel])
            extra["price"] = np.rint(k[c][sel] / price_unit).astype(np.int64)
        self.positions[:, opts] = 0
        self.open_interest[opts] = 0
        return np.concatenate([rows, extra]) if extra.size else rows
