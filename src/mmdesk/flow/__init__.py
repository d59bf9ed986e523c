"""External order-flow agents and flow classification."""
