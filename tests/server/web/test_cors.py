"""CORS as deploy/envoy/envoy.yaml configures it for Envoy, read from that file so the two
bridges cannot drift apart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml
from quantis.v1 import auth_service_pb2

from server.grpc_server import RunningServer
from server.web.app import start_bridge
from tests.server.web.grpc_web import call

ENVOY = Path(__file__).resolve().parents[3] / "deploy" / "envoy" / "envoy.yaml"
DASHBOARD_ORIGIN = "http://localhost:5173"


def envoy_cors() -> dict[str, Any]:
    config = yaml.safe_load(ENVOY.read_text())
    manager = config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]
    host = manager["route_config"]["virtual_hosts"][0]
    return dict(host["typed_per_filter_config"]["envoy.filters.http.cors"])


def preflight(origin: str) -> dict[str, str]:
    return {
        "origin": origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type,x-grpc-web",
    }


async def test_preflight_answers_as_envoy(bridge: str, http: aiohttp.ClientSession) -> None:
    policy = envoy_cors()
    async with http.options(
        f"{bridge}/quantis.v1.AuthService/Login", headers=preflight(DASHBOARD_ORIGIN)
    ) as r:
        assert r.status == 200
        assert r.headers["access-control-allow-origin"] == DASHBOARD_ORIGIN
        assert r.headers["access-control-allow-methods"] == policy["allow_methods"]
        assert r.headers["access-control-allow-headers"] == policy["allow_headers"]
        assert r.headers["access-control-max-age"] == policy["max_age"]
        assert "access-control-allow-credentials" not in r.headers


async def test_responses_expose_the_grpc_headers(bridge: str, http: aiohttp.ClientSession) -> None:
    reply = await call(
        http,
        bridge,
        "quantis.v1.AuthService/GetCurrentUser",
        auth_service_pb2.GetCurrentUserRequest(),
        headers={"origin": DASHBOARD_ORIGIN},
    )
    assert reply.headers["access-control-allow-origin"] == DASHBOARD_ORIGIN
    exposed = reply.headers["access-control-expose-headers"]
    assert exposed == envoy_cors()["expose_headers"]
    assert "grpc-status-details-bin" in exposed.split(",")


@pytest.fixture
async def narrow_bridge(running_server: RunningServer, tmp_path: Path) -> AsyncIterator[str]:
    running = await start_bridge(
        f"127.0.0.1:{running_server.port}", allowed_origins=[DASHBOARD_ORIGIN], static_dir=tmp_path
    )
    try:
        yield f"http://127.0.0.1:{running.port}"
    finally:
        await running.close()


async def test_allowed_origins_are_configurable(narrow_bridge: str, http: aiohttp.ClientSession) -> None:
    url = f"{narrow_bridge}/quantis.v1.AuthService/Login"
    async with http.options(url, headers=preflight("https://elsewhere.example")) as refused:
        assert refused.status == 403
        assert "access-control-allow-origin" not in refused.headers
    async with http.options(url, headers=preflight(DASHBOARD_ORIGIN)) as allowed:
        assert allowed.headers["access-control-allow-origin"] == DASHBOARD_ORIGIN
    reply = await call(
        http,
        narrow_bridge,
        "quantis.v1.AuthService/GetCurrentUser",
        auth_service_pb2.GetCurrentUserRequest(),
        headers={"origin": "https://elsewhere.example"},
    )
    assert "access-control-allow-origin" not in reply.headers
