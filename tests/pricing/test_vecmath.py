"""Library-call-free exp, log and normal CDF used by the vectorised pricing kernels."""

from __future__ import annotations

import math

import numba
import numpy as np
from scipy.special import ndtr

from mmdesk.pricing._vecmath import vexp, vlog, vnorm_cdf_given_pdf
from mmdesk.pricing.normal import INV_SQRT_2PI


@numba.njit(error_model="numpy")
def _apply(x: np.ndarray, out: np.ndarray) -> None:
    for i in range(x.shape[0]):
        out[0, i] = vexp(x[i])
        out[1, i] = vlog(abs(x[i]))
        out[2, i] = vnorm_cdf_given_pdf(x[i], INV_SQRT_2PI * vexp(-0.5 * x[i] * x[i]))


def ulps(ours: np.ndarray, ref: np.ndarray) -> np.ndarray:
    return np.abs(ours - ref) / np.spacing(np.abs(ref))


def test_vexp_and_vlog_are_within_two_ulp_of_the_c_library(rng: np.random.Generator) -> None:
    x = np.concatenate(
        [
            rng.uniform(-745.0, 709.0, 50_000),
            rng.uniform(-1.0, 1.0, 50_000),
            np.exp(rng.uniform(-690.0, 690.0, 50_000)),
        ]
    )
    out = np.empty((3, x.size))
    _apply(x, out)
    exp_ref = np.array([math.exp(v) if v < 709.0 else math.inf for v in x])
    log_ref = np.array([math.log(abs(v)) for v in x])
    # Subnormal results have absolute accuracy only; huge arguments overflow in both.
    normal = (exp_ref > 2.3e-308) & (exp_ref < math.inf)
    assert ulps(out[0][normal], exp_ref[normal]).max() <= 1.0
    assert ulps(out[1], log_ref).max() <= 2.0


def test_vexp_limits() -> None:
    x = np.array([-1e6, -746.0, 0.0, 710.0, 1e6])
    out = np.empty((3, x.size))
    _apply(x, out)
    np.testing.assert_array_equal(out[0], [0.0, 0.0, 1.0, math.inf, math.inf])


def test_vnorm_cdf_is_relatively_accurate_in_both_tails() -> None:
    x = np.linspace(-37.0, 37.0, 200_001)
    out = np.empty((3, x.size))
    _apply(x, out)
    ref = ndtr(x)
    # Relative error grows like x²·ε through exp(-x²/2) (the conditioning of Φ itself).
    bound = 1e-15 * (1.0 + x * x)
    assert np.all(np.abs(out[2] / ref - 1.0) <= bound)
