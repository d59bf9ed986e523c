"""Named random streams spawned from one SeedSequence."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.sim.seeds import SeedBank


def test_same_seed_and_name_give_the_same_stream_bit_for_bit() -> None:
    a = SeedBank(42).generator("market.fair_value").random(1000)
    b = SeedBank(42).generator("market.fair_value").random(1000)
    assert a.tobytes() == b.tobytes()


def test_adding_a_consumer_does_not_perturb_existing_streams() -> None:
    bank = SeedBank(42)
    alone = bank.generator("flow.noise").random(100)
    other = SeedBank(42)
    other.generator("flow.brand_new_agent").random(5)
    after = other.generator("flow.noise").random(100)
    assert alone.tobytes() == after.tobytes()


def test_different_names_and_seeds_give_different_streams() -> None:
    bank = SeedBank(42)
    x = bank.generator("a").random(100)
    y = bank.generator("b").random(100)
    z = SeedBank(43).generator("a").random(100)
    assert not np.array_equal(x, y)
    assert not np.array_equal(x, z)
    # independent streams: sample correlation within ~4 standard errors of zero
    assert abs(np.corrcoef(x, y)[0, 1]) < 4 / np.sqrt(100)


def test_streams_are_children_of_one_root_seed_sequence() -> None:
    ss = SeedBank(42).seed_sequence("venue.latency")
    assert ss.entropy == 42
    assert len(ss.spawn_key) == 4


def test_child_bank_namespaces_its_names() -> None:
    bank = SeedBank(9)
    via_child = bank.child("flow").generator("noise").random(10)
    direct = bank.generator("flow.noise").random(10)
    assert via_child.tobytes() == direct.tobytes()


def test_int_seed_is_stable_and_63_bit() -> None:
    s = SeedBank(1).int_seed("numba.kernel")
    assert s == SeedBank(1).int_seed("numba.kernel")
    assert 0 <= s < 2**63
    assert s != SeedBank(1).int_seed("numba.other")


@pytest.mark.parametrize("bad", [-1, 1.5, "7", True])
def test_bad_seed_is_rejected_naming_the_value(bad: object) -> None:
    with pytest.raises(ValueError, match="seed="):
        SeedBank(bad)  # type: ignore[arg-type]


def test_empty_name_is_rejected() -> None:
    with pytest.raises(ValueError, match="name"):
        SeedBank(1).generator("")
