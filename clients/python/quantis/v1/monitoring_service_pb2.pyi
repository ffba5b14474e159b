import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.rpc import code_pb2 as _code_pb2
from quantis.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class HealthStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HEALTH_STATUS_UNSPECIFIED: _ClassVar[HealthStatus]
    HEALTH_STATUS_SERVING: _ClassVar[HealthStatus]
    HEALTH_STATUS_DEGRADED: _ClassVar[HealthStatus]
    HEALTH_STATUS_NOT_SERVING: _ClassVar[HealthStatus]

class ComponentKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPONENT_KIND_UNSPECIFIED: _ClassVar[ComponentKind]
    COMPONENT_KIND_DATABASE: _ClassVar[ComponentKind]
    COMPONENT_KIND_CACHE: _ClassVar[ComponentKind]
    COMPONENT_KIND_INFERENCE_BACKEND: _ClassVar[ComponentKind]
    COMPONENT_KIND_MODEL_VERSION: _ClassVar[ComponentKind]
    COMPONENT_KIND_JOB_WORKERS: _ClassVar[ComponentKind]
    COMPONENT_KIND_DISK: _ClassVar[ComponentKind]

class AuditOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUDIT_OUTCOME_UNSPECIFIED: _ClassVar[AuditOutcome]
    AUDIT_OUTCOME_SUCCESS: _ClassVar[AuditOutcome]
    AUDIT_OUTCOME_DENIED: _ClassVar[AuditOutcome]
    AUDIT_OUTCOME_FAILURE: _ClassVar[AuditOutcome]

class DriftLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DRIFT_LEVEL_UNSPECIFIED: _ClassVar[DriftLevel]
    DRIFT_LEVEL_NONE: _ClassVar[DriftLevel]
    DRIFT_LEVEL_MODERATE: _ClassVar[DriftLevel]
    DRIFT_LEVEL_SIGNIFICANT: _ClassVar[DriftLevel]
    DRIFT_LEVEL_INSUFFICIENT_DATA: _ClassVar[DriftLevel]

class AlertKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALERT_KIND_UNSPECIFIED: _ClassVar[AlertKind]
    ALERT_KIND_DRIFT: _ClassVar[AlertKind]
    ALERT_KIND_ACCURACY_DEGRADED: _ClassVar[AlertKind]
    ALERT_KIND_ERROR_RATE: _ClassVar[AlertKind]
    ALERT_KIND_COMPONENT_UNHEALTHY: _ClassVar[AlertKind]

class AlertSeverity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALERT_SEVERITY_UNSPECIFIED: _ClassVar[AlertSeverity]
    ALERT_SEVERITY_INFO: _ClassVar[AlertSeverity]
    ALERT_SEVERITY_WARNING: _ClassVar[AlertSeverity]
    ALERT_SEVERITY_CRITICAL: _ClassVar[AlertSeverity]

class AlertState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALERT_STATE_UNSPECIFIED: _ClassVar[AlertState]
    ALERT_STATE_OPEN: _ClassVar[AlertState]
    ALERT_STATE_ACKNOWLEDGED: _ClassVar[AlertState]
    ALERT_STATE_RESOLVED: _ClassVar[AlertState]

class NotificationKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOTIFICATION_KIND_UNSPECIFIED: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_TRAINING_JOB_FINISHED: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_BATCH_PREDICTION_FINISHED: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_ALERT: _ClassVar[NotificationKind]

class EventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_KIND_UNSPECIFIED: _ClassVar[EventKind]
    EVENT_KIND_NOTIFICATION: _ClassVar[EventKind]
    EVENT_KIND_ALERT: _ClassVar[EventKind]
    EVENT_KIND_TRAINING_JOB: _ClassVar[EventKind]

class TrainingJobEventState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRAINING_JOB_EVENT_STATE_UNSPECIFIED: _ClassVar[TrainingJobEventState]
    TRAINING_JOB_EVENT_STATE_QUEUED: _ClassVar[TrainingJobEventState]
    TRAINING_JOB_EVENT_STATE_RUNNING: _ClassVar[TrainingJobEventState]
    TRAINING_JOB_EVENT_STATE_SUCCEEDED: _ClassVar[TrainingJobEventState]
    TRAINING_JOB_EVENT_STATE_FAILED: _ClassVar[TrainingJobEventState]
    TRAINING_JOB_EVENT_STATE_CANCELLED: _ClassVar[TrainingJobEventState]
