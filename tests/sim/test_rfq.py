"""RFQ: best answer wins (ties to the earlier responder); trade rows carry the tags."""

from __future__ import annotations

import pytest

from mmdesk.market.events import EventKind
from mmdesk.venue.participant import RfqAnswer, RfqRequest
from mmdesk.venue.rfq import best_quotes, rfq_trade_rows


def test_best_bid_and_ask_win_and_ties_go_to_the_earlier_answer() -> None:
    req = RfqRequest(7, 0, 3, 100, 400)
    answers = [RfqAnswer(7, 1, 250, 270), RfqAnswer(7, 5, 255, 270), RfqAnswer(7, 6, 255, 268)]
    q = best_quotes(req, 60, answers)
    assert (q.best_bid, q.best_bid_participant) == (255, 5)
    assert (q.best_ask, q.best_ask_participant) == (268, 6)
    assert q.n_answers == 3


def test_one_sided_answers_and_crossed_answers() -> None:
    req = RfqRequest(1, 0, 3, 100, 400)
    q = best_quotes(req, 60, [RfqAnswer(1, 5, -1, 300)])
    assert q.best_bid == -1 and q.best_ask == 300
    with pytest.raises(ValueError, match="crossed"):
        best_quotes(req, 60, [RfqAnswer(1, 5, 301, 300)])


def test_an_rfq_trade_is_two_fills_and_a_public_trade_with_each_sides_contra_tag() -> None:
    req = RfqRequest(9, 1000, 3, 150, 400)
    q = best_quotes(req, 60, [RfqAnswer(9, 1, 250, 270)])
    rows = rfq_trade_rows(1000, q, -1, requester_tag=400, responder_tag=1, match_id=77)
    assert rows["owner"].tolist() == [60, 1, -1]
    assert rows["side"].tolist() == [-1, 1, -1]
    assert rows["price"].tolist() == [250, 250, 250]
    assert rows["qty"].tolist() == [150, 150, 150]
    assert rows["tag"].tolist()[:2] == [1, 400]
    assert all(f & int(EventKind.RFQ) for f in rows["flags"])
    with pytest.raises(ValueError, match="side=0"):
        rfq_trade_rows(1000, q, 0, 400, 1, 78)
