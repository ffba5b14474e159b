"""MonitoringService servicer."""

from __future__ import annotations

from quantis.v1 import monitoring_service_pb2_grpc


class MonitoringServicer(monitoring_service_pb2_grpc.MonitoringServiceServicer):
    """quantis.v1.MonitoringService; every RPC not defined here answers UNIMPLEMENTED."""
