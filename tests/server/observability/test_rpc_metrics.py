"""RpcMetrics counts every call under its own method, kind and status code."""

from __future__ import annotations

import pytest

from server.observability.metrics import RpcMetrics


def _value(metrics: RpcMetrics, name: str, **labels: str) -> float:
    found = metrics.registry.get_sample_value(name, labels)
    return 0.0 if found is None else found


def test_calls_are_counted_per_method_kind_and_code() -> None:
    metrics = RpcMetrics()
    predict, watch = "/quantis.v1.PredictionService/Predict", "/quantis.v1.MonitoringService/WatchEvents"
    for code in ("OK", "OK", "INVALID_ARGUMENT", "OK"):
        metrics.call_started(predict, "unary")
        metrics.record(predict, "unary", code, 0.002)
    metrics.call_started(watch, "server_stream")
    metrics.record(watch, "server_stream", "CANCELLED", 3.0)

    unary = {"grpc_type": "unary", "grpc_service": "quantis.v1.PredictionService", "grpc_method": "Predict"}
    stream = {
        "grpc_type": "server_stream",
        "grpc_service": "quantis.v1.MonitoringService",
        "grpc_method": "WatchEvents",
    }
    assert _value(metrics, "grpc_server_started_total", **unary) == 4
    assert _value(metrics, "grpc_server_handled_total", **unary, grpc_code="OK") == 3
    assert _value(metrics, "grpc_server_handled_total", **unary, grpc_code="INVALID_ARGUMENT") == 1
    assert _value(metrics, "grpc_server_handling_seconds_count", **unary) == 4
    assert _value(metrics, "grpc_server_handling_seconds_sum", **unary) == pytest.approx(0.008)
    assert _value(metrics, "grpc_server_started_total", **stream) == 1
    assert _value(metrics, "grpc_server_handled_total", **stream, grpc_code="CANCELLED") == 1
    assert _value(metrics, "grpc_server_handled_total", **stream, grpc_code="OK") == 0
    assert _value(metrics, "grpc_server_handling_seconds_bucket", **stream, le="5.0") == 1
    assert _value(metrics, "grpc_server_handling_seconds_bucket", **stream, le="2.5") == 0


def test_a_duration_on_a_bucket_bound_counts_in_that_bucket() -> None:
    metrics = RpcMetrics()
    predict = "/quantis.v1.PredictionService/Predict"
    for seconds in (0.001, 0.0011, 31.0):  # on the 1 ms bound, just past it, past the last bound
        metrics.call_started(predict, "unary")
        metrics.record(predict, "unary", "OK", seconds)

    unary = {"grpc_type": "unary", "grpc_service": "quantis.v1.PredictionService", "grpc_method": "Predict"}
    assert _value(metrics, "grpc_server_handling_seconds_bucket", **unary, le="0.0005") == 0
    assert _value(metrics, "grpc_server_handling_seconds_bucket", **unary, le="0.001") == 1
    assert _value(metrics, "grpc_server_handling_seconds_bucket", **unary, le="0.0025") == 2
    assert _value(metrics, "grpc_server_handling_seconds_bucket", **unary, le="30.0") == 2
    assert _value(metrics, "grpc_server_handling_seconds_bucket", **unary, le="+Inf") == 3
    assert _value(metrics, "grpc_server_handling_seconds_count", **unary) == 3


def test_server_faults_count_only_the_codes_that_are_the_servers_fault() -> None:
    metrics = RpcMetrics()
    predict = "/quantis.v1.PredictionService/Predict"
    for code in ("OK", "INVALID_ARGUMENT", "UNAVAILABLE", "INTERNAL", "NOT_FOUND"):
        metrics.record(predict, "unary", code, 0.01)
    metrics.record(predict, "server_stream", "UNAVAILABLE", 0.01)  # the same method, another kind

    assert metrics.server_faults() == {predict: (6.0, 3.0)}
