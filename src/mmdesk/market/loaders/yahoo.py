"""Loader for Yahoo Finance option-chain dumps (e.g. the AAPL 2025-10-06 file in shared/data).

Columns: contract_symbol, last_trade_date, strike, last_price, bid, ask,
change, percent_change, volume, open_interest, implied_volatility,
in_the_money, contract_size, currency, expiration, type (C/P), date_pulled.
No underlying price (left NaN: use the implied forward), no sizes. The
snapshot is taken as of 16:00 New York on ``date_pulled`` (the file's last
trades are at 15:59:58 ET); equity options are PM-settled and, by default,
American.

Vendor IV dirt: Yahoo prints ~1e-5 placeholders (``PLACEHOLDER_IV_MAX``) and
IVs above 100% on in-the-money or zero-bid rows; both are reported, the
placeholders cleared to NaN.
"""

from __future__ import annotations

import re
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

YAHOO_COLUMNS = (
    "contract_symbol",
    "strike",
    "last_price",
    "bid",
    "ask",
    "volume",
    "open_interest",
    "implied_volatility",
    "expiration",
    "type",
    "date_pulled",
)
#: OCC-style symbol: root, YYMMDD, C/P, strike x 1000 (8 digits).
OCC_SYMBOL = re.compile(r"^([A-Z0-9.]+?)(\d{6})([CP])(\d{8})$")
#: Vendor IVs at or below this are placeholders (Yahoo prints 1e-5).
PLACEHOLDER_IV_MAX = 1e-4


def load_yahoo_chain(
    path: str | Path, *, exercise: ExerciseStyle = ExerciseStyle.AMERICAN
) -> tuple[OptionChain, DataQualityReport]:
    """Load a Yahoo Finance option-chain CSV.

    Parameters
    ----------
    path : path
        CSV file.
    exercise : ExerciseStyle
        Exercise style of the contracts (American for US equity options).

    Returns
    -------
    (OptionChain, DataQualityReport)

    Raises
    ------
    ChainLoadError
        Unusable file or row (names the 1-based file line and the column).
    """
    report = DataQualityReport(source=str(path), format="yahoo")
    frame = read_text_frame(path, report)
    require_columns(frame, YAHOO_COLUMNS, str(path))
    n = frame.height
    lines = file_lines(n)
    symbols = frame["contract_symbol"].str.strip_chars().fill_null("")
    roots = symbols.str.extract(OCC_SYMBOL.pattern, 1)
    bad_sym = roots.is_null().arg_true()
    if len(bad_sym):
        r = int(bad_sym[0])
        raise ChainLoadError(
            f"line {r + 2}, column 'contract_symbol': value {symbols[r]!r} is not an OCC symbol"
        )
    uniq = roots.unique().to_list()
    if len(uniq) != 1:
        r = int((roots != roots[0]).arg_true()[0])
        raise ChainLoadError(
            f"line {r + 2}, column 'contract_symbol': root {roots[r]!r} differs from {roots[0]!r}"
        )
    kind_text = frame["type"].str.strip_chars().str.to_uppercase().fill_null("")
    unknown = (~kind_text.is_in(["C", "P", "CALL", "PUT"])).arg_true()
    if len(unknown):
        r = int(unknown[0])
        raise ChainLoadError(f"line {r + 2}, column 'type': value {frame['type'][r]!r} is not C/P")
    is_call = kind_text.is_in(["C", "CALL"]).to_numpy()
    expiry = date_column(frame, "expiration", report)
    quote_date = date_column(frame, "date_pulled", report)
    strike = numeric_column(frame, "strike", required=True, nonnegative=True)
    zero_k = np.flatnonzero(strike <= 0)
    if zero_k.size:
        raise ChainLoadError(
            f"line {zero_k[0] + 2}, column 'strike': value {strike[zero_k[0]]} is not > 0"
        )
    bid = numeric_column(frame, "bid", required=False, nonnegative=True)
    ask = numeric_column(frame, "ask", required=False, nonnegative=True)
    last = numeric_column(frame, "last_price", required=False, nonnegative=True)
    volume = numeric_column(frame, "volume", required=False, nonnegative=True)
    iv = numeric_column(frame, "implied_volatility", required=False, nonnegative=True)
    report.add_rows(
        DirtKind.MISSING_VOLUME, np.isnan(volume), lines, DirtAction.FLAGGED, "empty volume cell"
    )
    with np.errstate(invalid="ignore"):
        placeholder = iv <= PLACEHOLDER_IV_MAX
        above = iv > 1.0
    itm_text = frame["in_the_money"].str.to_lowercase() if "in_the_money" in frame.columns else None
    itm = (
        (itm_text == "true").fill_null(False).to_numpy()
        if itm_text is not None
        else np.zeros(n, bool)
    )
    explained = int(np.count_nonzero(above & (itm | (bid == 0))))
    report.add_rows(
        DirtKind.VENDOR_IV_ABOVE_100PCT,
        above,
        lines,
        DirtAction.FLAGGED,
        f"{explained} of them in the money or with a zero bid",
    )
    report.add_rows(
        DirtKind.PLACEHOLDER_IV,
        placeholder,
        lines,
        DirtAction.CLEARED,
        f"IV <= {PLACEHOLDER_IV_MAX}; set to NaN",
    )
    iv = np.where(placeholder, np.nan, iv)
    chain = assemble_chain(
        underlying=str(uniq[0]),
        exercise=exercise,
        quote_time=new_york_instant(quote_date, CLOSE_TIME),
        quote_date=quote_date,
        expiry=expiry,
        am_settled=np.zeros(n, dtype=bool),
        strike=strike,
        is_call=is_call,
        bid=bid,
        ask=ask,
        last=last,
        lines=lines,
        report=report,
        volume=volume,
        open_interest=numeric_column(frame, "open_interest", required=False, nonnegative=True),
        underlying_price=np.full(n, np.nan),
        vendor_iv=iv,
    )
    return chain, report
