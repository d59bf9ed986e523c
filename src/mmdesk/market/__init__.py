"""Instruments, option chains, canonical events and price processes (numpy only)."""
