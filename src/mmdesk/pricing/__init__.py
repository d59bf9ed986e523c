"""Prices, greeks and implied vols: array-first numeric kernels (numpy/numba only)."""
