"""Loader for optopsy-style end-of-day chains (e.g. the SPXW 2018 file in shared/data).

Columns: underlying, underlying_last, exchange, optionroot, optionext, type,
expiration, quotedate, strike, last, bid, ask, volume, openinterest,
impliedvol, delta, gamma, theta, vega, optionalias. Quotes are end of day:
``quote_time`` is 16:00 New York on ``quotedate``. SPXW is European and
PM-settled; a root ``SPX`` (monthly) is AM-settled. The vendor greeks are not
loaded (we compute our own).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mmdesk.market.chain import CLOSE_TIME, OptionChain, new_york_instant
from mmdesk.market.instruments import ExerciseStyle
from mmdesk.market.loaders._raw import (
    date_column,
    file_lines,
    numeric_column,
    read_text_frame,
    require_columns,
)
from mmdesk.market.loaders.quality import assemble_chain
from mmdesk.market.loaders.report import ChainLoadError, DataQualityReport, DirtAction, DirtKind
from mmdesk.typing import BoolArray, Float64Array

OPTOPSY_COLUMNS = (
    "underlying",
    "underlying_last",
    "type",
    "expiration",
    "quotedate",
    "strike",
    "last",
    "bid",
    "ask",
    "volume",
    "openinterest",
    "impliedvol",
)
#: Cash-settled index roots: European exercise. Value: the underlying index symbol.
INDEX_ROOTS = {
    "SPXW": "SPX",
    "SPX": "SPX",
    "XSP": "XSP",
    "NDX": "NDX",
    "NDXP": "NDX",
    "RUT": "RUT",
    "RUTW": "RUT",
}
#: Roots whose expiries settle on the opening print (AM).
AM_ROOTS = {"SPX", "NDX", "RUT"}
#: The vendor's IV placeholder on expiring wings.
PLACEHOLDER_IV_VALUE = 0.3
#: A run of at least this many equal IVs over consecutive strikes is a vendor constant.
CONSTANT_IV_RUN = 3


def placeholder_iv_mask(
    iv: Float64Array, group_key: np.ndarray, strike: Float64Array, is_call: BoolArray
) -> BoolArray:
    """Vendor IVs that are placeholders, not measurements.

    A placeholder is the value 0.3 exactly (the vendor's default on expiring
    wings) or a member of a run of ``CONSTANT_IV_RUN`` or more equal IVs over
    consecutive strikes of one (quote date, expiry, kind) slice (the constants
    the vendor prints deep in the money). Vectorised over the whole file.
    """
    n = iv.shape[0]
    order = np.lexsort((strike, is_call, group_key))
    v = iv[order]
    g = group_key[order]
    c = is_call[order]
    same = np.zeros(n, dtype=bool)
    same[1:] = (v[1:] == v[:-1]) & (g[1:] == g[:-1]) & (c[1:] == c[:-1])
    # run id: increments whenever a row differs from its predecessor
    run_id = np.cumsum(~same)
    run_len = np.bincount(run_id)[run_id]
    sorted_mask = (run_len >= CONSTANT_IV_RUN) | (v == PLACEHOLDER_IV_VALUE)
    out = np.zeros(n, dtype=bool)
    out[order] = sorted_mask
    return out


def load_spxw_optopsy(
    path: str | Path, *, exercise: ExerciseStyle | None = None
) -> tuple[OptionChain, DataQualityReport]:
    """Load an optopsy end-of-day chain file.

    Parameters
    ----------
    path : path
        CSV file.
    exercise : ExerciseStyle, optional
        Override; by default European for cash-settled index roots
        (``INDEX_ROOTS``) and American otherwise.

    Returns
    -------
    (OptionChain, DataQualityReport)

    Raises
    ------
    ChainLoadError
        Unusable file or row (names the 1-based file line and the column).
    """
    report = DataQualityReport(source=str(path), format="optopsy")
    frame = read_text_frame(path, report)
    require_columns(frame, OPTOPSY_COLUMNS, str(path))
    n = frame.height
    lines = file_lines(n)
    roots = frame["underlying"].str.strip_chars().fill_null("")
    uniq_roots = roots.unique().to_list()
    if len(uniq_roots) != 1 or not uniq_roots[0]:
        bad = int((roots != roots[0]).arg_true()[0]) if len(uniq_roots) > 1 else 0
        raise ChainLoadError(
            f"line {bad + 2}, column 'underlying': value {roots[bad]!r}; "
            "one file must hold one non-empty root"
        )
    root = str(uniq_roots[0])
    kind_text = frame["type"].str.strip_chars().str.to_lowercase().fill_null("")
    unknown = (~kind_text.is_in(["call", "put", "c", "p"])).arg_true()
    if len(unknown):
        r = int(unknown[0])
        raise ChainLoadError(
            f"line {r + 2}, column 'type': value {frame['type'][r]!r} is not call/put"
        )
    is_call = kind_text.is_in(["call", "c"]).to_numpy()
    expiry = date_column(frame, "expiration", report)
    quote_date = date_column(frame, "quotedate", report)
    strike = numeric_column(frame, "strike", required=True, nonnegative=True)
    zero_k = np.flatnonzero(strike <= 0)
    if zero_k.size:
        raise ChainLoadError(
            f"line {zero_k[0] + 2}, column 'strike': value {strike[zero_k[0]]} is not > 0"
        )
    bid = numeric_column(frame, "bid", required=False, nonnegative=True)
    ask = numeric_column(frame, "ask", required=False, nonnegative=True)
    last = numeric_column(frame, "last", required=False, nonnegative=True)
    spot = numeric_column(frame, "underlying_last", required=False, nonnegative=True)
    spot = np.where(spot > 0, spot, np.nan)
    iv = numeric_column(frame, "impliedvol", required=False, nonnegative=True)
    placeholder = placeholder_iv_mask(
        iv,
        quote_date.astype(np.int64) * 100_000 + (expiry - quote_date).astype(np.int64),
        strike,
        is_call,
    )
    n_03 = int(np.count_nonzero(iv == PLACEHOLDER_IV_VALUE))
    report.add_rows(
        DirtKind.PLACEHOLDER_IV,
        placeholder,
        lines,
        DirtAction.CLEARED,
        f"{n_03} rows at exactly {PLACEHOLDER_IV_VALUE}, the rest in runs of "
        f">= {CONSTANT_IV_RUN} equal IVs "
        "over consecutive strikes; vendor_iv set to NaN",
    )
    iv = np.where(placeholder, np.nan, iv)
    quote_time = new_york_instant(quote_date, CLOSE_TIME)
    if exercise is None:
        exercise = ExerciseStyle.EUROPEAN if root in INDEX_ROOTS else ExerciseStyle.AMERICAN
    chain = assemble_chain(
        underlying=INDEX_ROOTS.get(root, root),
        exercise=exercise,
        quote_time=quote_time,
        quote_date=quote_date,
        expiry=expiry,
        am_settled=np.full(n, root in AM_ROOTS),
        strike=strike,
        is_call=is_call,
        bid=bid,
        ask=ask,
        last=last,
        lines=lines,
        report=report,
        volume=numeric_column(frame, "volume", required=False, nonnegative=True),
        open_interest=numeric_column(frame, "openinterest", required=False, nonnegative=True),
        underlying_price=spot,
        vendor_iv=iv,
    )
    return chain, report
