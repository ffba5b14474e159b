"""Turn an artifact directory into a TorchServe model archive (.mar).

Layout inside the archive::

    handler.py            model_store/handler.py (the TorchServe entry point)
    artifact/...          the artifact directory (config, weights, scaler, profile, metrics)
    code/training/...     the forecasting package the handler imports
    code/model_store/...  the packed request layout
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
from pathlib import Path

import model_store
import training
from training.artifacts import read_config

_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.csv")


def _archiver() -> tuple[type, object]:
    # model_archiver reads its version file without closing it when first imported.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        from model_archiver.model_archiver_config import ModelArchiverConfig  # type: ignore[import-untyped]
        from model_archiver.model_packaging import generate_model_archive  # type: ignore[import-untyped]
    return ModelArchiverConfig, generate_model_archive


def build_mar(
    artifact_dir: Path | str, export_dir: Path | str, model_name: str, version: str = "1.0"
) -> Path:
    """Write ``<export_dir>/<model_name>.mar`` from ``artifact_dir`` and return its path."""
    artifact = Path(artifact_dir)
    read_config(artifact)  # fails early on something that is not an artifact
    export = Path(export_dir)
    export.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="quantis-mar-") as tmp:
        staging = Path(tmp) / "extra"
        shutil.copytree(artifact, staging / "artifact")
        for package in (training, model_store):
            source = Path(package.__file__ or "").parent
            shutil.copytree(source, staging / "code" / package.__name__, ignore=_IGNORE)
        config_class, generate = _archiver()
        config = config_class(
            model_name=model_name,
            handler=str(Path(model_store.__file__ or "").parent / "handler.py"),
            version=version,
            extra_files=str(staging),
            export_path=str(export),
            force=True,
        )
        generate(config)  # type: ignore[operator]
    return export / f"{model_name}.mar"
