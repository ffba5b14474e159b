"""Metrics (Prometheus) and process statistics."""
