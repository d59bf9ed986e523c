"""The default scenario and TOML loading with clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mmdesk.flow.agents.tags import AgentKind, kind_of_tag
from mmdesk.sim.config import ScenarioConfig, ScenarioError, load_scenario, scenario_from_dict
from mmdesk.sim.loop import SimulationLoop


def test_default_scenario_has_two_expiries_a_hundred_options_and_every_agent_kind() -> None:
    loop = SimulationLoop(ScenarioConfig())
    assert loop.listing.expiries_ns.size >= 2
    assert loop.listing.n_options >= 100
    kinds = {kind_of_tag(t) for p in loop.participants for t in p.tags}
    assert kinds == {
        AgentKind.NOISE,
        AgentKind.INFORMED,
        AgentKind.VOL_INFORMED,
        AgentKind.INSTITUTIONAL,
        AgentKind.MARKET_MAKER,
        AgentKind.LIQUIDITY_PROVIDER,
    }
    # several tags per smart and dumb kind, for the flow classifier
    count = {k: sum(kind_of_tag(t) is k for p in loop.participants for t in p.tags) for k in kinds}
    assert count[AgentKind.NOISE] == 5 and count[AgentKind.INFORMED] == 3
    assert count[AgentKind.VOL_INFORMED] == 3 and count[AgentKind.INSTITUTIONAL] == 2
    # strikes centred on the initial spot, calls and puts on each
    assert np.isclose(np.median(loop.listing.strike), ScenarioConfig().spot)


def test_a_toml_file_overrides_only_what_it_names(tmp_path: Path) -> None:
    p = tmp_path / "s.toml"
    p.write_text(
        "seed = 7\ndays = 2\n[chain]\nexpiry_days = [2, 10]\nstrike_steps = [1.0, 2.5]\n"
        '[process]\nkind = "heston"\nv0 = 0.09\n[agents.noise]\nn_tags = 7\n'
    )
    cfg = load_scenario(p)
    assert (cfg.seed, cfg.days, cfg.chain.expiry_days) == (7, 2, (2, 10))
    assert cfg.process.kind == "heston"
    assert cfg.agents.noise.n_tags == 7
    assert cfg.agents.informed == ScenarioConfig().agents.informed


def test_invalid_fields_are_named_with_their_value(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"agents\.noise\.rate_per_s = -1"):
        scenario_from_dict({"agents": {"noise": {"rate_per_s": -1}}})
    with pytest.raises(ScenarioError, match=r"chain.*strike_steps"):
        scenario_from_dict({"chain": {"expiry_days": [1, 5], "strike_steps": [1.0]}})
    with pytest.raises(ScenarioError, match="unknown_field"):
        scenario_from_dict({"unknown_field": 1})
    bad = tmp_path / "bad.toml"
    bad.write_text("seed = \n")
    with pytest.raises(ScenarioError, match="not TOML"):
        load_scenario(bad)


def test_too_many_agents_for_the_venue_is_refused() -> None:
    with pytest.raises(ScenarioError, match="max_participants"):
        scenario_from_dict({"venue": {"max_participants": 8}})
