"""deploy/docker-compose.yml: valid against the Compose specification (the schema
check-jsonschema carries, no network), with the services a deployment needs."""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from tests.deploy.files import compose


@cache
def compose_validator() -> jsonschema.protocols.Validator:
    text = (
        resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text()
    )
    schema = json.loads(text)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)


def errors(document: dict[str, Any]) -> list[str]:
    return [
        f"{'.'.join(map(str, error.absolute_path))}: {error.message}"
        for error in compose_validator().iter_errors(document)
    ]


def test_the_compose_file_follows_the_compose_specification() -> None:
    assert errors(compose()) == []


def test_the_validation_refuses_a_misspelt_or_mistyped_field() -> None:
    typo = copy.deepcopy(compose())
    typo["services"]["redis"]["helthcheck"] = typo["services"]["redis"].pop("healthcheck")
    assert any("helthcheck" in error for error in errors(typo))
    mistyped = copy.deepcopy(compose())
    mistyped["services"]["envoy"]["ports"] = {"8080": 8080}
    assert any(error.startswith("services.envoy.ports") for error in errors(mistyped))


def test_the_services_issue_10_asks_for() -> None:
    services = compose()["services"]
    assert {
        "quantis-server",
        "quantis-worker",
        "torchserve",
        "postgres",
        "redis",
        "envoy",
        "prometheus",
        "grafana",
        "migrate",
    } <= set(services)
    assert services["quantis-server"]["deploy"]["replicas"] >= 2
    for name, service in services.items():
        check = service["healthcheck"]
        assert check.get("disable") is True or check["test"][0] == "CMD", name
    # A worker has no port to ask, and the migration job runs once.
    assert {name for name, s in services.items() if s["healthcheck"].get("disable")} == {
        "migrate",
        "quantis-worker",
    }


def test_servers_start_after_the_migration_and_their_dependencies() -> None:
    services = compose()["services"]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    for name in ("quantis-server", "quantis-worker"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully"
        assert depends["redis"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["quantis-server"]["depends_on"]["torchserve"]["condition"] == "service_healthy"
