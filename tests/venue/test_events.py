"""The canonical event record: layout, flags and helpers (docs/events.md)."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.market.events import (
    EVENT_DTYPE,
    NO_ID,
    PUBLIC,
    EventKind,
    Reason,
    empty_events,
    events_digest,
    fills_of,
    has_kind,
)


def test_event_dtype_is_packed_with_int64_ns_times_and_integer_prices() -> None:
    assert EVENT_DTYPE.itemsize == sum(EVENT_DTYPE.fields[n][0].itemsize for n in EVENT_DTYPE.names)
    for name in ("ts_exchange", "ts_local", "price", "qty", "order_id", "seq"):
        assert EVENT_DTYPE[name] == np.int64
    assert EVENT_DTYPE["instrument"] == np.int32
    assert EVENT_DTYPE["side"] == np.int8 and EVENT_DTYPE["flags"] == np.uint16


def test_every_dtype_field_is_documented_on_the_events_page() -> None:
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "events.md").read_text()
    for name in EVENT_DTYPE.names:
        assert f"`{name}`" in page, name
    for kind in EventKind:
        assert f"`{kind.name}`" in page, kind.name
    for reason in Reason:
        if reason is not Reason.NONE:
            assert f"{reason.name} {int(reason)}" in page, reason.name


def test_event_kinds_are_distinct_bits_that_fit_the_flags_field() -> None:
    values = [int(k) for k in EventKind]
    assert all(v & (v - 1) == 0 for v in values)  # one bit each
    assert len(set(values)) == len(values) and max(values) < 2**16


def test_empty_events_mark_no_order_and_public_owner() -> None:
    ev = empty_events(3)
    assert ev.dtype == EVENT_DTYPE
    assert (ev["order_id"] == NO_ID).all() and (ev["owner"] == PUBLIC).all()
    with pytest.raises(ValueError, match="n must be"):
        empty_events(-1)


def test_has_kind_requires_all_bits_and_fills_of_selects_an_owner() -> None:
    ev = empty_events(3)
    ev["flags"] = [
        EventKind.FILL | EventKind.MAKER,
        EventKind.FILL | EventKind.TAKER,
        EventKind.ACK,
    ]
    ev["owner"] = [4, 5, 4]
    assert has_kind(ev, EventKind.FILL).tolist() == [True, True, False]
    assert has_kind(ev, EventKind.FILL | EventKind.MAKER).tolist() == [True, False, False]
    assert fills_of(ev, 4)["owner"].tolist() == [4]


def test_digest_changes_with_any_byte_and_rejects_foreign_dtypes() -> None:
    ev = empty_events(4)
    d0 = events_digest(ev)
    ev["fee"][2] = 0.01
    assert events_digest(ev) != d0
    with pytest.raises(ValueError, match="EVENT_DTYPE"):
        events_digest(np.zeros(3))


def test_describe_names_kinds_sides_and_reasons() -> None:
    from mmdesk.market.events import describe

    ev = empty_events(2)
    ev["flags"] = [EventKind.FILL | EventKind.TAKER, EventKind.REJECT]
    ev["side"] = [1, -1]
    ev["qty"] = [4, 1]
    ev["price"] = [105, 301]
    ev["reason"] = [0, Reason.OFF_TICK]
    lines = describe(ev)
    assert "FILL|TAKER" in lines[0] and "buy 4@105" in lines[0] and "fee=" in lines[0]
    assert "REJECT" in lines[1] and "reason=OFF_TICK" in lines[1] and "sell" in lines[1]
