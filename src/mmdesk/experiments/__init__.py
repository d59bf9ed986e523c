"""Experiments: runs that answer one question each and print their table."""
