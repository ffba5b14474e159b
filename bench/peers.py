"""The systems Quantis is compared with in the serving benchmark: TorchServe called directly,
and MLServer on our custom runtime (bench/mlserver_runtime.py) in a virtual environment of its own.

Each is a context manager, as Quantis is (bench/systems.py): leaving the ``with`` block stops it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import TracebackType

from bench.systems import REPO, ProcessGroup
from model_store.torchserve import TorchServeProcess, http_call
from model_store.torchserve_config import free_port

# MLServer and what its runtime needs to load our artifact; uvloop 0.23 makes MLServer's
# inference workers crash-loop. torch 2.13.0 is the CPU wheel pip finds on this machine.
MLSERVER_REQUIREMENTS = (
    "mlserver==1.7.1",
    "uvloop==0.21.0",
    "torch==2.13.0",
    "numpy==2.4.6",
    "pandas==2.3.3",
    "scipy==1.17.1",
    "statsforecast==2.1.1",
)


class TorchServeDirect:
    """A TorchServe with one archive registered, called directly over its gRPC API."""

    name = "TorchServe"

    def __init__(self, home: Path, mar: Path, model_name: str, workers: int) -> None:
        self.process = TorchServeProcess(home, workers=workers)
        self.mar, self.model_name, self.workers = mar, model_name, workers

    @property
    def target(self) -> str:
        return self.process.grpc_target

    def __enter__(self) -> TorchServeDirect:
        shutil.rmtree(self.process.home, ignore_errors=True)
        self.process.start()
        try:
            shutil.copy(self.mar, self.process.model_store / self.mar.name)
            query = f"url={self.mar.name}&model_name={self.model_name}&initial_workers={self.workers}"
            status, body = http_call(
                f"{self.process.management_url}/models?{query}&synchronous=true", "POST", timeout=180
            )
            if status != 200:
                raise RuntimeError(f"registering {self.mar.name} failed: {body.decode(errors='replace')}")
        except BaseException:
            self.process.stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.process.stop()


def ensure_mlserver_venv(venv: Path) -> Path:
    """The MLServer virtual environment (made once, with pip from the package index)."""
    stamp = venv / ".installed"
    if not stamp.exists():
        if not (venv / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, *MLSERVER_REQUIREMENTS], check=True)
        stamp.write_text("\n".join(MLSERVER_REQUIREMENTS) + "\n")
    return venv / "bin" / "mlserver"


class MLServerProcess(ProcessGroup):
    """``mlserver start`` on a model repository of our custom runtime, one model per settings.

    ``models`` maps a model name to its adaptive batching (max_batch_size, max_batch_time);
    (0, 0) turns batching off.
    """

    name = "MLServer"

    def __init__(
        self,
        home: Path,
        venv: Path,
        artifact: Path,
        models: dict[str, tuple[int, float]],
        horizon: int,
        quantiles: tuple[float, ...],
    ) -> None:
        super().__init__(home / "mlserver.log")
        self.home, self.venv, self.artifact, self.models = home, venv, artifact, models
        self.horizon, self.quantiles = horizon, quantiles
        self.grpc_port, self.http_port, self.metrics_port = free_port(), free_port(), free_port()

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def _write_repository(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)
        self.home.mkdir(parents=True)
        settings = {
            "debug": False,  # true logs every request
            "host": "127.0.0.1",
            "http_port": self.http_port,
            "grpc_port": self.grpc_port,
            "metrics_port": self.metrics_port,
            "grpc_max_message_length": 64 << 20,
        }
        (self.home / "settings.json").write_text(json.dumps(settings, indent=2))
        for name, (max_batch_size, max_batch_time) in self.models.items():
            model = {
                "name": name,
                "implementation": "bench.mlserver_runtime.ForecastRuntime",
                "max_batch_size": max_batch_size,
                "max_batch_time": max_batch_time,
                "parameters": {
                    "uri": str(self.artifact),
                    "extra": {"horizon": self.horizon, "quantiles": list(self.quantiles)},
                },
            }
            folder = self.home / "models" / name
            folder.mkdir(parents=True)
            (folder / "model-settings.json").write_text(json.dumps(model, indent=2))

    def _ready(self) -> bool:
        for name in self.models:
            try:
                status, _ = http_call(f"http://127.0.0.1:{self.http_port}/v2/models/{name}/ready", timeout=2)
            except OSError:
                return False
            if status != 200:
                return False
        return True

    def __enter__(self) -> MLServerProcess:
        mlserver = ensure_mlserver_venv(self.venv)
        self._write_repository()
        env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "PATH": f"{mlserver.parent}{os.pathsep}{os.environ['PATH']}",
        }
        env.pop("VIRTUAL_ENV", None)
        self._start([str(mlserver), "start", str(self.home)], env, self.home, self._ready)
        return self
