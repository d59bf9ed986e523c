"""``np.exp`` inside numba kernels, bit for bit.

numba's ``math.exp``/``np.exp`` call the C library's ``exp``; numpy's ``np.exp`` on
float64 does not when the CPU has AVX-512 (Skylake-X and later) and numpy was
built with Intel's SVML (the Linux x86-64 wheels): it calls SVML's
``__svml_exp8_ha`` on 8 lanes. The two differ in the last bit for ~5% of
inputs, enough to move a Nelder–Mead path and everything downstream.

:func:`exp_as_numpy` is ``float(np.exp(x))`` in Python; inside a kernel it calls
the very SVML routine numpy calls (exported by numpy's extension module), with
``x`` in lane 0 and zeros in the others, as numpy's loop does for a tail. Where
numpy cannot use SVML (no AVX-512, other platforms, numba not targeting the
host CPU), numpy's float64 exp is the C library's, and so is the kernel's.
``tests/surface/test_numpy_exp.py`` checks kernel and ``np.exp`` agree on random
inputs on whatever machine runs the tests.
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Callable
from typing import Any

import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload

_SVML_EXP = "__svml_exp8_ha"
_AVX512_SKX = ("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl")


def _numpy_uses_svml_exp() -> bool:
    """True when numpy's float64 exp is SVML's and numba can call it the same way."""
    try:
        import llvmlite.binding as llvm
        import numba
        import numpy._core._multiarray_umath as umath

        if (
            getattr(numba.config, "CPU_NAME", None) is not None
        ):  # not the host CPU: no AVX-512 calling convention
            return False
        features = llvm.get_host_cpu_features()
        if not all(features.get(name, False) for name in _AVX512_SKX):
            return False
        # numpy's extension module exports the symbol; hand its address to LLVM alone
        # (loading the module RTLD_GLOBAL would let its symbols shadow LAPACK's in
        # libraries loaded later, e.g. scipy's)
        address = ctypes.cast(getattr(ctypes.CDLL(umath.__file__), _SVML_EXP), ctypes.c_void_p)
        if not address.value:
            return False
        llvm.add_symbol(_SVML_EXP, address.value)
        return True
    except (ImportError, AttributeError, RuntimeError, OSError):
        return False


#: Whether kernels call SVML's exp (as numpy does here) rather than the C library's.
USES_SVML = _numpy_uses_svml_exp()


@intrinsic
def _svml_exp_lane0(typingctx: Any, x: Any) -> tuple[Any, Callable[..., Any]]:
    """``__svml_exp8_ha((x, 0, 0, 0, 0, 0, 0, 0))[0]`` (LLVM call, 8 × float64 vector)."""
    sig = types.float64(types.float64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        vec = ir.VectorType(ir.DoubleType(), 8)
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vec, [vec]), _SVML_EXP)
        lane0 = ir.Constant(ir.IntType(32), 0)
        packed = builder.insert_element(ir.Constant(vec, [0.0] * 8), args[0], lane0)
        return builder.extract_element(builder.call(fn, [packed]), lane0)

    return sig, codegen


def exp_as_numpy(x: float) -> float:
    """``exp(x)`` exactly as ``np.exp`` computes it on this machine.

    Parameters
    ----------
    x : float
        Exponent (dimensionless).

    Returns
    -------
    float
        ``float(np.exp(x))``; inside a numba kernel the same bits (see module docstring).
    """
    return float(np.exp(x))


@overload(exp_as_numpy)
def _exp_as_numpy_kernel(x: Any) -> Callable[[Any], Any]:
    # the implementations' parameters must match this one's, annotations included
    if USES_SVML:

        def svml(x: Any) -> Any:
            return _svml_exp_lane0(x)  # type: ignore[call-arg]

        return svml

    def libm(x: Any) -> Any:
        return math.exp(x)

    return libm
