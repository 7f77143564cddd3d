"""Benchmarks that print figures (run separately from the tests): ``python -m viewer.bench``."""
