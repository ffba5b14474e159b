"""Datasets: uploads (streamed or resumable), validation, Parquet storage, statistics."""
