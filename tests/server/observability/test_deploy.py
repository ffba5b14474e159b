"""deploy/: the Prometheus configuration and alert rules are valid, their alerts fire as
intended, and the rules and the Grafana dashboard use only metrics the server exports."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from prometheus_client import CollectorRegistry
from quantis.v1 import auth_service_pb2, auth_service_pb2_grpc

from server.composition import Application
from server.settings import Settings

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
PROMETHEUS = DEPLOY / "prometheus"
DASHBOARD = DEPLOY / "grafana" / "quantis-dashboard.json"
# Series Prometheus makes itself, and the labels it adds to every scraped series.
BUILT_IN_METRICS = {"up"}
TARGET_LABELS = {"job", "instance"}
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool"}
promtool = shutil.which("promtool")
# .ci/run installs promtool; elsewhere its tests skip with the reason.
needs_promtool = pytest.mark.skipif(
    promtool is None and os.environ.get("CI", "").lower() != "true",
    reason="promtool is not installed (Debian: apt-get install prometheus)",
)


def rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load((PROMETHEUS / "rules.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def expressions() -> list[str]:
    """Every PromQL expression in the rules and the dashboard (panels and variables)."""
    found = [rule["expr"] for rule in rules()]
    board = dashboard()
    found += [target["expr"] for panel in board["panels"] for target in panel["targets"]]
    found += [v["definition"] for v in board["templating"]["list"] if v["type"] == "query"]
    return found


def _without_strings(expr: str) -> str:
    return re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)


def metric_names(expr: str) -> set[str]:
    """Names of the series an expression selects (not functions, keywords, labels or durations)."""
    text = _without_strings(expr)
    text = re.sub(r"label_values\(([^,]*),\s*\w+\)", r"\1", text)  # a dashboard variable's label
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # range durations
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w$.])([A-Za-z_:][\w:]*)\b(?!\s*\()", text):
        if match.group(1) not in PROMQL_WORDS:
            names.add(match.group(1))
    return names


def label_names(expr: str) -> set[str]:
    """Labels an expression matches on or groups by."""
    text = _without_strings(expr)
    labels = set()
    for matchers in re.findall(r"\{([^}]*)\}", text):
        labels |= set(re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", matchers))
    for grouping in re.findall(r"\b(?:by|without|on|ignoring)\s*\(([^)]*)\)", text):
        labels |= {label.strip() for label in grouping.split(",") if label.strip()}
    # label_values(metric, label) in dashboard variables
    labels |= set(re.findall(r"label_values\([^,]*,\s*(\w+)\)", text))
    return labels


def exported(registry: CollectorRegistry) -> tuple[set[str], set[str]]:
    """Series names and label names a registry exposes, with and without samples yet."""
    names: set[str] = set()
    labels: set[str] = set()
    suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}
    for family in registry.collect():
        names |= {family.name + suffix for suffix in suffixes.get(family.type, ("",))}
        for sample in family.samples:
            names.add(sample.name)
            labels |= set(sample.labels)
    # Labels of series that have no sample yet (declared, never set).
    for collector in list(registry._collector_to_names):  # prometheus_client keeps no public list
        labels |= set(getattr(collector, "_labelnames", ()))
    return names, labels


def test_the_metric_name_parser() -> None:
    expr = (
        "histogram_quantile(0.99, sum by (grpc_method, le) (rate(grpc_server_handling_seconds_bucket"
        '{job="$job", grpc_type="unary"}[$__rate_interval]))) > 1 and up{job="x"} == 0'
    )
    assert metric_names(expr) == {"grpc_server_handling_seconds_bucket", "up"}
    assert label_names(expr) == {"grpc_method", "le", "job", "grpc_type"}
    assert metric_names("quantis_drift_score >= 0.1 and quantis_drift_score < 0.25") == {
        "quantis_drift_score"
    }
    variable = 'label_values(grpc_server_started_total{job="$job"}, grpc_method)'
    assert metric_names(variable) == {"grpc_server_started_total"}
    assert label_names(variable) == {"job", "grpc_method"}


async def test_rules_and_dashboard_use_only_exported_metrics(
    application: Application, channel: grpc.aio.Channel
) -> None:
    stub = auth_service_pb2_grpc.AuthServiceStub(channel)
    with pytest.raises(grpc.aio.AioRpcError):
        await stub.Login(auth_service_pb2.LoginRequest(username="nobody", password="Wrong-Passw0rd!"))
    with pytest.raises(grpc.aio.AioRpcError):
        await stub.Login(auth_service_pb2.LoginRequest())
    names, labels = exported(application.metrics.registry)

    used = set().union(*(metric_names(expr) for expr in expressions()))
    assert used - BUILT_IN_METRICS <= names, sorted(used - BUILT_IN_METRICS - names)
    assert {
        "grpc_server_handled_total",
        "grpc_server_handling_seconds_bucket",
        "quantis_drift_score",
        "quantis_predictions_total",
        "quantis_batch_size_bucket",
        "quantis_backend_latency_seconds_bucket",
        "quantis_training_jobs",
        "quantis_live_mase_ratio",
    } <= used
    used_labels = set().union(*(label_names(expr) for expr in expressions()))
    assert used_labels <= labels | TARGET_LABELS | {"le"}, sorted(used_labels - labels - TARGET_LABELS)


def test_prometheus_scrapes_the_servers_metrics_port_and_torchserve() -> None:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    server = jobs["quantis-server"]
    assert server["metrics_path"] == "/metrics"
    assert [sd["port"] for sd in server["dns_sd_configs"]] == [Settings.model_fields["metrics_port"].default]
    assert jobs["torchserve"]["static_configs"][0]["targets"] == ["torchserve:8082"]
    assert config["rule_files"] == ["rules.yml"]


def test_alert_rules_cover_the_issued_alerts() -> None:
    by_name = {rule["alert"]: rule for rule in rules()}
    assert set(by_name) == {
        "QuantisServerDown",
        "QuantisHighErrorRate",
        "QuantisHighLatencyP99",
        "QuantisModelDriftWarning",
        "QuantisModelDriftCritical",
        "QuantisModelAccuracyDegraded",
        "QuantisPredictionHistoryDropping",
    }
    assert by_name["QuantisModelDriftWarning"]["expr"].startswith("quantis_drift_score >= 0.1")
    assert by_name["QuantisModelDriftCritical"]["expr"] == "quantis_drift_score >= 0.25"
    assert by_name["QuantisModelAccuracyDegraded"]["expr"] == "quantis_live_mase_ratio > 1.2"
    assert "by (grpc_service, grpc_method)" in by_name["QuantisHighErrorRate"]["expr"]
    assert (
        "quantis_prediction_history_dropped_rows_total" in by_name["QuantisPredictionHistoryDropping"]["expr"]
    )
    for rule in by_name.values():
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"]


def test_the_dashboard_is_a_grafana_dashboard() -> None:
    board = dashboard()
    assert board["uid"] and board["title"] and board["schemaVersion"] >= 36
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    titles = " ".join(panel["title"] for panel in board["panels"])
    for shown in ("Request rate", "error rate", "p50", "p95", "p99", "Active streams", "drift"):
        assert shown.lower() in titles.lower()
    for panel in board["panels"]:
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"]) and panel["targets"]
        assert panel["datasource"]["uid"] == "${datasource}"


@needs_promtool
def test_promtool_accepts_the_config() -> None:
    assert promtool is not None
    result = subprocess.run(
        [promtool, "check", "config", "prometheus.yml"], cwd=PROMETHEUS, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


@needs_promtool
def test_promtool_accepts_the_rules_and_their_unit_tests_pass() -> None:
    assert promtool is not None
    for command in (["check", "rules", "rules.yml"], ["test", "rules", "rules_test.yml"]):
        result = subprocess.run([promtool, *command], cwd=PROMETHEUS, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
