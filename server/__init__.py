"""Quantis gRPC server."""
