"""deploy/k8s: every manifest valid against the Kubernetes API schema (kubernetes-validate's
bundled schemas, strict: an unknown field fails), and the pieces a deployment needs present."""

from __future__ import annotations

import copy
from typing import Any

import kubernetes_validate
import pytest
import yaml

from server.grpc_server import LIVENESS_SERVICE
from tests.deploy.files import K8S, kubernetes, of_kind, pod_spec, resource

VERSION = kubernetes_validate.latest_version()


def validate(manifest: dict[str, Any]) -> None:
    kubernetes_validate.validate(manifest, VERSION, strict=True)


@pytest.mark.parametrize("manifest", kubernetes(), ids=lambda m: f"{m['kind']}/{m['metadata']['name']}")
def test_the_manifest_is_valid(manifest: dict[str, Any]) -> None:
    try:
        validate(manifest)
    except kubernetes_validate.ValidationError as error:
        pytest.fail(f"{'.'.join(map(str, error.path))}: {error.message}", pytrace=False)


def test_the_validation_refuses_a_misspelt_field() -> None:
    deployment = copy.deepcopy(resource("Deployment", "quantis-server"))
    pod_spec(deployment)["containers"][0]["readinesProbe"] = pod_spec(deployment)["containers"][0].pop(
        "readinessProbe"
    )
    with pytest.raises(kubernetes_validate.ValidationError, match="readinesProbe"):
        validate(deployment)


def test_the_kustomization_lists_every_file() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    files = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(files)


def test_no_manifest_names_a_namespace() -> None:
    assert [r["metadata"]["name"] for r in kubernetes() if "namespace" in r["metadata"]] == []


def test_the_topology_issue_10_asks_for() -> None:
    kinds = {(r["kind"], r["metadata"]["name"]) for r in kubernetes()}
    assert {
        ("ConfigMap", "quantis-config"),
        ("Secret", "quantis-secrets"),
        ("Deployment", "quantis-server"),
        ("Service", "quantis-server"),
        ("Deployment", "torchserve"),
        ("Service", "torchserve"),
        ("Deployment", "quantis-worker"),
        ("Job", "quantis-migrate"),
        ("Deployment", "envoy"),
        ("Service", "envoy"),
        ("ConfigMap", "envoy-config"),
    } <= kinds
    scaled = {hpa["spec"]["scaleTargetRef"]["name"] for hpa in of_kind("HorizontalPodAutoscaler")}
    assert {"quantis-server", "torchserve"} <= scaled
    for hpa in of_kind("HorizontalPodAutoscaler"):
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    assert resource("Job", "quantis-migrate")["spec"]["template"]["spec"]["containers"][0]["args"] == [
        "db",
        "upgrade",
    ]


def test_every_scaled_or_served_deployment_has_a_disruption_budget() -> None:
    budgets = [pdb["spec"]["selector"]["matchLabels"] for pdb in of_kind("PodDisruptionBudget")]
    for name in ("quantis-server", "torchserve", "envoy"):
        labels = resource("Deployment", name)["spec"]["template"]["metadata"]["labels"]
        assert any(selector.items() <= labels.items() for selector in budgets), name


def test_the_server_is_probed_with_native_grpc_health_checks() -> None:
    container = pod_spec(resource("Deployment", "quantis-server"))["containers"][0]
    grpc_port = next(p["containerPort"] for p in container["ports"] if p["name"] == "grpc")
    for probe in ("startupProbe", "readinessProbe"):
        assert container[probe]["grpc"] == {"port": grpc_port}, probe
    # Liveness asks the service that stays SERVING through a database outage (server.app).
    assert container["livenessProbe"]["grpc"] == {"port": grpc_port, "service": LIVENESS_SERVICE}


def test_pods_run_unprivileged() -> None:
    for workload in [*of_kind("Deployment"), *of_kind("Job")]:
        spec = pod_spec(workload)
        assert spec["securityContext"]["runAsNonRoot"] is True, workload["metadata"]["name"]
        assert spec["enableServiceLinks"] is False, workload["metadata"]["name"]
        for container in spec["containers"]:
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]


def test_selectors_match_their_pods() -> None:
    for workload in of_kind("Deployment"):
        labels = workload["spec"]["template"]["metadata"]["labels"]
        assert workload["spec"]["selector"]["matchLabels"].items() <= labels.items()
    pods = [w["spec"]["template"]["metadata"]["labels"] for w in of_kind("Deployment")]
    for service in of_kind("Service"):
        selector = service["spec"]["selector"]
        assert sum(selector.items() <= labels.items() for labels in pods) == 1, service["metadata"]["name"]
