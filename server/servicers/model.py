"""ModelService servicer."""

from __future__ import annotations

from quantis.v1 import model_service_pb2_grpc


class ModelServicer(model_service_pb2_grpc.ModelServiceServicer):
    """quantis.v1.ModelService; every RPC not defined here answers UNIMPLEMENTED."""
