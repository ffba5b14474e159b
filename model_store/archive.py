"""Turn an artifact directory into a TorchServe model archive (.mar), and put archives into
(and take them out of) the model store a TorchServe reads.

Layout inside the archive::

    handler.py            model_store/handler.py (the TorchServe entry point)
    artifact/...          the artifact directory (config, weights, scaler, profile, metrics)
    code/training/...     the forecasting package the handler imports
    code/model_store/...  the packed request layout
"""

from __future__ import annotations

import contextlib
import os
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


def stage_archive(store: Path, name: str, mar: Path | None, artifact_dir: Path) -> None:
    """Put ``<store>/<name>.mar`` in place, atomically, unless it is there (versions never change):
    a copy of ``mar``, or, where that is missing, one built from ``artifact_dir``."""
    target = store / f"{name}.mar"
    if target.exists():
        return
    store.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=store, prefix=".staging-") as staging:
        if mar is not None and mar.exists():
            staged = Path(staging) / target.name
            shutil.copyfile(mar, staged)
        else:
            staged = build_mar(artifact_dir, staging, name)
        os.replace(staged, target)


def unstage_archive(store: Path, name: str) -> None:
    """Remove ``<store>/<name>.mar``: a TorchServe that starts with ``load_models=all`` would
    register it again."""
    with contextlib.suppress(FileNotFoundError):
        (store / f"{name}.mar").unlink()
