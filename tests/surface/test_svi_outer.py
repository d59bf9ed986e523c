"""The SVI outer search in one kernel is the Python grid + Nelder–Mead, bit for bit."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

import mmdesk.surface.svi as svi
from mmdesk.surface.numpy_exp import exp_as_numpy
from mmdesk.surface.svi import SVIParams, calibrate_svi, svi_total_variance
from mmdesk.surface.svi_outer import (
    _fit_outer,
    _fit_outer_python,
    _fit_outer_reference,
    _sort_simplex,
    _sort_simplex_python,
)

EQUITY = SVIParams(a=0.02, b=0.15, rho=-0.6, m=0.02, sigma=0.12)
SHORT_DATED = SVIParams(a=-1e-4, b=0.01, rho=-0.8, m=0.005, sigma=0.02)


@pytest.mark.parametrize("sort", [_sort_simplex_python, _sort_simplex])
def test_simplex_sort_is_numpy_argsort_stable_with_nan_last(sort: Any) -> None:
    values = [0.0, 1.0, -1.0, np.nan, np.inf]
    for f in itertools.product(values, repeat=3):
        fsim = np.array(f)
        sim = np.arange(6.0).reshape(3, 2)
        order = np.argsort(fsim)
        sort(sim, fsim)
        np.testing.assert_array_equal(fsim, np.array(f)[order])
        np.testing.assert_array_equal(sim, np.arange(6.0).reshape(3, 2)[order])


def _smiles(rng: np.random.Generator) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """A few calibration problems: clean, noisy, with bands, short-dated, calendar bounds."""
    cases: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    for p, n in ((EQUITY, 7), (EQUITY, 25), (SHORT_DATED, 9)):
        k = np.sort(rng.uniform(-0.3, 0.25, n))
        w = svi_total_variance(k, p) * (1 + 0.02 * rng.standard_normal(n))
        cases.append(((k, w), {}))
        half = 0.03 * w * rng.uniform(0.5, 1.5, n)
        cases.append(((k, w, rng.uniform(0.2, 1.0, n), w - half, w + half), {}))
    k = np.linspace(-0.2, 0.2, 9)
    w = svi_total_variance(k, EQUITY)
    kg = np.linspace(-0.4, 0.4, 41)
    cases.append(((k, w), {"kgrid": kg, "grid_lo": 0.9 * svi_total_variance(kg, EQUITY)}))
    k = np.linspace(-0.02, 0.02, 5)  # a V: the search runs into the floor on sigma
    cases.append(((k, 0.0035 + 0.05 * np.abs(k) * (1 + 0.1 * rng.standard_normal(5))), {}))
    return cases


def test_outer_kernel_twin_and_python_nelder_mead_give_the_same_fit(
    rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded: list[tuple[Any, ...]] = []

    def recording(*args: Any) -> float:
        recorded.append(tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args))
        return float(_fit_outer(*args))

    monkeypatch.setattr(svi, "_fit_outer", recording)
    for args, kwargs in _smiles(rng):
        calibrate_svi(*args, **kwargs)
    assert len(recorded) == 8
    for call in recorded:
        got = []
        for fit in (_fit_outer, _fit_outer_python, _fit_outer_reference):
            a = [v.copy() if isinstance(v, np.ndarray) else v for v in call]
            final = fit(*a)
            z, x = a[-1], a[11]
            got.append((final, z[0], z[1], x[0], x[1], x[2]))
        assert got[0] == got[1] == got[2]  # bit for bit, not approx
    assert exp_as_numpy(got[0][2]) <= recorded[-1][-2]  # the V's search ends on the floor
