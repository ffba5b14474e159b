"""Fixtures for the forecasting-core tests: real series and small, fast models."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from training.datasets import load_demo, load_panel
from training.models.deep import DeepForecaster
from training.panel import Panel
from training.registry import create_forecaster

FAST: dict[str, Any] = {
    "hidden_size": 16,
    "max_epochs": 8,
    "patience": 3,
    "ensemble_size": 1,
    "batch_size": 64,
    "refit_full": False,
}


@pytest.fixture(autouse=True, scope="session")
def _bounded_threads() -> None:
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def air() -> Panel:
    return Panel.from_long(load_demo("airpassengers"))


@pytest.fixture(scope="session")
def fertility() -> Panel:
    return Panel.from_long(load_panel("fertility")).select(30)


@pytest.fixture(scope="session")
def trained_lstm(air: Panel) -> DeepForecaster:
    model = create_forecaster("LSTM", FAST)
    assert isinstance(model, DeepForecaster)
    model.fit(air.split(12)[0], 12)
    return model


@pytest.fixture(scope="session")
def trained_tft(fertility: Panel) -> DeepForecaster:
    small = Panel(
        fertility.series_ids[:30], fertility.values[:30], fertility.starts[:30], fertility.frequency
    )
    model = create_forecaster("TFT", {**FAST, "max_epochs": 3})
    assert isinstance(model, DeepForecaster)
    model.fit(small, 6)
    return model
