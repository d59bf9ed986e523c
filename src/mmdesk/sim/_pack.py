"""Numba kernels packing participants' quotes and orders into engine commands (with twins)."""

from __future__ import annotations

import numba

from mmdesk.typing import Int64Array

#: CommandKind values (mmdesk.venue.commands), inlined for the kernels.
_LIMIT, _IOC, _FOK, _QUOTE = 1, 2, 3, 6
#: Time-in-force codes (mmdesk.venue.participant).
_TIF_IOC, _TIF_FOK = 1, 2


def pack_quotes_python(
    q_owner: Int64Array,
    q_instrument: Int64Array,
    q_bid: Int64Array,
    q_bid_qty: Int64Array,
    q_ask: Int64Array,
    q_ask_qty: Int64Array,
    default_owner: int,
    i0: int,
    kind: Int64Array,
    owner: Int64Array,
    instrument: Int64Array,
    price: Int64Array,
    qty: Int64Array,
    price2: Int64Array,
    qty2: Int64Array,
) -> None:
    """Write QUOTE command legs from QUOTE_DTYPE columns at rows ``i0..`` (owner -1 → default)."""
    for j in range(q_owner.shape[0]):
        i = i0 + j
        kind[i] = _QUOTE
        owner[i] = default_owner if q_owner[j] < 0 else q_owner[j]
        instrument[i] = q_instrument[j]
        price[i] = q_bid[j]
        qty[i] = q_bid_qty[j]
        price2[i] = q_ask[j]
        qty2[i] = q_ask_qty[j]


def pack_orders_python(
    o_owner: Int64Array,
    o_instrument: Int64Array,
    o_side: Int64Array,
    o_tif: Int64Array,
    o_price: Int64Array,
    o_qty: Int64Array,
    o_client: Int64Array,
    default_owner: int,
    i0: int,
    kind: Int64Array,
    owner: Int64Array,
    instrument: Int64Array,
    side: Int64Array,
    price: Int64Array,
    qty: Int64Array,
    client_id: Int64Array,
) -> None:
    """Write LIMIT/IOC/FOK commands from ORDER_DTYPE columns at rows ``i0..``."""
    for j in range(o_owner.shape[0]):
        i = i0 + j
        t = o_tif[j]
        kind[i] = _IOC if t == _TIF_IOC else (_FOK if t == _TIF_FOK else _LIMIT)
        owner[i] = default_owner if o_owner[j] < 0 else o_owner[j]
        instrument[i] = o_instrument[j]
        side[i] = o_side[j]
        price[i] = o_price[j]
        qty[i] = o_qty[j]
        client_id[i] = o_client[j]


pack_quotes = numba.njit(cache=True)(pack_quotes_python)
pack_orders = numba.njit(cache=True)(pack_orders_python)

__all__ = ["pack_orders", "pack_orders_python", "pack_quotes", "pack_quotes_python"]
