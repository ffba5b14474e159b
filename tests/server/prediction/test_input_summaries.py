"""The history's row parts: vectorised input summaries, packed and read back, equal a plain
per-series computation (NaN and short inputs included); rows stored before summaries were packed
read as they were; stored forecasts read back; ids of one request are distinct; a served request
comes out of its pickle as it went in, also one pickled by an earlier server."""

from __future__ import annotations

import io
import math
import pickle
import uuid
from typing import Any

import numpy as np
import pandas as pd
import pytest

from server.db.base import new_ids
from server.db.enums import PredictionSource
from server.db.models import Prediction
from server.domain.monitoring.drift import pack_samples, recent_features
from server.domain.prediction.blobs import (
    SAMPLE_SIZE,
    SUMMARY_BYTES,
    iso_times,
    pack_forecasts,
    pack_summaries,
    packed_samples,
    stored_summary,
    unpack_forecast,
    unpack_summary,
)
from server.domain.prediction.history import Served
from training.metrics import seasonal_naive_scale
from training.profile import WINDOW


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(float(value)) else None


def reference(values: np.ndarray, season: int) -> dict[str, Any]:
    """The summary of one input, its scale as training takes it (edges trimmed, gaps filled)."""
    observed = values[~np.isnan(values)]
    scale = 0.0
    if observed.size:
        series = pd.Series(values)
        filled = series.loc[series.first_valid_index() : series.last_valid_index()].interpolate().to_numpy()
        scale = seasonal_naive_scale(filled, season) if filled.size > 1 else 0.0
    return {
        "length": values.size,
        "observed": observed.size,
        "mean": _finite(observed.mean()) if observed.size else None,
        "std": _finite(observed.std()) if observed.size else None,
        "last": _finite(values[-1]),
        "sample": [_finite(v) for v in values[-SAMPLE_SIZE:]],
        "scale": scale if scale > 0 else None,
    }


def close(a: object, b: object) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)  # type: ignore[arg-type]


def test_summaries_match_the_per_series_computation() -> None:
    rng = np.random.default_rng(0)
    series = [rng.normal(size=int(rng.integers(1, 60))) for _ in range(300)]
    for s in series[::7]:
        s[rng.integers(0, s.size)] = np.nan
    series += [np.array([np.nan, np.nan]), np.array([5.0]), np.full(30, 2.0)]
    packed = pack_summaries(np.concatenate(series), np.array([s.size for s in series]), 12)
    assert len(packed) == len(series)
    assert {len(blob) for blob in packed} == {SUMMARY_BYTES}
    for values, blob in zip(series, packed, strict=True):
        expected = reference(values, 12)
        summary = unpack_summary(blob)
        assert summary.keys() == expected.keys()
        for key, value in expected.items():
            assert close(summary[key], value), (key, summary[key], value)


def test_packed_samples_are_the_samples_of_each_summary_in_order() -> None:
    rng = np.random.default_rng(2)
    series = [rng.normal(size=int(rng.integers(1, 40))) for _ in range(200)]
    for s in series[::5]:
        s[-1] = np.nan
    series += [np.array([np.nan]), np.full(SAMPLE_SIZE, np.nan)]
    blobs = pack_summaries(np.concatenate(series), np.array([s.size for s in series]), 12)
    values, lengths = packed_samples(blobs)
    one_by_one = [unpack_summary(blob)["sample"] for blob in blobs]
    assert lengths.tolist() == [len(sample) for sample in one_by_one]
    assert close([None if np.isnan(v) else float(v) for v in values], [v for s in one_by_one for v in s])
    assert packed_samples([])[0].size == 0 and packed_samples([])[1].size == 0


def test_drift_features_leave_out_samples_without_a_finite_value() -> None:
    samples: list[list[float | None]] = [[1.0, None, 2.0, 4.0], [None, None], [], [3.0, 6.0]]
    recent = recent_features(*pack_samples(samples))
    assert recent["value"].tolist() == [1.0, 2.0, 4.0, 3.0, 6.0]
    assert recent["change"].tolist() == [1.0, 1.0]  # 2 -> 4 and 3 -> 6; none across samples
    assert recent_features(*pack_samples([[None], []])) == {}


def test_a_row_reads_its_packed_summary_or_the_json_one_stored_before() -> None:
    [blob] = pack_summaries(np.array([3.0, np.nan, 5.0]), np.array([3]), 12)
    packed = Prediction(input_summary={"request": "r1"}, input_blob=blob)
    assert stored_summary(packed) == {
        "request": "r1",
        "length": 3,
        "observed": 2,
        "mean": 4.0,
        "std": 1.0,
        "last": 5.0,
        "sample": [3.0, None, 5.0],
        "scale": 1.0,  # of 3, 4, 5, as training fills the gap
    }
    older = {"request": "r0", "length": 2, "sample": [1.0, 2.0], "scale": 1.0}
    assert stored_summary(Prediction(input_summary=older, input_blob=None)) == older


