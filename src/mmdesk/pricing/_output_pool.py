"""Recycle the memory of large pricing outputs once the caller has dropped them.

A plain ``bs_greeks`` call on 1,000,000 options returns 72 MB of fresh results.
glibc serves a block that large with a new ``mmap`` (its mmap threshold is at
most 32 MiB on 64-bit) and unmaps it on ``free``, so every call page-faults the
whole output in again and the kernel zeroes it: at N = 1M that costs about a
third of the pricing itself.

This module keeps the memory of *dropped* outputs for the next call, and only
that: an output array is backed by a block that returns to the pool when the
last reference to the output (or to any view of it) disappears, exactly when
``free`` would have run.  The caller owns every array it receives; no later call
writes into memory that any live array can see, and no result is cached (the
kernel rewrites every element).  It is what ``mallopt(M_MMAP_THRESHOLD, ...)``
would do, scoped to mmdesk's own pricing outputs instead of changing the
process's allocator.

* Only blocks of at least :data:`MIN_POOLED_BYTES` are pooled (smaller ones are
  plain ``np.empty``: glibc reuses those itself).
* At most :data:`MAX_IDLE_BYTES` of dropped blocks are kept; beyond that the
  longest-idle blocks are freed.  :func:`clear` frees them all.
* A block is reused only for a request of exactly its size (a chain repriced
  again asks for the same size).

Returned arrays do not own their data (``arr.base`` is a small lease object);
like any view they cannot be resized in place.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from mmdesk.typing import Float64Array

#: Outputs smaller than this (bytes) are plain ``np.empty`` (numpy's hugepage threshold).
MIN_POOLED_BYTES = 4 << 20
#: Most bytes of dropped outputs kept for reuse (the longest idle are freed first).
MAX_IDLE_BYTES = 256 << 20

# Idle blocks (uint8 arrays), oldest first.  Guarded by ``_lock``; the release
# path (a finaliser, which may run inside any allocation) never waits for it.
_idle: list[np.ndarray] = []
_lock = threading.Lock()


class _Lease:
    """Numpy's view of a pooled block; its finaliser returns the block to the pool."""

    __slots__ = ("__array_interface__", "_block")

    def __init__(self, block: np.ndarray, shape: tuple[int, ...]) -> None:
        self._block = block
        self.__array_interface__: dict[str, Any] = {
            "data": (block.__array_interface__["data"][0], False),
            "shape": shape,
            "typestr": "<f8",
            "version": 3,
        }

    def __del__(self) -> None:
        _release(self._block)


def _release(block: np.ndarray) -> None:
    # Never block: a finaliser can run while this thread holds the lock (a
    # garbage collection inside ``empty_float64``); then the block is simply freed.
    if not _lock.acquire(blocking=False):
        return
    try:
        _idle.append(block)
        excess = sum(b.nbytes for b in _idle) - MAX_IDLE_BYTES
        while excess > 0 and _idle:
            excess -= _idle.pop(0).nbytes
    finally:
        _lock.release()


def empty_float64(shape: tuple[int, ...]) -> Float64Array:
    """An uninitialised C-contiguous float64 array that the caller owns.

    Large arrays (at least :data:`MIN_POOLED_BYTES`) reuse the memory of a
    dropped output of the same size when one is idle; see the module docstring.

    Parameters
    ----------
    shape : tuple of int
        Array shape.

    Returns
    -------
    ndarray
        Uninitialised float64 array of ``shape``.
    """
    nbytes = 8 * int(np.prod(shape, dtype=np.int64))
    if nbytes < MIN_POOLED_BYTES:
        return np.empty(shape, dtype=np.float64)
    block = None
    with _lock:
        for i in range(len(_idle) - 1, -1, -1):
            if _idle[i].nbytes == nbytes:
                block = _idle.pop(i)
                break
    if block is None:
        block = np.empty(nbytes, dtype=np.uint8)
    return np.asarray(_Lease(block, shape))


def idle_bytes() -> int:
    """Bytes of dropped outputs currently kept for reuse."""
    with _lock:
        return sum(b.nbytes for b in _idle)


def clear() -> None:
    """Free every idle block (return the pool's memory to the allocator)."""
    with _lock:
        _idle.clear()
