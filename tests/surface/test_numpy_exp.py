"""exp_as_numpy gives np.exp's bits, in Python and inside a kernel."""

from __future__ import annotations

import numba
import numpy as np

from mmdesk.surface.numpy_exp import exp_as_numpy
from mmdesk.typing import Float64Array


@numba.njit(cache=True)
def _exp_in_kernel(x: Float64Array, out: Float64Array) -> None:
    for i in range(x.shape[0]):
        out[i] = exp_as_numpy(x[i])


def _inputs(rng: np.random.Generator) -> Float64Array:
    return np.concatenate(
        [
            rng.uniform(-8.0, 2.0, 200_000),  # log sigma and friends
            rng.normal(0.0, 1e-3, 20_000),
            rng.uniform(-700.0, 700.0, 20_000),
            [0.0, -0.0, 1e-300, -1e-300, 709.0, -708.0, 1.0, -1.0],
        ]
    )


def test_kernel_exp_has_numpys_bits(rng: np.random.Generator) -> None:
    x = _inputs(rng)
    out = np.empty_like(x)
    _exp_in_kernel(x, out)
    assert np.array_equal(out.view(np.int64), np.exp(x).view(np.int64))


def test_python_exp_is_numpys_exp_of_one_float(rng: np.random.Generator) -> None:
    x = _inputs(rng)[::97]
    got = np.array([exp_as_numpy(float(v)) for v in x])
    assert np.array_equal(got.view(np.int64), np.exp(x).view(np.int64))
