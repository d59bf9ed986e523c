"""Example prop books: the directional view's quality is what it says, and it trades by crossing."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.desk.firm_records import InternalQuote
from mmdesk.desk.prop import PropContext, PropSnapshot, PropStrategy
from mmdesk.desk.prop_books import DirectionalBook, DirectionalConfig, uninformed_book
from mmdesk.risk.gate import GateState
from mmdesk.venue.participant import MarketView


def context(ts_ns: int, shares: float) -> PropContext:
    ints = np.zeros(2, dtype=np.int64)
    view = MarketView(ts_ns, ts_ns, ints, ints, ints, ints, ints, 0.01)
    state = PropSnapshot(ts_ns, "d", np.zeros(1), shares, 0.0, 0.0, 0.0, 0.0, GateState.ACTIVE)
    return PropContext(view, state, InternalQuote.make(ts_ns, [100.0, 2.0], [0.01, 0.05], 100.0))


def test_signal_correlates_with_the_truth_at_the_configured_quality() -> None:
    truth = np.random.default_rng(1).standard_normal(20_000)
    book = DirectionalBook(DirectionalConfig(quality=0.4), lambda t: float(truth[t]), seed=2)
    signal = np.array([book.signal(t) for t in range(truth.size)])
    # standard error of a correlation at n = 20,000 is about 0.006
    assert np.corrcoef(signal, truth)[0, 1] == pytest.approx(0.4, abs=0.03)
    assert signal.std() == pytest.approx(1.0, abs=0.03)


def test_uninformed_book_never_consults_the_truth_and_is_uncorrelated() -> None:
    def forbidden(ts_ns: int) -> float:
        raise AssertionError("the uninformed book must not look at the truth")

    book = uninformed_book(DirectionalConfig(quality=0.9), seed=3)
    assert isinstance(book, PropStrategy)
    truth = np.random.default_rng(4).standard_normal(5_000)
    book._truth = forbidden  # even a truth handed in is never called at quality 0
    signal = np.array([book.signal(t) for t in range(truth.size)])
    assert abs(np.corrcoef(signal, truth)[0, 1]) < 0.05


def test_directional_book_crosses_toward_its_target_in_the_underlying() -> None:
    cfg = DirectionalConfig(quality=1.0, size=1_000.0, min_trade=100.0)
    book = DirectionalBook(cfg, lambda t: 0.5, seed=5)  # perfect view: +0.5 → 500 shares long
    (req,) = book.decide(context(1, shares=0.0))
    assert req.instrument == 0 and req.qty == 500.0
    assert book.decide(context(2, shares=450.0)) == []  # within min_trade of the target
    (req,) = book.decide(context(3, shares=900.0))
    assert req.qty == -400.0
