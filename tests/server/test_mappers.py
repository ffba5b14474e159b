"""Mapper helpers that build protobuf messages from arrays."""

from __future__ import annotations

import numpy as np
import pytest
from quantis.v1 import prediction_service_pb2 as pb

from server.mappers.common import append_floats


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
