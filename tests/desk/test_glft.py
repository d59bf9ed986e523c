"""GLFT quotes: the closed form, and its greek-factor generalisation to a book."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mmdesk.desk.glft import (
    factor_covariance_with_book,
    glft_option_half_spread,
    glft_option_skew,
    glft_quotes,
    glft_static_depth,
)

GAMMA, K, A, SIGMA = 0.05, 1.5, 0.9, 0.3


def test_glft_quotes_match_the_closed_form_by_hand() -> None:
    c = math.sqrt(SIGMA**2 * GAMMA / (2 * K * A) * (1 + GAMMA / K) ** (1 + K / GAMMA))
    static = math.log(1 + GAMMA / K) / GAMMA
    for q in (-3.0, 0.0, 2.0):
        bid, ask = glft_quotes(100.0, q, SIGMA, GAMMA, K, A)
        assert float(bid) == pytest.approx(100.0 - (static + (2 * q + 1) * c / 2), rel=1e-14)
        assert float(ask) == pytest.approx(100.0 + (static - (2 * q - 1) * c / 2), rel=1e-14)


def test_static_depth_tends_to_one_over_k_without_risk_aversion() -> None:
    assert float(glft_static_depth(1e-9, K)) == pytest.approx(1.0 / K, rel=1e-8)


def test_long_inventory_lowers_both_quotes() -> None:
    flat_bid, flat_ask = glft_quotes(100.0, 0.0, SIGMA, GAMMA, K, A)
    long_bid, long_ask = glft_quotes(100.0, 5.0, SIGMA, GAMMA, K, A)
    assert long_bid < flat_bid
    assert long_ask < flat_ask


def test_book_skew_reduces_to_single_asset_glft() -> None:
    # One "option" that is the underlying itself: delta 1, no vega.
    q = 4.0
    cov, own = factor_covariance_with_book(
        np.array([1.0]), np.array([0.0]), np.array([0]), q, np.zeros(1), SIGMA**2, np.zeros(1)
    )
    skew = glft_option_skew(cov, own, GAMMA, K, A)
    bid, _ = glft_quotes(0.0, q, SIGMA, GAMMA, K, A)
    bid0, _ = glft_quotes(0.0, 0.0, SIGMA, GAMMA, K, A)
    assert float(skew[0]) == pytest.approx(float(bid0 - bid), rel=1e-13)
    half = glft_option_half_spread(own, GAMMA, K, A)
    assert float(half[0]) == pytest.approx(float(-bid0), rel=1e-13)


def test_long_march_vega_lowers_march_quotes_and_leaves_april_untouched() -> None:
    delta = np.array([50.0, -50.0, 50.0, -50.0])
    vega = np.array([20.0, 20.0, 30.0, 30.0])
    bucket = np.array([0, 0, 1, 1])  # 0 = March, 1 = April
    cov, own = factor_covariance_with_book(
        delta, vega, bucket, 0.0, np.array([5_000.0, 0.0]), 1e-4, np.array([1e-8, 1e-8])
    )
    skew = glft_option_skew(cov, own, GAMMA, K, A)
    assert np.all(skew[:2] > 0.0)
    assert np.all(skew[2:] == 0.0)


def test_long_delta_lowers_calls_and_raises_puts() -> None:
    delta = np.array([60.0, -40.0])
    vega = np.array([20.0, 20.0])
    cov, own = factor_covariance_with_book(
        delta, vega, np.array([0, 0]), 300.0, np.zeros(1), 1e-4, np.array([1e-8])
    )
    skew = glft_option_skew(cov, own, GAMMA, K, A)
    assert skew[0] > 0.0 > skew[1]
