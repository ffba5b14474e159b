"""The Python SDK against a real in-process server on a free port.

The server layers are the server suite's own fixtures (settings -> database ->
application -> server), reused here so that the SDK meets exactly what clients meet.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import quantis

from server.auth.permissions import Role
from server.composition import Application
from server.grpc_server import RunningServer
from tests.server import conftest as server_layers
from tests.server.auth_helpers import PASSWORD
from tests.server.prediction import conftest as prediction_layers

settings = server_layers.settings
application = server_layers.application
servicers = server_layers.servicers
interceptors = server_layers.interceptors
running_server = server_layers.running_server
artifacts = prediction_layers.artifacts


@pytest.fixture
def target(running_server: RunningServer) -> str:
    return f"127.0.0.1:{running_server.port}"


async def register(application: Application, username: str, role: Role = Role.ANALYST) -> str:
    """A new account; returns its password."""
    await application.accounts.register(username, f"{username}@example.com", PASSWORD, role=role)
    return PASSWORD


@pytest.fixture
async def analyst(application: Application, target: str) -> AsyncIterator[quantis.AsyncClient]:
    """An AsyncClient logged in as a fresh analyst."""
    password = await register(application, "ana")
    async with quantis.AsyncClient(target) as client:
        await client.login("ana", password)
        yield client
