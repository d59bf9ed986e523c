"""The engine refuses a batch whose times go backwards (kernel check and its twin)."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.venue._book import nondecreasing_from, nondecreasing_from_python
from mmdesk.venue.commands import CommandKind, make_commands
from mmdesk.venue.config import VenueConfig
from mmdesk.venue.engine import MatchingEngine


def test_time_order_check_agrees_with_its_twin_and_with_numpy(rng: np.random.Generator) -> None:
    for _ in range(300):
        ts = np.sort(rng.integers(0, 50, rng.integers(0, 6)))
        if ts.size > 1 and rng.random() < 0.5:
            ts[rng.integers(0, ts.size)] = rng.integers(0, 50)
        first = int(rng.integers(0, 20))
        expect = bool(np.all(np.diff(ts) >= 0) and (ts.size == 0 or ts[0] >= first))
        assert nondecreasing_from(ts, first) == expect
        assert nondecreasing_from_python(ts, first) == expect


def test_engine_refuses_commands_before_the_last_batch_or_out_of_order() -> None:
    eng = MatchingEngine(VenueConfig(), [0, 1])
    cmd = make_commands(2)
    cmd["kind"] = int(CommandKind.CANCEL)
    cmd["ts"] = [5, 4]
    with pytest.raises(ValueError, match="non-decreasing"):
        eng.process(cmd)
    cmd["ts"] = [5, 6]
    eng.process(cmd)
    cmd["ts"] = [4, 7]
    with pytest.raises(ValueError, match="last processed ts 6"):
        eng.process(cmd)


def test_process_without_copy_returns_the_same_rows_as_a_view_of_the_engine_buffer() -> None:
    def run(copy: bool) -> list[bytes]:
        eng = MatchingEngine(VenueConfig(), [0, 1])
        out = []
        for ts, side, qty in ((1, -1, 10), (2, 1, 4), (3, 1, 6)):
            cmd = make_commands(1)
            cmd["ts"], cmd["kind"], cmd["instrument"] = ts, int(CommandKind.LIMIT), 1
            cmd["side"], cmd["price"], cmd["qty"], cmd["owner"] = side, 105, qty, 1 + (side > 0)
            ev = eng.process(cmd, copy=copy)
            assert ev.size > 0
            assert np.shares_memory(ev, eng._events) == (not copy)
            out.append(ev.tobytes())
        return out

    assert run(copy=False) == run(copy=True)
