"""Part 1 of the serving benchmark: the model in this process, no server (the ceiling).

Two rows per batch size and torch thread count: ``predict_packed`` (the call every
system makes: scaling, windowing, features, the network, quantile interpolation) and the
network's forward pass alone on inputs built beforehand.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

import numpy as np
import torch

from bench.payloads import HORIZON, QUANTILES, series
from bench.report import SERIES, Row
from training.features import build_inputs
from training.models.deep import DeepForecaster
from training.scaling import scale_packed
from training.windowing import last_windows

BATCHES = (1, 64, 1024)
THREADS = (1, 2)


def _timed(call: Callable[[], object], seconds: float) -> list[float]:
    call()  # warm
    latencies: list[float] = []
    stop = time.perf_counter() + seconds
    while (started := time.perf_counter()) < stop or len(latencies) < 5:
        call()
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def _network(model: DeepForecaster, values: np.ndarray) -> Callable[[], object]:
    """The forward pass of ``model``'s networks, on inputs built the way predict_packed builds them."""
    assert model.frequency is not None
    n, length = values.shape
    lengths = np.full(n, length, np.int32)
    anchors = model.frequency.shift(np.full(n, model.end_timestamp), 1 - lengths.astype(np.int64))
    scaled, _, scale = scale_packed(values.reshape(-1), lengths, model.transform)
    inputs = build_inputs(
        scaled,
        lengths,
        scale,
        anchors,
        model.frequency,
        last_windows(lengths),
        model.lookback,
        model.horizon,
        False,
        level_input=model.level_input,
    ).tensors

    def forward() -> object:
        with torch.no_grad():
            return [net(inputs) for net in model.nets]

    return forward


def forward_rows(model: DeepForecaster, seconds: float) -> list[Row]:
    rows: list[Row] = []
    before = torch.get_num_threads()
    try:
        for threads in THREADS:
            torch.set_num_threads(threads)
            for batch in BATCHES:
                values = series(batch)
                lengths = np.full(batch, values.shape[1], np.int32)
                calls: dict[str, Callable[[], object]] = {
                    "predict_packed": partial(
                        model.predict_packed, values.reshape(-1), lengths, HORIZON, QUANTILES
                    ),
                    "network forward": _network(model, values),
                }
                for mode, call in calls.items():
                    latencies = _timed(call, seconds)
                    rate = batch * len(latencies) / (sum(latencies) / 1000)
                    p50, p99 = np.percentile(latencies, [50, 99])
                    load = f"batch {batch}, {threads} thread{'s' if threads > 1 else ''}"
                    rows.append(Row(1, "torch in-process", mode, load, rate, SERIES, float(p50), float(p99)))
    finally:
        torch.set_num_threads(before)
    return rows