def test_iso_times_read_like_aware_isoformat() -> None:
    stamps = np.array([["2024-01-31T00:00:00", "2024-02-29T12:30:05"]], dtype="datetime64[ns]")
    assert iso_times(stamps) == [["2024-01-31T00:00:00+00:00", "2024-02-29T12:30:05+00:00"]]


def test_packed_forecasts_read_back_as_records() -> None:
    rng = np.random.default_rng(1)
    point = rng.normal(size=(3, 4)).astype(np.float32)
    quantiles = rng.normal(size=(3, 4, 2)).astype(np.float32)
    point[1, 2] = np.nan
    times = np.datetime64("2024-01-01", "ns") + np.arange(12).reshape(3, 4).astype("timedelta64[D]")
    dated, undated = pack_forecasts(point, quantiles, times), pack_forecasts(point, quantiles, None)
    for i in range(3):
        record = unpack_forecast(dated[i], 4, (0.1, 0.9))
        assert record["levels"] == [0.1, 0.9]
        assert close(record["point"], [_finite(v) for v in point[i].tolist()])
        assert close(record["quantiles"], quantiles[i].tolist())
        assert record["timestamps"] == iso_times(times[i])
        assert unpack_forecast(undated[i], 4, (0.1, 0.9)) | {"timestamps": record["timestamps"]} == record
        assert unpack_forecast(undated[i], 4, (0.1, 0.9))["timestamps"] is None
    assert unpack_forecast(dated[1], 4, (0.1, 0.9))["point"][2] is None  # NaN is stored, read as None


def test_ids_of_one_request_are_distinct_uuids() -> None:
    first, second = new_ids(1000), new_ids(1000)
    assert len(set(first) | set(second)) == 2000
    assert all(str(uuid.UUID(i)) == i for i in first[:3] + second[-3:])
    many = new_ids(5000)  # past the counters formatted in advance
    assert len(set(many)) == 5000
    assert [int(i[-5:], 16) for i in many] == list(range(5000))
    assert all(str(uuid.UUID(i)) == i for i in many[4094:4098])
    assert [many[0], many[4097], many[-1]] == [many.strings()[0], many.strings()[4097], many.strings()[-1]]
    assert many.encoded().tolist() == [i.encode() for i in many]  # as sent on the wire
    assert pickle.loads(pickle.dumps(many)) == many and len(pickle.dumps(many)) < 200  # queued as it is
    with pytest.raises(IndexError):
        many[5000]


def test_the_kept_sample_is_a_drift_window() -> None:
    # history.py keeps its own copy, so that the history process need not load the training stack.
    assert SAMPLE_SIZE == WINDOW


def served(n: int, dated: bool) -> Served:
    rng = np.random.default_rng(n)
    ids = new_ids(n)
    values = rng.normal(size=n * 7).astype(np.float32)
    values[3] = np.nan
    days = np.arange(n * 4).reshape(n, 4).astype("timedelta64[D]")
    stamps = np.datetime64("2024-01-01T00:00:00", "ns") + days
    return Served(
        owner_id="owner",
        model_id="model",
        version_id="version",
        source=PredictionSource.UNARY if n == 1 else PredictionSource.STREAM,
        request=ids[0],
        ids=ids,
        series_ids=[f"s{i}" for i in range(n)],
        values=values,
        lengths=np.full(n, 7, dtype=np.int32),
        season_length=12,
        levels=(0.1, 0.9),
        point=rng.normal(size=(n, 4)).astype(np.float32),
        quantiles=rng.normal(size=(n, 4, 2)).astype(np.float32),
        times=stamps if dated else None,
        latency_ms=1.5,
    )


def same(a: Served, b: Served) -> bool:
    for name in Served.__dataclass_fields__:
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, np.ndarray):
            if not (x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y, equal_nan=True)):
                return False
        elif list(x) != list(y) if name in ("ids", "series_ids") else x != y:
            return False
    return True


class _EarlierServer(pickle.Pickler):
    """Pickles a Served as servers before its own reduction did (a spool they left)."""

    def reducer_override(self, obj: Any) -> Any:
        return object.__reduce_ex__(obj, 5) if isinstance(obj, Served) else NotImplemented


@pytest.mark.parametrize("n", [1, 16, 17, 1024])
@pytest.mark.parametrize("dated", [True, False])
def test_a_served_request_comes_out_of_its_pickle_as_it_went_in(n: int, dated: bool) -> None:
    original = served(n, dated)
    for protocol in (4, 5):  # the history process's pipe, the spool
        assert same(pickle.loads(pickle.dumps(original, protocol=protocol)), original)
    earlier = io.BytesIO()
    _EarlierServer(earlier, protocol=5).dump(original)
    assert same(pickle.loads(earlier.getvalue()), original)
    if n == 1:  # a one-series request's arrays go as raw bytes, not numpy's reductions
        assert len(pickle.dumps(original)) < len(earlier.getvalue()) - 100


def test_a_requests_arrays_out_of_order_in_memory_are_pickled_in_order() -> None:
    original = served(2, dated=True)
    transposed = np.asfortranarray(original.point)  # a slice of a larger answer may be laid out so
    copy = Served(**{**original.__dict__, "point": transposed})
    assert same(pickle.loads(pickle.dumps(copy)), original)
