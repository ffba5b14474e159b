"""A trained version on disk: the directory layout, saving and loading.

<dir>/config.json    model type, hyperparameters, horizon, frequency, trained quantiles
<dir>/weights.pt     state dicts of the ensemble members (deep models only)
<dir>/scaler.json    per-series scaling statistics
<dir>/profile.json   training-data profile for drift detection (histograms + samples)
<dir>/metrics.json   validation / backtest metrics
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from training.errors import TrainingError
from training.models.base import Forecaster
from training.models.deep import DeepForecaster
from training.models.statistical import StatisticalForecaster
from training.panel import Panel
from training.profile import FeatureProfile, build_profile

FORMAT_VERSION = 1


def save_artifact(
    model: Forecaster,
    directory: Path | str,
    panel: Panel | None = None,
    metrics: dict[str, Any] | None = None,
) -> Path:
    """Write ``model`` (and the profile of its training ``panel``) to ``directory``."""
    path = Path(directory)
    model.save(path)
    config = json.loads((path / "config.json").read_text())
    config["format_version"] = FORMAT_VERSION
    (path / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True))
    if panel is not None:
        profile = {name: feature.to_json() for name, feature in build_profile(panel).items()}
        (path / "profile.json").write_text(json.dumps(profile))
    (path / "metrics.json").write_text(json.dumps(metrics or {}, indent=2, sort_keys=True))
    return path


def read_config(directory: Path | str) -> dict[str, Any]:
    config: dict[str, Any] = json.loads((Path(directory) / "config.json").read_text())
    if int(config.get("format_version", 0)) > FORMAT_VERSION:
        raise TrainingError(f"artifact format {config['format_version']} is newer than {FORMAT_VERSION}")
    return config


def load_artifact(directory: Path | str) -> Forecaster:
    """The forecaster saved in ``directory``; it forecasts exactly as the saved one did."""
    path = Path(directory)
    model_type = read_config(path)["model_type"]
    if model_type in ("LSTM", "TFT"):
        return DeepForecaster.load(path)
    return StatisticalForecaster.load(path)


def load_profile(directory: Path | str) -> dict[str, FeatureProfile]:
    data = json.loads((Path(directory) / "profile.json").read_text())
    return {name: FeatureProfile.from_json(feature) for name, feature in data.items()}


def load_metrics(directory: Path | str) -> dict[str, Any]:
    metrics: dict[str, Any] = json.loads((Path(directory) / "metrics.json").read_text())
    return metrics
