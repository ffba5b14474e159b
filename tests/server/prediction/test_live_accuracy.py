"""Live accuracy equals training's metrics on the same inputs, forecasts and actuals: per
prediction (GetPrediction, ListPredictions, SubmitActuals) and pooled over every step with an
actual, per version and in total (GetPredictionStats); an actual whose step has no interval
counts for the point measures, not for coverage."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from quantis.v1 import common_pb2, prediction_service_pb2_grpc
from quantis.v1 import prediction_service_pb2 as pb

from server.composition import Application
from server.db.enums import ModelType
from tests.server.prediction.conftest import Caller, air_values, caller, deploy_model
from training import metrics

Stub = prediction_service_pb2_grpc.PredictionServiceStub
LEVELS = (0.1, 0.25, 0.5, 0.75, 0.9)
INTERVALS = ((0.25, 0.75), (0.1, 0.9))  # narrowest first
SEASON = 12  # the model is monthly
NAN = math.nan
MEASURES = ("mae", "rmse", "smape", "mase", "coverage_80")


@dataclass
class Case:
    """A recorded prediction, the observed input training would scale it by (edges without
    observations trimmed) and the actuals submitted for it, by step."""

    response: pb.PredictResponse
    insample: list[float]
    actuals: dict[int, float]

    def level(self, level: float) -> np.ndarray:
        at = LEVELS.index(level)
        return np.array([p.quantiles[at].value for p in self.response.forecast.points])

    @property
    def point(self) -> np.ndarray:
        return np.array([p.mean for p in self.response.forecast.points])

    @property
    def steps(self) -> np.ndarray:
        return np.array(sorted(self.actuals)) - 1

    @property
    def observed(self) -> np.ndarray:
        return np.array([self.actuals[step] for step in sorted(self.actuals)])

    @property
    def scale(self) -> float:
        """Training's MASE scale; none (NaN) for one value."""
        if len(self.insample) < 2:
            return NAN
        return metrics.seasonal_naive_scale(np.array(self.insample), SEASON)


def expected(cases: list[Case]) -> dict[str, float]:
    """Training's metrics over every step of ``cases`` with an actual (MASE scaled per case)."""
    actual = np.concatenate([c.observed for c in cases])
    point = np.concatenate([c.point[c.steps] for c in cases])
    scales = np.concatenate([np.full(len(c.actuals), c.scale) for c in cases])
    return {
        "mae": metrics.mae(actual, point),
        "rmse": metrics.rmse(actual, point),
        "smape": metrics.smape(actual, point),
        "mase": metrics.mae(actual / scales, point / scales),
        "coverage_80": metrics.coverage(
            actual,
            np.concatenate([c.level(0.1)[c.steps] for c in cases]),
            np.concatenate([c.level(0.9)[c.steps] for c in cases]),
        ),
        "points": float(actual.size),
    }


def assert_metrics(got: common_pb2.Metrics, cases: list[Case], measures: tuple[str, ...] = MEASURES) -> None:
    want = expected(cases)
    assert got.points == want["points"]
    for name in measures:
        assert getattr(got, name) == pytest.approx(want[name], rel=1e-9, nan_ok=True), name


def assert_accuracy(
    got: pb.PredictionAccuracy, case: Case, full: bool = True, measures: tuple[str, ...] = MEASURES
) -> None:
    assert_metrics(got.metrics, [case], measures)
    if "mase" in measures:
        assert got.metrics.mase == pytest.approx(
            metrics.mase(case.observed, case.point[case.steps], np.array(case.insample), SEASON), rel=1e-9
        )
    intervals = []
    for lower, upper in INTERVALS:
        low, high = case.level(lower)[case.steps], case.level(upper)[case.steps]
        bounded = int((~np.isnan(low) & ~np.isnan(high)).sum())
        intervals.append((lower, upper, metrics.coverage(case.observed, low, high), bounded))
    assert [(i.lower_quantile, i.upper_quantile, i.observed, i.points) for i in got.intervals] == [
        (lower, upper, pytest.approx(observed, abs=1e-12, nan_ok=True), points)
        for lower, upper, observed, points in intervals
    ]
    assert [i.nominal for i in got.intervals] == [pytest.approx(0.5), pytest.approx(0.8)]
    if not full:
        assert not got.actuals and not got.abs_errors
        return
    horizon = len(case.response.forecast.points)
    actuals = [case.actuals.get(step, NAN) for step in range(1, horizon + 1)]
    assert np.array_equal(got.actuals, actuals, equal_nan=True)
    assert np.allclose(got.abs_errors, np.abs(np.array(actuals) - case.point), rtol=1e-12, equal_nan=True)


