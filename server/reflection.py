"""Server reflection that also resolves RPC names, so `grpcurl describe Service.Method` works.

grpcurl asks for the file containing a symbol such as
``quantis.v1.PredictionService.Predict``; protobuf's C (upb) descriptor pool
resolves services and messages but not methods. The pool handed to the
reflection servicer falls back to the method's service.
"""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import descriptor_pool
from google.protobuf.descriptor import FileDescriptor
from grpc_reflection.v1alpha import reflection, reflection_pb2_grpc


class _MethodAwarePool:
    def __init__(self, pool: descriptor_pool.DescriptorPool):
        self._pool = pool

    def FindFileContainingSymbol(self, symbol: str) -> FileDescriptor:
        try:
            return self._pool.FindFileContainingSymbol(symbol)
        except KeyError:
            service_name, _, method = symbol.rpartition(".")
            service = self._pool.FindServiceByName(service_name)  # KeyError if not a service either
            if method not in service.methods_by_name:
                raise
            return service.file

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)


def enable(server: grpc.aio.Server, service_names: list[str]) -> None:
    """Serve reflection for ``service_names`` (and itself) on the grpc.aio ``server``."""
    names = [*service_names, reflection.SERVICE_NAME]
    servicer = reflection.aio.ReflectionServicer(names, pool=_MethodAwarePool(descriptor_pool.Default()))
    reflection_pb2_grpc.add_ServerReflectionServicer_to_server(servicer, server)
