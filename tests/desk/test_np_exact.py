"""Kernels' helpers give numpy's floats bit for bit (NaN, summation order)."""

from __future__ import annotations

import numpy as np

from mmdesk.desk.np_exact import (
    max_nan,
    max_nan_python,
    min_nan,
    min_nan_python,
    pairwise_sum,
    pairwise_sum_python,
)


def test_pairwise_sum_is_np_sum_bit_for_bit_at_every_length() -> None:
    rng = np.random.default_rng(11)
    for n in [*range(0, 300), 1_000, 1_031, 4_096, 10_007]:
        a = rng.standard_normal(n) * 10.0 ** rng.uniform(-6.0, 6.0, n)
        want = np.sum(a)
        assert pairwise_sum(a) == want, n
        assert pairwise_sum_python(a) == want, n


def test_max_and_min_propagate_nan_like_numpy() -> None:
    vals = [-1.0, 0.0, 2.5, np.inf, -np.inf, np.nan]
    for a in vals:
        for b in vals:
            for fn, twin, ref in ((max_nan, max_nan_python, np.maximum),
                                  (min_nan, min_nan_python, np.minimum)):  # fmt: skip
                want = ref(a, b)
                for got in (fn(a, b), twin(a, b)):
                    assert (np.isnan(got) and np.isnan(want)) or got == want
