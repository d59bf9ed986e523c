"""Event loop, clock, price dynamics, replay and the run store."""
