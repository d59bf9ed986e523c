"""Acceptance: over a simulated day each agent class's markouts come out as designed.

One default day (seed 1, no desk). Markouts are from the agent's side, per
fill, in currency (``mmdesk.sim.marks``):

* directional flow at 600 s (the informed horizon) against the mid then, minus
  the mid before the fill ("move" markout, spread excluded);
* vol-informed flow against the option's Black–Scholes value at the fill-time
  fair value and the realised vol of the rest of the session (what their
  information is about; it only reaches the mids slowly, as the market makers'
  consensus vol learns, so a mid markout within the day is the wrong yardstick);
* noise and institutional flow: the same move markout as the informed.

Measured on seed 1 (``uv run pytest tests/sim/test_agent_markouts.py -s``), per
fill: informed +65.9 (t = 15.6, n = 829); vol-informed +34.7 against the
realised-vol value (t = 8.0, n = 283; their 600 s mid markout is +11.9,
t = 1.8); noise -2.4 (t = -2.1, n = 3811); institutional +68.5 (t = 0.1,
n = 34). Including the spread they pay (reference = fill price) noise loses
-12.2 per fill (t = -10.5).
"""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.flow.agents.tags import AgentKind, kinds_of_tags
from mmdesk.market.events import EventKind
from mmdesk.pricing import bs_price
from mmdesk.sim.config import ScenarioConfig
from mmdesk.sim.loop import RunResult, SimulationLoop
from mmdesk.sim.marks import fill_markouts, t_stat

NS = 1_000_000_000


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def day() -> tuple[SimulationLoop, RunResult]:
    loop = SimulationLoop(ScenarioConfig(seed=1, loop={"mark_interval_ms": 5000}))  # type: ignore[arg-type]
    return loop, loop.run()


def _fills(loop: SimulationLoop, res: RunResult) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    j = res.journal
    f = j[(j["flags"] & int(EventKind.FILL)) != 0]
    kind = kinds_of_tags(loop._owner_tag[f["owner"]])
    mult = np.where(f["instrument"] > 0, loop.listing.multiplier, 1.0)
    return f, kind, mult


def test_markouts_of_each_agent_class_are_as_designed(
    day: tuple[SimulationLoop, RunResult],
) -> None:
    loop, res = day
    f, kind, mult = _fills(loop, res)
    move = fill_markouts(f, res.mark_ts, res.mark_mid, 600 * NS, loop.unit, mult, "mid")
    paid = fill_markouts(f, res.mark_ts, res.mark_mid, 600 * NS, loop.unit, mult, "price")
    stats = {k: t_stat(move[kind == int(k)]) for k in AgentKind if k > 0}
    for k, (m, t, n) in stats.items():
        print(f"{k.name:20s} move markout 600 s: mean {m:10.2f}  t {t:7.2f}  n {n}")
    noise_paid = t_stat(paid[kind == int(AgentKind.NOISE)])
    print(f"noise markout including the spread: mean {noise_paid[0]:.2f} t {noise_paid[1]:.2f}")

    m, t, n = stats[AgentKind.INFORMED]
    assert n > 300 and m > 0 and t > 3.0
    m, t, n = stats[AgentKind.NOISE]
    assert n > 1000 and abs(t) < 3.0
    m, t, n = stats[AgentKind.INSTITUTIONAL]
    assert n >= 10 and abs(t) < 3.0
    assert noise_paid[1] < -3.0  # noise pays the spread

    # every informed tag on its own makes money over the horizon
    for tag in np.unique(loop._owner_tag[f["owner"]][kind == int(AgentKind.INFORMED)]):
        sel = loop._owner_tag[f["owner"]] == tag
        assert t_stat(move[sel])[0] > 0


def test_vol_informed_flow_gains_against_the_value_under_realised_vol(
    day: tuple[SimulationLoop, RunResult],
) -> None:
    loop, res = day
    f, kind, _ = _fills(loop, res)
    vf = f[(kind == int(AgentKind.VOL_INFORMED)) & (f["instrument"] > 0)]
    lst, cfg, oracle = loop.listing, loop.config, loop.oracle
    close = loop.sessions[-1][1]
    ts = vf["ts_exchange"].astype(np.int64)
    opt = vf["instrument"].astype(np.int64) - 1
    sigma = np.array([oracle.realised_vol(int(t), close - int(t)) for t in ts])
    spot = np.interp(ts, res.mark_ts, res.mark_fair)
    tau = (lst.expiry_ns[opt] - ts) / (365 * 86_400 * NS)
    value = bs_price(spot, lst.strike[opt], tau, sigma, cfg.rate, cfg.div_yield, lst.is_call[opt])
    markout = vf["side"] * (value - vf["price"] * loop.unit) * vf["qty"] * lst.multiplier
    m, t, n = t_stat(markout)
    print(f"vol-informed vs realised-vol value: mean {m:.2f} t {t:.2f} n {n}")
    assert n > 100 and m > 0 and t > 3.0
