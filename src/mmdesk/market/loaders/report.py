"""``DataQualityReport``: what a loader found wrong in a vendor file and what it did.

Every kind of dirt has a ``DirtKind``, a count, up to a few example file lines
(1-based, the header is line 1) and the ``DirtAction`` taken:

- ``FIXED``: normalised while reading (byte-order mark, header spaces, date
  format, line endings); the data are unaffected.
- ``FLAGGED``: kept as is, reported (zero bids, stale lasts, locked quotes...).
- ``CLEARED``: the field was set to NaN, the row kept (placeholder vendor IVs,
  ``last == 0`` meaning "no trade").
- ``DROPPED``: the row was removed (crossed quotes, duplicates).

Rows that make the file unusable are not reported: the loader raises
``ChainLoadError`` naming the line and field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, StrEnum

import numpy as np

from mmdesk.typing import BoolArray, Int64Array

MAX_EXAMPLES = 5


class ChainLoadError(ValueError):
    """A vendor file cannot be used; the message names the file line and the field."""


class DirtKind(StrEnum):
    """Kinds of known dirt in vendor option-chain files."""

    BYTE_ORDER_MARK = "byte_order_mark"
    HEADER_SPACES = "header_spaces"
    CRLF_LINE_ENDINGS = "crlf_line_endings"
    MISSING_TRAILING_NEWLINE = "missing_trailing_newline"
    US_DATE_FORMAT = "us_date_format"  # MM/DD/YYYY
    PLACEHOLDER_IV = "placeholder_iv"
    VENDOR_IV_ABOVE_100PCT = "vendor_iv_above_100pct"
    STALE_LAST = "stale_last"  # a traded last outside [bid, ask]
    NO_LAST_TRADE = "no_last_trade"  # last == 0
    ZERO_BID = "zero_bid"  # bid == 0 < ask
    NO_QUOTE = "no_quote"  # bid == ask == 0 (or both missing)
    CROSSED_QUOTE = "crossed_quote"  # bid > ask
    LOCKED_QUOTE = "locked_quote"  # bid == ask > 0
    MISSING_UNDERLYING_PRICE = "missing_underlying_price"
    MISSING_VOLUME = "missing_volume"
    DUPLICATE_ROW = "duplicate_row"
    AT_OR_AFTER_EXPIRY = "at_or_after_expiry"  # t <= 0


class DirtAction(Enum):
    """What the loader did about a kind of dirt."""

    FIXED = "fixed"
    FLAGGED = "flagged"
    CLEARED = "cleared"
    DROPPED = "dropped"


@dataclass(frozen=True)
class DirtEntry:
    """One kind of dirt: how many rows (or 1 for file-level dirt), examples, action."""

    kind: DirtKind
    count: int
    action: DirtAction
    examples: tuple[int, ...] = ()
    note: str = ""


@dataclass
class DataQualityReport:
    """Counts and examples of each kind of dirt found in one file.

    Attributes
    ----------
    source : str
        File path.
    format : str
        Detected format name (``"optopsy"``, ``"yahoo"``, ``"canonical"``).
    rows_read : int
        Data rows in the file.
    rows_kept : int
        Rows in the returned chain.
    entries : dict
        ``DirtKind`` -> ``DirtEntry`` (only kinds actually found).
    """

    source: str
    format: str
    rows_read: int = 0
    rows_kept: int = 0
    entries: dict[DirtKind, DirtEntry] = field(default_factory=dict)

    def add(
        self,
        kind: DirtKind,
        count: int,
        action: DirtAction,
        examples: tuple[int, ...] = (),
        note: str = "",
    ) -> None:
        """Record ``count`` occurrences of ``kind`` (ignored when ``count == 0``)."""
        if count > 0:
            self.entries[kind] = DirtEntry(
                kind, int(count), action, tuple(int(e) for e in examples), note
            )

    def add_rows(
        self,
        kind: DirtKind,
        mask: BoolArray,
        file_lines: Int64Array,
        action: DirtAction,
        note: str = "",
    ) -> None:
        """Record the rows selected by ``mask`` (examples are their file lines)."""
        idx = np.flatnonzero(mask)
        self.add(kind, idx.size, action, tuple(file_lines[idx[:MAX_EXAMPLES]].tolist()), note)

    def count(self, kind: DirtKind) -> int:
        """Occurrences of ``kind`` (0 when not found)."""
        entry = self.entries.get(kind)
        return entry.count if entry else 0

    def __contains__(self, kind: object) -> bool:
        return kind in self.entries

    def summary(self) -> str:
        """A plain-text table of the report, one line per kind of dirt."""
        lines = [
            f"{self.source} ({self.format}): {self.rows_read} rows read, {self.rows_kept} kept"
        ]
        for e in self.entries.values():
            ex = ", ".join(str(x) for x in e.examples)
            lines.append(
                f"  {e.kind.value:<26} {e.count:>7}  {e.action.value:<8}"
                + (f" lines {ex}" if ex else "")
                + (f"  ({e.note})" if e.note else "")
            )
        return "\n".join(lines)
