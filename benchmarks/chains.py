"""Chain loading, implied forwards, de-Americanisation and model-free variance on the real files.

Run: ``uv run python benchmarks/chains.py``. Prints the best of 5 wall and CPU
times after one warm-up call (numba compilation excluded).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from mmdesk.market.loaders import load_spxw_optopsy, load_yahoo_chain
from mmdesk.surface.deamericanise import de_americanise
from mmdesk.surface.forward import implied_forwards
from mmdesk.surface.vix_chain import vix_series

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SPXW = DATA / "spxw_eom_daily_2018-01-02_to_02-28.csv"
AAPL = DATA / "aapl_chain_2025-10-06.csv"


def best_of(fn: Callable[[], object], repeat: int = 5) -> tuple[float, float]:
    """(wall, cpu) seconds: the best of ``repeat`` runs after one warm-up."""
    fn()
    wall, cpu = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu)


def main() -> None:
    spxw, _ = load_spxw_optopsy(SPXW)
    aapl, _ = load_yahoo_chain(AAPL)
    rows = [
        ("load SPXW (14,438 rows, dirt report)", lambda: load_spxw_optopsy(SPXW)),
        ("load AAPL (2,099 rows, dirt report)", lambda: load_yahoo_chain(AAPL)),
        ("implied forwards SPXW (40 slices)", lambda: implied_forwards(spxw)),
        ("de-Americanise AAPL (21 expiries, r=4%)", lambda: de_americanise(aapl, rate=0.04)),
        ("de-Americanise AAPL (rate estimated)", lambda: de_americanise(aapl)),
        ("model-free variance SPXW (38 slices)", lambda: vix_series(spxw, rate=0.014)),
    ]
    for name, fn in rows:
        wall, cpu = best_of(fn)
        print(f"{name:<42} wall {wall * 1e3:8.1f} ms   cpu {cpu * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
