"""AuthService servicer."""

from __future__ import annotations

from quantis.v1 import auth_service_pb2_grpc


class AuthServicer(auth_service_pb2_grpc.AuthServiceServicer):
    """quantis.v1.AuthService; every RPC not defined here answers UNIMPLEMENTED."""
