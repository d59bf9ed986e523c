"""Instruments, option chains, canonical events and price processes (numpy only)."""

from mmdesk.market.chain import OptionChain
from mmdesk.market.instruments import ExerciseStyle, OptionKind, Settlement

__all__ = ["ExerciseStyle", "OptionChain", "OptionKind", "Settlement"]
