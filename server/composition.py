"""Composition: every layer built once from Settings, and passed down by constructor.

No module-level singletons: tests build an Application with their own settings
(or swap any layer) the same way ``quantis serve`` does.

``build_application`` wires the layers; the builders it calls live beside it:
server.composition_services (job runner, model and financial servicers, drift
thresholds) and server.composition_prediction (inference backend, history spool,
prediction runtime).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from redis.asyncio import Redis

from server import contracts
from server.admin import account_policy, utcnow
from server.auth.tokens import TokenCodec
from server.composition_prediction import prediction_runtime
from server.composition_services import (
    Clock,
    drift_thresholds,
    financial_servicer,
    job_runner,
    model_servicer,
)
from server.db.database import Database
from server.domain.accounts import AccountService
from server.domain.admins import INITIAL_ADMIN_FILE
from server.domain.api_keys import ApiKeyService
from server.domain.audit import AuditLogWriter
from server.domain.authenticator import CredentialAuthenticator
from server.domain.datasets.files import DatasetFiles
from server.domain.datasets.service import DatasetService
from server.domain.datasets.uploads import UploadService
from server.domain.forecasting.jobs import TrainingJobs
from server.domain.forecasting.models import ModelCatalog
from server.domain.monitoring.alerts import AlertService
from server.domain.monitoring.audit_log import AuditLogQuery
from server.domain.monitoring.drift_reports import DriftReports
from server.domain.monitoring.error_rates import ErrorRateWatch
from server.domain.monitoring.health import (
    HealthService,
    Kind,
    NamedCheck,
    backend_check,
    database_check,
    disk_check,
    redis_check,
)
from server.domain.monitoring.live import LiveEvents
from server.domain.monitoring.model_watch import ModelWatch
from server.domain.monitoring.notifications import NotificationService
from server.domain.monitoring.stats import SystemStats
from server.domain.monitoring.watch import ComponentWatch
from server.domain.prediction.demo import DemoModel, bootstrap_demo
from server.domain.prediction.retention import HistoryRetention
from server.domain.prediction.runtime import PredictionRuntime
from server.domain.users import UserService
from server.interceptors.audit import AuditInterceptor
from server.interceptors.auth import AuthInterceptor
from server.interceptors.rate_limit import RateLimitInterceptor
from server.interceptors.wrapping import WrappingInterceptor
from server.jobs.runner import JobRunner
from server.jobs.store import ModelStore
from server.observability.metrics import RpcMetrics
from server.observability.tracing import build_tracer_provider, tracer_of
from server.servicers import Servicers
from server.servicers.auth import AuthServicer
from server.servicers.dataset import DatasetServicer
from server.servicers.monitoring import MonitoringServicer
from server.servicers.prediction import PredictionServicer
from server.settings import Environment, Settings
from server.state.events import EventBus, MemoryEventBus, RedisEventBus
from server.state.rate_limit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from server.state.revocation import MemoryRevocationStore, RedisRevocationStore, RevocationStore


@dataclass
class Application:
    """Everything a server process runs on, and how to close it."""

    settings: Settings
    db: Database
    redis: Redis | None
    accounts: AccountService
    users: UserService
    authenticator: CredentialAuthenticator
    bus: EventBus
    notifications: NotificationService
    alerts: AlertService
    health: HealthService
    component_watch: ComponentWatch
    model_watch: ModelWatch
    error_rate_watch: ErrorRateWatch
    history_retention: HistoryRetention
    metrics: RpcMetrics
    servicers: Servicers
    interceptors: list[WrappingInterceptor] = field(default_factory=list)
    jobs: JobRunner | None = None
    prediction: PredictionRuntime | None = None
    tracer_provider: TracerProvider | None = None

    @property
    def tracer(self) -> trace.Tracer:
        return tracer_of(self.tracer_provider)

    async def close(self) -> None:
        if self.prediction is not None:
            await self.prediction.close()
        if self.jobs is not None:
            await self.jobs.stop()
        if self.redis is not None:
            await self.redis.aclose()
        self.db.dispose()
        if self.tracer_provider is not None:
            self.tracer_provider.shutdown()  # sends the spans still waiting for export


async def bootstrap_demo_model(application: Application) -> DemoModel | None:
    """The demo dataset and LSTM, on a first start (see server.domain.prediction.demo)."""
    settings, db = application.settings, application.db
    if application.jobs is None:
        return None
    store = ModelStore(settings.object_store_dir)

    async def publish(event: dict[str, object] | None) -> None:
        return None

    datasets = DatasetService(db, DatasetFiles(settings.object_store_dir), settings.max_upload_bytes, utcnow)
    return await bootstrap_demo(
        db,
        datasets,
        ModelCatalog(db, store, settings.max_horizon, publish),
        TrainingJobs(db, application.jobs, application.bus, settings.max_horizon),
    )


async def build_application(
    settings: Settings, *, clock: Clock = utcnow, tracer_provider: TracerProvider | None = None
) -> Application:
    """Build the layers for ``settings`` (the database must already be migrated); tests may
    pass a ``tracer_provider`` of their own."""
    tracer_provider = tracer_provider or build_tracer_provider(settings.otlp_endpoint)
    db = Database.connect(settings.resolved_database_url, tracer_of(tracer_provider))
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    revocations: RevocationStore = (
        RedisRevocationStore(redis, settings.redis_key_prefix + "revoked:")
        if redis
        else MemoryRevocationStore()
    )
    codec = TokenCodec(settings.jwt_secret, timedelta(minutes=settings.access_token_minutes))
    accounts = AccountService(db, codec, revocations, account_policy(settings), clock)
    users = UserService(db, accounts, clock)
    if settings.admin_username:
        await users.ensure_admin(settings.admin_username, settings.admin_email, settings.admin_password)
    elif settings.environment is Environment.DEVELOPMENT and settings.initial_admin:
        await users.ensure_initial_admin(settings.data_dir / INITIAL_ADMIN_FILE)
    datasets = DatasetService(db, DatasetFiles(settings.object_store_dir), settings.max_upload_bytes, clock)
    upload_lifetime = timedelta(hours=settings.upload_session_hours)
    bus: EventBus = RedisEventBus(redis, settings.redis_key_prefix + "events:") if redis else MemoryEventBus()
    runner = job_runner(settings, db, bus)
    notifications = NotificationService(db, bus, clock)
    alerts = AlertService(db, bus, clock)
    authenticator = CredentialAuthenticator(db, codec, revocations, clock)
    live = LiveEvents(bus, settings.events_heartbeat_seconds, authenticator.still_valid)
    metrics = RpcMetrics()
    stats = SystemStats(db, metrics)
    health = HealthService(
        [
            NamedCheck("database", Kind.DATABASE, database_check(db)),
            NamedCheck("cache", Kind.CACHE, redis_check(redis)),
            NamedCheck("data directory", Kind.DISK, disk_check(settings.data_dir)),
        ]
    )
    prediction = prediction_runtime(settings, db, tracer_of(tracer_provider), metrics)
    prediction.history.start()  # what an earlier server left in the spool is stored from now on
    prediction.follow(bus)  # loads what each deployment serves
    prediction.unload_idle(db, settings.prediction_idle_unload_seconds)
    health.register(
        NamedCheck("inference backend", Kind.INFERENCE_BACKEND, backend_check(prediction.backend))
    )
    thresholds = drift_thresholds(settings)
    drift = DriftReports(
        db, ModelStore(settings.object_store_dir), thresholds, settings.drift_window_predictions, clock
    )
    servicers = Servicers(
        auth=AuthServicer(accounts, ApiKeyService(db, clock), users),
        dataset=DatasetServicer(datasets, UploadService(db, datasets, upload_lifetime, clock)),
        model=model_servicer(settings, db, bus, runner),
        prediction=PredictionServicer(
            prediction.predictor,
            prediction.records,
            prediction.batches,
            settings.prediction_stream_in_flight,
        ),
        financial=financial_servicer(settings, db, clock),
        monitoring=MonitoringServicer(health, notifications, alerts, AuditLogQuery(db), live, stats, drift),
    )
    rules = contracts.method_rules()
    limiter: RateLimiter = (
        RedisRateLimiter(redis, settings.redis_key_prefix + "rate:") if redis else MemoryRateLimiter()
    )
    proxies = [str(network) for network in settings.trusted_proxies]
    # Inside request context and error mapping, outermost first: audit, auth, rate limit.
    interceptors: list[WrappingInterceptor] = [
        AuditInterceptor(rules, AuditLogWriter(db), trusted_proxies=proxies),
        AuthInterceptor(rules, authenticator),
        RateLimitInterceptor(rules, limiter, settings.rate_limits(), trusted_proxies=proxies),
    ]
    await runner.start()
    return Application(
        settings=settings,
        db=db,
        redis=redis,
        accounts=accounts,
        users=users,
        authenticator=authenticator,
        bus=bus,
        notifications=notifications,
        alerts=alerts,
        health=health,
        component_watch=ComponentWatch(health, alerts),
        model_watch=ModelWatch(db, drift, alerts, notifications, metrics, thresholds),
        error_rate_watch=ErrorRateWatch(
            metrics, alerts, settings.error_rate_threshold, settings.error_rate_min_calls
        ),
        history_retention=HistoryRetention(
            db, settings.history_retention_days, on_pruned=metrics.history_pruned.inc
        ),
        metrics=metrics,
        servicers=servicers,
        interceptors=interceptors,
        jobs=runner,
        prediction=prediction,
        tracer_provider=tracer_provider,
    )
