"""Counterparty tags: blocks of 100 per agent kind."""

from __future__ import annotations

import numpy as np
import pytest

from mmdesk.flow.agents.tags import TAG_DESK, AgentKind, kind_of_tag, kinds_of_tags, tags_for


def test_tags_are_grouped_in_blocks_of_100_per_kind() -> None:
    assert tags_for(AgentKind.NOISE, 5) == (100, 101, 102, 103, 104)
    assert tags_for(AgentKind.VOL_INFORMED, 3) == (300, 301, 302)
    assert kind_of_tag(201) is AgentKind.INFORMED
    assert kind_of_tag(TAG_DESK) is AgentKind.DESK


def test_vectorised_kinds_mark_desk_and_unknown() -> None:
    out = kinds_of_tags(np.array([0, 1, 104, 503, 600]))
    assert out.tolist() == [-1, 0, 1, 5, 6]


def test_bad_tags_are_refused_with_the_value() -> None:
    with pytest.raises(ValueError, match="tag=42"):
        kind_of_tag(42)
    with pytest.raises(ValueError, match="n=100"):
        tags_for(AgentKind.NOISE, 100)
