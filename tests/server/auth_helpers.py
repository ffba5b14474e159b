"""Accounts for tests, made through the real domain services."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from quantis.v1 import dataset_service_pb2_grpc, financial_service_pb2_grpc, model_service_pb2_grpc

from server.auth.permissions import Role
from server.composition import Application
from server.domain.account_rules import ClientInfo, MfaChallenge

PASSWORD = "Correct-Horse-9-Battery"


async def user_token(application: Application, username: str, role: Role = Role.VIEWER) -> str:
    """Register ``username`` with ``role`` and return an access token for it."""
    await application.accounts.register(username, f"{username}@example.com", PASSWORD, role=role)
    result = await application.accounts.login(username, PASSWORD, ClientInfo())
    assert not isinstance(result, MfaChallenge)
    return result.access_token


async def admin_token(application: Application, username: str = "root_admin") -> str:
    return await user_token(application, username, Role.ADMIN)


@dataclass(frozen=True)
class AdminStubs:
    """An admin's metadata and the stubs of the services whose lists and lookups tests probe."""

    metadata: tuple[tuple[str, str], ...]
    datasets: dataset_service_pb2_grpc.DatasetServiceStub
    models: model_service_pb2_grpc.ModelServiceStub
    finance: financial_service_pb2_grpc.FinancialServiceStub


async def admin_stubs(channel: grpc.aio.Channel, application: Application) -> AdminStubs:
    return AdminStubs(
        (("authorization", f"Bearer {await admin_token(application)}"),),
        dataset_service_pb2_grpc.DatasetServiceStub(channel),  # type: ignore[no-untyped-call]
        model_service_pb2_grpc.ModelServiceStub(channel),  # type: ignore[no-untyped-call]
        financial_service_pb2_grpc.FinancialServiceStub(channel),  # type: ignore[no-untyped-call]
    )