HEALTH_STATUS_UNSPECIFIED: HealthStatus
HEALTH_STATUS_SERVING: HealthStatus
HEALTH_STATUS_DEGRADED: HealthStatus
HEALTH_STATUS_NOT_SERVING: HealthStatus
COMPONENT_KIND_UNSPECIFIED: ComponentKind
COMPONENT_KIND_DATABASE: ComponentKind
COMPONENT_KIND_CACHE: ComponentKind
COMPONENT_KIND_INFERENCE_BACKEND: ComponentKind
COMPONENT_KIND_MODEL_VERSION: ComponentKind
COMPONENT_KIND_JOB_WORKERS: ComponentKind
COMPONENT_KIND_DISK: ComponentKind
AUDIT_OUTCOME_UNSPECIFIED: AuditOutcome
AUDIT_OUTCOME_SUCCESS: AuditOutcome
AUDIT_OUTCOME_DENIED: AuditOutcome
AUDIT_OUTCOME_FAILURE: AuditOutcome
DRIFT_LEVEL_UNSPECIFIED: DriftLevel
DRIFT_LEVEL_NONE: DriftLevel
DRIFT_LEVEL_MODERATE: DriftLevel
DRIFT_LEVEL_SIGNIFICANT: DriftLevel
DRIFT_LEVEL_INSUFFICIENT_DATA: DriftLevel
ALERT_KIND_UNSPECIFIED: AlertKind
ALERT_KIND_DRIFT: AlertKind
ALERT_KIND_ACCURACY_DEGRADED: AlertKind
ALERT_KIND_ERROR_RATE: AlertKind
ALERT_KIND_COMPONENT_UNHEALTHY: AlertKind
ALERT_SEVERITY_UNSPECIFIED: AlertSeverity
ALERT_SEVERITY_INFO: AlertSeverity
ALERT_SEVERITY_WARNING: AlertSeverity
ALERT_SEVERITY_CRITICAL: AlertSeverity
ALERT_STATE_UNSPECIFIED: AlertState
ALERT_STATE_OPEN: AlertState
ALERT_STATE_ACKNOWLEDGED: AlertState
ALERT_STATE_RESOLVED: AlertState
NOTIFICATION_KIND_UNSPECIFIED: NotificationKind
NOTIFICATION_KIND_TRAINING_JOB_FINISHED: NotificationKind
NOTIFICATION_KIND_BATCH_PREDICTION_FINISHED: NotificationKind
NOTIFICATION_KIND_ALERT: NotificationKind
EVENT_KIND_UNSPECIFIED: EventKind
EVENT_KIND_NOTIFICATION: EventKind
EVENT_KIND_ALERT: EventKind
EVENT_KIND_TRAINING_JOB: EventKind
TRAINING_JOB_EVENT_STATE_UNSPECIFIED: TrainingJobEventState
TRAINING_JOB_EVENT_STATE_QUEUED: TrainingJobEventState
TRAINING_JOB_EVENT_STATE_RUNNING: TrainingJobEventState
TRAINING_JOB_EVENT_STATE_SUCCEEDED: TrainingJobEventState
TRAINING_JOB_EVENT_STATE_FAILED: TrainingJobEventState
TRAINING_JOB_EVENT_STATE_CANCELLED: TrainingJobEventState

class GetSystemHealthRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetSystemHealthResponse(_message.Message):
    __slots__ = ("status", "components", "check_time")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COMPONENTS_FIELD_NUMBER: _ClassVar[int]
    CHECK_TIME_FIELD_NUMBER: _ClassVar[int]
    status: HealthStatus
    components: _containers.RepeatedCompositeFieldContainer[ComponentHealth]
    check_time: _timestamp_pb2.Timestamp
    def __init__(self, status: _Optional[_Union[HealthStatus, str]] = ..., components: _Optional[_Iterable[_Union[ComponentHealth, _Mapping]]] = ..., check_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ComponentHealth(_message.Message):
    __slots__ = ("name", "kind", "status", "latency", "message", "check_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CHECK_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: ComponentKind
    status: HealthStatus
    latency: _duration_pb2.Duration
    message: str
    check_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[_Union[ComponentKind, str]] = ..., status: _Optional[_Union[HealthStatus, str]] = ..., latency: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., message: _Optional[str] = ..., check_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetSystemStatsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetSystemStatsResponse(_message.Message):
    __slots__ = ("instance", "start_time", "uptime", "rpc_stats", "active_streams", "batchers", "process_cpu_percent", "resident_memory_bytes", "resource_counts")
    INSTANCE_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    UPTIME_FIELD_NUMBER: _ClassVar[int]
    RPC_STATS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_STREAMS_FIELD_NUMBER: _ClassVar[int]
    BATCHERS_FIELD_NUMBER: _ClassVar[int]
    PROCESS_CPU_PERCENT_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_MEMORY_BYTES_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_COUNTS_FIELD_NUMBER: _ClassVar[int]
    instance: str
    start_time: _timestamp_pb2.Timestamp
    uptime: _duration_pb2.Duration
    rpc_stats: _containers.RepeatedCompositeFieldContainer[RpcStats]
    active_streams: int
    batchers: _containers.RepeatedCompositeFieldContainer[BatcherStats]
    process_cpu_percent: float
    resident_memory_bytes: int
    resource_counts: ResourceCounts
    def __init__(self, instance: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., uptime: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., rpc_stats: _Optional[_Iterable[_Union[RpcStats, _Mapping]]] = ..., active_streams: _Optional[int] = ..., batchers: _Optional[_Iterable[_Union[BatcherStats, _Mapping]]] = ..., process_cpu_percent: _Optional[float] = ..., resident_memory_bytes: _Optional[int] = ..., resource_counts: _Optional[_Union[ResourceCounts, _Mapping]] = ...) -> None: ...

class RpcStats(_message.Message):
    __slots__ = ("method", "request_count", "error_count", "error_rate", "latency_p50", "latency_p95", "latency_p99")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    REQUEST_COUNT_FIELD_NUMBER: _ClassVar[int]
    ERROR_COUNT_FIELD_NUMBER: _ClassVar[int]
    ERROR_RATE_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P50_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P95_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P99_FIELD_NUMBER: _ClassVar[int]
    method: str
    request_count: int
    error_count: int
    error_rate: float
    latency_p50: _duration_pb2.Duration
    latency_p95: _duration_pb2.Duration
    latency_p99: _duration_pb2.Duration
    def __init__(self, method: _Optional[str] = ..., request_count: _Optional[int] = ..., error_count: _Optional[int] = ..., error_rate: _Optional[float] = ..., latency_p50: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., latency_p95: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., latency_p99: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class BatcherStats(_message.Message):
    __slots__ = ("name", "queue_depth", "max_batch_size", "max_delay", "batch_count", "item_count", "mean_batch_size", "batch_size_p50", "batch_size_p95", "batch_size_max")
    NAME_FIELD_NUMBER: _ClassVar[int]
    QUEUE_DEPTH_FIELD_NUMBER: _ClassVar[int]
    MAX_BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    MAX_DELAY_FIELD_NUMBER: _ClassVar[int]
    BATCH_COUNT_FIELD_NUMBER: _ClassVar[int]
    ITEM_COUNT_FIELD_NUMBER: _ClassVar[int]
    MEAN_BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    BATCH_SIZE_P50_FIELD_NUMBER: _ClassVar[int]
    BATCH_SIZE_P95_FIELD_NUMBER: _ClassVar[int]
    BATCH_SIZE_MAX_FIELD_NUMBER: _ClassVar[int]
    name: str
    queue_depth: int
    max_batch_size: int
    max_delay: _duration_pb2.Duration
    batch_count: int
    item_count: int
    mean_batch_size: float
    batch_size_p50: float
    batch_size_p95: float
    batch_size_max: int
    def __init__(self, name: _Optional[str] = ..., queue_depth: _Optional[int] = ..., max_batch_size: _Optional[int] = ..., max_delay: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., batch_count: _Optional[int] = ..., item_count: _Optional[int] = ..., mean_batch_size: _Optional[float] = ..., batch_size_p50: _Optional[float] = ..., batch_size_p95: _Optional[float] = ..., batch_size_max: _Optional[int] = ...) -> None: ...

class ResourceCounts(_message.Message):
    __slots__ = ("users", "datasets", "models", "predictions")
    USERS_FIELD_NUMBER: _ClassVar[int]
    DATASETS_FIELD_NUMBER: _ClassVar[int]
    MODELS_FIELD_NUMBER: _ClassVar[int]
    PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    users: int
    datasets: int
    models: int
    predictions: int
    def __init__(self, users: _Optional[int] = ..., datasets: _Optional[int] = ..., models: _Optional[int] = ..., predictions: _Optional[int] = ...) -> None: ...

class ListAuditLogsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "filter", "user_id", "action", "resource_type", "resource_id", "outcome", "time_range", "sort_order")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    SORT_ORDER_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    filter: str
    user_id: str
    action: str
    resource_type: str
    resource_id: str
    outcome: AuditOutcome
    time_range: _common_pb2.TimeRange
    sort_order: _common_pb2.SortOrder
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ..., user_id: _Optional[str] = ..., action: _Optional[str] = ..., resource_type: _Optional[str] = ..., resource_id: _Optional[str] = ..., outcome: _Optional[_Union[AuditOutcome, str]] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., sort_order: _Optional[_Union[_common_pb2.SortOrder, str]] = ...) -> None: ...

class ListAuditLogsResponse(_message.Message):
    __slots__ = ("audit_logs", "next_page_token", "total_size")
    AUDIT_LOGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    audit_logs: _containers.RepeatedCompositeFieldContainer[AuditLog]
    next_page_token: str
    total_size: int
    def __init__(self, audit_logs: _Optional[_Iterable[_Union[AuditLog, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class AuditLog(_message.Message):
    __slots__ = ("audit_log_id", "user_id", "username", "action", "resource_type", "resource_id", "outcome", "status_code", "peer_address", "trace_id", "request_id", "details", "create_time")
    class DetailsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    AUDIT_LOG_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    PEER_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    TRACE_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    audit_log_id: str
    user_id: str
    username: str
    action: str
    resource_type: str
    resource_id: str
    outcome: AuditOutcome
    status_code: _code_pb2.Code
    peer_address: str
    trace_id: str
    request_id: str
    details: _containers.ScalarMap[str, str]
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, audit_log_id: _Optional[str] = ..., user_id: _Optional[str] = ..., username: _Optional[str] = ..., action: _Optional[str] = ..., resource_type: _Optional[str] = ..., resource_id: _Optional[str] = ..., outcome: _Optional[_Union[AuditOutcome, str]] = ..., status_code: _Optional[_Union[_code_pb2.Code, str]] = ..., peer_address: _Optional[str] = ..., trace_id: _Optional[str] = ..., request_id: _Optional[str] = ..., details: _Optional[_Mapping[str, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetModelDriftRequest(_message.Message):
    __slots__ = ("model_id", "version_id", "window")
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    version_id: str
    window: DriftWindow
    def __init__(self, model_id: _Optional[str] = ..., version_id: _Optional[str] = ..., window: _Optional[_Union[DriftWindow, _Mapping]] = ...) -> None: ...

class DriftWindow(_message.Message):
    __slots__ = ("time_range", "last_predictions")
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    LAST_PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    time_range: _common_pb2.TimeRange
    last_predictions: int
    def __init__(self, time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., last_predictions: _Optional[int] = ...) -> None: ...

class GetModelDriftResponse(_message.Message):
    __slots__ = ("model_id", "version_id", "features", "drift_score", "drift_level", "window", "prediction_count", "live_accuracy", "validation_metrics", "degraded", "compute_time")
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    FEATURES_FIELD_NUMBER: _ClassVar[int]
    DRIFT_SCORE_FIELD_NUMBER: _ClassVar[int]
    DRIFT_LEVEL_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    PREDICTION_COUNT_FIELD_NUMBER: _ClassVar[int]
    LIVE_ACCURACY_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_METRICS_FIELD_NUMBER: _ClassVar[int]
    DEGRADED_FIELD_NUMBER: _ClassVar[int]
    COMPUTE_TIME_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    version_id: str
    features: _containers.RepeatedCompositeFieldContainer[FeatureDrift]
    drift_score: float
    drift_level: DriftLevel
    window: DriftWindow
    prediction_count: int
    live_accuracy: LiveAccuracy
    validation_metrics: _common_pb2.Metrics
    degraded: bool
    compute_time: _timestamp_pb2.Timestamp
    def __init__(self, model_id: _Optional[str] = ..., version_id: _Optional[str] = ..., features: _Optional[_Iterable[_Union[FeatureDrift, _Mapping]]] = ..., drift_score: _Optional[float] = ..., drift_level: _Optional[_Union[DriftLevel, str]] = ..., window: _Optional[_Union[DriftWindow, _Mapping]] = ..., prediction_count: _Optional[int] = ..., live_accuracy: _Optional[_Union[LiveAccuracy, _Mapping]] = ..., validation_metrics: _Optional[_Union[_common_pb2.Metrics, _Mapping]] = ..., degraded: _Optional[bool] = ..., compute_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FeatureDrift(_message.Message):
    __slots__ = ("feature", "psi", "ks_statistic", "ks_p_value", "training_sample_size", "recent_sample_size", "level")
    FEATURE_FIELD_NUMBER: _ClassVar[int]
    PSI_FIELD_NUMBER: _ClassVar[int]
    KS_STATISTIC_FIELD_NUMBER: _ClassVar[int]
    KS_P_VALUE_FIELD_NUMBER: _ClassVar[int]
    TRAINING_SAMPLE_SIZE_FIELD_NUMBER: _ClassVar[int]
    RECENT_SAMPLE_SIZE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    feature: str
    psi: float
    ks_statistic: float
    ks_p_value: float
    training_sample_size: int
    recent_sample_size: int
    level: DriftLevel
    def __init__(self, feature: _Optional[str] = ..., psi: _Optional[float] = ..., ks_statistic: _Optional[float] = ..., ks_p_value: _Optional[float] = ..., training_sample_size: _Optional[int] = ..., recent_sample_size: _Optional[int] = ..., level: _Optional[_Union[DriftLevel, str]] = ...) -> None: ...

class LiveAccuracy(_message.Message):
    __slots__ = ("mase", "coverage_80", "points")
    MASE_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_80_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    mase: float
    coverage_80: float
    points: int
    def __init__(self, mase: _Optional[float] = ..., coverage_80: _Optional[float] = ..., points: _Optional[int] = ...) -> None: ...

class ListAlertsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "filter", "state", "severity", "model_id", "version_id", "kind")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    filter: str
    state: AlertState
    severity: AlertSeverity
    model_id: str
    version_id: str
    kind: AlertKind
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ..., state: _Optional[_Union[AlertState, str]] = ..., severity: _Optional[_Union[AlertSeverity, str]] = ..., model_id: _Optional[str] = ..., version_id: _Optional[str] = ..., kind: _Optional[_Union[AlertKind, str]] = ...) -> None: ...

class ListAlertsResponse(_message.Message):
    __slots__ = ("alerts", "next_page_token", "total_size")
    ALERTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    alerts: _containers.RepeatedCompositeFieldContainer[Alert]
    next_page_token: str
    total_size: int
    def __init__(self, alerts: _Optional[_Iterable[_Union[Alert, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class Alert(_message.Message):
    __slots__ = ("alert_id", "kind", "severity", "state", "title", "message", "model_id", "version_id", "component", "value", "threshold", "dedup_key", "create_time", "update_time", "acknowledged_by", "acknowledge_time", "resolve_time", "occurrences", "acknowledge_note")
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    DEDUP_KEY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGED_BY_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGE_TIME_FIELD_NUMBER: _ClassVar[int]
    RESOLVE_TIME_FIELD_NUMBER: _ClassVar[int]
    OCCURRENCES_FIELD_NUMBER: _ClassVar[int]
    ACKNOWLEDGE_NOTE_FIELD_NUMBER: _ClassVar[int]
    alert_id: str
    kind: AlertKind
    severity: AlertSeverity
    state: AlertState
    title: str
    message: str
    model_id: str
    version_id: str
    component: str
    value: float
    threshold: float
    dedup_key: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    acknowledged_by: str
    acknowledge_time: _timestamp_pb2.Timestamp
    resolve_time: _timestamp_pb2.Timestamp
    occurrences: int
    acknowledge_note: str
    def __init__(self, alert_id: _Optional[str] = ..., kind: _Optional[_Union[AlertKind, str]] = ..., severity: _Optional[_Union[AlertSeverity, str]] = ..., state: _Optional[_Union[AlertState, str]] = ..., title: _Optional[str] = ..., message: _Optional[str] = ..., model_id: _Optional[str] = ..., version_id: _Optional[str] = ..., component: _Optional[str] = ..., value: _Optional[float] = ..., threshold: _Optional[float] = ..., dedup_key: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., acknowledged_by: _Optional[str] = ..., acknowledge_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolve_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., occurrences: _Optional[int] = ..., acknowledge_note: _Optional[str] = ...) -> None: ...

class AcknowledgeAlertRequest(_message.Message):
    __slots__ = ("alert_id", "note")
    ALERT_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    alert_id: str
    note: str
    def __init__(self, alert_id: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class AcknowledgeAlertResponse(_message.Message):
    __slots__ = ("alert",)
    ALERT_FIELD_NUMBER: _ClassVar[int]
    alert: Alert
    def __init__(self, alert: _Optional[_Union[Alert, _Mapping]] = ...) -> None: ...

class ListNotificationsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "filter", "unread_only")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    UNREAD_ONLY_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    filter: str
    unread_only: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ..., unread_only: _Optional[bool] = ...) -> None: ...

class ListNotificationsResponse(_message.Message):
    __slots__ = ("notifications", "next_page_token", "total_size", "unread_count")
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    UNREAD_COUNT_FIELD_NUMBER: _ClassVar[int]
    notifications: _containers.RepeatedCompositeFieldContainer[Notification]
    next_page_token: str
    total_size: int
    unread_count: int
    def __init__(self, notifications: _Optional[_Iterable[_Union[Notification, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ..., unread_count: _Optional[int] = ...) -> None: ...

class Notification(_message.Message):
    __slots__ = ("notification_id", "kind", "title", "body", "resource_type", "resource_id", "read", "create_time")
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    READ_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    notification_id: str
    kind: NotificationKind
    title: str
    body: str
    resource_type: str
    resource_id: str
    read: bool
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, notification_id: _Optional[str] = ..., kind: _Optional[_Union[NotificationKind, str]] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., resource_type: _Optional[str] = ..., resource_id: _Optional[str] = ..., read: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MarkNotificationReadRequest(_message.Message):
    __slots__ = ("notification_id",)
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    notification_id: str
    def __init__(self, notification_id: _Optional[str] = ...) -> None: ...

class MarkNotificationReadResponse(_message.Message):
    __slots__ = ("notification",)
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    notification: Notification
    def __init__(self, notification: _Optional[_Union[Notification, _Mapping]] = ...) -> None: ...

class DeleteNotificationRequest(_message.Message):
    __slots__ = ("notification_id",)
    NOTIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    notification_id: str
    def __init__(self, notification_id: _Optional[str] = ...) -> None: ...

class DeleteNotificationResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class WatchEventsRequest(_message.Message):
    __slots__ = ("kinds",)
    KINDS_FIELD_NUMBER: _ClassVar[int]
    kinds: _containers.RepeatedScalarFieldContainer[EventKind]
    def __init__(self, kinds: _Optional[_Iterable[_Union[EventKind, str]]] = ...) -> None: ...

class WatchEventsResponse(_message.Message):
    __slots__ = ("event",)
    EVENT_FIELD_NUMBER: _ClassVar[int]
    event: Event
    def __init__(self, event: _Optional[_Union[Event, _Mapping]] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ("event_id", "create_time", "notification", "alert", "training_job", "heartbeat")
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    ALERT_FIELD_NUMBER: _ClassVar[int]
    TRAINING_JOB_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    event_id: str
    create_time: _timestamp_pb2.Timestamp
    notification: Notification
    alert: Alert
    training_job: TrainingJobEvent
    heartbeat: Heartbeat
    def __init__(self, event_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., notification: _Optional[_Union[Notification, _Mapping]] = ..., alert: _Optional[_Union[Alert, _Mapping]] = ..., training_job: _Optional[_Union[TrainingJobEvent, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ...) -> None: ...

class TrainingJobEvent(_message.Message):
    __slots__ = ("job_id", "model_id", "state", "message", "version_id")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    model_id: str
    state: TrainingJobEventState
    message: str
    version_id: str
    def __init__(self, job_id: _Optional[str] = ..., model_id: _Optional[str] = ..., state: _Optional[_Union[TrainingJobEventState, str]] = ..., message: _Optional[str] = ..., version_id: _Optional[str] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ("interval",)
    INTERVAL_FIELD_NUMBER: _ClassVar[int]
    interval: _duration_pb2.Duration
    def __init__(self, interval: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...
