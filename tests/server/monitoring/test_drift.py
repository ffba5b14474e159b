"""GetModelDrift, the drift and accuracy alerts and their notifications, through a real server
with a trained LSTM deployed and real predictions recorded."""

from __future__ import annotations

import asyncio
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
from google.protobuf import timestamp_pb2
from prometheus_client.parser import text_string_to_metric_families
from quantis.v1 import common_pb2, prediction_service_pb2, prediction_service_pb2_grpc
from quantis.v1 import monitoring_service_pb2 as pb
from sqlalchemy.orm import Session

from server.app import check_periodically
from server.auth.permissions import Role
from server.composition import Application
from server.db.enums import PredictionSource
from server.db.models import Prediction
from server.settings import Settings
from tests.server.model.conftest import failure
from tests.server.monitoring.test_monitoring import Stub
from tests.server.prediction.conftest import (  # noqa: F401 (artifacts is a fixture)
    Caller,
    Deployed,
    air_values,
    artifacts,
    caller,
    deploy_model,
)
from training.profile import WINDOW


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Drift judged on the last 9 predictions (144 recent values), live accuracy from 12 points
    (one prediction's horizon), instead of 1000 predictions and 100 points."""
    return settings.model_copy(update={"drift_window_predictions": 9, "accuracy_min_points": 12})


@pytest.fixture
async def deployed(application: Application, artifacts: list[Path]) -> tuple[Caller, Deployed]:  # noqa: F811
    """ana, and a model of hers whose one version (a tiny trained LSTM) takes all traffic."""
    ana = await caller(application, "ana")
    return ana, await deploy_model(application, ana.user_id, artifacts[:1])


def tails(values: list[float]) -> list[list[float]]:
    """Inputs whose recorded 16-value tails, together, are exactly ``values`` (144 = 9 x 16)."""
    return [values[:end] for end in range(WINDOW, len(values) + 1, WINDOW)]


def stamp(when: datetime) -> timestamp_pb2.Timestamp:
    message = timestamp_pb2.Timestamp()
    message.FromDatetime(when)
    return message


async def predict_all(
    channel: grpc.aio.Channel, who: Caller, model: Deployed, inputs: list[list[float]]
) -> list[str]:
    stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    ids = []
    for values in inputs:
        answer = await stub.Predict(
            prediction_service_pb2.PredictRequest(
                model_id=model.model_id, series=common_pb2.Series(values=values, series_id="air")
            ),
            metadata=who.metadata,
        )
        ids.append(answer.prediction_id)
    return ids


async def drift(monitoring: Stub, who: Caller, model: Deployed, **window: object) -> pb.GetModelDriftResponse:
    request = pb.GetModelDriftRequest(model_id=model.model_id, version_id=model.versions[0])
    if window:
        request.window.CopyFrom(pb.DriftWindow(**window))  # type: ignore[arg-type]
    return await monitoring.GetModelDrift(request, metadata=who.metadata)


async def next_notification(stream: object) -> pb.Notification:
    """The next notification on the stream, within 10 seconds in all. The deadline covers the
    whole wait, not each read: heartbeats arrive every 0.3 s here, so a timeout per read never
    fires, and a notification that is never sent would leave the test waiting forever."""
    async with asyncio.timeout(10):
        while True:
            response = await stream.read()  # type: ignore[attr-defined]
            if response.event.WhichOneof("payload") == "notification":
                return response.event.notification  # type: ignore[no-any-return]


async def test_shifted_inputs_raise_drift_a_critical_alert_and_a_live_notification(
    monitoring: Stub,
    channel: grpc.aio.Channel,
    application: Application,
    deployed: tuple[Caller, Deployed],
) -> None:
    ana, model = deployed
    stream = monitoring.WatchEvents(
        pb.WatchEventsRequest(kinds=[pb.EVENT_KIND_NOTIFICATION]), metadata=ana.metadata
    )
    first = await asyncio.wait_for(stream.read(), 5)
    assert first.event.WhichOneof("payload") == "heartbeat"  # subscribed before anything happens

    shifted = [v * 3 + 500 for v in air_values()]
    prediction_ids = await predict_all(channel, ana, model, tails(shifted))
    await application.prediction.history.flush()  # type: ignore[union-attr]
    reports = await application.model_watch.check_once()

    report = await drift(monitoring, ana, model)
    assert [r.version_id for r in reports] == [model.versions[0]]
    assert report.drift_score > 0.25 and report.drift_level == pb.DRIFT_LEVEL_SIGNIFICANT
    assert report.prediction_count == len(prediction_ids) == 9
    assert report.window.last_predictions == 9
    value = {f.feature: f for f in report.features}["value"]
    assert value.level == pb.DRIFT_LEVEL_SIGNIFICANT and value.ks_statistic == 1.0 and value.ks_p_value < 1e-6
    assert value.recent_sample_size == 144 and value.training_sample_size == 144
    assert report.validation_metrics.mase == 0.5 and report.live_accuracy.points == 0
    since = common_pb2.TimeRange(start_time=stamp(datetime.now(UTC) - timedelta(hours=1)))
    ranged = await drift(monitoring, ana, model, time_range=since)
    assert ranged.prediction_count == 9 and ranged.drift_score == report.drift_score
    assert ranged.window.time_range.start_time == since.start_time
    later = common_pb2.TimeRange(start_time=stamp(datetime.now(UTC) + timedelta(hours=1)))
    empty = await drift(monitoring, ana, model, time_range=later)
    assert empty.prediction_count == 0 and empty.drift_level == pb.DRIFT_LEVEL_INSUFFICIENT_DATA

    alerts = await monitoring.ListAlerts(pb.ListAlertsRequest(model_id=model.model_id), metadata=ana.metadata)
    [alert] = alerts.alerts
    assert alert.kind == pb.ALERT_KIND_DRIFT and alert.severity == pb.ALERT_SEVERITY_CRITICAL
    assert alert.state == pb.ALERT_STATE_OPEN and alert.version_id == model.versions[0]
    assert alert.value == report.drift_score and alert.threshold == 0.25
    assert alert.dedup_key == f"drift/{model.model_id}/{model.versions[0]}"

    notification = await next_notification(stream)
    assert notification.kind == pb.NOTIFICATION_KIND_ALERT and notification.resource_id == alert.alert_id
    assert notification.title == alert.title and "airline" in notification.title
    stream.cancel()

    # Another round counts an occurrence of the same alert and notifies nobody again.
    await application.model_watch.check_once()
    again = await monitoring.ListAlerts(pb.ListAlertsRequest(model_id=model.model_id), metadata=ana.metadata)
    assert [(a.alert_id, a.occurrences) for a in again.alerts] == [(alert.alert_id, 2)]
    listed = await monitoring.ListNotifications(pb.ListNotificationsRequest(), metadata=ana.metadata)
    assert [n.resource_id for n in listed.notifications] == [alert.alert_id]

    acked = await monitoring.AcknowledgeAlert(
        pb.AcknowledgeAlertRequest(alert_id=alert.alert_id, note="retraining"), metadata=ana.metadata
    )
    assert acked.alert.state == pb.ALERT_STATE_ACKNOWLEDGED and acked.alert.acknowledge_note == "retraining"

    labels = {"model_id": model.model_id, "version_id": model.versions[0]}
    registry = application.metrics.registry
    assert registry.get_sample_value("quantis_drift_score", labels) == report.drift_score


async def test_inputs_like_the_training_data_score_low_and_clear_the_alert(
    monitoring: Stub,
    channel: grpc.aio.Channel,
    application: Application,
    deployed: tuple[Caller, Deployed],
) -> None:
    ana, model = deployed
    await predict_all(channel, ana, model, tails([v * 3 + 500 for v in air_values()]))
    await application.prediction.history.flush()  # type: ignore[union-attr]
    await application.model_watch.check_once()
    [drifted] = (await monitoring.ListAlerts(pb.ListAlertsRequest(), metadata=ana.metadata)).alerts

    await predict_all(channel, ana, model, tails(air_values()))
    await application.prediction.history.flush()  # type: ignore[union-attr]
    report = await drift(monitoring, ana, model, last_predictions=9)
    assert report.prediction_count == 9 and report.window.last_predictions == 9
    assert report.drift_score < 0.1 and report.drift_level == pb.DRIFT_LEVEL_NONE
    assert all(f.psi < 0.1 and f.level == pb.DRIFT_LEVEL_NONE for f in report.features)
    assert {f.feature for f in report.features} == {"value", "standardised", "change"}
    both = await drift(monitoring, ana, model, last_predictions=18)
    assert both.prediction_count == 18 and both.drift_level == pb.DRIFT_LEVEL_SIGNIFICANT

    # The server's periodic loop, at a short interval, judges the default window (the last 9
    # predictions here) and resolves the alert.
    loop = asyncio.create_task(check_periodically(application.model_watch.check_once, 0.05, "model check"))
    try:
        async with asyncio.timeout(10):
            while True:
                [alert] = (await monitoring.ListAlerts(pb.ListAlertsRequest(), metadata=ana.metadata)).alerts
                if alert.state == pb.ALERT_STATE_RESOLVED:
                    break
                await asyncio.sleep(0.05)
    finally:
        loop.cancel()
    assert alert.alert_id == drifted.alert_id and alert.HasField("resolve_time")


async def test_rows_stored_before_summaries_were_packed_are_read_with_the_packed_ones(
    monitoring: Stub,
    channel: grpc.aio.Channel,
    application: Application,
    deployed: tuple[Caller, Deployed],
) -> None:
    ana, model = deployed
    inputs = tails([v * 3 + 500 for v in air_values()])
    await predict_all(channel, ana, model, inputs[:8])
    await application.prediction.history.flush()  # type: ignore[union-attr]
    older: list[float | None] = list(inputs[8][-WINDOW:])
    older[3] = None  # a value missing from the input

    def insert(session: Session) -> None:
        session.add(
            Prediction(
                owner_id=ana.user_id,
                model_id=model.model_id,
                version_id=model.versions[0],
                horizon=12,
                source=PredictionSource.UNARY,
                input_summary={"request": "r0", "length": len(inputs[8]), "sample": older},
                input_blob=None,
            )
        )

    await application.db.run(insert)
    report = await drift(monitoring, ana, model)
    assert report.prediction_count == 9
    value = {f.feature: f for f in report.features}["value"]
    assert value.recent_sample_size == 8 * WINDOW + WINDOW - 1  # the missing value left out
    assert value.ks_statistic == 1.0 and report.drift_level == pb.DRIFT_LEVEL_SIGNIFICANT


async def test_live_accuracy_comes_from_submitted_actuals(
    monitoring: Stub,
    channel: grpc.aio.Channel,
    application: Application,
    deployed: tuple[Caller, Deployed],
) -> None:
    ana, model = deployed
    values = air_values()
    [prediction_id] = await predict_all(channel, ana, model, [values[:132]])
    await application.prediction.history.flush()  # type: ignore[union-attr]
    stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    await stub.SubmitActuals(
        prediction_service_pb2.SubmitActualsRequest(prediction_id=prediction_id, values=values[132:]),
        metadata=ana.metadata,
    )
    report = await drift(monitoring, ana, model)
    stored = await stub.GetPrediction(
        prediction_service_pb2.GetPredictionRequest(prediction_id=prediction_id), metadata=ana.metadata
    )
    assert report.live_accuracy.points == 12
    coverage = stored.prediction.accuracy.metrics.coverage_80
    assert report.live_accuracy.coverage_80 == pytest.approx(coverage)
    assert report.live_accuracy.mase == pytest.approx(stored.prediction.accuracy.metrics.mase)
    assert report.drift_level == pb.DRIFT_LEVEL_INSUFFICIENT_DATA  # 16 values are too few to judge
    # A tiny LSTM trained for two epochs is far worse live than the validation MASE on record.
    assert report.live_accuracy.mase > 1.2 * report.validation_metrics.mase and report.degraded

    await application.model_watch.check_once()
    [alert] = (
        await monitoring.ListAlerts(pb.ListAlertsRequest(model_id=model.model_id), metadata=ana.metadata)
    ).alerts
    assert alert.kind == pb.ALERT_KIND_ACCURACY_DEGRADED and alert.severity == pb.ALERT_SEVERITY_WARNING
    assert alert.value == pytest.approx(report.live_accuracy.mase) and alert.threshold == pytest.approx(0.6)
    labels = {"model_id": model.model_id, "version_id": model.versions[0]}
    ratio = application.metrics.registry.get_sample_value("quantis_live_mase_ratio", labels)
    assert ratio == pytest.approx(report.live_accuracy.mase / 0.5)
    assert application.metrics.registry.get_sample_value("quantis_drift_score", labels) is None


async def test_drift_errors_name_what_is_wrong(
    monitoring: Stub,
    application: Application,
    artifacts: list[Path],  # noqa: F811
) -> None:
    ana = await caller(application, "ana")
    bob = await caller(application, "bob")
    root = await caller(application, "root", Role.ADMIN)
    model = await deploy_model(application, ana.user_id, artifacts)

    foreign = await failure(drift(monitoring, bob, model))
    assert foreign.code is grpc.StatusCode.NOT_FOUND
    assert (await drift(monitoring, root, model)).drift_level == pb.DRIFT_LEVEL_INSUFFICIENT_DATA
    other = await deploy_model(application, ana.user_id, artifacts[:1])
    wrong_version = pb.GetModelDriftRequest(model_id=other.model_id, version_id=model.versions[0])
    missing = await failure(monitoring.GetModelDrift(wrong_version, metadata=ana.metadata))
    assert missing.code is grpc.StatusCode.NOT_FOUND

    for bad in (0, 100_001):
        invalid = await failure(drift(monitoring, ana, model, last_predictions=bad))
        assert invalid.code is grpc.StatusCode.INVALID_ARGUMENT
        assert invalid.fields == ["window.last_predictions"]
    now = datetime.now(UTC)
    backwards = common_pb2.TimeRange(start_time=stamp(now), end_time=stamp(now - timedelta(hours=1)))
    inverted = await failure(drift(monitoring, ana, model, time_range=backwards))
    assert inverted.code is grpc.StatusCode.INVALID_ARGUMENT and inverted.fields == ["window.time_range"]

    store = application.settings.object_store_dir
    profile = store / f"models/{model.model_id}/versions/{model.versions[1]}/artifact/profile.json"
    profile.unlink()
    second = pb.GetModelDriftRequest(model_id=model.model_id, version_id=model.versions[1])
    unprofiled = await failure(monitoring.GetModelDrift(second, metadata=ana.metadata))
    assert (
        unprofiled.code is grpc.StatusCode.FAILED_PRECONDITION and unprofiled.reason == "NO_TRAINING_PROFILE"
    )


async def test_the_metrics_endpoint_exports_the_model_metrics(
    monitoring: Stub,
    channel: grpc.aio.Channel,
    application: Application,
    deployed: tuple[Caller, Deployed],
) -> None:
    ana, model = deployed
    await predict_all(channel, ana, model, tails(air_values()))
    await application.prediction.history.flush()  # type: ignore[union-attr]
    await application.model_watch.check_once()

    server, thread = application.metrics.serve_http("127.0.0.1", 0)
    try:
        body = await asyncio.to_thread(
            lambda: urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/metrics", timeout=5).read()
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
    families = {f.name: f for f in text_string_to_metric_families(body.decode())}
    labels = {"model_id": model.model_id, "version_id": model.versions[0]}
    predicted = [s for s in families["quantis_predictions"].samples if s.name.endswith("_total")]
    assert [(s.labels, s.value) for s in predicted] == [({**labels, "source": "unary"}, 9.0)]
    [score] = families["quantis_drift_score"].samples
    assert score.labels == labels and score.value < 0.1
    batches = {s.name: s.value for s in families["quantis_batch_size"].samples}
    assert batches["quantis_batch_size_count"] == 9 and batches["quantis_batch_size_sum"] == 9
    assert {s.name: s.value for s in families["quantis_backend_latency_seconds"].samples}[
        "quantis_backend_latency_seconds_count"
    ] == 9
    assert [s.value for s in families["quantis_prediction_history_queued_rows"].samples] == [0]
    dropped = families["quantis_prediction_history_dropped_rows"].samples
    assert [(s.name, s.value) for s in dropped] == [("quantis_prediction_history_dropped_rows_total", 0)]
    jobs = {s.labels["state"]: s.value for s in families["quantis_training_jobs"].samples}
    assert set(jobs) == {"queued", "running", "succeeded", "failed", "cancelled"}
