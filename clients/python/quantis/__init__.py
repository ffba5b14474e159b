"""Quantis client: generated messages and stubs live in quantis.v1."""
