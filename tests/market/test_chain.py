"""OptionChain: time convention, views, call/put pairing, canonical Parquet/CSV format."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from mmdesk.market.chain import CLOSE_TIME as CLOSE
from mmdesk.market.chain import OptionChain, new_york_instant, year_fraction
from mmdesk.market.chain_io import ChainFormatError, read_chain, write_chain
from mmdesk.market.instruments import ExerciseStyle, OptionKind, is_call_to_kinds, kinds_to_is_call


def small_chain() -> OptionChain:
    close_jan2 = new_york_instant(np.array(["2018-01-02", "2018-01-03"], "datetime64[D]"), CLOSE)
    qt = np.repeat(close_jan2, 6)
    expiry = np.tile(np.repeat(np.array(["2018-01-31", "2018-02-28"], "datetime64[D]"), 3), 2)
    strike = np.tile([100.0, 100.0, 110.0], 4)
    is_call = np.tile([True, False, True], 4)
    bid = np.tile([5.0, 0.0, 2.0], 4)
    ask = np.tile([5.5, 0.5, 1.5], 4)  # 110 call crossed, 100 put zero bid
    return OptionChain.from_arrays(
        underlying="SPX",
        exercise=ExerciseStyle.EUROPEAN,
        quote_time=qt,
        expiry=expiry,
        strike=strike,
        is_call=is_call,
        bid=bid,
        ask=ask,
        volume=np.arange(12.0),
        underlying_price=np.full(12, 2700.0),
    )


def test_option_kind_is_the_payoff_sign() -> None:
    assert int(OptionKind.CALL) == 1 and int(OptionKind.PUT) == -1
    assert OptionKind.from_is_call(False) is OptionKind.PUT
    kinds = is_call_to_kinds(np.array([True, False]))
    assert kinds.tolist() == [1, -1]
    assert kinds_to_is_call(kinds).tolist() == [True, False]
    with pytest.raises(ValueError, match="index 1"):
        kinds_to_is_call(np.array([1, 0]))


def test_time_to_expiry_is_act365_from_close_to_pm_settlement() -> None:
    qt = new_york_instant(np.array(["2018-01-02"], "datetime64[D]"), CLOSE)
    t = year_fraction(qt, np.array(["2018-01-31"], "datetime64[D]"), np.array([False]))
    assert t[0] == pytest.approx(29 / 365, abs=1e-15)


def test_am_settlement_ends_six_and_a_half_hours_earlier() -> None:
    qt = new_york_instant(np.array(["2018-01-02"], "datetime64[D]"), CLOSE)
    ex = np.array(["2018-01-19"], "datetime64[D]")
    pm = year_fraction(qt, ex, np.array([False]))
    am = year_fraction(qt, ex, np.array([True]))
    assert (pm - am)[0] == pytest.approx(6.5 / 24 / 365, abs=1e-15)


def test_time_to_expiry_counts_the_dst_hour() -> None:
    # 2025-03-09: US clocks go forward; 16:00 ET to 16:00 ET across it is 23 hours shorter by 1h.
    qt = new_york_instant(np.array(["2025-03-07"], "datetime64[D]"), CLOSE)
    t = year_fraction(qt, np.array(["2025-03-10"], "datetime64[D]"), np.array([False]))
    assert t[0] * 365 * 24 == pytest.approx(3 * 24 - 1, abs=1e-9)


def test_views_by_expiry_and_quote_date() -> None:
    c = small_chain()
    assert c.expiries().tolist() == np.array(["2018-01-31", "2018-02-28"], "datetime64[D]").tolist()
    assert len(c.quote_dates()) == 2
    jan = c.for_expiry("2018-01-31")
    assert len(jan) == 6 and np.all(jan.expiry == np.datetime64("2018-01-31"))
    day = c.for_date(np.datetime64("2018-01-03"))
    assert len(day) == 6 and np.all(day.quote_date == np.datetime64("2018-01-03"))
    assert day.volume.tolist() == list(np.arange(6.0, 12.0))


def test_two_sided_excludes_zero_bids_and_crossed_quotes() -> None:
    c = small_chain()
    assert c.two_sided.tolist()[:3] == [True, False, False]
    assert np.isnan(c.mid[1]) and c.mid[0] == pytest.approx(5.25)
    assert c.half_spread[0] == pytest.approx(0.25)


def test_pairs_match_call_and_put_of_the_same_strike_and_slice() -> None:
    c = small_chain()
    call_idx, put_idx = c.pairs()
    assert len(call_idx) == 4  # 2 dates x 2 expiries, only strike 100 has both sides
    assert np.all(c.is_call[call_idx]) and not np.any(c.is_call[put_idx])
    assert np.all(c.strike[call_idx] == c.strike[put_idx])
    assert np.all(c.expiry[call_idx] == c.expiry[put_idx])
    assert np.all(c.quote_time[call_idx] == c.quote_time[put_idx])


def test_slices_partition_the_rows() -> None:
    c = small_chain()
    s = c.slices()
    assert len(s) == 4
    assert sorted(np.concatenate([idx for _, _, idx in s]).tolist()) == list(range(12))


def test_fields_of_unequal_length_are_rejected() -> None:
    with pytest.raises(ValueError, match="'ask'"):
        OptionChain.from_arrays(
            underlying="X",
            exercise=ExerciseStyle.EUROPEAN,
            quote_time=np.datetime64("2018-01-02T21:00", "ns"),
            expiry=np.datetime64("2018-01-31"),
            strike=[1.0, 2.0],
            is_call=[True, False],
            bid=[1.0, 1.0],
            ask=[1.0],
        )


def assert_same_chain(a: OptionChain, b: OptionChain) -> None:
    assert a.underlying == b.underlying and a.exercise == b.exercise
    for name in a.array_fields:
        x, y = getattr(a, name), getattr(b, name)
        if x.dtype.kind == "f":
            np.testing.assert_array_equal(x, y, err_msg=name)  # NaN == NaN here
        else:
            assert np.array_equal(x, y), name


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_canonical_format_round_trips(tmp_path: Path, suffix: str) -> None:
    c = small_chain()
    path = tmp_path / f"chain{suffix}"
    write_chain(c, path)
    assert_same_chain(c, read_chain(path))


def corrupt_csv(tmp_path: Path, column: str, row: int, value: str) -> Path:
    path = tmp_path / "chain.csv"
    write_chain(small_chain(), path)
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[row + 1].split(",")
    cells[header.index(column)] = value
    lines[row + 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    return path


def test_non_numeric_strike_names_column_and_line(tmp_path: Path) -> None:
    path = corrupt_csv(tmp_path, "strike", 3, "abc")
    with pytest.raises(
        ChainFormatError, match=r"column 'strike', row 4 \(file line 5\): value 'abc'"
    ):
        read_chain(path)


def test_negative_bid_names_column_and_row(tmp_path: Path) -> None:
    path = corrupt_csv(tmp_path, "bid", 6, "-1.5")
    with pytest.raises(ChainFormatError, match=r"column 'bid', row 7 \(file line 8\).*negative"):
        read_chain(path)


def test_bad_boolean_and_date_are_named(tmp_path: Path) -> None:
    with pytest.raises(ChainFormatError, match=r"column 'is_call', row 1 .*'maybe'"):
        read_chain(corrupt_csv(tmp_path, "is_call", 0, "maybe"))
    with pytest.raises(ChainFormatError, match=r"column 'expiry', row 2 .*'31/01/2018'"):
        read_chain(corrupt_csv(tmp_path, "expiry", 1, "31/01/2018"))


def test_mixed_underlyings_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ChainFormatError, match=r"column 'underlying', row 3 .*'NDX'"):
        read_chain(corrupt_csv(tmp_path, "underlying", 2, "NDX"))


def test_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "chain.parquet"
    write_chain(small_chain(), path)
    pl.read_parquet(path).drop("ask").write_parquet(path)
    with pytest.raises(ChainFormatError, match=r"missing column\(s\) \['ask'\]"):
        read_chain(path)


def test_parquet_with_wrong_column_type_is_named(tmp_path: Path) -> None:
    path = tmp_path / "chain.parquet"
    write_chain(small_chain(), path)
    frame = pl.read_parquet(path)
    strike = frame["strike"].cast(pl.String).scatter(5, "n/a")
    frame = frame.with_columns(strike)
    frame.write_parquet(path)
    with pytest.raises(ChainFormatError, match=r"column 'strike', row 6: value 'n/a'"):
        read_chain(path)
