"""Counterparty tags: which kind of agent stands behind a fill.

Every external participant of the simulated venue trades under one integer
*tag*, carried on its fills (as a broker or participant code is on many venues
and in RFQs). Tags are grouped by agent kind in blocks of 100::

    0        unknown / hidden
    1        the desk (issue 5)
    100-199  noise / retail
    200-299  informed directional
    300-399  vol-informed
    400-499  institutional (RFQ blocks)
    500-599  competing market makers (options)
    600-699  liquidity providers (underlying)
    700-799  hedgers (reserved for issue 8's pinning agents)

So ``kind_of_tag(tag) == AgentKind(tag // 100)`` for external agents. In the
simulator the venue owner id of an agent equals its tag.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from mmdesk.typing import Int64Array

#: Tag of fills whose counterparty is not disclosed.
TAG_UNKNOWN: int = 0
#: Tag (and owner id) reserved for the desk.
TAG_DESK: int = 1


class AgentKind(IntEnum):
    """Kind of participant behind a tag; ``tag // 100`` for external agents."""

    DESK = 0
    NOISE = 1
    INFORMED = 2
    VOL_INFORMED = 3
    INSTITUTIONAL = 4
    MARKET_MAKER = 5
    LIQUIDITY_PROVIDER = 6
    HEDGER = 7


#: Agent kinds whose flow is designed to be toxic (positive markouts for them).
SMART_KINDS: frozenset[AgentKind] = frozenset({AgentKind.INFORMED, AgentKind.VOL_INFORMED})
#: Agent kinds whose flow is designed to be uninformed.
DUMB_KINDS: frozenset[AgentKind] = frozenset({AgentKind.NOISE, AgentKind.INSTITUTIONAL})


def tags_for(kind: AgentKind, n: int) -> tuple[int, ...]:
    """The first ``n`` tags of an agent kind (``100 * kind + i``, i < n).

    Raises
    ------
    ValueError
        If ``n`` is outside [0, 99] or ``kind`` is the desk.
    """
    if kind is AgentKind.DESK:
        raise ValueError("tags_for: kind=DESK has the single tag TAG_DESK=1")
    if not 0 <= n <= 99:
        raise ValueError(f"tags_for: n={n} must be in [0, 99]")
    return tuple(100 * int(kind) + i for i in range(n))


def kind_of_tag(tag: int) -> AgentKind:
    """Agent kind of a tag (``TAG_DESK`` → DESK).

    Raises
    ------
    ValueError
        If the tag is ``TAG_UNKNOWN``, negative, or outside every block.
    """
    if tag == TAG_DESK:
        return AgentKind.DESK
    if tag < 100 or tag // 100 > max(AgentKind):
        raise ValueError(f"kind_of_tag: tag={tag} belongs to no agent kind")
    return AgentKind(tag // 100)


def kinds_of_tags(tags: Int64Array) -> Int64Array:
    """Vectorised :func:`kind_of_tag`: ``tag // 100`` (desk tag → 0, unknown → -1)."""
    t = np.asarray(tags, dtype=np.int64)
    out = t // 100
    out = np.where(t == TAG_DESK, 0, out)
    return np.where(t == TAG_UNKNOWN, -1, out).astype(np.int64)
