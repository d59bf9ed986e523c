"""Tick-size tables and integer price units (mmdesk.venue.ticks)."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from mmdesk.venue import ticks
from mmdesk.venue.config import DEFAULT_OPTION_TICKS, TickBand, TickTableConfig
from mmdesk.venue.ticks import TickTable


@pytest.fixture
def table() -> TickTable:
    return TickTable(DEFAULT_OPTION_TICKS)


def test_default_option_grid_is_cents_below_three_and_nickels_above(table: TickTable) -> None:
    assert table.is_valid([1, 299, 300, 305, 1000]).all()
    assert not table.is_valid([0, -5, 301, 304, 1001]).any()


def test_quote_prices_round_to_the_passive_side_of_the_grid(table: TickTable) -> None:
    assert table.price_to_units([3.02, 3.02, 2.994], [1, -1, 1]).tolist() == [300, 305, 299]
    assert table.price_to_units(3.05, -1) == 305  # already on grid: unchanged
    with pytest.raises(ValueError, match="side"):
        table.price_to_units(1.0, 0)


def test_tick_up_and_down_cross_the_band_boundary(table: TickTable) -> None:
    assert table.tick_up([298, 299, 300]).tolist() == [299, 300, 305]
    assert table.tick_down([305, 300, 299]).tolist() == [300, 299, 298]


def test_units_and_currency_round_trip(table: TickTable) -> None:
    units = table.to_units([0.01, 2.99, 3.05, 12.35])
    assert units.tolist() == [1, 299, 305, 1235]
    assert table.to_price(units) == pytest.approx([0.01, 2.99, 3.05, 12.35])
    with pytest.raises(ValueError, match="finite"):
        table.to_units(np.nan)


def test_table_config_rejects_bands_off_the_unit_or_unsorted() -> None:
    with pytest.raises(ValidationError, match="multiple of unit"):
        TickTableConfig(unit=0.01, bands=(TickBand(start=0.0, step=0.015),))
    with pytest.raises(ValidationError, match="increasing"):
        TickTableConfig(bands=(TickBand(start=0.0, step=0.01), TickBand(start=0.0, step=0.05)))
    with pytest.raises(ValidationError, match="start must be 0"):
        TickTableConfig(bands=(TickBand(start=1.0, step=0.01),))


def test_grid_kernels_agree_with_their_python_twins(rng: np.random.Generator) -> None:
    t = TickTable(
        TickTableConfig(
            unit=0.01,
            bands=(
                TickBand(start=0.0, step=0.01),
                TickBand(start=3.0, step=0.05),
                TickBand(start=10.0, step=0.10),
            ),
        )
    )
    for p in rng.integers(-10, 2000, size=300):
        args = (int(p), t.starts, t.steps, t.nbands)
        assert ticks.on_grid(*args) == ticks.on_grid_python(*args)
        assert ticks.round_down(*args) == ticks.round_down_python(*args)
        assert ticks.round_up(*args) == ticks.round_up_python(*args)
        up = ticks.round_up_python(*args)
        assert ticks.on_grid_python(up, t.starts, t.steps, t.nbands) and up >= p


def test_tick_size_is_the_band_step_of_the_rounded_price(table: TickTable) -> None:
    got = table.tick_size(np.array([0.5, 2.994, 2.996, 3.0, 7.25, np.nan, -1.0, 0.0]))
    assert got == pytest.approx([0.01, 0.01, 0.05, 0.05, 0.05, 0.01, 0.01, 0.01])


def test_tick_size_kernel_agrees_with_its_python_twin(rng: np.random.Generator) -> None:
    t = TickTable(
        TickTableConfig(
            unit=0.01,
            bands=(
                TickBand(start=0.0, step=0.01),
                TickBand(start=3.0, step=0.05),
                TickBand(start=10.0, step=0.10),
            ),
        )
    )
    price = np.concatenate([rng.uniform(-1.0, 20.0, 500), [np.nan, 2.995, 9.995, 10.0]])
    want = np.empty(price.size)
    got = np.empty(price.size)
    ticks.tick_size_kernel_python(price, t.unit, t.starts, t.steps, t.nbands, want)
    ticks.tick_size_kernel(price, t.unit, t.starts, t.steps, t.nbands, got)
    assert np.array_equal(got, want)
    assert np.array_equal(got, t.tick_size(price))