async def forecast(
    predictions: Stub, ana: Caller, model_id: str, version_id: str, values: list[float], horizon: int
) -> pb.PredictResponse:
    request = pb.PredictRequest(
        model_id=model_id,
        version_id=version_id,
        series=common_pb2.Series(values=values),
        horizon=horizon,
        quantiles=LEVELS,
    )
    return await predictions.Predict(request, metadata=ana.metadata)


async def submit(predictions: Stub, ana: Caller, case: Case, **fields: object) -> pb.SubmitActualsResponse:
    request = pb.SubmitActualsRequest(prediction_id=case.response.prediction_id, **fields)  # type: ignore[arg-type]
    return await predictions.SubmitActuals(request, metadata=ana.metadata)


async def test_live_accuracy_equals_training_metrics(
    predictions: Stub, application: Application, artifacts: list[Path]
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts)
    first, second = model.versions
    air = air_values()

    async def predict(version_id: str, values: list[float], horizon: int) -> pb.PredictResponse:
        return await forecast(predictions, ana, model.model_id, version_id, values, horizon)

    # Ten years of a monthly series: scaled by its lag-12 naive error. Eight months, not longer
    # than a season: by its lag-1 error. Twelve months between missing values (trimmed, as
    # training trims a series' edges, and the one missing inside filled as training fills it),
    # so again not longer than a season.
    seasonal = Case(await predict(first, air[:120], 6), air[:120], {})
    short = Case(await predict(first, air[40:48], 4), air[40:48], {})
    gappy = [NAN, NAN, NAN, *air[60:66], NAN, *air[67:72], NAN]
    filled = [*air[60:66], (air[65] + air[67]) / 2, *air[67:72]]
    missing = Case(await predict(second, gappy, 6), filled, {})
    await predict(second, air[:60], 6)  # no actuals: counted as a series, not in the accuracy
    await application.prediction.history.flush()  # type: ignore[union-attr]

    # Every step of the seasonal prediction, some on an interval's bound (bounds are inside).
    p, q10, q25, q90 = seasonal.point, seasonal.level(0.1), seasonal.level(0.25), seasonal.level(0.9)
    values = [p[0] + 3.0, q90[1], q10[2] - 5.0, q25[3], p[4] - 2.5, q90[5] + 1.0]
    answer = await submit(predictions, ana, seasonal, values=values)
    seasonal.actuals = dict(enumerate(values, start=1))
    assert (answer.matched_points, answer.ignored_points) == (6, 0)
    assert_accuracy(answer.accuracy, seasonal)

    # Steps 1 and 3 of the short one (NaN leaves step 2 without one), then step 4, step 1 again
    # (the new value counts) and a step past the horizon (ignored), then only NaN (keeps them).
    answer = await submit(predictions, ana, short, values=[short.point[0] - 4.0, NAN, short.level(0.75)[2]])
    short.actuals = {1: short.point[0] - 4.0, 3: short.level(0.75)[2]}
    assert (answer.matched_points, answer.ignored_points) == (2, 1)
    assert_accuracy(answer.accuracy, short)
    again = [
        pb.ActualPoint(step=4, value=short.level(0.1)[3]),
        pb.ActualPoint(step=1, value=short.point[0] + 7.25),
        pb.ActualPoint(step=5, value=1.0),
    ]
    answer = await submit(predictions, ana, short, points=again)
    short.actuals.update({4: short.level(0.1)[3], 1: short.point[0] + 7.25})
    assert (answer.matched_points, answer.ignored_points) == (2, 1)
    assert_accuracy(answer.accuracy, short)
    answer = await submit(predictions, ana, short, values=[NAN, NAN, NAN])
    assert (answer.matched_points, answer.ignored_points) == (0, 3)
    assert_accuracy(answer.accuracy, short)

    # Two steps of the one with missing values, by step.
    answer = await submit(
        predictions,
        ana,
        missing,
        points=[
            pb.ActualPoint(step=2, value=missing.level(0.9)[1] + 0.5),
            pb.ActualPoint(step=5, value=missing.point[4]),
        ],
    )
    missing.actuals = {2: missing.level(0.9)[1] + 0.5, 5: missing.point[4]}
    assert_accuracy(answer.accuracy, missing)

    for case in (seasonal, short, missing):
        got = await predictions.GetPrediction(
            pb.GetPredictionRequest(prediction_id=case.response.prediction_id), metadata=ana.metadata
        )
        assert got.prediction.has_actuals
        assert_accuracy(got.prediction.accuracy, case)

    listed = await predictions.ListPredictions(
        pb.ListPredictionsRequest(model_id=model.model_id), metadata=ana.metadata
    )
    by_id = {p.prediction_id: p for p in listed.predictions}
    assert len(by_id) == 4
    for case in (seasonal, short, missing):
        assert_accuracy(by_id.pop(case.response.prediction_id).accuracy, case, full=False)
    [unmeasured] = by_id.values()
    assert not unmeasured.has_actuals and not unmeasured.HasField("accuracy")

    # Per version and in total: pooled over every step with an actual, each step's error scaled
    # by its own prediction's scale.
    stats = await predictions.GetPredictionStats(
        pb.GetPredictionStatsRequest(model_id=model.model_id), metadata=ana.metadata
    )
    versions = {v.version_id: v for v in stats.versions}
    assert versions[first].predictions_with_actuals == 2 and versions[first].series_count == 2
    assert versions[second].predictions_with_actuals == 1 and versions[second].series_count == 2
    assert stats.total.predictions_with_actuals == 3 and stats.total.series_count == 4
    assert_metrics(versions[first].live_metrics, [seasonal, short])
    assert_metrics(versions[second].live_metrics, [missing])
    assert_metrics(stats.total.live_metrics, [seasonal, short, missing])
    # Pooled, not the mean of the predictions' figures: the two differ here.
    per_prediction = np.mean([expected([c])["mase"] for c in (seasonal, short, missing)])
    assert stats.total.live_metrics.mase != pytest.approx(per_prediction, rel=1e-3)


