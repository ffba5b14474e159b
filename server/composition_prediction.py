"""Builders for the prediction side: the inference backend, the history spool, and the
prediction runtime (batcher, version router, history writer, predictor, batch jobs) on them.

``build_application`` in server.composition builds the runtime with these; tests and
benchmarks may build one on its own.
"""

from __future__ import annotations

from opentelemetry import trace

from model_store.torchserve import TorchServeProcess
from server.backends.base import ForecastBackend
from server.backends.batcher import DynamicBatcher
from server.backends.inprocess import InProcessBackend
from server.backends.torchserve import TorchServeBackend
from server.db.database import Database
from server.db.engine import in_memory
from server.domain.prediction.batch import BatchPredictions
from server.domain.prediction.failures import FailureLog
from server.domain.prediction.records import PredictionRecords
from server.domain.prediction.requests import Limits
from server.domain.prediction.routing import VersionRouter
from server.domain.prediction.runtime import PredictionRuntime
from server.domain.prediction.service import Predictor
from server.domain.prediction.spool import Spool
from server.domain.prediction.writer import HistoryWriter
from server.jobs.panels import PanelCache
from server.jobs.store import ModelStore
from server.observability.metrics import RpcMetrics
from server.settings import Settings


def inference_backend(settings: Settings) -> ForecastBackend:
    if settings.inference_backend == "in-process":
        return InProcessBackend(
            torch_threads=settings.inference_torch_threads,
            workers=settings.inference_workers,
            inline_max_seconds=settings.inference_inline_max_ms / 1000,
        )
    timeout = settings.torchserve_timeout_seconds
    if settings.torchserve_management_url and settings.torchserve_model_store is not None:
        return TorchServeBackend(
            management_url=settings.torchserve_management_url,
            grpc_target=settings.torchserve_grpc_target,
            model_store=settings.torchserve_model_store,
            workers=settings.torchserve_workers,
            timeout=timeout,
        )
    home = (settings.data_dir / "torchserve").resolve()  # TorchServe runs in it: no relative paths
    return TorchServeBackend.local(
        TorchServeProcess(home, workers=settings.torchserve_workers), timeout=timeout
    )


def history_spool(settings: Settings) -> Spool | None:
    if settings.history_spool_mb <= 0:
        return None
    return Spool(settings.data_dir / "history-spool", int(settings.history_spool_mb * 2**20))


def prediction_runtime(
    settings: Settings, db: Database, tracer: trace.Tracer | None = None, metrics: RpcMetrics | None = None
) -> PredictionRuntime:
    backend = inference_backend(settings)
    on_torchserve = settings.inference_backend == "torchserve"
    batcher = DynamicBatcher(
        backend,
        max_series=settings.inference_batch_max_series,
        max_delay=settings.inference_batch_max_delay_ms / 1000,
        # One pass at a time per inference thread or TorchServe worker; the rest gathers meanwhile.
        max_concurrent=settings.torchserve_workers if on_torchserve else settings.inference_workers,
        # In-process passes share the interpreter with the event loop: overlap only sizeable ones.
        overlap_min_series=1 if on_torchserve else max(1, settings.inference_batch_max_series // 4),
        tracer=tracer,
        on_batch=metrics.observe_batch if metrics else None,
    )
    router = VersionRouter(db, ModelStore(settings.object_store_dir), settings.prediction_routing_ttl_seconds)
    persistent = not in_memory(db.engine.url)  # another process, or a later server, can open it
    history = HistoryWriter(
        db,
        on_record=metrics.count_predictions if metrics else None,
        separate_process=settings.history_process and persistent,
        gather_seconds=settings.history_gather_ms / 1000,
        nice=settings.history_nice,
        idle=settings.history_idle,
        max_queued_series=settings.history_queue_max_rows,
        spool=history_spool(settings) if persistent else None,
    )
    if metrics is not None:
        metrics.watch_history(history)
    limits = Limits(
        max_series_length=settings.prediction_max_series_length,
        max_queued_series=settings.inference_queue_max_series,
        max_answer_bytes=settings.max_message_bytes,
    )
    predictor = Predictor(router, batcher, history, limits, FailureLog(db))
    panels = PanelCache(settings.prediction_batch_panel_cache_values)
    store = ModelStore(settings.object_store_dir)
    batches = BatchPredictions(db, store, predictor, panels, settings.max_message_bytes)
    return PredictionRuntime(backend, batcher, router, history, predictor, PredictionRecords(db), batches)
