"""The reader's marking step: each fill's hedged markout advances as numpy computed it."""

from __future__ import annotations

import numpy as np

from mmdesk.flow.online_marks import advance_markouts, advance_markouts_python


def test_marking_step_kernel_and_twin_follow_the_numpy_rule(rng: np.random.Generator) -> None:
    n_opt, n = 40, 300
    option = rng.integers(0, n_opt, n)
    side = rng.choice([-1.0, 1.0], n)
    qty = rng.integers(1, 30, n).astype(np.float64)
    live = rng.random(n_opt) < 0.8
    theo, delta = rng.uniform(0.05, 8.0, n_opt), rng.uniform(-1.0, 1.0, n_opt)
    markout = rng.normal(0.0, 50.0, n)
    theo_prev, delta_prev = rng.uniform(0.05, 8.0, n), rng.uniform(-1.0, 1.0, n)
    spot_prev = rng.uniform(95.0, 105.0, n)
    spot = 100.37
    on = live[option]
    th = np.where(on, theo[option], theo_prev)
    de = np.where(on, delta[option], delta_prev)
    s_now = np.where(on, spot, spot_prev)
    step = (th - theo_prev) - delta_prev * (s_now - spot_prev)
    want = (markout + side * qty * 100.0 * step, th, de, s_now)
    assert not np.array_equal(want[0], markout)  # the step moves the markouts
    for fn in (advance_markouts, advance_markouts_python):
        out = [np.empty(n) for _ in range(4)]
        fn(option, side, qty, 100.0, live, theo, delta, spot, markout, theo_prev, delta_prev,
           spot_prev, *out)  # fmt: skip
        for got, ref in zip(out, want, strict=True):
            assert got.tobytes() == ref.tobytes()
