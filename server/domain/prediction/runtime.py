"""The serving runtime of one process: backend, batcher, router, history writer."""

from __future__ import annotations

from dataclasses import dataclass

from server.backends.base import ForecastBackend
from server.backends.batcher import DynamicBatcher
from server.domain.prediction.batch import BatchPredictions
from server.domain.prediction.records import PredictionRecords
from server.domain.prediction.routing import VersionRouter
from server.domain.prediction.service import Predictor
from server.domain.prediction.writer import HistoryWriter


@dataclass
class PredictionRuntime:
    backend: ForecastBackend
    batcher: DynamicBatcher
    router: VersionRouter
    history: HistoryWriter
    predictor: Predictor
    records: PredictionRecords
    batches: BatchPredictions

    async def close(self) -> None:
        """Store the history and failures still queued, then release the backend."""
        await self.history.close()
        await self.predictor.failures.close()
        await self.backend.close()
