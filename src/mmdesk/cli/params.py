"""Command-line values parsed once, with errors that name the option and the value.

Every command reads its seeds, dates, chain files and configs through these
functions, so a typo gets the same one-line error everywhere (click's usage
error, exit code 2) instead of a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import typer
from pydantic import BaseModel, ValidationError

from mmdesk.analytics.chain_snapshot import as_day
from mmdesk.market.chain import OptionChain
from mmdesk.market.loaders import ChainLoadError, load_chain
from mmdesk.market.loaders.report import DataQualityReport

M = TypeVar("M", bound=BaseModel)


def seeds(text: str, option: str = "--seeds") -> list[int]:
    """Seeds from ``"N"``, ``"LO-HI"`` (inclusive) or a comma list of both, e.g. ``"1-5,9"``.

    Raises
    ------
    typer.BadParameter
        If a part is not a non-negative integer or an increasing range, or
        the list is empty.
    """
    out: list[int] = []
    for part in text.split(","):
        lo, dash, hi = part.strip().partition("-")
        if not lo.isdigit() or (dash and not hi.isdigit()):
            raise typer.BadParameter(f"{option}={text!r}: use e.g. 1-5 or 1,3,7 (seeds ≥ 0)")
        first, last = int(lo), int(hi) if dash else int(lo)
        if last < first:
            raise typer.BadParameter(f"{option}={text!r}: the range {part.strip()} is empty")
        out.extend(range(first, last + 1))
    return out


def day(text: str, option: str = "--date") -> np.datetime64:
    """A calendar date ``YYYY-MM-DD`` as a ``datetime64[D]`` scalar.

    Raises
    ------
    typer.BadParameter
        If ``text`` is not a valid date.
    """
    try:
        return as_day(text)
    except ValueError as exc:
        raise typer.BadParameter(f"{option}={text!r}: not a date YYYY-MM-DD ({exc})") from None


def chain_file(path: Path) -> tuple[OptionChain, DataQualityReport]:
    """The option chain in ``path`` (any format :func:`mmdesk.market.loaders.load_chain`
    reads) and the loader's report of the dirt it fixed, flagged, cleared or dropped.

    Raises
    ------
    typer.BadParameter
        If the file is missing or unreadable, or the loader rejects a row or
        the format (its message names the line, column and value).
    """
    if not path.is_file():
        raise typer.BadParameter(f"no such file: {path}", param_hint="FILE")
    try:
        return load_chain(path)
    except (ChainLoadError, OSError, UnicodeDecodeError) as exc:
        raise typer.BadParameter(str(exc), param_hint="FILE") from None


def config(model: type[M], options: Mapping[str, str], values: Mapping[str, Any]) -> M:
    """``model.model_validate(values)``, a validation error reported against the option.

    Parameters
    ----------
    model : type of pydantic.BaseModel
        The config to build.
    options : mapping
        Dotted field path → the option that sets it (``{"n_paths": "--paths",
        "directional.quality": "--quality"}``); a field not listed is named by
        its path.
    values : mapping
        The fields (nested models as mappings or models).

    Raises
    ------
    typer.BadParameter
        Naming the option, the value given and pydantic's reason, for every
        field that fails.
    """
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = ".".join(str(part) for part in err["loc"])
            if not field:  # a check across fields names its values in its message
                lines.append(str(err["msg"]))
                continue
            lines.append(f"{options.get(field, field)}={err.get('input')!r}: {err['msg']}")
        raise typer.BadParameter("; ".join(lines)) from None
