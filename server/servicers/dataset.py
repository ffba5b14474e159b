"""DatasetService servicer."""

from __future__ import annotations

from quantis.v1 import dataset_service_pb2_grpc


class DatasetServicer(dataset_service_pb2_grpc.DatasetServiceServicer):
    """quantis.v1.DatasetService; every RPC not defined here answers UNIMPLEMENTED."""
