"""A real Celery worker process (``quantis worker``) for tests that train through a broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from server.settings import Settings


@contextmanager
def celery_worker_process(settings: Settings, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    environment = {
        **os.environ,
        "QUANTIS_ENVIRONMENT": settings.environment.value,
        "QUANTIS_DATA_DIR": str(settings.data_dir),
        "QUANTIS_DATABASE_URL": settings.database_url,
        "QUANTIS_REDIS_URL": settings.redis_url,
        "QUANTIS_REDIS_KEY_PREFIX": settings.redis_key_prefix,
        "QUANTIS_JOB_BROKER": settings.job_broker,
        "QUANTIS_JWT_SECRET": settings.jwt_secret,
    }
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "server", "worker", "--concurrency", "1"],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parents[3],
    )
    try:
        yield worker
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()
