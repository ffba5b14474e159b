"""PredictionService servicer."""

from __future__ import annotations

from quantis.v1 import prediction_service_pb2_grpc


class PredictionServicer(prediction_service_pb2_grpc.PredictionServiceServicer):
    """quantis.v1.PredictionService; every RPC not defined here answers UNIMPLEMENTED."""
