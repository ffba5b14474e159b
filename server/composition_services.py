"""Per-service builders for the composition root: the training job runner, the model and
financial servicers, and the drift thresholds monitoring judges models by.

Each builds one layer from Settings and what it depends on; ``build_application`` in
server.composition wires them together.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from server.db.database import Database
from server.domain.finance.compliance import ComplianceService
from server.domain.finance.config import FinanceConfig
from server.domain.finance.ledger import Ledger
from server.domain.finance.limits import LimitPolicy
from server.domain.finance.listing import TransactionLister
from server.domain.finance.summary import SummaryService
from server.domain.forecasting.comparison import ModelComparison
from server.domain.forecasting.jobs import TrainingJobs
from server.domain.forecasting.models import ModelCatalog
from server.domain.forecasting.versions import ModelVersions
from server.domain.monitoring.drift import Thresholds
from server.jobs.local_runner import LocalJobRunner
from server.jobs.publish import deliveries
from server.jobs.runner import CeleryJobRunner, JobRunner
from server.jobs.store import ModelStore
from server.jobs.worker_config import queue_name, worker_config
from server.servicers.financial import FinancialServicer
from server.servicers.model import ModelServicer
from server.settings import Settings
from server.state.events import EventBus

Clock = Callable[[], datetime]


def drift_thresholds(settings: Settings) -> Thresholds:
    return Thresholds(
        warning_psi=settings.drift_warning_psi,
        critical_psi=settings.drift_critical_psi,
        min_values=settings.drift_min_values,
        min_live_points=settings.accuracy_min_points,
        mase_factor=settings.accuracy_mase_factor,
        coverage_drop=settings.accuracy_coverage_drop,
    )


def financial_servicer(settings: Settings, db: Database, clock: Clock) -> FinancialServicer:
    limits = LimitPolicy(daily=settings.finance_daily_limit, monthly=settings.finance_monthly_limit)
    ledger = Ledger(db, FinanceConfig.load(settings.finance_config_dir), limits, clock)
    return FinancialServicer(
        ledger,
        TransactionLister(db),
        SummaryService(db, clock),
        ComplianceService(db, limits, settings.finance_default_currency, clock),
    )


def job_runner(settings: Settings, db: Database, bus: EventBus) -> JobRunner:
    config = worker_config(settings)
    stale = settings.training_stale_seconds
    if settings.job_broker:
        queue = queue_name(settings.redis_key_prefix)
        return CeleryJobRunner(db, bus, config, stale, settings.job_broker, queue)
    return LocalJobRunner(db, bus, config, stale, settings.training_workers)


def model_servicer(settings: Settings, db: Database, bus: EventBus, runner: JobRunner) -> ModelServicer:
    store = ModelStore(settings.object_store_dir)

    async def publish(event: dict[str, Any] | None) -> None:
        for name, payload in deliveries(event) if event is not None else ():
            await bus.publish(name, payload)

    return ModelServicer(
        ModelCatalog(db, store, settings.max_horizon, publish, bus),
        TrainingJobs(db, runner, bus, settings.max_horizon),
        ModelVersions(db, bus),
        ModelComparison(db, store, settings.training_threads),
        store,
    )
