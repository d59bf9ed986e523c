"""The branch-free (SIMD) Let's Be Rational path agrees with the scalar reference code."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mmdesk.pricing import lbr_vector as lv
from mmdesk.pricing._vecerf import (
    verfc_or_erfcx,
    verfc_or_erfcx_python,
    verfcx_positive,
    vinverse_norm_cdf_from_log,
)
from mmdesk.pricing.erf_cody import erfc_cody, erfcx_cody, inverse_norm_cdf_from_log
from mmdesk.pricing.lets_be_rational import IMPLIED_VOL_ITERATIONS, normalised_vol_otm_call
from mmdesk.pricing.normalised_black import normalised_black_and_vega_otm_call

#: vexp differs from the C library's exp by at most 1 ulp, in a few of 10,000 arguments.
ULPS = 4.0


def _ulps(ours: float, ref: float) -> float:
    return abs(ours - ref) / math.ulp(ref) if ref != 0.0 else abs(ours) / 5e-324


def test_branch_free_erfc_and_erfcx_match_cody_across_every_range_boundary() -> None:
    # Dense around Cody's range edges ±0.46875 and ±4, and out to the cut-offs.
    xs = np.concatenate(
        [
            np.linspace(-27.0, 27.0, 4001),
            np.linspace(0.46, 0.51, 501),
            np.linspace(-0.51, -0.46, 501),
            np.linspace(3.99, 4.01, 201),
        ]
    )
    for x in xs:
        assert _ulps(verfc_or_erfcx(x, True), erfcx_cody(x)) <= ULPS, x
        assert _ulps(verfc_or_erfcx(x, False), erfc_cody(x)) <= ULPS, x
        if x >= 0.0:
            assert _ulps(verfcx_positive(x), erfcx_cody(x)) <= ULPS, x


def test_branch_free_erfc_twin_agrees_with_its_kernel(rng: np.random.Generator) -> None:
    for x in rng.uniform(-10.0, 10.0, 200):
        for scaled in (True, False):
            assert verfc_or_erfcx_python(x, scaled) == pytest.approx(
                verfc_or_erfcx(x, scaled), rel=1e-15, abs=0.0
            )


def test_branch_free_inverse_normal_matches_as241(rng: np.random.Generator) -> None:
    log_half = math.log(0.5)
    log_us = log_half - np.exp(rng.uniform(-20.0, 6.5, 2000))
    for log_u in np.concatenate([log_us, [math.log(0.075), log_half]]):
        ref = inverse_norm_cdf_from_log(log_u)
        # Near u = 1/2 (z ~ 0) an ulp of u = exp(log_u) is an absolute 1e-16 in z.
        assert abs(vinverse_norm_cdf_from_log(log_u) - ref) <= ULPS * math.ulp(ref) + 1e-15, log_u


def test_branch_free_black_matches_the_scalar_normalised_black_where_ok(
    rng: np.random.Generator,
) -> None:
    n_ok = 0
    for _ in range(3000):
        x = -math.exp(rng.uniform(-8.0, 2.0))
        s = math.exp(rng.uniform(-6.0, 2.0))
        b, vega, ok = lv.vector_black_and_vega_otm_call(x, s)
        ref_b, ref_vega = normalised_black_and_vega_otm_call(x, s)
        if ok:
            n_ok += 1
            # Both evaluate the same formulas; their 1-ulp differences (vexp, FMA
            # contraction) are amplified by the cancellation in the small-t series
            # (a = 1 + h·√(π/2)·erfcx ~ 1/h²) and in region 4 (difference of erfcx).
            h = x / s
            assert _ulps(b, ref_b) <= 16.0 * (1.0 + h * h), (x, s)
            # exp(-(h² + t²)/2) inherits the rounding of its argument (FMA or not).
            assert _ulps(vega, ref_vega) <= ULPS * (1.0 + h * h + s * s), (x, s)
    assert n_ok > 2000  # the common case is common


def _otm_book(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = -np.exp(rng.uniform(-8.0, 1.5, n))
    s = np.exp(rng.uniform(-4.0, 1.0, n))
    beta = np.array(
        [normalised_black_and_vega_otm_call(a, b)[0] for a, b in zip(x, s, strict=True)]
    )
    return beta, x, np.exp(0.5 * x)


def _twin_passes(
    beta: np.ndarray, x: np.ndarray, b_max: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    # invert_block's passes, each pass by its plain-Python twin.
    m = x.size
    b_c, v_c, s, s_left, s_right, b_1 = (np.empty(m) for _ in range(6))
    lower, ok = np.empty(m, dtype=np.bool_), np.empty(m, dtype=np.bool_)
    active = np.ones(m, dtype=np.bool_)
    lv.central_point_python(x, b_max, b_c, v_c, ok)
    lv.initial_guess_python(beta, x, b_max, b_c, v_c, s, s_left, s_right, b_1, lower, ok)
    s_lower, ok_lower = s[lower].copy(), ok[lower].copy()
    lv.lower_guess_python(beta[lower], x[lower], s_right[lower], b_1[lower], s_lower, ok_lower)
    s[lower], ok[lower] = s_lower, ok_lower
    for iteration in range(IMPLIED_VOL_ITERATIONS):
        lv.householder_step_python(beta, x, s, s_left, s_right, lower, active, ok, iteration == 0)
    return s, ok


def _kernel_passes(
    beta: np.ndarray, x: np.ndarray, b_max: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    s, ok = np.empty(x.size), np.empty(x.size, dtype=np.bool_)
    lv.invert_block(beta, x, b_max, s, ok)
    return s, ok


def test_vector_passes_agree_with_their_python_twins(rng: np.random.Generator) -> None:
    beta, x, b_max = _otm_book(rng, 300)
    s_kernel, ok_kernel = _kernel_passes(beta, x, b_max)
    s_twin, ok_twin = _twin_passes(beta, x, b_max)
    np.testing.assert_array_equal(ok_kernel, ok_twin)
    np.testing.assert_allclose(s_kernel[ok_kernel], s_twin[ok_kernel], rtol=1e-14)


def test_vector_inversion_matches_the_scalar_lets_be_rational_where_ok(
    rng: np.random.Generator,
) -> None:
    beta, x, b_max = _otm_book(rng, 5000)
    s, ok = _kernel_passes(beta, x, b_max)
    ref = np.array(
        [
            normalised_vol_otm_call(b, a, m, IMPLIED_VOL_ITERATIONS)
            for b, a, m in zip(beta, x, b_max, strict=True)
        ]
    )
    assert ok.mean() > 0.5
    # The two differ by the ulps of vexp/vlog vs the C library only.
    np.testing.assert_allclose(s[ok], ref[ok], rtol=1e-13)
