"""Standard health checking and server reflection are always on."""

from __future__ import annotations

from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

SERVICES = {
    f"quantis.v1.{name}Service"
    for name in ("Auth", "Dataset", "Model", "Prediction", "Financial", "Monitoring")
}


async def test_health_reports_serving_for_the_server_and_each_service(channel: grpc.aio.Channel) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    for service in ["", *SERVICES]:
        response = await stub.Check(health_pb2.HealthCheckRequest(service=service))
        assert response.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_lists_every_service(channel: grpc.aio.Channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)

    async def one_request():  # type: ignore[no-untyped-def]
        yield reflection_pb2.ServerReflectionRequest(list_services="")

    names: set[str] = set()
    async for response in stub.ServerReflectionInfo(one_request()):
        names |= {s.name for s in response.list_services_response.service}
    assert names == SERVICES | {"grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"}


def test_services_are_given_to_grpc_as_generic_handlers_only() -> None:
    """grpc.aio waits on one pending request per registered method for every call it accepts;
    create_server hands it the generic handlers alone (see server.grpc_server._Registry)."""
    from quantis.v1 import prediction_service_pb2_grpc

    from server.grpc_server import _Registry

    class Recording:
        def __init__(self) -> None:
            self.generic: list[object] = []
            self.registered: list[str] = []

        def add_generic_rpc_handlers(self, handlers: object) -> None:
            self.generic.append(handlers)

        def add_registered_method_handlers(self, service: str, handlers: object) -> None:
            self.registered.append(service)

    server = Recording()
    registry: Any = _Registry(server, [])  # type: ignore[arg-type]
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
        prediction_service_pb2_grpc.PredictionServiceServicer(), registry
    )
    assert len(server.generic) == 1 and server.registered == []
