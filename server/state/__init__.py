"""Shared, short-lived state: token revocation and rate limits.

Each has an in-memory implementation (the embedded default, one process) and a
Redis one (shared by every replica), chosen by whether QUANTIS_REDIS_URL is set.
"""
