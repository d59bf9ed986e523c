"""Seeded random streams, all spawned from one :class:`numpy.random.SeedSequence`.

A run has one integer seed. Every consumer of randomness (the fair-value
process, each agent, the latency model, ...) asks :class:`SeedBank` for a
generator under a *stable name*, e.g. ``bank.generator("flow.noise")``. The
stream for a name is derived from the root entropy and a hash of the name, not
from the order in which names are requested, so adding a new consumer never
perturbs the streams of the existing ones, and a rerun with the same seed
reproduces every stream bit for bit.

There is no global RNG in the core: ``np.random.seed`` / ``random.seed`` are
never called, and numba kernels receive pre-drawn random numbers (or an
integer seed from :meth:`SeedBank.int_seed`).
"""

from __future__ import annotations

import hashlib

import numpy as np


def _key_words(name: str) -> tuple[int, ...]:
    """Stable 4 x uint32 words from a name (BLAKE2b, independent of PYTHONHASHSEED)."""
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=16).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


class SeedBank:
    """Named, order-independent random streams under one root seed.

    Parameters
    ----------
    seed
        Root seed of the run (a non-negative integer).
    namespace
        Prefix of every name asked of this bank (use :meth:`child`).

    Examples
    --------
    >>> bank = SeedBank(7)
    >>> a = bank.generator("flow.noise").standard_normal(3)
    >>> b = SeedBank(7).generator("flow.noise").standard_normal(3)
    >>> bool((a == b).all())
    True
    """

    __slots__ = ("_namespace", "_seed")

    def __init__(self, seed: int, namespace: str = "") -> None:
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"SeedBank: seed={seed!r} must be a non-negative integer")
        self._seed = int(seed)
        self._namespace = namespace

    @property
    def seed(self) -> int:
        """The root seed."""
        return self._seed

    @property
    def namespace(self) -> str:
        """Prefix applied to every name (empty for the root bank)."""
        return self._namespace

    def _full_name(self, name: str) -> str:
        if not name:
            raise ValueError("SeedBank: name='' must be a non-empty stream name")
        return f"{self._namespace}.{name}" if self._namespace else name

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        """The :class:`~numpy.random.SeedSequence` of stream ``name``.

        It is the root ``SeedSequence(seed)`` with a ``spawn_key`` taken from a
        128-bit hash of the (namespaced) name: a child of the root sequence, the
        same for the same name whatever else is requested.
        """
        return np.random.SeedSequence(
            entropy=self._seed, spawn_key=_key_words(self._full_name(name))
        )

    def generator(self, name: str) -> np.random.Generator:
        """A fresh PCG64 generator for stream ``name``.

        The same name always starts the same stream: ask once and keep the
        generator; asking again restarts the stream from its beginning.
        """
        return np.random.Generator(np.random.PCG64(self.seed_sequence(name)))

    def int_seed(self, name: str) -> int:
        """A 63-bit integer seed for stream ``name`` (for code that takes an int seed)."""
        word = self.seed_sequence(name).generate_state(2, dtype=np.uint32)
        return (int(word[0]) | (int(word[1]) << 32)) & ((1 << 63) - 1)

    def child(self, namespace: str) -> SeedBank:
        """A bank whose names are prefixed with ``namespace`` (e.g. one per agent)."""
        return SeedBank(self._seed, self._full_name(namespace))

    def __repr__(self) -> str:
        return f"SeedBank(seed={self._seed}, namespace={self._namespace!r})"
