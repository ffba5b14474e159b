"""deploy/envoy/envoy.yaml is a valid Envoy bootstrap: parsed into Envoy's own protos (the
xds-protos package carries Envoy's data-plane API), every field and every typed_config type
known, nothing deprecated; and it is the gRPC-web bridge the dashboard needs."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import missing
from tests.deploy.files import ROOT
from tests.deploy.files import envoy as envoy_config

# Installed by `make install` beside the virtual environment (see tests/deploy/envoy_schema.py).
XDS_PROTOS = ROOT / ".venv" / "xds-protos"


def parse(config: dict[str, Any]) -> dict[str, Any]:
    """What tests/deploy/envoy_schema.py finds in ``config``, run where Envoy's protos are."""
    if not (XDS_PROTOS / "envoy").is_dir():
        missing(f"Envoy's protos are missing: {XDS_PROTOS} (make install puts them there)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(XDS_PROTOS), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("envoy_schema.py"))],
        input=json.dumps(config),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_the_config_parses_into_envoys_bootstrap() -> None:
    parsed = parse(envoy_config())
    assert parsed["error"] is None
    assert parsed["listeners"] == ["quantis"]
    assert parsed["clusters"] == ["quantis_server"]


def test_the_parse_refuses_unknown_fields_and_types() -> None:
    """The check above would catch a typo: an unknown field or typed_config type fails."""
    typo = copy.deepcopy(envoy_config())
    typo["static_resources"]["clusters"][0]["lb_polcy"] = "ROUND_ROBIN"
    assert "lb_polcy" in parse(typo)["error"]
    unknown = copy.deepcopy(envoy_config())
    listener = unknown["static_resources"]["listeners"][0]
    manager = listener["filter_chains"][0]["filters"][0]["typed_config"]
    manager["http_filters"][1]["typed_config"]["@type"] = (
        "type.googleapis.com/envoy.extensions.filters.http.grpc_web.v3.GrpcWebb"
    )
    assert "GrpcWebb" in parse(unknown)["error"]
    nested = copy.deepcopy(envoy_config())
    listener = nested["static_resources"]["listeners"][0]
    manager = listener["filter_chains"][0]["filters"][0]["typed_config"]
    manager["route_config"]["virtual_hosts"][0]["routes"][0]["route"]["timeout_s"] = "0s"
    assert "timeout_s" in parse(nested)["error"]


def test_no_deprecated_field_is_used() -> None:
    assert parse(envoy_config())["deprecated"] == []
    # The walk finds one when there is one: virtual_host.cors is deprecated for the CORS filter's
    # per-route config.
    old = copy.deepcopy(envoy_config())
    listener = old["static_resources"]["listeners"][0]
    host = listener["filter_chains"][0]["filters"][0]["typed_config"]["route_config"]["virtual_hosts"][0]
    host["cors"] = {"allow_methods": "POST"}
    assert any(path.endswith(".cors") for path in parse(old)["deprecated"])


def _manager() -> dict[str, Any]:
    listener = envoy_config()["static_resources"]["listeners"][0]
    manager: dict[str, Any] = listener["filter_chains"][0]["filters"][0]["typed_config"]
    return manager


def _header_list(value: str) -> set[str]:
    return {header.strip() for header in value.split(",")}


def test_grpc_web_and_cors_filters_before_the_router() -> None:
    names = [f["name"] for f in _manager()["http_filters"]]
    assert names[-1] == "envoy.filters.http.router"
    assert names.index("envoy.filters.http.grpc_web") < names.index("envoy.filters.http.cors")
    host = _manager()["route_config"]["virtual_hosts"][0]
    cors = host["typed_per_filter_config"]["envoy.filters.http.cors"]
    assert cors["@type"].endswith("envoy.extensions.filters.http.cors.v3.CorsPolicy")
    assert {"grpc-status", "grpc-message", "grpc-status-details-bin"} <= _header_list(cors["expose_headers"])
    assert {"authorization", "x-api-key", "x-grpc-web", "x-user-agent", "grpc-timeout", "content-type"} <= (
        _header_list(cors["allow_headers"])
    )


def test_long_streams_are_not_cut() -> None:
    route = _manager()["route_config"]["virtual_hosts"][0]["routes"][0]["route"]
    assert route["timeout"] == "0s"  # no route timeout; the caller's grpc-timeout applies
    assert route["max_stream_duration"]["grpc_timeout_header_max"] == "0s"
    # WatchEvents sends a heartbeat every QUANTIS_EVENTS_HEARTBEAT_SECONDS (15 s by default).
    assert parse(envoy_config())["stream_idle_timeout_seconds"] >= 600


def test_the_upstream_is_http2_to_every_replica() -> None:
    cluster = envoy_config()["static_resources"]["clusters"][0]
    assert cluster["type"] == "STRICT_DNS"
    options = cluster["typed_extension_protocol_options"][
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
    ]
    assert "http2_protocol_options" in options["explicit_http_config"]
    assert [check.get("grpc_health_check") for check in cluster["health_checks"]] == [{}]
