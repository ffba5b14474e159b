"""FinancialService servicer."""

from __future__ import annotations

from quantis.v1 import financial_service_pb2_grpc


class FinancialServicer(financial_service_pb2_grpc.FinancialServiceServicer):
    """quantis.v1.FinancialService; every RPC not defined here answers UNIMPLEMENTED."""
