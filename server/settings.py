"""Server settings, read once from QUANTIS_* environment variables.

Every field has a default that starts a working server on the embedded
defaults: SQLite, in-memory cache, in-process inference backend.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import Field, IPvAnyNetwork, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from server.state.rate_limit import Limit

_PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "secret", "development-only-secret"}


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"
    TEST = "test"


class Settings(BaseSettings):
    """Configuration of one server process."""

    model_config = SettingsConfigDict(env_prefix="QUANTIS_", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    """development, test or production; production refuses placeholder secrets."""

    host: str = "127.0.0.1"
    """Address the gRPC server binds to."""

    port: int = Field(default=50051, ge=0, le=65535)
    """gRPC port; 0 picks a free port (used by tests)."""

    tls_cert_file: Path | None = None
    """PEM certificate chain the gRPC port serves TLS with; unset serves plaintext (local use)."""

    tls_key_file: Path | None = None
    """PEM private key of ``tls_cert_file``."""

    tls_client_ca_file: Path | None = None
    """PEM CA bundle; when set, clients must present a certificate it signed (mutual TLS)."""

    metrics_port: int = Field(default=9464, ge=-1, le=65535)
    """HTTP port of the Prometheus /metrics endpoint; 0 picks a free port, -1 turns it off.
    With server_processes above 1, serving process i (from 0) serves its own on metrics_port + i."""

    server_processes: int = Field(default=1, ge=1, le=64)
    """Serving processes sharing the gRPC port (SO_REUSEPORT; the kernel spreads connections
    over them). One process runs Python on one core at a time, so on a host with spare cores
    more processes answer more calls. Above 1 they must share state: needs redis_url (token
    revocation, rate limits, events), a fixed port, and the in-process backend or a TorchServe
    fleet (torchserve_management_url). See server.processes."""

    otlp_endpoint: str = Field(default="", validation_alias="OTEL_EXPORTER_OTLP_ENDPOINT")
    """OTLP/gRPC collector traces go to (the standard OTEL_EXPORTER_OTLP_ENDPOINT); empty sends none."""

    data_dir: Path = Path("var")
    """Root for the SQLite file and the object store (datasets, artifacts, batch results)."""

    database_url: str = ""
    """SQLAlchemy URL; empty means a SQLite file under data_dir."""

    redis_url: str = ""
    """Redis URL for rate limits, revocation and events; empty means in-memory equivalents."""

    redis_key_prefix: str = "quantis:"
    """Prefix of every Redis key this deployment writes (lets deployments share a Redis)."""

    jwt_secret: str = "development-only-secret"
    """HMAC key for access tokens; must be set to a real secret outside development and test."""

    access_token_minutes: int = Field(default=15, ge=1, le=30)
    """Lifetime of an access token (a JWT), in minutes."""

    refresh_token_days: int = Field(default=30, ge=1, le=365)
    """Lifetime of a login session and its refresh tokens, in days."""

    mfa_challenge_minutes: int = Field(default=5, ge=1, le=15)
    """How long an MFA challenge from Login may be completed with VerifyMfa."""

    max_sessions_per_user: int = Field(default=10, ge=1)
    """Active sessions a user may hold; a new login ends the oldest beyond this."""

    lockout_failures: int = Field(default=5, ge=1)
    """Consecutive failed logins (or MFA codes) that lock an account."""

    lockout_minutes: int = Field(default=15, ge=1)
    """How long a locked account stays locked."""

    password_hash_time_cost: int = Field(default=3, ge=1)
    """argon2id passes over its memory per password hash (RFC 9106's second option: 3)."""

    password_hash_memory_kib: int = Field(default=64 * 1024, ge=8)
    """argon2id memory per password hash, in KiB (64 MiB); at least 8 per lane."""

    password_hash_parallelism: int = Field(default=4, ge=1)
    """argon2id lanes per password hash. A stored hash made at other costs is made again at
    these on its user's next login."""

    allow_registration: bool = True
    """Whether anyone may Register (as a viewer); when false only admins create users."""

    initial_admin: bool = True
    """In development, with no admin and no QUANTIS_ADMIN_*, create "admin" with a random
    password written to <data_dir>/initial-admin-password (readable by the owner only)."""

    admin_username: str = ""
    """With admin_email and admin_password: create this admin on first start if no admin exists."""

    admin_email: str = ""
    """Email of the admin created on first start."""

    admin_password: str = ""
    """Password of the admin created on first start (must meet the password policy)."""

    health_check_seconds: float = Field(default=5.0, gt=0)
    """How often components are checked; grpc.health.v1 turns NOT_SERVING while the database is down."""

    model_check_seconds: float = Field(default=60.0, gt=0)
    """How often deployed versions are checked for drift and degraded live accuracy, and RPC error
    rates against error_rate_threshold; each check raises or resolves alerts."""

    drift_window_predictions: int = Field(default=1000, ge=1, le=100_000)
    """The recent predictions a version's drift is computed on when no window is asked for."""

    drift_min_values: int = Field(default=100, ge=1)
    """Fewer recent input values than this are too few to judge drift (INSUFFICIENT_DATA)."""

    drift_warning_psi: float = Field(default=0.1, gt=0)
    """Population stability index at which drift is moderate (a warning alert)."""

    drift_critical_psi: float = Field(default=0.25, gt=0)
    """Population stability index at which drift is significant (a critical alert)."""

    accuracy_min_points: int = Field(default=100, ge=1)
    """Forecast points with actuals needed before live accuracy can count as degraded."""

    accuracy_mase_factor: float = Field(default=1.2, gt=0)
    """Live accuracy is degraded when live MASE exceeds validation MASE times this factor."""

    accuracy_coverage_drop: float = Field(default=0.1, ge=0, le=1)
    """Live accuracy is degraded when live 80% coverage is this much below validation coverage."""

    error_rate_threshold: float = Field(default=0.05, ge=0, le=1)
    """Share of an RPC's calls failing through a server error (INTERNAL, UNAVAILABLE...) since the
    previous check above which an error-rate alert opens."""

    error_rate_min_calls: int = Field(default=20, ge=1)
    """Calls of an RPC since the previous check needed before its error rate is judged."""

    events_heartbeat_seconds: float = Field(default=15.0, gt=0)
    """How often WatchEvents sends a heartbeat on an otherwise quiet stream."""

    max_message_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    """Largest gRPC message accepted or sent."""

    shutdown_grace_seconds: float = Field(default=10.0, ge=0)
    """How long in-flight calls may run after SIGTERM before they are cancelled."""

    log_level: str = "INFO"
    """Python logging level name."""

    log_json: bool = True
    """Structured JSON logs (one object a line); plain text when false."""

    rate_limit_default_per_second: float = Field(default=50.0, gt=0)
    """Sustained calls a second one caller may make to RPCs of the default rate class."""

    rate_limit_default_burst: int = Field(default=100, ge=1)
    """Calls of the default class one caller may make at once before the sustained rate applies."""

    rate_limit_auth_per_minute: float = Field(default=20.0, gt=0)
    """Sustained authentication calls (register, login, refresh, MFA, password) a minute per caller;
    anonymous callers are counted by address."""

    rate_limit_auth_burst: int = Field(default=10, ge=1)
    """Authentication calls one caller may make at once before the sustained rate applies."""

    rate_limit_prediction_per_second: float = Field(default=500.0, gt=0)
    """Sustained prediction calls a second one caller may make (a stream counts once, when opened)."""

    rate_limit_prediction_burst: int = Field(default=1000, ge=1)
    """Prediction calls one caller may make at once before the sustained rate applies."""

    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=list)
    """Networks of reverse proxies (e.g. Envoy) whose x-forwarded-for header names the client, for
    per-address rate limits and audit records; a JSON list such as ["10.0.0.0/8"]. Empty: none."""

    max_upload_bytes: int = Field(default=1 << 30, ge=1)
    """Largest dataset file an upload may send, in bytes (default 1 GiB)."""

    upload_session_hours: float = Field(default=24.0, gt=0)
    """How long a resumable upload session lives after its last accepted chunk, in hours."""

    finance_daily_limit: Decimal = Field(default=Decimal(50_000), gt=0)
    """Each user's daily transaction limit, in units of the transaction's currency (every currency)."""

    finance_monthly_limit: Decimal = Field(default=Decimal(500_000), gt=0)
    """Each user's monthly transaction limit, in units of the transaction's currency (every currency)."""

    finance_default_currency: str = "USD"
    """The ISO 4217 currency GetLimits reports in when the request names none."""

    finance_config_dir: Path | None = None
    """Directory with the ledger's country_risk.json, sanctions.json, risk_rules.json and aml.json;
    unset means the shipped defaults (server/finance_config)."""

    job_broker: str = ""
    """Celery broker URL (redis://...) for training jobs, run by ``quantis worker`` processes; empty
    runs them in a local process pool beside the server."""

    training_workers: int = Field(default=1, ge=1, le=64)
    """Training jobs the local process pool runs at once (one process each)."""

    training_threads: int = Field(default=1, ge=1, le=64)
    """Torch threads one training job may use."""

    training_heartbeat_seconds: float = Field(default=5.0, gt=0)
    """How often a running training job records that its worker is alive."""

    training_stale_seconds: float = Field(default=120.0, gt=0)
    """A running job whose worker has not reported for this long is taken for lost: failed while
    the server runs, queued again when the server starts."""

    max_horizon: int = Field(default=365, ge=1)
    """Largest forecast horizon a model may be created with."""

    inference_torch_threads: int = Field(default=1, ge=1, le=64)
    """Torch threads each in-process forward pass may use."""

    inference_workers: int = Field(default=2, ge=1, le=64)
    """Forward passes the in-process backend runs at once, each in its own thread (the batcher
    keeps this many in flight): with more than one, one pass's Python glue overlaps another's
    kernels."""

    inference_inline_max_ms: float = Field(default=5.0, ge=0)
    """In-process passes expected to take at most this much CPU, in ms, run on the event loop
    instead of an inference thread (what a pass takes is learnt per version and size from the
    passes before it); 0 sends every pass to the thread. Inline, a pass saves the hop to the
    thread and back and its waits for the interpreter lock, and every other call waits for it
    instead; on a busy loop the dynamic batcher then holds the pass's place a while after it, so
    that requests gather as they would during a pass in a thread. Against 0, in three alternating
    pairs of runs of 1, 16 and 64 callers one after the other, 3 ms did 444-479 / 1,652-1,969 /
    1,692-1,862 requests/s against 421-430 / 1,527-1,852 / 1,638-1,799, with a p99 at 64 callers
    of 42-51 ms against 64-70 (docs/serving-performance.md, "Where the forward pass runs"). At
    300 requests/s sent at random times the loop is not busy enough to hold: p50 4.2-4.6 ms, where
    every pass in the thread measured 5.4-6.7. 5 ms rather than 3: on a slow day the passes 64
    callers make came near 3 ms and, once sent to the thread, stayed there."""

    switch_interval_ms: float = Field(default=0.5, gt=0, le=100)
    """How long a thread of a serving process may hold Python's interpreter lock while another
    waits for it (sys.setswitchinterval; Python's default is 5 ms). The inference threads let go
    of it at every numpy and torch call of a pass and then wait for the event loop to hand it
    back: at 0.5 ms, streaming 1,024 series per message in-process carried 135,000-141,500
    series/s against 129,300-133,100 at 5 ms, and unary Predict at 64 callers 2,127-2,170
    requests/s against 2,039-2,080, in alternating runs."""

    pin_interpreter: bool = True
    """Keep each serving process's Python threads on one CPU (process i on the i-th of the CPUs it
    was started with), so that the event loop and gRPC's poller hand the interpreter lock to each
    other without waking a thread on another CPU; the inference threads, gRPC's own threads and
    the server's child processes keep every CPU (server.cpus). Linux only; off, the kernel
    places every thread."""

    inference_backend: Literal["in-process", "torchserve"] = "in-process"
    """Where forward passes run: in this process, or on TorchServe (a fleet named by the
    torchserve_* URLs, or else one the server starts under <data_dir>/torchserve and stops)."""

    torchserve_management_url: str = ""
    """REST management API of an existing TorchServe fleet (http://host:8081); empty with
    torchserve_grpc_target empty: the server runs its own TorchServe."""

    torchserve_grpc_target: str = ""
    """gRPC inference address (host:port) of the fleet named by torchserve_management_url."""

    torchserve_model_store: Path | None = None
    """The fleet's model store as the server sees it (a shared volume): the server copies each
    version's .mar there before registering it. Needed with a fleet; the server's own TorchServe
    uses <data_dir>/torchserve/model-store."""

    torchserve_workers: int = Field(default=1, ge=1, le=64)
    """TorchServe workers (processes) each registered version starts with."""

    torchserve_timeout_seconds: float = Field(default=30.0, gt=0)
    """Longest one TorchServe inference call may take before the caller gets UNAVAILABLE."""

    inference_batch_max_series: int = Field(default=1024, ge=1)
    """Most series the dynamic batcher gathers into one forward pass."""

    inference_batch_max_delay_ms: float = Field(default=20.0, ge=0)
    """Longest a request waits in the dynamic batcher for others to share its forward pass, in ms,
    when a pass could start at once. It waits only when the previous pass of its kind served
    several requests, so a lone caller never does, and only until the batch holds as many requests
    as the recent passes did. 0 takes the requests that arrived together; the batches then stay
    small under load, and every request pays a pass's fixed cost. 20 ms raised the demo LSTM's
    unary Predict throughput at 16 and 64 callers in alternating runs against 0, 10 and 40. The
    cost falls on callers that arrive a few at a time from many clients: a batch that does not
    fill up waits the whole delay, so 0 suits callers who care more for latency than throughput."""

    history_process: bool = True
    """Store the prediction history from a child process, so that building and inserting its rows
    does not hold the interpreter lock the server's event loop needs (an in-memory SQLite
    database, which another process cannot open, is always written from a thread)."""

    history_gather_ms: float = Field(default=50.0, ge=0)
    """Longest a recorded prediction waits for others to share its history transaction, in ms
    (a full batch or a flush does not wait). A transaction's fixed cost, a commit and a
    statement, is otherwise paid for every request or two at moderate load."""

    history_nice: int = Field(default=10, ge=0, le=19)
    """How much lower than the server's the history process's CPU priority is (a Unix nice
    increment). When the CPUs are full, serving goes first and the history catches up when they
    are not, or, past its queue's limit, drops rows and counts them: streaming through
    TorchServe on two cores carried 22% more series per second at 10 than at 0, with no row
    dropped in either. 0 gives the history the server's priority. A nice ranks processes only
    within one session (Linux's autogroup) or cgroup: the server starts its own TorchServe in its
    session for that reason, and a TorchServe on the same host under another service manager
    unit competes as an equal whatever this is."""

    history_queue_max_rows: int = Field(default=200_000, ge=1)
    """Prediction history rows waiting in memory to be stored beyond which answered requests
    go to the spool (history_spool_mb)."""

    history_spool_mb: float = Field(default=2048.0, ge=0)
    """Disk, in MiB, for prediction history the history cannot store as fast as it is served
    (under <data_dir>/history-spool): past history_queue_max_rows waiting in memory, answered
    requests are spooled there and stored once the history has caught up, and a server stopped with a
    backlog leaves it there for the next start; rows whose transaction fails because the database
    is unavailable wait there too. A thousand streamed series take about 0.5 MiB.
    Rows past this are dropped and counted; 0 drops everything past the memory queue."""

    history_idle: bool = True
    """Run the history process under Linux's SCHED_IDLE policy, which gives it a CPU only when
    nothing else wants one: serving goes first, and what a burst answered waits in memory and the
    spool (history_spool_mb) until the CPUs have room. Streaming through TorchServe on two cores
    carried 134,000-136,000 series/s with it against 109,000-126,000 with history_nice alone, in
    alternating runs. Where the CPUs are never idle for long, the history stores little until
    they are and the spool fills: set it false, and history_nice ranks the history instead."""

    history_retention_days: float = Field(default=0.0, ge=0)
    """Days the prediction history is kept: older predictions, and the actuals submitted for
    them, are deleted every history_prune_seconds, a few thousand per transaction. 0 (the
    default) keeps them all. Set it above the longest time until a forecast's actuals arrive
    (a year of monthly forecasts: more than 365), or SubmitActuals finds them gone."""

    history_prune_seconds: float = Field(default=3600.0, gt=0)
    """How often predictions past history_retention_days are deleted."""

    inference_queue_max_series: int = Field(default=100_000, ge=1)
    """Series waiting in the dynamic batcher beyond which new requests get RESOURCE_EXHAUSTED."""

    prediction_max_series_length: int = Field(default=100_000, ge=1)
    """Most values one series sent for prediction may have."""

    prediction_stream_in_flight: int = Field(default=8, ge=1, le=1024)
    """StreamPredict requests one stream may have unanswered before the server stops reading it."""

    demo_model: bool = True
    """On ``quantis serve`` with no model yet and an admin to own it, store AirPassengers and train
    and deploy a small LSTM on it (the demo model of the README)."""

    prediction_batch_panel_cache_values: int = Field(default=10_000_000, ge=0)
    """Values of stored datasets BatchPredict keeps loaded for later jobs and resumes on the same
    dataset (8 bytes each, the most recently used kept; 0 keeps none)."""

    prediction_routing_ttl_seconds: float = Field(default=1.0, ge=0)
    """How long a model's routing (deployment, READY versions) is cached; a deploy takes effect
    within this time. In its last quarter an entry is refreshed behind the requests, which are
    answered from it meanwhile, so under steady traffic none waits for the database."""

    prediction_idle_unload_seconds: float = Field(default=900.0, ge=0)
    """How long a version no deployment serves (one pinned by its callers, or one a request
    routed just before a redeploy) stays loaded after its last forward pass; 0 keeps it until
    the model is deleted or the server stops. Not on a TorchServe fleet, which other servers
    may be calling it on."""

    web_listen: str = "127.0.0.1:8080"
    """host:port ``quantis web`` (the embedded gRPC-web bridge) listens on; --listen overrides it."""

    web_allowed_origins: list[str] = Field(default_factory=lambda: ["*"])
    """Origins whose browser pages may call through ``quantis web`` (CORS), such as
    ["http://localhost:5173"]; "*" allows any, as deploy/envoy/envoy.yaml does."""

    web_static_dir: Path | None = None
    """Directory of the dashboard ``quantis web`` serves at /; unset means clients/web/dist of
    this checkout (a page saying the dashboard is not built when that is missing)."""

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'quantis.db'}"

    def rate_limits(self) -> dict[str, Limit]:
        """The token-bucket limit of each rate class, for RateLimitInterceptor."""
        return {
            "default": Limit(rate=self.rate_limit_default_per_second, burst=self.rate_limit_default_burst),
            "auth": Limit(rate=self.rate_limit_auth_per_minute / 60, burst=self.rate_limit_auth_burst),
            "prediction": Limit(
                rate=self.rate_limit_prediction_per_second, burst=self.rate_limit_prediction_burst
            ),
        }

    @property
    def object_store_dir(self) -> Path:
        return self.data_dir / "store"

    @model_validator(mode="after")
    def _torchserve_fleet_complete(self) -> Settings:
        if bool(self.torchserve_management_url) != bool(self.torchserve_grpc_target):
            raise ValueError(
                "set both QUANTIS_TORCHSERVE_MANAGEMENT_URL and QUANTIS_TORCHSERVE_GRPC_TARGET, or neither"
            )
        if self.torchserve_management_url and self.torchserve_model_store is None:
            raise ValueError(
                "a TorchServe fleet needs QUANTIS_TORCHSERVE_MODEL_STORE (its shared model store)"
            )
        return self

    @model_validator(mode="after")
    def _processes_share_state(self) -> Settings:
        if self.server_processes == 1:
            return self
        if not self.redis_url:
            raise ValueError(
                "QUANTIS_SERVER_PROCESSES above 1 needs QUANTIS_REDIS_URL: revoked tokens and rate "
                "limits must be seen by every serving process"
            )
        if self.port == 0:
            raise ValueError("QUANTIS_SERVER_PROCESSES above 1 needs a fixed QUANTIS_PORT to share")
        if self.inference_backend == "torchserve" and not self.torchserve_management_url:
            raise ValueError(
                "QUANTIS_SERVER_PROCESSES above 1 with TorchServe needs a fleet "
                "(QUANTIS_TORCHSERVE_MANAGEMENT_URL): each process would start a TorchServe of its own"
            )
        return self

    @model_validator(mode="after")
    def _password_hash_memory_fits_its_lanes(self) -> Settings:
        if self.password_hash_memory_kib < 8 * self.password_hash_parallelism:
            raise ValueError(
                "QUANTIS_PASSWORD_HASH_MEMORY_KIB must be at least 8 KiB per lane "
                f"(QUANTIS_PASSWORD_HASH_PARALLELISM={self.password_hash_parallelism})"
            )
        return self

    @model_validator(mode="after")
    def _tls_complete(self) -> Settings:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("set both QUANTIS_TLS_CERT_FILE and QUANTIS_TLS_KEY_FILE, or neither")
        if self.tls_client_ca_file is not None and self.tls_cert_file is None:
            raise ValueError("QUANTIS_TLS_CLIENT_CA_FILE (mutual TLS) needs QUANTIS_TLS_CERT_FILE too")
        return self

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.environment is Environment.PRODUCTION and self.jwt_secret in _PLACEHOLDER_SECRETS:
            raise ValueError("QUANTIS_JWT_SECRET must be set to a real secret in production")
        return self
