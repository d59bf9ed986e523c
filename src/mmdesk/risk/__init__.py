"""Positions, greek aggregation, limits and the risk gate, P&L attribution."""
