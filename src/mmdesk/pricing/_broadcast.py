"""Broadcast array-first pricing inputs to flat, contiguous arrays for numba kernels.

Every public pricing function accepts floats or arrays, broadcasts them
numpy-style and hands *flat* (1-D, C-contiguous) float64 / bool arrays of one
common length to a numba kernel that loops over options and writes into
preallocated outputs.  This module does the broadcasting once, in one place:

>>> flat = flatten_inputs({"spot": [100.0, 101.0], "strike": 100.0}, {"is_call": True})
>>> flat.size, [a.tolist() for a in flat.floats], flat.flags[0].tolist()
(2, [[100.0, 101.0], [100.0, 100.0]], [True, True])
>>> flat.finish(flat.floats[0])
array([100., 101.])

When every input is already a contiguous float64 array of the common shape,
no copy is made (the kernel reads the caller's memory).  Scalars in give a
Python ``float`` out (``FlatInputs.finish``).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numba
import numpy as np

from mmdesk.pricing._output_pool import empty_float64
from mmdesk.typing import BoolArray, BoolLike, Float64Array, FloatLike

#: Below this many options the serial kernel is used: thread start-up costs more
#: than it saves on a small chain.
PARALLEL_THRESHOLD = 4096


def njit_serial_and_parallel(
    py_func: Callable[..., Any], **options: Any
) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """Compile a flat kernel twice: serial (small chains) and ``parallel=True`` (prange).

    Both are ``cache=True``.  numba's on-disk cache keys a function by its
    qualified name and signature but *not* by the ``parallel`` flag, so compiling
    one Python function both ways would let the serial dispatcher load the
    parallel machine code (thread start-up on every one-option call).  The
    parallel kernel is therefore compiled from a renamed clone of ``py_func``.
    ``options`` go to both ``numba.njit`` calls (e.g. ``error_model="numpy"``).

    Returns
    -------
    (serial, parallel)
        The two numba dispatchers.
    """
    clone = types.FunctionType(
        py_func.__code__,
        py_func.__globals__,
        py_func.__name__ + "_parallel",
        py_func.__defaults__,
        py_func.__closure__,
    )
    clone.__qualname__ = py_func.__qualname__ + "_parallel"
    clone.__doc__ = py_func.__doc__
    serial = numba.njit(cache=True, **options)(py_func)
    parallel = numba.njit(parallel=True, cache=True, **options)(clone)
    return serial, parallel


def njit_inline(py_func: Callable[..., Any]) -> Callable[..., Any]:
    """A scalar helper compiled for inlining into the kernels that call it.

    ``numba.njit(cache=True, error_model="numpy", fastmath={"contract"},
    inline="always")``: numba inlines it at the IR level, so a loop that calls it
    has no function call left and LLVM can vectorise it (calls between separately
    compiled numba functions are not inlined by LLVM).
    """
    return numba.njit(cache=True, error_model="numpy", fastmath={"contract"}, inline="always")(
        py_func
    )


class FlatInputs(NamedTuple):
    """Inputs broadcast to one shape and flattened for a kernel.

    Attributes
    ----------
    shape : tuple of int
        The broadcast shape of all inputs (``()`` for all-scalar input).
    scalar : bool
        True when every input was a scalar (0-d): outputs become Python floats.
    floats : tuple of ndarray
        Float inputs, in the order given, each 1-D C-contiguous float64 of ``size``.
    flags : tuple of ndarray
        Bool inputs, in the order given, each 1-D C-contiguous bool of ``size``.
    """

    shape: tuple[int, ...]
    scalar: bool
    floats: tuple[Float64Array, ...]
    flags: tuple[BoolArray, ...]

    @property
    def size(self) -> int:
        """Number of options (product of ``shape``)."""
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def parallel(self) -> bool:
        """Whether the parallel kernel pays off for this many options."""
        return self.size >= PARALLEL_THRESHOLD

    def empty(self, rows: int | None = None) -> Float64Array:
        """Preallocated kernel output: ``(size,)``, or ``(rows, size)`` for several outputs.

        Large outputs reuse the memory of outputs the caller has dropped
        (:mod:`mmdesk.pricing._output_pool`): no page faults on a repriced chain.
        """
        return empty_float64((self.size,) if rows is None else (rows, self.size))

    def use_out(self, out: Float64Array | None, rows: int | None = None) -> Float64Array:
        """Kernel output: a fresh array, or the caller's ``out`` viewed flat.

        ``out`` must be a C-contiguous float64 array of shape ``shape`` (or
        ``(rows, *shape)``); results are written into it, so a desk repricing a
        chain many times a second reuses its buffers instead of allocating.

        Raises
        ------
        ValueError
            If ``out`` has the wrong shape, dtype or layout (the message says which).
        """
        if out is None:
            return self.empty(rows)
        want = self.shape if rows is None else (rows, *self.shape)
        if not isinstance(out, np.ndarray) or out.dtype != np.float64:
            raise ValueError(f"out must be a float64 ndarray, got {type(out).__name__}")
        if out.shape != want or not out.flags.c_contiguous or not out.flags.writeable:
            raise ValueError(
                f"out must be a writeable C-contiguous array of shape {want}, "
                f"got shape {out.shape} (c_contiguous={out.flags.c_contiguous})"
            )
        return out.reshape(-1) if rows is None else out.reshape(rows, self.size)

    def finish(self, out: Float64Array) -> float | Float64Array:
        """Shape a flat kernel output like the inputs (a Python float for scalar inputs)."""
        if self.scalar:
            return float(out[0])
        return out.reshape(self.shape)


def _as_flag_array(name: str, value: BoolLike) -> BoolArray:
    arr = np.asarray(value)
    if arr.dtype != np.bool_:
        raise TypeError(
            f"{name} must be a bool or an array of bool, got dtype {arr.dtype} "
            f"(value {value!r:.80}); compare an OptionKind explicitly, e.g. kind == OptionKind.CALL"
        )
    return arr


def flatten_inputs(
    floats: Mapping[str, FloatLike], flags: Mapping[str, BoolLike] | None = None
) -> FlatInputs:
    """Broadcast named float and bool inputs to one shape and flatten them.

    Parameters
    ----------
    floats : mapping of str to float or array_like
        Float inputs by name (names are used in error messages only).
    flags : mapping of str to bool or array_like of bool, optional
        Bool inputs by name (e.g. ``is_call``). Integer arrays are refused: an
        ``OptionKind.PUT`` of ``-1`` would silently read as ``True``.

    Returns
    -------
    FlatInputs
        The common shape and the flat contiguous arrays, in the order given.

    Raises
    ------
    ValueError
        If the inputs do not broadcast together (the message names each input's shape).
    TypeError
        If a flag input is not of bool dtype.
    """
    flag_values = list((flags or {}).values())
    if all(type(v) is float or type(v) is int for v in floats.values()) and all(
        type(v) is bool for v in flag_values
    ):
        # One option given as Python scalars (quote-by-quote use, property tests):
        # one small allocation per dtype, 1-element views for the kernel.
        packed = np.array(list(floats.values()), dtype=np.float64)
        packed_flags = np.array(flag_values, dtype=np.bool_)
        return FlatInputs(
            shape=(),
            scalar=True,
            floats=tuple(packed[j : j + 1] for j in range(packed.size)),
            flags=tuple(packed_flags[j : j + 1] for j in range(packed_flags.size)),
        )
    float_arrays = [np.asarray(v, dtype=np.float64) for v in floats.values()]
    flag_arrays = [_as_flag_array(k, v) for k, v in (flags or {}).items()]
    all_arrays = float_arrays + flag_arrays
    try:
        shape = np.broadcast_shapes(*(a.shape for a in all_arrays))
    except ValueError:
        names = list(floats) + list(flags or {})
        shapes = ", ".join(f"{n}={a.shape}" for n, a in zip(names, all_arrays, strict=True))
        raise ValueError(f"pricing inputs do not broadcast together: {shapes}") from None
    scalar = all(a.ndim == 0 for a in all_arrays)

    def flat(a: np.ndarray) -> np.ndarray:
        if a.shape != shape:
            a = np.broadcast_to(a, shape)
        return np.ascontiguousarray(a).reshape(-1)

    return FlatInputs(
        shape=shape,
        scalar=scalar,
        floats=tuple(flat(a) for a in float_arrays),
        flags=tuple(flat(a) for a in flag_arrays),
    )
