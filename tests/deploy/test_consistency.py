"""The deployment files agree with each other and with the server: every QUANTIS_* variable is
a setting (and the values build a valid Settings), ports, service names, images, volumes and
the TorchServe configuration line up across compose, Kubernetes, Envoy, Prometheus and the
Dockerfiles."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pydantic
import pytest
import yaml

from model_store.torchserve_config import LOG_CONFIG, Ports, config_text
from server.settings import Settings
from tests.deploy.files import (
    COMPOSE,
    DEPLOY,
    DOCKERFILES,
    ROOT,
    TORCHSERVE_PROPERTIES,
    compose,
    envoy,
    kubernetes,
    of_kind,
    pod_spec,
    properties,
    resource,
)

PROMETHEUS = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
VARIABLE = re.compile(r"\bQUANTIS_[A-Z0-9_]+")


def setting_variables() -> set[str]:
    """The environment variable of every Settings field."""
    names = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names.add(alias if isinstance(alias, str) else f"QUANTIS_{name.upper()}")
    return names


def compose_environment(service: str) -> dict[str, str]:
    return {key: str(value) for key, value in compose()["services"][service].get("environment", {}).items()}


def kubernetes_environment(workload: dict[str, Any]) -> dict[str, str]:
    """What a workload's first container sees: its envFrom ConfigMaps and Secrets, then env."""
    container = pod_spec(workload)["containers"][0]
    environment: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            environment |= resource("ConfigMap", source["configMapRef"]["name"])["data"]
        else:
            environment |= resource("Secret", source["secretRef"]["name"])["stringData"]
    environment |= {item["name"]: item["value"] for item in container.get("env", [])}
    return environment


def dockerfile_environment(path: Path) -> dict[str, str]:
    return dict(re.findall(r"\b(QUANTIS_[A-Z0-9_]+)=(\S+)", path.read_text()))


def server_workloads() -> list[dict[str, Any]]:
    return [
        w for w in [*of_kind("Deployment"), *of_kind("Job")] if w["metadata"]["name"].startswith("quantis")
    ]


