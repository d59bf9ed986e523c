"""The agents' price/vega kernel: twin and kernel agree, and match mmdesk.pricing."""

from __future__ import annotations

import numpy as np

from mmdesk.flow.agents._kernels import bs_price_vega, bs_price_vega_python
from mmdesk.pricing import bs_price


def test_price_vega_kernel_agrees_with_its_twin_and_with_bs_price(
    rng: np.random.Generator,
) -> None:
    n = 500
    k = rng.uniform(60, 140, n)
    t = rng.uniform(1e-3, 2.0, n)
    v = rng.uniform(0.05, 1.0, n)
    c = rng.random(n) < 0.5
    p1, g1, p2, g2 = (np.empty(n) for _ in range(4))
    bs_price_vega(100.0, k, t, v, 0.03, 0.01, c, p1, g1)
    bs_price_vega_python(100.0, k, t, v, 0.03, 0.01, c, p2, g2)
    np.testing.assert_allclose(p1, p2, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g1, g2, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(p1, bs_price(100.0, k, t, v, 0.03, 0.01, c), atol=1e-10)
    # vega by central difference
    h = 1e-5
    up, dn, tmp = np.empty(n), np.empty(n), np.empty(n)
    bs_price_vega(100.0, k, t, v + h, 0.03, 0.01, c, up, tmp)
    bs_price_vega(100.0, k, t, v - h, 0.03, 0.01, c, dn, tmp)
    np.testing.assert_allclose(g1, (up - dn) / (2 * h), rtol=1e-5, atol=1e-7)
