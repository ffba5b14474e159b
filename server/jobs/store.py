"""Where trained versions live in the object store.

Layout under the object store root::

    models/<model id>/versions/<version id>/artifact/         the artifact directory
    models/<model id>/versions/<version id>/<archive>.mar     its TorchServe archive
    batch_jobs/<job id>/                                      a BatchPredict job's chunks and result
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path


class ModelStore:
    def __init__(self, root: Path):
        self.root = root

    def path(self, relative: str) -> Path:
        return self.root / relative

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def model_dir(self, model_id: str) -> Path:
        return self.root / "models" / model_id

    def version_dir(self, model_id: str, version_id: str) -> Path:
        return self.model_dir(model_id) / "versions" / version_id

    @staticmethod
    def archive_name(version_id: str) -> str:
        return f"quantis-{version_id}"

    def uri(self, relative: str | None) -> str:
        return self.path(relative).resolve().as_uri() if relative else ""

    @property
    def batch_jobs_dir(self) -> Path:
        return self.root / "batch_jobs"

    def delete_model(self, model_id: str, batch_job_ids: Sequence[str] = ()) -> None:
        """The model's files, and those of its batch jobs (which went with its rows)."""
        shutil.rmtree(self.model_dir(model_id), ignore_errors=True)
        for job_id in batch_job_ids:
            self.delete_batch_job(job_id)

    def delete_batch_job(self, job_id: str) -> None:
        shutil.rmtree(self.batch_jobs_dir / job_id, ignore_errors=True)