def settings_from(environment: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings as the server builds them in that environment (and no other QUANTIS_*)."""
    with monkeypatch.context() as patch:
        for name in [n for n in os.environ if n.startswith("QUANTIS_")]:
            patch.delenv(name)
        for name, value in environment.items():
            patch.setenv(name, value)
        return Settings()


def _interpolated(value: str) -> str:
    """A compose value with ${VAR:?message} filled in as an operator would."""
    return re.sub(r"\$\{(\w+)(?::?[-?][^}]*)?\}", lambda m: f"{m.group(1).lower()}-0123456789abcdef", value)


def test_every_quantis_variable_is_a_setting() -> None:
    used: dict[str, set[str]] = {}
    for name, text in [
        ("docker-compose.yml", COMPOSE.read_text()),
        *((path.name, path.read_text()) for path in DOCKERFILES),
        *((path.name, path.read_text()) for path in (DEPLOY / "k8s").glob("*.yaml")),
    ]:
        for variable in VARIABLE.findall(text):
            used.setdefault(variable, set()).add(name)
    assert len(used) > 10
    unknown = {
        variable: sorted(files) for variable, files in used.items() if variable not in setting_variables()
    }
    assert unknown == {}


@pytest.mark.parametrize("service", ["quantis-server", "quantis-worker", "migrate"])
def test_the_compose_environment_builds_valid_settings(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    environment = {key: _interpolated(value) for key, value in compose_environment(service).items()}
    settings = settings_from(environment, monkeypatch)
    assert settings.environment == "production"
    assert settings.inference_backend == "torchserve"
    assert urlsplit(settings.database_url).hostname == "postgres"
    assert len(settings.trusted_proxies) == 3


@pytest.mark.parametrize("name", ["quantis-server", "quantis-worker", "quantis-migrate"])
def test_the_kubernetes_environment_builds_valid_settings_once_its_secret_is_set(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    workload = next(w for w in server_workloads() if w["metadata"]["name"] == name)
    environment = kubernetes_environment(workload)
    # The Secret ships placeholders, which production refuses...
    with pytest.raises(pydantic.ValidationError, match="QUANTIS_JWT_SECRET"):
        settings_from(environment, monkeypatch)
    # ...until the operator puts a real one in.
    settings = settings_from({**environment, "QUANTIS_JWT_SECRET": "0123456789abcdef" * 4}, monkeypatch)
    assert settings.environment == "production" and settings.inference_backend == "torchserve"


def test_the_server_ports_agree_everywhere() -> None:
    grpc_port = Settings.model_fields["port"].default
    metrics_port = Settings.model_fields["metrics_port"].default
    server_environments = [
        compose_environment("quantis-server"),
        kubernetes_environment(resource("Deployment", "quantis-server")),
        dockerfile_environment(DEPLOY / "docker" / "server.Dockerfile"),
    ]
    for environment in server_environments:
        assert int(environment["QUANTIS_PORT"]) == grpc_port
        assert int(environment["QUANTIS_METRICS_PORT"]) == metrics_port
        assert environment["QUANTIS_HOST"] == "0.0.0.0"
    assert sorted(map(int, compose()["services"]["quantis-server"]["expose"])) == sorted(
        [grpc_port, metrics_port]
    )
    assert f"EXPOSE {grpc_port} {metrics_port}" in (DEPLOY / "docker" / "server.Dockerfile").read_text()

    container = pod_spec(resource("Deployment", "quantis-server"))["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"grpc": grpc_port, "metrics": metrics_port}
    service = {p["name"]: p for p in resource("Service", "quantis-server")["spec"]["ports"]}
    assert {name: p["port"] for name, p in service.items()} == ports
    assert {p["targetPort"] for p in service.values()} == set(ports)

    # Envoy's upstream, and Prometheus' scrape of every replica.
    upstream = envoy()["static_resources"]["clusters"][0]["load_assignment"]["endpoints"][0]["lb_endpoints"]
    assert [e["endpoint"]["address"]["socket_address"] for e in upstream] == [
        {"address": "quantis-server", "port_value": grpc_port}
    ]
    scrape = {job["job_name"]: job for job in PROMETHEUS["scrape_configs"]}["quantis-server"]
    assert scrape["dns_sd_configs"] == [
        {"names": ["quantis-server"], "type": "A", "port": metrics_port, "refresh_interval": "30s"}
    ]


def test_envoy_listens_where_compose_and_kubernetes_expect() -> None:
    listener = envoy()["static_resources"]["listeners"][0]["address"]["socket_address"]["port_value"]
    assert compose()["services"]["envoy"]["ports"] == [f"{listener}:{listener}"]
    container = pod_spec(resource("Deployment", "envoy"))["containers"][0]
    assert [p["containerPort"] for p in container["ports"]] == [listener]
    assert container["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": listener}
    health = next(f for f in _http_filters() if f["name"] == "envoy.filters.http.health_check")
    assert health["typed_config"]["headers"][0]["string_match"]["exact"] == "/healthz"


def _http_filters() -> list[dict[str, Any]]:
    chain = envoy()["static_resources"]["listeners"][0]["filter_chains"][0]
    filters: list[dict[str, Any]] = chain["filters"][0]["typed_config"]["http_filters"]
    return filters


def test_the_kubernetes_envoy_config_is_deploy_envoy_yaml() -> None:
    carried = resource("ConfigMap", "envoy-config")["data"]["envoy.yaml"]
    assert carried == (DEPLOY / "envoy" / "envoy.yaml").read_text()
    mount = pod_spec(resource("Deployment", "envoy"))["containers"][0]["volumeMounts"][0]["mountPath"]
    command = pod_spec(resource("Deployment", "envoy"))["containers"][0]["command"]
    assert command[command.index("--config-path") + 1] == f"{mount}/envoy.yaml"
    assert compose()["services"]["envoy"]["command"] == command
    assert "./envoy/envoy.yaml:/etc/envoy/envoy.yaml:ro" in compose()["services"]["envoy"]["volumes"]


def test_torchserve_ports_and_settings_agree() -> None:
    deployed = properties(TORCHSERVE_PROPERTIES)
    management = urlsplit(deployed["management_address"]).port
    metrics = urlsplit(deployed["metrics_address"]).port
    inference = urlsplit(deployed["inference_address"]).port
    grpc_port = int(deployed["grpc_inference_port"])
    for environment in (
        compose_environment("quantis-server"),
        kubernetes_environment(resource("Deployment", "quantis-server")),
    ):
        assert environment["QUANTIS_TORCHSERVE_MANAGEMENT_URL"] == f"http://torchserve:{management}"
        assert environment["QUANTIS_TORCHSERVE_GRPC_TARGET"] == f"torchserve:{grpc_port}"
    all_ports = {inference, management, metrics, grpc_port, int(deployed["grpc_management_port"])}
    assert set(map(int, compose()["services"]["torchserve"]["expose"])) == all_ports
    container = pod_spec(resource("Deployment", "torchserve"))["containers"][0]
    assert {p["containerPort"] for p in container["ports"]} == all_ports
    assert {p["port"] for p in resource("Service", "torchserve")["spec"]["ports"]} == all_ports
    assert container["readinessProbe"]["httpGet"] == {"path": "/ping", "port": inference}
    assert f"http://127.0.0.1:{inference}/ping" in " ".join(
        compose()["services"]["torchserve"]["healthcheck"]["test"]
    )
    dockerfile = (DEPLOY / "docker" / "torchserve.Dockerfile").read_text()
    exposed = re.search(r"^EXPOSE (.+)$", dockerfile, re.MULTILINE)
    assert exposed is not None and set(map(int, exposed.group(1).split())) == all_ports
    scrape = {job["job_name"]: job for job in PROMETHEUS["scrape_configs"]}["torchserve"]
    assert scrape["static_configs"][0]["targets"] == [f"torchserve:{metrics}"]
    policy = resource("NetworkPolicy", "torchserve")["spec"]
    servers_only, anyone = policy["ingress"]
    assert servers_only["from"] == [
        {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "quantis-server"}}}
    ]
    assert {p["port"] for p in servers_only["ports"]} == all_ports - {metrics}
    assert [p["port"] for p in anyone["ports"]] == [metrics]


def test_the_fleet_logs_as_the_servers_own_torchserve() -> None:
    dockerfile = (DEPLOY / "docker" / "torchserve.Dockerfile").read_text()
    copied = re.search(r"^COPY model_store/log4j2\.xml (\S+)$", dockerfile, re.MULTILINE)
    command = re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    assert copied is not None and command is not None
    arguments = json.loads(command.group(1))
    assert arguments[arguments.index("--log-config") + 1] == copied.group(1)
    assert LOG_CONFIG == ROOT / "model_store" / "log4j2.xml" and LOG_CONFIG.is_file()


def test_the_fleet_runs_the_same_torchserve_settings_as_the_servers_own() -> None:
    """deploy/torchserve/config.properties is config_text() on every interface and fixed ports."""
    deployed = properties(TORCHSERVE_PROPERTIES)
    own = properties_text(config_text(Ports(8080, 8081, 7071, 7070, 7071), Path("/store")))
    placed = {"inference_address", "management_address", "metrics_address", "grpc_inference_address"}
    placed |= {"grpc_management_address", "grpc_inference_port", "grpc_management_port", "model_store"}
    assert set(own) <= set(deployed)
    assert {k: v for k, v in own.items() if k not in placed} == {
        k: deployed[k] for k in own if k not in placed
    }
    assert deployed["load_models"] == "all"
    for address in ("inference_address", "management_address", "metrics_address"):
        assert urlsplit(deployed[address]).hostname == "0.0.0.0"


def properties_text(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line)


def test_server_and_torchserve_share_the_model_store() -> None:
    model_store = properties(TORCHSERVE_PROPERTIES)["model_store"]
    # compose: one named volume, at QUANTIS_TORCHSERVE_MODEL_STORE and at TorchServe's model_store.
    server_store = compose_environment("quantis-server")["QUANTIS_TORCHSERVE_MODEL_STORE"]
    server_mounts = dict(
        reversed(v.split(":")[:2]) for v in compose()["services"]["quantis-server"]["volumes"]
    )
    torchserve_mounts = dict(
        reversed(v.split(":")[:2]) for v in compose()["services"]["torchserve"]["volumes"]
    )
    assert server_mounts[server_store] == torchserve_mounts[model_store]
    # Kubernetes: one claim, the store a folder of the server's data dir and TorchServe's subPath.
    config = kubernetes_environment(resource("Deployment", "quantis-server"))
    relative = Path(config["QUANTIS_TORCHSERVE_MODEL_STORE"]).relative_to(config["QUANTIS_DATA_DIR"])
    server_pod = pod_spec(resource("Deployment", "quantis-server"))
    torchserve_pod = pod_spec(resource("Deployment", "torchserve"))
    data = next(
        m for m in server_pod["containers"][0]["volumeMounts"] if m["mountPath"] == config["QUANTIS_DATA_DIR"]
    )
    store = next(m for m in torchserve_pod["containers"][0]["volumeMounts"] if m["mountPath"] == model_store)
    assert store["subPath"] == str(relative)
    claim = {v["name"]: v.get("persistentVolumeClaim", {}).get("claimName") for v in server_pod["volumes"]}
    torchserve_claim = {v["name"]: v["persistentVolumeClaim"]["claimName"] for v in torchserve_pod["volumes"]}
    assert claim[data["name"]] == torchserve_claim[store["name"]]


def test_names_referenced_across_files_exist() -> None:
    services = set(compose()["services"])
    hosts = {"quantis-server"}  # Envoy's upstream
    for job in PROMETHEUS["scrape_configs"]:
        hosts |= {name for sd in job.get("dns_sd_configs", []) for name in sd["names"]}
        hosts |= {t.split(":")[0] for sc in job.get("static_configs", []) for t in sc["targets"]}
    hosts |= {
        t.split(":")[0]
        for a in PROMETHEUS["alerting"]["alertmanagers"]
        for sc in a["static_configs"]
        for t in sc["targets"]
    }
    environment = {key: _interpolated(value) for key, value in compose_environment("quantis-server").items()}
    for key in (
        "QUANTIS_DATABASE_URL",
        "QUANTIS_REDIS_URL",
        "QUANTIS_JOB_BROKER",
        "QUANTIS_TORCHSERVE_MANAGEMENT_URL",
    ):
        hosts.add(str(urlsplit(environment[key]).hostname))
    hosts.add(environment["QUANTIS_TORCHSERVE_GRPC_TARGET"].split(":")[0])
    assert hosts - services == set()
    # Kubernetes runs the same names as Services; PostgreSQL and Redis are external there.
    k8s_services = {s["metadata"]["name"] for s in of_kind("Service")}
    assert hosts - {"postgres", "redis", "alertmanager"} <= k8s_services
    # ConfigMaps, Secrets and claims the pods use are defined.
    defined = {(r["kind"], r["metadata"]["name"]) for r in kubernetes()}
    for workload in [*of_kind("Deployment"), *of_kind("Job")]:
        spec = pod_spec(workload)
        for container in spec["containers"]:
            for source in container.get("envFrom", []):
                kind, ref = (
                    ("ConfigMap", source["configMapRef"])
                    if "configMapRef" in source
                    else ("Secret", source["secretRef"])
                )
                assert (kind, ref["name"]) in defined
            volumes = {v["name"] for v in spec.get("volumes", [])}
            assert {m["name"] for m in container.get("volumeMounts", [])} <= volumes
        for volume in spec.get("volumes", []):
            if "persistentVolumeClaim" in volume:
                assert ("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"]) in defined
            if "configMap" in volume:
                assert ("ConfigMap", volume["configMap"]["name"]) in defined
    for scaled in [*of_kind("HorizontalPodAutoscaler")]:
        target = scaled["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) in defined


def test_images_are_pinned_built_here_and_the_same_in_kubernetes() -> None:
    images = {name: service["image"] for name, service in compose()["services"].items()}
    for name, image in images.items():
        repository, _, tag = image.rpartition(":")
        assert repository and re.match(r"v?\d+\.\d+", tag), f"{name}: {image} is not pinned to a version"
    for service in compose()["services"].values():
        if "build" in service:
            assert (COMPOSE.parent / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
    built = {s["image"] for s in compose()["services"].values() if "build" in s}
    assert built == {"quantis/server:0.1.0", "quantis/torchserve:0.1.0"}
    k8s_images = {
        c["image"] for w in [*of_kind("Deployment"), *of_kind("Job")] for c in pod_spec(w)["containers"]
    }
    assert k8s_images <= set(images.values())
    assert built <= k8s_images


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_the_dockerfiles_pin_their_base_run_unprivileged_and_check_health(dockerfile: Path) -> None:
    text = dockerfile.read_text()
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.MULTILINE)
    assert base is not None and re.fullmatch(r"python:3\.11\.\d+-slim-\w+", base.group(1))
    users = re.findall(r"^USER (\S+)$", text, re.MULTILINE)
    assert users and users[-1].split(":")[0] not in {"0", "root"}
    assert re.search(r"^HEALTHCHECK .* CMD ", text, re.MULTILINE | re.DOTALL)
    for source in re.findall(r"^COPY (?!--from)(\S+) ", text, re.MULTILINE):
        assert (ROOT / source).exists(), source
    assert "torch==2.13.0" in text  # installed alone first, as the Makefile does


def test_compose_volumes_are_declared_and_bind_mounts_exist() -> None:
    declared = set(compose()["volumes"])
    used = set()
    for name, service in compose()["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (COMPOSE.parent / source).exists(), f"{name}: {source}"
            else:
                used.add(source)
    assert used == declared


def test_grafana_provisioning_finds_the_dashboard_and_prometheus() -> None:
    provisioning = DEPLOY / "grafana" / "provisioning"
    provider = yaml.safe_load((provisioning / "dashboards" / "quantis.yml").read_text())["providers"][0]
    mounts = [v.split(":") for v in compose()["services"]["grafana"]["volumes"]]
    dashboard = next(target for source, target, *_ in mounts if source.endswith("quantis-dashboard.json"))
    assert Path(dashboard).parent == Path(provider["options"]["path"])
    source = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())["datasources"][0]
    assert urlsplit(source["url"]).hostname in compose()["services"]
    assert "9090:9090" in compose()["services"]["prometheus"]["ports"]
    assert urlsplit(source["url"]).port == 9090


def test_replicas_drain_before_they_are_killed() -> None:
    grace = float(compose_environment("quantis-server")["QUANTIS_SHUTDOWN_GRACE_SECONDS"])
    assert grace < int(compose()["services"]["quantis-server"]["stop_grace_period"].rstrip("s"))
    pod = pod_spec(resource("Deployment", "quantis-server"))
    k8s_grace = float(
        kubernetes_environment(resource("Deployment", "quantis-server"))["QUANTIS_SHUTDOWN_GRACE_SECONDS"]
    )
    assert k8s_grace < pod["terminationGracePeriodSeconds"]
