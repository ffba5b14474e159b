"""Scenario 1: a bounded loopback load at about 80% of the capacity a short ramp measured."""

from __future__ import annotations

from pathlib import Path

import psutil
import pytest

from tests.reliability import load
from tests.reliability.conftest import LOAD_SECONDS
from tests.reliability.servers import served

pytestmark = pytest.mark.slow

CLIENTS = 4
RAMP = (2, 4)
RAMP_SECONDS = 3.0
RATE_CLASSES = ("default", "prediction")


def test_load_at_80_percent_of_capacity_has_no_errors_and_stable_memory(
    tmp_path: Path, artifacts: list[Path], figures: dict[str, object]
) -> None:
    # One caller makes every call: rate limits (tested on their own) would cap the load, not the server.
    unlimited = {
        f"rate_limit_{kind}_{part}": "1000000" for kind in RATE_CLASSES for part in ("burst", "per_second")
    }
    with served(tmp_path, artifacts, **unlimited) as running:
        metadata = running.metadata()
        process = psutil.Process(running.server.process.pid)
        capacity = 0.0
        for clients in RAMP:  # flat out with more and more clients; the best throughput is the capacity
            ramp = load.run(
                running.address, metadata, running.model_id, clients=clients, seconds=RAMP_SECONDS
            )
            assert not ramp.errors, ramp.errors[:5]
            capacity = max(capacity, ramp.calls / RAMP_SECONDS)
        rss_start = process.memory_info().rss
        steady = load.run(
            running.address,
            metadata,
            running.model_id,
            clients=CLIENTS,
            seconds=LOAD_SECONDS,
            rate=0.8 * capacity,
        )
        rss_end = process.memory_info().rss
        figures.update(
            capacity_rps=capacity,
            load_rps=steady.calls / LOAD_SECONDS,
            seconds=LOAD_SECONDS,
            calls=steady.calls,
            errors=len(steady.errors),
            p50_ms=steady.percentile(0.5),
            p99_ms=steady.percentile(0.99),
            rss_start_mb=rss_start / 2**20,
            rss_end_mb=rss_end / 2**20,
        )
        assert not steady.errors, steady.errors[:5]
        assert steady.calls >= 0.5 * 0.8 * capacity * LOAD_SECONDS  # the pacing held the target
        assert set(steady.latencies) == {"predict", "stream", "dataset", "model"}
        # Stable memory: the steady phase (after the ramp warmed every cache) grows RSS little.
        assert rss_end <= rss_start * 1.25 + 32 * 2**20, (rss_start, rss_end)
        assert running.server.stop() == 0
