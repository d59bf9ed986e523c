"""The risk gate's states, denials and audit trail."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.risk.gate import GateState, RiskGate, RiskReason
from mmdesk.risk.headroom import BookExposure, ContractRisk
from mmdesk.risk.limits import LimitsConfig

RISK = ContractRisk(
    delta=np.array([50.0]),
    gamma=np.array([2.0]),
    vega=np.array([20.0]),
    notional=np.array([10_000.0]),
    expiry=np.array([0]),
    strike_cell=np.array([0]),
    strike_limit=np.array([400.0]),
)


def _book(vega: float = 0.0, delta: float = 0.0, position: float = 0.0) -> BookExposure:
    return BookExposure(
        delta=delta,
        gamma=0.0,
        vega=vega,
        notional=abs(position) * 10_000.0,
        expiry_vega=np.array([vega]),
        expiry_gamma=np.array([0.0]),
        expiry_contracts=np.array([abs(position)]),
        strike_contracts=np.array([abs(position)]),
        position=np.array([position]),
    )


def test_breach_moves_to_reducing_and_recovery_back_to_active() -> None:
    gate = RiskGate(LimitsConfig(vega=1_000.0, expiry_vega=1_000.0))
    limit = np.array([400.0])
    assert gate.update(1, _book(vega=500.0), limit, 0.0, 0.0) is GateState.ACTIVE
    assert gate.update(2, _book(vega=1_100.0), limit, 0.0, 0.0) is GateState.REDUCING
    # 0.9 of the limit is not yet below the 0.8 resume threshold.
    assert gate.update(3, _book(vega=900.0), limit, 0.0, 0.0) is GateState.REDUCING
    assert gate.update(4, _book(vega=700.0), limit, 0.0, 0.0) is GateState.ACTIVE
    assert [e.reason for e in gate.events] == [RiskReason.BREACH, RiskReason.RESUMED]
    assert "vega" in gate.events[0].detail


def test_daily_loss_halts_and_halted_quotes_nothing() -> None:
    gate = RiskGate(LimitsConfig(daily_loss=1_000.0))
    limit = np.array([400.0])
    assert gate.update(1, _book(), limit, -1_000.0, -1_000.0) is GateState.HALTED
    bid, ask = gate.quote_sizes(_book(), RISK, np.array([10.0]), np.array([10.0]))
    assert bid[0] == 0.0 and ask[0] == 0.0
    assert gate.events[-1].reason is RiskReason.DAILY_LOSS
    # Halted for the rest of the day, even if the P&L recovers.
    assert gate.update(2, _book(), limit, 0.0, 0.0) is GateState.HALTED


def test_a_daily_loss_halt_is_lifted_at_the_next_open_with_its_event() -> None:
    gate = RiskGate(LimitsConfig(daily_loss=1_000.0))
    limit = np.array([400.0])
    assert gate.update(1, _book(), limit, -1_500.0, -1_500.0) is GateState.HALTED
    gate.new_day(10)
    assert gate.state is GateState.ACTIVE
    assert gate.events[-1].reason is RiskReason.NEW_DAY and gate.events[-1].ts_ns == 10
    assert gate.update(11, _book(), limit, 0.0, -1_500.0) is GateState.ACTIVE


def test_a_drawdown_halt_outlasts_the_day() -> None:
    gate = RiskGate(LimitsConfig(daily_loss=10_000.0, drawdown=1_000.0))
    limit = np.array([400.0])
    assert gate.update(1, _book(), limit, -500.0, -1_200.0) is GateState.HALTED
    gate.new_day(10)
    assert gate.state is GateState.HALTED
    assert gate.events[-1].reason is RiskReason.DRAWDOWN


def test_halted_book_may_still_hedge_toward_zero_delta_but_not_away() -> None:
    gate = RiskGate(LimitsConfig(drawdown=1.0))
    gate.update(1, _book(delta=300.0), np.array([400.0]), 0.0, -5.0)
    assert gate.check_hedge(2, -200.0, 100.0, 100.0, 0.01, _book(delta=300.0), 100.0).allowed
    assert not gate.check_hedge(3, 200.0, 100.0, 100.0, 0.01, _book(delta=300.0), 100.0).allowed


def test_order_outside_the_collar_is_denied_with_its_reason() -> None:
    gate = RiskGate(LimitsConfig(collar_ticks=5.0, collar_fraction=0.0))
    decision = gate.check_option_order(1, 0, 1.0, 2.10, 2.00, 0.01, _book(), RISK)
    assert not decision.allowed
    assert decision.reason is RiskReason.DENY_COLLAR
    assert gate.events[-1].reason is RiskReason.DENY_COLLAR


def test_option_order_beyond_its_headroom_is_denied() -> None:
    gate = RiskGate(LimitsConfig(option_position=10.0, breach_fraction=1.0))
    assert gate.check_option_order(1, 0, 10.0, 2.0, 2.0, 0.01, _book(), RISK).allowed
    denied = gate.check_option_order(2, 0, 11.0, 2.0, 2.0, 0.01, _book(), RISK)
    assert denied.reason is RiskReason.DENY_LIMIT


def test_order_rate_is_a_token_bucket() -> None:
    gate = RiskGate(LimitsConfig(order_rate=10.0, order_burst=5.0))
    assert all(gate.allow_messages(0) for _ in range(5))
    assert not gate.allow_messages(0)
    assert gate.allow_messages(100_000_000)  # 0.1 s refills one token
    assert gate.events[-1].reason is RiskReason.DENY_ORDER_RATE


def test_limits_change_only_with_an_audited_event() -> None:
    gate = RiskGate(LimitsConfig(vega=1_000.0))
    gate.change_limits(7, LimitsConfig(vega=2_000.0), who="risk manager", why="new budget")
    assert gate.limits.vega == 2_000.0
    event = gate.events[-1]
    assert event.reason is RiskReason.LIMIT_CHANGED
    assert "risk manager" in event.detail and "(1000.0, 2000.0)" in event.detail
    with pytest.raises(AttributeError):
        gate.limits = LimitsConfig(vega=1e9)  # type: ignore[misc]


def test_quotes_are_sized_to_the_breach_fraction_of_the_hard_limit() -> None:
    gate = RiskGate(LimitsConfig(option_position=100.0, delta=1e9, breach_fraction=0.9))
    bid, ask = gate.quote_sizes(_book(position=50.0), RISK, np.array([500.0]), np.array([500.0]))
    # long 50: may buy up to 0.9 × 100 − 50 = 40 more, sell up to 50 + 90 = 140
    assert bid[0] == 40.0 and ask[0] == 140.0


def test_exposure_past_the_breach_fraction_but_inside_the_limit_is_a_breach() -> None:
    gate = RiskGate(LimitsConfig(vega=1_000.0, expiry_vega=1_000.0, breach_fraction=0.9))
    limit = np.array([400.0])
    assert gate.update(1, _book(vega=950.0), limit, 0.0, 0.0) is GateState.REDUCING
    assert gate.events[-1].reason is RiskReason.BREACH


def test_resume_fraction_above_breach_fraction_is_refused() -> None:
    with pytest.raises(ValueError, match="resume_fraction"):
        LimitsConfig(breach_fraction=0.7, resume_fraction=0.8)


def test_order_rate_grants_part_of_a_burst_and_journals_the_shortfall() -> None:
    gate = RiskGate(LimitsConfig(order_rate=10.0, order_burst=5.0, order_reserve=0.0))
    assert gate.grant_messages(0, 3) == 3
    assert gate.grant_messages(0, 4) == 2
    assert gate.events[-1].reason is RiskReason.DENY_ORDER_RATE
    assert "4 messages, 2 granted" in gate.events[-1].detail
    assert gate.grant_messages(1_000_000_000, 20) == 5  # one second refills to the burst depth


def test_a_requote_leaves_the_order_reserve_for_a_hedge() -> None:
    gate = RiskGate(LimitsConfig(order_rate=10.0, order_burst=5.0, order_reserve=2.0))
    assert gate.grant_messages(0, 100) == 3  # the requote wants more than the bucket holds
    assert gate.allow_messages(0, 1) and gate.allow_messages(0, 1)  # the hedge still leaves
    assert not gate.allow_messages(0, 1)


def test_an_order_reserve_as_deep_as_the_bucket_is_refused() -> None:
    with pytest.raises(ValueError, match="order_reserve"):
        LimitsConfig(order_burst=5.0, order_reserve=5.0)


def _sellers(n: int) -> ContractRisk:
    """n options of +90 shares of delta per contract and no other greek."""
    return ContractRisk(
        delta=np.full(n, 90.0),
        gamma=np.zeros(n),
        vega=np.zeros(n),
        notional=np.full(n, 10_000.0),
        expiry=np.zeros(n, dtype=np.int64),
        strike_cell=np.arange(n),
        strike_limit=np.full(n, 400.0),
    )


def _flat_book(n: int) -> BookExposure:
    return BookExposure(
        delta=0.0,
        gamma=0.0,
        vega=0.0,
        notional=0.0,
        expiry_vega=np.zeros(1),
        expiry_gamma=np.zeros(1),
        expiry_contracts=np.zeros(1),
        strike_contracts=np.zeros(n),
        position=np.zeros(n),
    )


@pytest.mark.parametrize("ask_edge", [0.01, 0.05])
def test_offers_a_plausible_spot_move_puts_through_theo_are_sized_to_fill_all_at_once(
    ask_edge: float,
) -> None:
    # ten offers of a 0.9-delta option: each one alone fits the delta limit, and
    # 20 % of them together too; a one-second 3-sd move of 1 cent (0.03 × 0.9 =
    # 0.027 of option price) reaches offers 0.01 from theo, not offers 0.05 away
    n = 10
    gate = RiskGate(LimitsConfig(delta=1_000.0, sweep_share=0.2))
    theo = np.full(n, 1.0)
    delta = np.full(n, 0.9)
    shares = gate.sweep_shares(theo, delta, theo - 0.05, theo + ask_edge, spot_sd_1s=0.01)
    want = np.full(n, 10.0)
    bid, ask = gate.quote_sizes(_flat_book(n), _sellers(n), want, want, shares)
    sold_delta = float(np.sum(ask) * 90.0)
    if ask_edge < 0.027:  # every offer is lifted in one sweep: all of them fit the hard limit
        assert sold_delta <= 1_000.0
        assert sold_delta > 0.0
    else:  # the usual guard: 20 % of them fit
        assert 0.2 * sold_delta <= 1_000.0 < sold_delta
    # the bids (5 cents below theo, buying delta) are the usual 20 %
    assert 0.2 * float(np.sum(bid) * 90.0) <= 1_000.0 < float(np.sum(bid) * 90.0)


def test_worst_share_kernel_is_the_largest_share_and_agrees_with_its_twin(
    rng: np.random.Generator,
) -> None:
    from mmdesk.risk.gate import worst_share, worst_share_python

    for n in (0, 1, 7, 126):
        values = rng.normal(0.0, 100.0, n)
        per_value = rng.uniform(50.0, 500.0, n)
        for limits in (per_value, np.array([250.0])):
            want = float((np.abs(values) / limits).max()) if n else 0.0
            assert worst_share_python(values, limits) == want
            assert worst_share(values, limits) == want
    with_nan = np.array([1.0, np.nan, 3.0])
    assert np.isnan(worst_share(with_nan, np.array([1.0])))


def test_options_in_their_last_minutes_are_quoted_only_to_close_positions() -> None:
    gate = RiskGate(LimitsConfig(run_down_minutes=30.0))
    minute = 1.0 / (365.0 * 24.0 * 60.0)
    tau = np.array([10.0, 10.0, 120.0, 120.0]) * minute  # two expiring in 10 min, two in 2 h
    run_down = gate.run_down(tau)
    assert run_down.tolist() == [True, True, False, False]
    book = BookExposure(
        delta=0.0,
        gamma=0.0,
        vega=0.0,
        notional=0.0,
        expiry_vega=np.zeros(1),
        expiry_gamma=np.zeros(1),
        expiry_contracts=np.zeros(1),
        strike_contracts=np.zeros(4),
        position=np.array([5.0, -3.0, 5.0, -3.0]),
    )
    risk = _sellers(4)
    want = np.full(4, 10.0)
    bid, ask = gate.quote_sizes(book, risk, want, want, run_down=run_down)
    # long 5: offered 5 to close, no bid; short 3: bid 3 to close, no offer
    assert bid[:2].tolist() == [0.0, 3.0] and ask[:2].tolist() == [5.0, 0.0]
    assert bid[2:].min() > 3.0 and ask[2:].min() > 5.0  # later expiries: quoted as usual


def test_a_run_down_window_of_zero_minutes_is_off() -> None:
    gate = RiskGate(LimitsConfig(run_down_minutes=0.0))
    assert not gate.run_down(np.array([0.0, 1e-9, 1.0])).any()


def test_utilisation_of_the_books_arrays_in_one_kernel_is_each_limits_worst_share(
    rng: np.random.Generator,
) -> None:
    from mmdesk.risk.gate import bucket_shares, bucket_shares_python, utilisation
    from mmdesk.risk.headroom import packed_limits

    limits = LimitsConfig()
    for n_exp, n_cells in ((1, 3), (4, 40), (5, 60)):
        book = BookExposure(
            delta=float(rng.normal(0, 500)),
            gamma=float(rng.normal(0, 50)),
            vega=float(rng.normal(0, 5_000)),
            notional=float(abs(rng.normal(0, 1e6))),
            expiry_vega=rng.normal(0, 3_000, n_exp),
            expiry_gamma=rng.normal(0, 300, n_exp),
            expiry_contracts=np.abs(rng.normal(0, 200, n_exp)),
            strike_contracts=np.abs(rng.normal(0, 50, n_cells)),
            position=np.round(rng.normal(0, 20, 2 * n_cells)),
        )
        strike_limit = rng.uniform(50.0, 200.0, n_cells)
        want = [
            float((np.abs(book.expiry_vega) / limits.expiry_vega).max()),
            float((np.abs(book.expiry_gamma) / limits.expiry_gamma).max()),
            float((np.abs(book.expiry_contracts) / limits.expiry_contracts).max()),
            float((np.abs(book.strike_contracts) / strike_limit).max()),
            float((np.abs(book.position) / limits.option_position).max()),
        ]
        for fn in (bucket_shares, bucket_shares_python):
            out = np.empty(5)
            fn(
                book.expiry_vega, book.expiry_gamma, book.expiry_contracts,
                book.strike_contracts, book.position, packed_limits(limits), strike_limit, out,
            )  # fmt: skip
            assert out.tolist() == want
        use = utilisation(book, limits, strike_limit)
        names = ("expiry_vega", "expiry_gamma", "expiry_contracts", "strike_contracts")
        assert [use[k] for k in (*names, "option_position")] == want
        # arrays the kernel does not take (lists) give the same shares through numpy
        as_lists = BookExposure(
            **{k: getattr(book, k) for k in ("delta", "gamma", "vega", "notional", "position")},
            **{k: list(getattr(book, k)) for k in names},
        )
        assert utilisation(as_lists, limits, strike_limit) == use
