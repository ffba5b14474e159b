"""Benchmarks of the forecasting core (``python -m bench.accuracy``)."""
