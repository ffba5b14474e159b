"""What the client reads from the quantis.v1 contracts themselves: every RPC, and which are public.

The contracts declare each RPC's access rule as a method option; reading it
here keeps the client from carrying its own list that could drift from the
server's.
"""

from __future__ import annotations

from collections.abc import Iterator

from google.protobuf.descriptor import FileDescriptor, MethodDescriptor

from quantis.v1 import (
    auth_service_pb2,
    common_pb2,
    dataset_service_pb2,
    financial_service_pb2,
    model_service_pb2,
    monitoring_service_pb2,
    prediction_service_pb2,
)

_FILES: tuple[FileDescriptor, ...] = (
    auth_service_pb2.DESCRIPTOR,
    dataset_service_pb2.DESCRIPTOR,
    financial_service_pb2.DESCRIPTOR,
    model_service_pb2.DESCRIPTOR,
    monitoring_service_pb2.DESCRIPTOR,
    prediction_service_pb2.DESCRIPTOR,
)


def methods() -> Iterator[MethodDescriptor]:
    """Every quantis.v1 RPC."""
    for file in _FILES:
        for service in file.services_by_name.values():
            yield from service.methods


def path(method: MethodDescriptor) -> str:
    """The method's gRPC path, ``/quantis.v1.AuthService/Login``."""
    return f"/{method.containing_service.full_name}/{method.name}"


def public_paths() -> frozenset[str]:
    """Paths of the RPCs that take no credentials (Login, RefreshToken...)."""
    return frozenset(path(m) for m in methods() if m.GetOptions().Extensions[common_pb2.auth].public)  # type: ignore[index]
