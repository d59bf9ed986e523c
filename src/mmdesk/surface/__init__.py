"""Implied forwards, smile and surface fits, arbitrage checks, stickouts, model-free variance."""
