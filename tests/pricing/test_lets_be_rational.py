"""Jäckel's "Let's Be Rational" kernels: special functions, normalised Black, its inverse.

Oracles: mpmath at 50 digits on the exact binary inputs. Tolerances are in
units of ε = 2.2e-16 and were chosen from the conditioning of each function
(e.g. Φ(z) has condition number ~z², so its error is allowed to grow as ε·z²).
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from mmdesk.pricing.erf_cody import (
    erfc_cody,
    erfc_cody_python,
    erfcx_cody,
    erfcx_cody_python,
    inverse_norm_cdf,
    inverse_norm_cdf_python,
    norm_cdf_lbr,
    norm_cdf_lbr_python,
)
from mmdesk.pricing.iv_reason import IVReason
from mmdesk.pricing.lets_be_rational import (
    normalised_implied_vol,
    normalised_implied_vol_python,
    normalised_vol_otm_call,
)
from mmdesk.pricing.normalised_black import (
    normalised_black,
    normalised_black_python,
    normalised_intrinsic,
    normalised_vega,
    normalised_vega_python,
)
from mmdesk.pricing.rational_cubic import (
    rational_cubic_interpolation,
    rational_cubic_interpolation_python,
)

EPS = 2.220446049250313e-16
mp.mp.dps = 50


def _rel(a: float, b: mp.mpf) -> float:
    return float(abs(mp.mpf(a) - b) / abs(b))


def test_cody_erfc_is_relatively_accurate_to_a_few_ulps(rng: np.random.Generator) -> None:
    for x in rng.uniform(-26.0, 26.0, 300):
        assert _rel(erfc_cody(x), mp.erfc(mp.mpf(x))) <= 4 * EPS, x


def test_cody_erfcx_is_relatively_accurate_far_into_the_right_tail(
    rng: np.random.Generator,
) -> None:
    xs = np.concatenate([rng.uniform(-26.0, 26.0, 300), np.exp(rng.uniform(3.0, 25.0, 100))])
    for x in xs:
        exact = mp.exp(mp.mpf(x) ** 2) * mp.erfc(mp.mpf(x))
        assert _rel(erfcx_cody(x), exact) <= 4 * EPS, x


def test_norm_cdf_keeps_relative_accuracy_in_the_lower_tail(rng: np.random.Generator) -> None:
    for z in rng.uniform(-37.0, 8.0, 300):
        assert _rel(norm_cdf_lbr(z), mp.ncdf(mp.mpf(z))) <= 4 * EPS * (1.0 + z * z), z


def test_as241_inverse_normal_is_accurate_down_to_1e_minus_300(rng: np.random.Generator) -> None:
    for u in np.exp(rng.uniform(-690.0, -1e-3, 200)):
        z = inverse_norm_cdf(u)
        # Φ(z) = u to the accuracy the derivative allows: |dz| = |du|/φ(z).
        exact = mp.findroot(lambda w, u=u: mp.ncdf(w) - u, z)
        assert abs(z - float(exact)) <= 4 * EPS * abs(float(exact)), u
    assert inverse_norm_cdf(0.5) == 0.0
    assert inverse_norm_cdf(0.0) == -math.inf
    assert inverse_norm_cdf(1.0) == math.inf


# Kernels are compiled with FMA contraction (fastmath={"contract"}: fused multiply-add,
# no reassociation or approximation), so a twin and its kernel agree to a few ulps.
TWIN_RTOL = 4 * EPS


def test_special_function_twins_agree_with_their_kernels(rng: np.random.Generator) -> None:
    for x in rng.uniform(-30.0, 30.0, 200):
        assert erfc_cody_python(x) == pytest.approx(erfc_cody(x), rel=TWIN_RTOL, abs=0)
        assert erfcx_cody_python(x) == pytest.approx(erfcx_cody(x), rel=TWIN_RTOL, abs=0)
        assert norm_cdf_lbr_python(x) == pytest.approx(norm_cdf_lbr(x), rel=TWIN_RTOL, abs=0)
    for u in rng.uniform(0.0, 1.0, 200):
        got = inverse_norm_cdf_python(u)
        assert got == pytest.approx(inverse_norm_cdf(u), rel=TWIN_RTOL, abs=0)


def _black_mp(x: float, s: float, theta: float) -> mp.mpf:
    xm, sm = mp.mpf(x), mp.mpf(s)
    return theta * (
        mp.exp(xm / 2) * mp.ncdf(theta * (xm / sm + sm / 2))
        - mp.exp(-xm / 2) * mp.ncdf(theta * (xm / sm - sm / 2))
    )


def test_normalised_black_keeps_relative_accuracy_out_of_the_money(
    rng: np.random.Generator,
) -> None:
    # Out of the money (h = x/s <= 0) across all four evaluation regions; the
    # allowance grows as ε·h² because h = x/s is itself rounded.
    for _ in range(400):
        s = math.exp(rng.uniform(math.log(1e-3), math.log(7.0)))
        h = rng.uniform(-14.0, 0.0)
        x = h * s
        exact = _black_mp(x, s, 1.0)
        if exact < 1e-300:
            continue
        assert _rel(normalised_black(x, s, 1.0), exact) <= 8 * EPS * (1.0 + h * h), (x, s)


def test_normalised_black_put_on_x_is_the_call_on_minus_x(rng: np.random.Generator) -> None:
    for x, s in zip(rng.uniform(-3.0, 3.0, 100), rng.uniform(0.01, 3.0, 100), strict=True):
        assert normalised_black(x, s, -1.0) == normalised_black(-x, s, 1.0)


def test_normalised_black_tends_to_intrinsic_and_to_its_maximum() -> None:
    assert normalised_black(0.3, 1e-9, 1.0) == normalised_intrinsic(0.3, 1.0)
    assert normalised_black(-0.3, 1e-9, 1.0) == 0.0
    assert normalised_black(0.3, 60.0, 1.0) == pytest.approx(math.exp(0.15), rel=1e-15)


def test_normalised_intrinsic_is_twice_sinh_to_an_ulp(rng: np.random.Generator) -> None:
    for x in np.concatenate([rng.uniform(0.0, 1.0, 100), rng.uniform(1.0, 50.0, 50)]):
        assert _rel(normalised_intrinsic(x, 1.0), 2 * mp.sinh(mp.mpf(x) / 2)) <= 2 * EPS


def test_normalised_black_and_vega_twins_agree_with_kernels(rng: np.random.Generator) -> None:
    for x, s, th in zip(
        rng.uniform(-20.0, 20.0, 300),
        np.exp(rng.uniform(-8.0, 2.0, 300)),
        rng.choice([-1.0, 1.0], 300),
        strict=True,
    ):
        assert normalised_black_python(x, s, th) == pytest.approx(
            normalised_black(x, s, th), rel=TWIN_RTOL, abs=0
        )
        # exp(-½(h² + t²)): the argument's own rounding is amplified by its size.
        arg = 0.5 * ((x / s) ** 2 + (s / 2) ** 2)
        assert normalised_vega_python(x, s) == pytest.approx(
            normalised_vega(x, s), rel=TWIN_RTOL * (1.0 + arg), abs=0
        )


def _random_normalised_options(rng: np.random.Generator, n: int) -> list[tuple[float, ...]]:
    out = []
    for _ in range(n):
        s = math.exp(rng.uniform(math.log(0.02 * math.sqrt(1 / 365)), math.log(3 * math.sqrt(5))))
        x = rng.uniform(-12.0, 12.0) * s
        theta = 1.0 if rng.random() < 0.5 else -1.0
        out.append((x, s, theta))
    return out


def test_implied_total_vol_is_within_the_rounding_bound_of_the_price(
    rng: np.random.Generator,
) -> None:
    for x, s, theta in _random_normalised_options(rng, 3000):
        b = normalised_black(x, s, theta)
        vega = normalised_vega(x, s)
        s_hat, reason = normalised_implied_vol(b, x, theta)
        bound = 4 * EPS * b / vega if vega > 0 else math.inf
        if bound < 1e-10:
            assert reason == IVReason.OK, (x, s, theta)
        if reason == IVReason.OK:
            assert abs(s_hat - s) <= bound + 1e-14, (x, s, theta)
        else:
            assert math.isnan(s_hat)


def test_two_householder_iterations_reach_the_converged_vol(rng: np.random.Generator) -> None:
    for x, s, _ in _random_normalised_options(rng, 500):
        x = -abs(x)
        b = normalised_black(x, s, 1.0)
        vega = normalised_vega(x, s)
        if not (b > 1e-300 and vega > 0):
            continue
        bound = 4 * EPS * b / vega
        two = normalised_vol_otm_call(b, x, math.exp(0.5 * x), 2)
        many = normalised_vol_otm_call(b, x, math.exp(0.5 * x), 12)
        assert abs(two - many) <= bound + 1e-15, (x, s)


def test_normalised_implied_vol_twin_agrees_with_kernel(rng: np.random.Generator) -> None:
    for x, s, theta in _random_normalised_options(rng, 200):
        b = normalised_black(x, s, theta)
        got = normalised_implied_vol_python(b, x, theta)
        want = normalised_implied_vol(b, x, theta)
        assert got[1] == want[1]
        assert got[0] == want[0] or (math.isnan(got[0]) and math.isnan(want[0]))


def test_rational_cubic_hits_end_points_and_twin_agrees() -> None:
    args = (0.0, 2.0, 1.0, 5.0, 0.5, 3.0)
    for r in (0.5, 3.0, 10.0):
        assert rational_cubic_interpolation(0.0, *args, r) == pytest.approx(1.0)
        assert rational_cubic_interpolation(2.0, *args, r) == pytest.approx(5.0)
        assert rational_cubic_interpolation(0.7, *args, r) == pytest.approx(
            rational_cubic_interpolation_python(0.7, *args, r), rel=TWIN_RTOL
        )


def test_near_the_money_tiny_log_moneyness_is_inverted_accurately() -> None:
    # |x| down to 1e-300: the central point s_c = sqrt(2|x|) collapses to 0.
    for x in (-1e-300, -1e-20, -1e-12, -1e-6, -0.01, -0.049, -0.051, 0.0, 1e-12, 0.03):
        for s in (1e-4, 0.01, 0.3, 2.0):
            for theta in (1.0, -1.0):
                b = normalised_black(x, s, theta)
                vega = normalised_vega(x, s)
                s_hat, reason = normalised_implied_vol(b, x, theta)
                if b < 2.2250738585072014e-308 or vega == 0.0:  # x = -0.051, s = 1e-4: underflow
                    assert reason in (IVReason.OK, IVReason.NO_VOL_INFORMATION)
                    continue
                assert reason == IVReason.OK, (x, s, theta)
                assert abs(s_hat - s) <= 4 * EPS * b / vega + 1e-15, (x, s, theta)


def test_extreme_inputs_return_a_reason_and_never_raise() -> None:
    cases = [
        (1e-300, -700.0, 1.0),
        (0.5, -1e-300, 1.0),
        (1e-200, -1500.0, 1.0),
        (1e300, 0.0, 1.0),
        (math.inf, 0.1, 1.0),
        (1e-310, -1.0, 1.0),
        (0.3, 2000.0, -1.0),
    ]
    for beta, x, theta in cases:
        s, reason = normalised_implied_vol(beta, x, theta)
        assert reason in set(IVReason)
        assert (reason == IVReason.OK) == (math.isfinite(s) and s > 0)
