"""Benchmark: fit the whole AAPL chain (21 expiries) after warm-up; target < 1 s.

Run: ``uv run python benchmarks/surface.py``. Prints the time of the surface
fit alone (quotes prepared: de-Americanised, implied vols) and of the whole
pipeline from the loaded chain, best of a few repeats.
"""

from __future__ import annotations

import time
from pathlib import Path

from mmdesk.market.loaders import load_chain
from mmdesk.surface.chain_fit import chain_slice_quotes, fit_surface
from mmdesk.surface.fit import fit_slices

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "aapl_chain_2025-10-06.csv"


def main(repeats: int = 5) -> None:
    chain, _ = load_chain(DATA)
    quotes, spot = chain_slice_quotes(chain)
    fit_slices(quotes, spot=spot)  # warm-up: numba kernels load from cache / compile
    fit_times, cpu_times = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        surf = fit_slices(quotes, spot=spot)
        fit_times.append(time.perf_counter() - t0)
        cpu_times.append(time.process_time() - c0)
    full_times = []
    for _ in range(max(1, repeats // 2)):
        t0 = time.perf_counter()
        fit_surface(chain)
        full_times.append(time.perf_counter() - t0)
    worst = min(s.inside_band for s in surf.summaries)
    print(f"AAPL chain: {len(surf.summaries)} expiries, arbitrage-free: {surf.ok}, "
          f"worst inside-band share {worst:.1%}")  # fmt: skip
    print(f"fit_slices (SVI + correction + checks): best {min(fit_times):.3f} s "
          f"(target < 1 s), median {sorted(fit_times)[len(fit_times) // 2]:.3f} s")  # fmt: skip
    print(
        f"fit_slices CPU time of this process: best {min(cpu_times):.3f} s (the machine is shared)"
    )
    print(f"fit_surface incl. de-Americanisation and implied vols: best {min(full_times):.3f} s")


if __name__ == "__main__":
    main()
