"""The central book's last quoting step: collar, passive-only rule, changed legs."""

from __future__ import annotations

from typing import Any

import numpy as np

from mmdesk.desk.quote_legs import quote_legs, quote_legs_python


def _numpy_rule(*args: Any) -> tuple[Any, ...]:
    """The rule as the central book wrote it with numpy (the reference)."""
    bid, ask, cap_b, cap_a, theo, tick, unit, collar_ticks, collar_fraction, passive = args[:10]
    sb, sa, sbq, saq = args[10:]
    width = np.maximum(collar_ticks * tick, collar_fraction * np.abs(theo))
    out_b = np.abs(bid * unit - theo) > width
    out_a = np.abs(ask * unit - theo) > width
    pulled = int(np.sum(out_b & (cap_b > 0))) + int(np.sum(out_a & (cap_a > 0)))
    bq = np.where(out_b, 0, cap_b).astype(np.int64)
    aq = np.where(out_a, 0, cap_a).astype(np.int64)
    if passive:
        bq = np.where(sbq > 0, bq, 0)
        aq = np.where(saq > 0, aq, 0)
        bid = np.where(sbq > 0, np.minimum(bid, sb), 0)
        ask = np.where(saq > 0, np.maximum(ask, sa), 0)
    bid = np.where(bq > 0, bid, 0)
    ask = np.where(aq > 0, ask, 0)
    chg_b = (bid != sb) | (bq < sbq) | (2 * sbq < bq)
    chg_a = (ask != sa) | (aq < saq) | (2 * saq < aq)
    chg_b &= (bq > 0) | (sbq > 0)
    chg_a &= (aq > 0) | (saq > 0)
    return bid, ask, bq, aq, chg_b | chg_a, pulled


def test_quote_legs_kernel_and_twin_follow_the_numpy_rule(rng: np.random.Generator) -> None:
    n = 300
    for passive in (False, True):
        theo = rng.uniform(0.05, 8.0, n)
        tick = np.where(theo < 3.0, 0.01, 0.05)
        bid = np.maximum(np.round((theo - rng.uniform(-0.05, 0.6, n)) / 0.01), 0).astype(np.int64)
        ask = np.round((theo + rng.uniform(-0.05, 0.6, n)) / 0.01).astype(np.int64)
        cap_b = np.floor(rng.uniform(-2.0, 12.0, n)).clip(0.0)
        cap_a = np.floor(rng.uniform(-2.0, 12.0, n)).clip(0.0)
        sb = np.where(rng.random(n) < 0.5, bid + rng.integers(-2, 3, n), 0)
        sa = np.where(rng.random(n) < 0.5, ask + rng.integers(-2, 3, n), 0)
        sbq = np.where(sb > 0, rng.integers(0, 12, n), 0)
        saq = np.where(sa > 0, rng.integers(0, 12, n), 0)
        args = (bid, ask, cap_b, cap_a, theo, tick, 0.01, 10.0, 0.1, passive, sb, sa, sbq, saq)
        want = _numpy_rule(*args)
        for fn in (quote_legs_python, quote_legs):
            out = [np.empty(n, dtype=np.int64) for _ in range(4)] + [np.empty(n, dtype=bool)]
            pulled = fn(*args, *out)
            assert pulled == want[5]
            for got, ref in zip(out, want[:5], strict=True):
                assert np.array_equal(got, ref)


def test_a_quote_outside_the_collar_is_pulled_and_counted() -> None:
    zero = np.zeros(1, dtype=np.int64)
    out = [np.empty(1, dtype=np.int64) for _ in range(4)] + [np.empty(1, dtype=bool)]
    # theo 1.00, collar max(10 ticks, 10%) = 0.10: a bid at 0.80 is pulled, an ask at 1.05 rests
    pulled = quote_legs(
        np.array([80]), np.array([105]), np.array([10.0]), np.array([10.0]), np.array([1.0]),
        np.array([0.01]), 0.01, 10.0, 0.1, False, zero, zero, zero, zero, *out,
    )  # fmt: skip
    assert pulled == 1
    assert out[0][0] == 0 and out[2][0] == 0  # bid pulled
    assert out[1][0] == 105 and out[3][0] == 10 and out[4][0]  # ask sent
