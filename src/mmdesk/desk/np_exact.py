"""numpy's answers, bit for bit, inside numba kernels.

Kernels that replace a chain of numpy calls must give the same floats (the
journal's digest proves a speed change left behaviour alone). Python's
``max``/``min`` drop a NaN depending on the argument order, and a plain loop
sums in a different order than ``np.sum``; these helpers do what numpy does:

- :func:`max_nan`, :func:`min_nan`: ``np.maximum``/``np.minimum`` of two floats;
- :func:`pairwise_sum`: ``np.sum`` of a contiguous float64 vector (numpy's
  pairwise summation: eight accumulators per block of at most 128, blocks
  halved recursively).
"""

from __future__ import annotations

import numba
import numpy as np

from mmdesk.typing import Float64Array


def max_nan_python(a: float, b: float) -> float:
    """``np.maximum`` of two floats (NaN propagates)."""
    if a != a:
        return a
    if b != b:
        return b
    return a if a >= b else b


def min_nan_python(a: float, b: float) -> float:
    """``np.minimum`` of two floats (NaN propagates)."""
    if a != a:
        return a
    if b != b:
        return b
    return a if a <= b else b


max_nan = numba.njit(cache=True)(max_nan_python)
min_nan = numba.njit(cache=True)(min_nan_python)


def _block_sum_python(a: Float64Array, lo: int, n: int) -> float:
    """numpy's pairwise sum of ``a[lo:lo + n]`` for n ≤ 128 (one block)."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    stop = n - n % 8
    while i < stop:
        j = lo + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


_block_sum = numba.njit(cache=True)(_block_sum_python)


def pairwise_sum_python(a: Float64Array) -> float:
    """``np.sum(a)`` of a 1-D float64 array, in numpy's summation order.

    numpy sums blocks of at most 128 (:func:`_block_sum`) and splits a longer
    range in two halves, the first a multiple of 8, adding the halves' sums;
    the recursion runs here on an explicit stack (frames: start, length, stage).
    """
    n = a.shape[0]
    if n <= 128:
        return _block_sum(a, 0, n)
    los = np.zeros(128, dtype=np.int64)
    lens = np.zeros(128, dtype=np.int64)
    stage = np.zeros(128, dtype=np.int64)
    vals = np.zeros(128)
    top = 1
    lens[0] = n
    nv = 0
    while top > 0:
        lo = los[top - 1]
        m = lens[top - 1]
        if m <= 128:
            vals[nv] = _block_sum(a, lo, m)
            nv += 1
            top -= 1
            continue
        half = m // 2
        half -= half % 8
        if stage[top - 1] == 0:  # first half
            stage[top - 1] = 1
            los[top], lens[top], stage[top] = lo, half, 0
            top += 1
        elif stage[top - 1] == 1:  # second half
            stage[top - 1] = 2
            los[top], lens[top], stage[top] = lo + half, m - half, 0
            top += 1
        else:  # both halves summed
            vals[nv - 2] = vals[nv - 2] + vals[nv - 1]
            nv -= 1
            top -= 1
    return float(vals[0])


pairwise_sum = numba.njit(cache=True)(pairwise_sum_python)
