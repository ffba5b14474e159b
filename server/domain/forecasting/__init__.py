"""Forecasting models, their training jobs, versions, deployment and comparison."""
