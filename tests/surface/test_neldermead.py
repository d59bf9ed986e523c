"""Nelder–Mead on floats visits scipy's points and returns scipy's minimum, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from mmdesk.surface.neldermead import nelder_mead


def _rosenbrock(z: np.ndarray | list[float]) -> float:
    return float((1.0 - z[0]) ** 2 + 100.0 * (z[1] - z[0] ** 2) ** 2)


def _plateau(z: np.ndarray | list[float]) -> float:
    """Ties everywhere: the sort's tie-breaking matters."""
    return float(np.floor(4.0 * abs(z[0] - 0.3)) + np.floor(4.0 * abs(z[1] + 0.2)))


def _bowl3(z: np.ndarray | list[float]) -> float:
    return float(
        sum((float(v) - c) ** 2 * w for v, c, w in zip(z, (1.0, -2.0, 0.5), (1, 3, 9), strict=True))
    )


@pytest.mark.parametrize("fun", [_rosenbrock, _plateau, _bowl3])
def test_nelder_mead_is_scipy_step_for_step(fun) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(5)
    for _ in range(8):
        n = 3 if fun is _bowl3 else 2
        x0 = rng.normal(0.0, 1.5, n)
        simplex = np.vstack([x0, x0 + np.diag(rng.uniform(0.1, 0.5, n))])
        seen_scipy: list[tuple[float, ...]] = []
        seen_ours: list[tuple[float, ...]] = []

        def traced(seen: list[tuple[float, ...]]):  # type: ignore[no-untyped-def]
            return lambda z: seen.append(tuple(z)) or fun(z)

        res = minimize(
            traced(seen_scipy),
            x0,
            method="Nelder-Mead",
            options={"initial_simplex": simplex, "xatol": 1e-6, "fatol": 1e-12, "maxiter": 150},
        )
        x, f, nit, nfev = nelder_mead(traced(seen_ours), simplex.tolist(), 1e-6, 1e-12, 150)
        assert seen_ours == seen_scipy
        assert list(res.x) == x and res.fun == f and res.nit == nit and res.nfev == nfev


def test_nelder_mead_rejects_a_simplex_of_the_wrong_shape() -> None:
    with pytest.raises(ValueError, match="simplex has 2 vertices, expected 3"):
        nelder_mead(_rosenbrock, [[0.0, 0.0], [1.0, 0.0]], 1e-6, 1e-12, 10)
