"""A small trained LSTM artifact shared by the model-store tests."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from training.artifacts import save_artifact
from training.datasets import load_demo
from training.panel import Panel
from training.registry import create_forecaster


@pytest.fixture(scope="session")
def air() -> Panel:
    return Panel.from_long(load_demo("airpassengers"))


@pytest.fixture(scope="session")
def artifact_dir(air: Panel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    torch.set_num_threads(1)
    model = create_forecaster(
        "LSTM", {"hidden_size": 16, "max_epochs": 5, "ensemble_size": 2, "refit_full": False}
    )
    model.fit(air, 12)
    return save_artifact(model, tmp_path_factory.mktemp("artifact"), panel=air, metrics={"note": "test"})
