"""Mapper helpers that build protobuf messages from arrays, and the wire numbers of enums read back."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from google.protobuf import duration_pb2
from quantis.v1 import common_pb2
from quantis.v1 import prediction_service_pb2 as pb

from server.db.base import new_ids
from server.domain.prediction.requests import UnaryForecast
from server.errors import InvalidArgument
from server.mappers import dataset, model, prediction, training_jobs
from server.mappers.common import append_fixed_strings, append_floats, to_timedelta
from server.mappers.prediction import predict_response


def test_append_floats_equals_extending_from_python_floats() -> None:
    rng = np.random.default_rng(7)
    values = rng.normal(size=(300, 12, 2)).astype(np.float32)  # a length needing a 3-byte varint
    values[3, 4, 1] = np.nan
    values[5, 0, 0] = np.inf
    expected = pb.StreamPredictResponse(request_id="r", horizon=12)
    expected.quantile_forecasts.extend([1.5, 2.5])
    expected.quantile_forecasts.extend(values.reshape(-1).tolist())
    got = pb.StreamPredictResponse(request_id="r", horizon=12)
    got.quantile_forecasts.extend([1.5, 2.5])

    append_floats(got, "quantile_forecasts", values)  # appends, row-major, as float32

    assert got.SerializeToString() == expected.SerializeToString()
    assert list(got.point_forecasts) == [] and got.request_id == "r" and got.horizon == 12
    again = np.asarray(got.quantile_forecasts, dtype=np.float32)[2:].reshape(values.shape)
    np.testing.assert_array_equal(again, values)


def test_append_fixed_strings_equals_extending_from_python_strings() -> None:
    ids = new_ids(300)
    expected = pb.StreamPredictResponse(request_id="r", prediction_ids=["first"], series_ids=["a"])
    expected.prediction_ids.extend(ids)
    got = pb.StreamPredictResponse(request_id="r", prediction_ids=["first"], series_ids=["a"])

    append_fixed_strings(got, "prediction_ids", ids.encoded())

    assert got.SerializeToString() == expected.SerializeToString()
    assert list(got.prediction_ids)[1:] == ids.strings() and list(got.series_ids) == ["a"]
    with pytest.raises(TypeError, match="not a repeated string"):
        append_fixed_strings(got, "point_forecasts", ids.encoded())
    with pytest.raises(TypeError, match="fixed-width bytes"):
        append_fixed_strings(got, "prediction_ids", np.array(["x" * 200], dtype="S200"))


def test_append_floats_takes_float64_and_empty_arrays() -> None:
    message = pb.StreamPredictResponse()
    append_floats(message, "point_forecasts", np.array([0.1, 2.0**40]))
    append_floats(message, "point_forecasts", np.zeros((0, 12)))
    assert list(message.point_forecasts) == [np.float32(0.1), np.float32(2.0**40)]


def test_append_floats_refuses_other_fields() -> None:
    with pytest.raises(TypeError, match="quantiles is not a repeated float"):
        append_floats(pb.StreamPredictResponse(), "quantiles", np.zeros(3))  # repeated double
    with pytest.raises(TypeError, match="horizon is not a repeated float"):
        append_floats(pb.StreamPredictResponse(), "horizon", np.zeros(3))


def _reference_forecast(result: UnaryForecast) -> common_pb2.Forecast:
    """The forecast built field by field, as the protobuf runtime would."""
    forecast = common_pb2.Forecast(series_id=result.series_id)
    for step in range(result.horizon):
        point = forecast.points.add(step=step + 1, mean=float(result.point[step]))
        if result.timestamps is not None:
            point.timestamp.FromNanoseconds(
                int(result.timestamps[step].astype("datetime64[ns]").astype(np.int64))
            )
        for level, value in zip(result.levels, result.quantiles[step].tolist(), strict=True):
            point.quantiles.add(quantile=level, value=value)
    return forecast


def _forecast(horizon: int, levels: int, stamps: np.ndarray | None, series_id: str = "air") -> UnaryForecast:
    rng = np.random.default_rng(horizon)
    point = rng.normal(size=horizon).astype(np.float32)
    point[0] = 0.0  # a default value, which the runtime leaves out and the encoder writes
    quantiles = rng.normal(size=(horizon, levels)).astype(np.float32)
    quantiles[-1, -1] = np.nan
    level_values = tuple(float(q) for q in np.linspace(0.05, 0.95, levels))
    return UnaryForecast("p1", "m1", "v1", series_id, horizon, level_values, point, quantiles, stamps, 0.0042)


@pytest.mark.parametrize(
    ("horizon", "levels", "stamps", "series_id"),
    [
        (12, 3, None, "air"),
        (12, 3, np.arange("2024-01", "2025-01", dtype="datetime64[M]").astype("datetime64[ns]"), "air"),
        # Steps past 127 need a 2-byte varint; times before 1970 a 10-byte one; nanos a field of their own.
        (
            300,
            9,
            np.datetime64("1930-01-01T00:00:00.000000123") + np.arange(300) * np.timedelta64(1, "D"),
            "x",
        ),
        # The epoch itself is a Timestamp with no field set, still present on its point.
        (3, 1, np.datetime64("1970-01-01T00:00:00", "ns") + np.arange(3) * np.timedelta64(1, "s"), ""),
        (1, 19, None, ""),
        # Undated points of up to five levels are laid out from a template; past that, or past
        # step 127, field by field.
        (1, 1, None, "one"),
        (127, 5, None, "air"),
        (128, 5, None, ""),
        (12, 6, None, "air"),
    ],
)
def test_predict_response_carries_the_forecast_field_by_field(
    horizon: int, levels: int, stamps: np.ndarray | None, series_id: str
) -> None:
    result = _forecast(horizon, levels, stamps, series_id)

    response = pb.PredictResponse.FromString(predict_response(result).SerializeToString())

    expected = _reference_forecast(result)
    assert response.forecast == expected
    assert response.prediction_id == "p1" and response.model_id == "m1" and response.version_id == "v1"
    assert response.latency.ToNanoseconds() == 4_200_000
    assert [p.step for p in response.forecast.points] == list(range(1, horizon + 1))
    assert all(p.HasField("timestamp") == (stamps is not None) for p in response.forecast.points)
    got = np.array([[q.value for q in p.quantiles] for p in response.forecast.points], dtype=np.float32)
    np.testing.assert_array_equal(got, result.quantiles)


def test_wire_numbers_read_back_as_their_values() -> None:
    tables = [
        (dataset.FORMATS, dataset.format_from_proto),
        (dataset.FREQUENCIES, dataset.frequency_from_proto),
        (model.MODEL_TYPES_PB, model.model_type_from_proto),
        (training_jobs.JOB_STATES_PB, training_jobs.job_state_from_proto),
        (model.VERSION_STATES_PB, model.version_state_from_proto),
        (model.METRICS_PB, model.metric_from_proto),
        (prediction.SOURCES, prediction.source_from_proto),
    ]
    for numbers, read in tables:
        assert len(set(numbers.values())) == len(numbers)  # one value per number, both ways
        assert all(read(number, "kind") == value for value, number in numbers.items())
        assert read(0, "kind") is None  # unspecified
        # A number newer than this server is refused, not taken for "unspecified": a filter on
        # it would silently filter nothing, a frequency would silently be inferred.
        with pytest.raises(InvalidArgument) as raised:
            read(9999, "kind")
        assert [v.field for v in raised.value.violations] == ["kind"]


def test_a_duration_finer_than_a_microsecond_is_not_read_as_zero() -> None:
    def read(seconds: int, nanos: int) -> timedelta:
        return to_timedelta(duration_pb2.Duration(seconds=seconds, nanos=nanos), "timeout")

    assert read(0, 1) == timedelta(microseconds=1)  # a positive timeout stays positive
    assert read(0, -1) == timedelta(microseconds=-1)
    assert read(2, 1500) == timedelta(seconds=2, microseconds=2)
    assert read(1, 0) == timedelta(seconds=1) and read(0, 3000) == timedelta(microseconds=3)