async def test_an_actual_without_an_interval_is_left_out_of_coverage(
    predictions: Stub, application: Application, ets_artifact: list[Path]
) -> None:
    """AutoETS forecasts a series of one observed value without an interval (NaN bounds): its
    actuals count for the point measures, not for the coverage, as in training's coverage."""
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, ets_artifact, model_type=ModelType.AUTO_ETS)
    [version] = model.versions
    air = air_values()
    single = Case(await forecast(predictions, ana, model.model_id, version, [NAN, 140.0], 3), [140.0], {})
    seasonal = Case(await forecast(predictions, ana, model.model_id, version, air[:24], 3), air[:24], {})
    assert np.isnan(single.level(0.1)).all() and not np.isnan(seasonal.level(0.1)).any()
    await application.prediction.history.flush()  # type: ignore[union-attr]

    single.actuals = {1: 141.0, 2: 150.0, 3: 130.0}
    answer = await submit(predictions, ana, single, values=list(single.actuals.values()))
    # One observed value has no seasonal naive scale of its own: MASE is left out here.
    point_and_coverage = ("mae", "rmse", "smape", "coverage_80")
    assert_accuracy(answer.accuracy, single, measures=point_and_coverage)
    assert math.isnan(answer.accuracy.metrics.coverage_80)
    assert [(i.points, math.isnan(i.observed)) for i in answer.accuracy.intervals] == [(0, True), (0, True)]

    p, q10, q90 = seasonal.point, seasonal.level(0.1), seasonal.level(0.9)
    seasonal.actuals = {1: p[0], 2: q90[1] + 1.0, 3: q10[2]}
    answer = await submit(predictions, ana, seasonal, values=list(seasonal.actuals.values()))
    assert_accuracy(answer.accuracy, seasonal)

    stats = await predictions.GetPredictionStats(
        pb.GetPredictionStatsRequest(model_id=model.model_id), metadata=ana.metadata
    )
    assert stats.total.predictions_with_actuals == 2
    assert_metrics(stats.total.live_metrics, [single, seasonal], point_and_coverage)
    assert stats.total.live_metrics.coverage_80 == pytest.approx(2 / 3)
