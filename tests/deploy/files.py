"""The deployment files of deploy/, loaded once per test run: compose, Kubernetes, Envoy."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "docker-compose.yml"
ENVOY = DEPLOY / "envoy" / "envoy.yaml"
K8S = DEPLOY / "k8s"
DOCKERFILES = sorted((DEPLOY / "docker").glob("*.Dockerfile"))
TORCHSERVE_PROPERTIES = DEPLOY / "torchserve" / "config.properties"


@cache
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


@cache
def envoy() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(ENVOY.read_text())
    return loaded


@cache
def kubernetes() -> list[dict[str, Any]]:
    """Every resource of deploy/k8s (the kustomization excepted), in file order."""
    resources: list[dict[str, Any]] = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            resources += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    return resources


def resource(kind: str, name: str) -> dict[str, Any]:
    found = [r for r in kubernetes() if r["kind"] == kind and r["metadata"]["name"] == name]
    assert len(found) == 1, f"{len(found)} {kind} named {name} in deploy/k8s"
    return found[0]


def of_kind(kind: str) -> list[dict[str, Any]]:
    return [r for r in kubernetes() if r["kind"] == kind]


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    """The pod template's spec of a Deployment, StatefulSet or Job."""
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def properties(path: Path) -> dict[str, str]:
    """A Java .properties file of key=value lines (TorchServe's config)."""
    pairs = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs
