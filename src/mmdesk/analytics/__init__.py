"""Market analytics: dealer gamma exposure, expiration pinning."""
