"""The venue: matching engine, fill models, fees, settlement."""
