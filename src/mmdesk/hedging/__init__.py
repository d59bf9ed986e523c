"""Delta-hedging policies and their no-trade bands."""
