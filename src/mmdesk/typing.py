"""Dtype- and rank-aware array aliases used across mmdesk's public signatures."""

from typing import TypeAlias

import numpy as np
import numpy.typing as npt

Float64Array: TypeAlias = npt.NDArray[np.float64]
Float64Array1D: TypeAlias = np.ndarray[tuple[int], np.dtype[np.float64]]
Float64Array2D: TypeAlias = np.ndarray[tuple[int, int], np.dtype[np.float64]]
Int64Array: TypeAlias = npt.NDArray[np.int64]
Int64Array1D: TypeAlias = np.ndarray[tuple[int], np.dtype[np.int64]]
Int8Array: TypeAlias = npt.NDArray[np.int8]
BoolArray: TypeAlias = npt.NDArray[np.bool_]

#: A float or anything numpy broadcasts to float64 (scalars, lists, arrays).
FloatLike: TypeAlias = float | npt.ArrayLike
#: A bool or anything numpy broadcasts to bool.
BoolLike: TypeAlias = bool | npt.ArrayLike
