import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.rpc import status_pb2 as _status_pb2
from quantis.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BatchOutputFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BATCH_OUTPUT_FORMAT_UNSPECIFIED: _ClassVar[BatchOutputFormat]
    BATCH_OUTPUT_FORMAT_PARQUET: _ClassVar[BatchOutputFormat]
    BATCH_OUTPUT_FORMAT_CSV: _ClassVar[BatchOutputFormat]

class PredictionView(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PREDICTION_VIEW_UNSPECIFIED: _ClassVar[PredictionView]
    PREDICTION_VIEW_BASIC: _ClassVar[PredictionView]
    PREDICTION_VIEW_FULL: _ClassVar[PredictionView]

class PredictionSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PREDICTION_SOURCE_UNSPECIFIED: _ClassVar[PredictionSource]
    PREDICTION_SOURCE_UNARY: _ClassVar[PredictionSource]
    PREDICTION_SOURCE_STREAM: _ClassVar[PredictionSource]
    PREDICTION_SOURCE_BATCH: _ClassVar[PredictionSource]

class BatchJobState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BATCH_JOB_STATE_UNSPECIFIED: _ClassVar[BatchJobState]
    BATCH_JOB_STATE_RUNNING: _ClassVar[BatchJobState]
    BATCH_JOB_STATE_INTERRUPTED: _ClassVar[BatchJobState]
    BATCH_JOB_STATE_SUCCEEDED: _ClassVar[BatchJobState]
    BATCH_JOB_STATE_FAILED: _ClassVar[BatchJobState]
BATCH_OUTPUT_FORMAT_UNSPECIFIED: BatchOutputFormat
BATCH_OUTPUT_FORMAT_PARQUET: BatchOutputFormat
BATCH_OUTPUT_FORMAT_CSV: BatchOutputFormat
PREDICTION_VIEW_UNSPECIFIED: PredictionView
PREDICTION_VIEW_BASIC: PredictionView
PREDICTION_VIEW_FULL: PredictionView
PREDICTION_SOURCE_UNSPECIFIED: PredictionSource
PREDICTION_SOURCE_UNARY: PredictionSource
PREDICTION_SOURCE_STREAM: PredictionSource
PREDICTION_SOURCE_BATCH: PredictionSource
BATCH_JOB_STATE_UNSPECIFIED: BatchJobState
BATCH_JOB_STATE_RUNNING: BatchJobState
BATCH_JOB_STATE_INTERRUPTED: BatchJobState
BATCH_JOB_STATE_SUCCEEDED: BatchJobState
BATCH_JOB_STATE_FAILED: BatchJobState

class PredictRequest(_message.Message):
    __slots__ = ("model_id", "version_id", "series", "horizon", "quantiles", "future_covariates")
    class FutureCovariatesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _common_pb2.Covariate
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_common_pb2.Covariate, _Mapping]] = ...) -> None: ...
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    SERIES_FIELD_NUMBER: _ClassVar[int]
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    QUANTILES_FIELD_NUMBER: _ClassVar[int]
    FUTURE_COVARIATES_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    version_id: str
    series: _common_pb2.Series
    horizon: int
    quantiles: _containers.RepeatedScalarFieldContainer[float]
    future_covariates: _containers.MessageMap[str, _common_pb2.Covariate]
    def __init__(self, model_id: _Optional[str] = ..., version_id: _Optional[str] = ..., series: _Optional[_Union[_common_pb2.Series, _Mapping]] = ..., horizon: _Optional[int] = ..., quantiles: _Optional[_Iterable[float]] = ..., future_covariates: _Optional[_Mapping[str, _common_pb2.Covariate]] = ...) -> None: ...

class PredictResponse(_message.Message):
    __slots__ = ("prediction_id", "forecast", "model_id", "version_id", "latency")
    PREDICTION_ID_FIELD_NUMBER: _ClassVar[int]
    FORECAST_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    LATENCY_FIELD_NUMBER: _ClassVar[int]
    prediction_id: str
    forecast: _common_pb2.Forecast
    model_id: str
    version_id: str
    latency: _duration_pb2.Duration
    def __init__(self, prediction_id: _Optional[str] = ..., forecast: _Optional[_Union[_common_pb2.Forecast, _Mapping]] = ..., model_id: _Optional[str] = ..., version_id: _Optional[str] = ..., latency: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class StreamPredictRequest(_message.Message):
    __slots__ = ("request_id", "model_id", "version_id", "horizon", "quantiles", "frequency", "series_ids", "lengths", "values", "start_times")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    QUANTILES_FIELD_NUMBER: _ClassVar[int]
    FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    SERIES_IDS_FIELD_NUMBER: _ClassVar[int]
    LENGTHS_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    START_TIMES_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    model_id: str
    version_id: str
    horizon: int
    quantiles: _containers.RepeatedScalarFieldContainer[float]
    frequency: _common_pb2.Frequency
    series_ids: _containers.RepeatedScalarFieldContainer[str]
    lengths: _containers.RepeatedScalarFieldContainer[int]
    values: _containers.RepeatedScalarFieldContainer[float]
    start_times: _containers.RepeatedCompositeFieldContainer[_timestamp_pb2.Timestamp]
    def __init__(self, request_id: _Optional[str] = ..., model_id: _Optional[str] = ..., version_id: _Optional[str] = ..., horizon: _Optional[int] = ..., quantiles: _Optional[_Iterable[float]] = ..., frequency: _Optional[_Union[_common_pb2.Frequency, str]] = ..., series_ids: _Optional[_Iterable[str]] = ..., lengths: _Optional[_Iterable[int]] = ..., values: _Optional[_Iterable[float]] = ..., start_times: _Optional[_Iterable[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]]] = ...) -> None: ...

class StreamPredictResponse(_message.Message):
    __slots__ = ("request_id", "model_id", "version_id", "series_ids", "horizon", "quantiles", "point_forecasts", "quantile_forecasts", "error", "prediction_ids", "latency")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    SERIES_IDS_FIELD_NUMBER: _ClassVar[int]
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    QUANTILES_FIELD_NUMBER: _ClassVar[int]
    POINT_FORECASTS_FIELD_NUMBER: _ClassVar[int]
    QUANTILE_FORECASTS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    PREDICTION_IDS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    model_id: str
    version_id: str
    series_ids: _containers.RepeatedScalarFieldContainer[str]
    horizon: int
    quantiles: _containers.RepeatedScalarFieldContainer[float]
    point_forecasts: _containers.RepeatedScalarFieldContainer[float]
    quantile_forecasts: _containers.RepeatedScalarFieldContainer[float]
    error: _status_pb2.Status
    prediction_ids: _containers.RepeatedScalarFieldContainer[str]
    latency: _duration_pb2.Duration
    def __init__(self, request_id: _Optional[str] = ..., model_id: _Optional[str] = ..., version_id: _Optional[str] = ..., series_ids: _Optional[_Iterable[str]] = ..., horizon: _Optional[int] = ..., quantiles: _Optional[_Iterable[float]] = ..., point_forecasts: _Optional[_Iterable[float]] = ..., quantile_forecasts: _Optional[_Iterable[float]] = ..., error: _Optional[_Union[_status_pb2.Status, _Mapping]] = ..., prediction_ids: _Optional[_Iterable[str]] = ..., latency: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class BatchPredictRequest(_message.Message):
    __slots__ = ("dataset_id", "model_id", "version_id", "horizon", "quantiles", "chunk_size", "job_id", "offset", "output_format")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    QUANTILES_FIELD_NUMBER: _ClassVar[int]
    CHUNK_SIZE_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FORMAT_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    model_id: str
    version_id: str
    horizon: int
    quantiles: _containers.RepeatedScalarFieldContainer[float]
    chunk_size: int
    job_id: str
    offset: int
    output_format: BatchOutputFormat
    def __init__(self, dataset_id: _Optional[str] = ..., model_id: _Optional[str] = ..., version_id: _Optional[str] = ..., horizon: _Optional[int] = ..., quantiles: _Optional[_Iterable[float]] = ..., chunk_size: _Optional[int] = ..., job_id: _Optional[str] = ..., offset: _Optional[int] = ..., output_format: _Optional[_Union[BatchOutputFormat, str]] = ...) -> None: ...

class BatchPredictResponse(_message.Message):
    __slots__ = ("job_id", "progress", "chunk", "result")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    progress: BatchProgress
    chunk: BatchPredictChunk
    result: BatchResult
    def __init__(self, job_id: _Optional[str] = ..., progress: _Optional[_Union[BatchProgress, _Mapping]] = ..., chunk: _Optional[_Union[BatchPredictChunk, _Mapping]] = ..., result: _Optional[_Union[BatchResult, _Mapping]] = ...) -> None: ...

class BatchProgress(_message.Message):
    __slots__ = ("series_done", "series_total", "percent", "elapsed", "eta", "version_id", "start_offset")
    SERIES_DONE_FIELD_NUMBER: _ClassVar[int]
    SERIES_TOTAL_FIELD_NUMBER: _ClassVar[int]
    PERCENT_FIELD_NUMBER: _ClassVar[int]
    ELAPSED_FIELD_NUMBER: _ClassVar[int]
    ETA_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    START_OFFSET_FIELD_NUMBER: _ClassVar[int]
    series_done: int
    series_total: int
    percent: float
    elapsed: _duration_pb2.Duration
    eta: _duration_pb2.Duration
    version_id: str
    start_offset: int
    def __init__(self, series_done: _Optional[int] = ..., series_total: _Optional[int] = ..., percent: _Optional[float] = ..., elapsed: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., eta: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., version_id: _Optional[str] = ..., start_offset: _Optional[int] = ...) -> None: ...

class BatchPredictChunk(_message.Message):
    __slots__ = ("offset", "series_ids", "horizon", "quantiles", "point_forecasts", "quantile_forecasts", "prediction_ids")
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    SERIES_IDS_FIELD_NUMBER: _ClassVar[int]
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    QUANTILES_FIELD_NUMBER: _ClassVar[int]
    POINT_FORECASTS_FIELD_NUMBER: _ClassVar[int]
    QUANTILE_FORECASTS_FIELD_NUMBER: _ClassVar[int]
    PREDICTION_IDS_FIELD_NUMBER: _ClassVar[int]
    offset: int
    series_ids: _containers.RepeatedScalarFieldContainer[str]
    horizon: int
    quantiles: _containers.RepeatedScalarFieldContainer[float]
    point_forecasts: _containers.RepeatedScalarFieldContainer[float]
    quantile_forecasts: _containers.RepeatedScalarFieldContainer[float]
    prediction_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, offset: _Optional[int] = ..., series_ids: _Optional[_Iterable[str]] = ..., horizon: _Optional[int] = ..., quantiles: _Optional[_Iterable[float]] = ..., point_forecasts: _Optional[_Iterable[float]] = ..., quantile_forecasts: _Optional[_Iterable[float]] = ..., prediction_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class BatchResult(_message.Message):
    __slots__ = ("output_uri", "format", "rows", "series_count", "duration", "model_id", "version_id", "size_bytes")
    OUTPUT_URI_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    SERIES_COUNT_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    output_uri: str
    format: BatchOutputFormat
    rows: int
    series_count: int
    duration: _duration_pb2.Duration
    model_id: str
    version_id: str
    size_bytes: int
    def __init__(self, output_uri: _Optional[str] = ..., format: _Optional[_Union[BatchOutputFormat, str]] = ..., rows: _Optional[int] = ..., series_count: _Optional[int] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., model_id: _Optional[str] = ..., version_id: _Optional[str] = ..., size_bytes: _Optional[int] = ...) -> None: ...

class GetPredictionRequest(_message.Message):
    __slots__ = ("prediction_id", "view")
    PREDICTION_ID_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    prediction_id: str
    view: PredictionView
    def __init__(self, prediction_id: _Optional[str] = ..., view: _Optional[_Union[PredictionView, str]] = ...) -> None: ...

class GetPredictionResponse(_message.Message):
    __slots__ = ("prediction",)
    PREDICTION_FIELD_NUMBER: _ClassVar[int]
    prediction: Prediction
    def __init__(self, prediction: _Optional[_Union[Prediction, _Mapping]] = ...) -> None: ...

class Prediction(_message.Message):
    __slots__ = ("prediction_id", "owner_id", "model_id", "version_id", "series_id", "horizon", "quantiles", "forecast", "source", "latency", "create_time", "has_actuals", "accuracy")
    PREDICTION_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    SERIES_ID_FIELD_NUMBER: _ClassVar[int]
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    QUANTILES_FIELD_NUMBER: _ClassVar[int]
    FORECAST_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    LATENCY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    HAS_ACTUALS_FIELD_NUMBER: _ClassVar[int]
    ACCURACY_FIELD_NUMBER: _ClassVar[int]
    prediction_id: str
    owner_id: str
    model_id: str
    version_id: str
    series_id: str
    horizon: int
    quantiles: _containers.RepeatedScalarFieldContainer[float]
    forecast: _common_pb2.Forecast
    source: PredictionSource
    latency: _duration_pb2.Duration
    create_time: _timestamp_pb2.Timestamp
    has_actuals: bool
    accuracy: PredictionAccuracy
    def __init__(self, prediction_id: _Optional[str] = ..., owner_id: _Optional[str] = ..., model_id: _Optional[str] = ..., version_id: _Optional[str] = ..., series_id: _Optional[str] = ..., horizon: _Optional[int] = ..., quantiles: _Optional[_Iterable[float]] = ..., forecast: _Optional[_Union[_common_pb2.Forecast, _Mapping]] = ..., source: _Optional[_Union[PredictionSource, str]] = ..., latency: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., has_actuals: _Optional[bool] = ..., accuracy: _Optional[_Union[PredictionAccuracy, _Mapping]] = ...) -> None: ...

class PredictionAccuracy(_message.Message):
    __slots__ = ("actuals", "abs_errors", "metrics", "intervals", "update_time")
    ACTUALS_FIELD_NUMBER: _ClassVar[int]
    ABS_ERRORS_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    INTERVALS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    actuals: _containers.RepeatedScalarFieldContainer[float]
    abs_errors: _containers.RepeatedScalarFieldContainer[float]
    metrics: _common_pb2.Metrics
    intervals: _containers.RepeatedCompositeFieldContainer[IntervalCoverage]
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, actuals: _Optional[_Iterable[float]] = ..., abs_errors: _Optional[_Iterable[float]] = ..., metrics: _Optional[_Union[_common_pb2.Metrics, _Mapping]] = ..., intervals: _Optional[_Iterable[_Union[IntervalCoverage, _Mapping]]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class IntervalCoverage(_message.Message):
    __slots__ = ("lower_quantile", "upper_quantile", "nominal", "observed", "points")
    LOWER_QUANTILE_FIELD_NUMBER: _ClassVar[int]
    UPPER_QUANTILE_FIELD_NUMBER: _ClassVar[int]
    NOMINAL_FIELD_NUMBER: _ClassVar[int]
    OBSERVED_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    lower_quantile: float
    upper_quantile: float
    nominal: float
    observed: float
    points: int
    def __init__(self, lower_quantile: _Optional[float] = ..., upper_quantile: _Optional[float] = ..., nominal: _Optional[float] = ..., observed: _Optional[float] = ..., points: _Optional[int] = ...) -> None: ...

class ListPredictionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "filter", "model_id", "version_id", "time_range", "source", "order", "view")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    filter: str
    model_id: str
    version_id: str
    time_range: _common_pb2.TimeRange
    source: PredictionSource
    order: _common_pb2.SortOrder
    view: PredictionView
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ..., model_id: _Optional[str] = ..., version_id: _Optional[str] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., source: _Optional[_Union[PredictionSource, str]] = ..., order: _Optional[_Union[_common_pb2.SortOrder, str]] = ..., view: _Optional[_Union[PredictionView, str]] = ...) -> None: ...

class ListPredictionsResponse(_message.Message):
    __slots__ = ("predictions", "next_page_token", "total_size")
    PREDICTIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    predictions: _containers.RepeatedCompositeFieldContainer[Prediction]
    next_page_token: str
    total_size: int
    def __init__(self, predictions: _Optional[_Iterable[_Union[Prediction, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class GetPredictionStatsRequest(_message.Message):
    __slots__ = ("model_id", "version_id", "time_range")
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    version_id: str
    time_range: _common_pb2.TimeRange
    def __init__(self, model_id: _Optional[str] = ..., version_id: _Optional[str] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ...) -> None: ...

class GetPredictionStatsResponse(_message.Message):
    __slots__ = ("versions", "total", "time_range")
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedCompositeFieldContainer[PredictionStats]
    total: PredictionStats
    time_range: _common_pb2.TimeRange
    def __init__(self, versions: _Optional[_Iterable[_Union[PredictionStats, _Mapping]]] = ..., total: _Optional[_Union[PredictionStats, _Mapping]] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ...) -> None: ...

class PredictionStats(_message.Message):
    __slots__ = ("model_id", "version_id", "request_count", "series_count", "error_count", "latency_p50", "latency_p95", "latency_p99", "live_metrics", "predictions_with_actuals")
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_COUNT_FIELD_NUMBER: _ClassVar[int]
    SERIES_COUNT_FIELD_NUMBER: _ClassVar[int]
    ERROR_COUNT_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P50_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P95_FIELD_NUMBER: _ClassVar[int]
    LATENCY_P99_FIELD_NUMBER: _ClassVar[int]
    LIVE_METRICS_FIELD_NUMBER: _ClassVar[int]
    PREDICTIONS_WITH_ACTUALS_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    version_id: str
    request_count: int
    series_count: int
    error_count: int
    latency_p50: _duration_pb2.Duration
    latency_p95: _duration_pb2.Duration
    latency_p99: _duration_pb2.Duration
    live_metrics: _common_pb2.Metrics
    predictions_with_actuals: int
    def __init__(self, model_id: _Optional[str] = ..., version_id: _Optional[str] = ..., request_count: _Optional[int] = ..., series_count: _Optional[int] = ..., error_count: _Optional[int] = ..., latency_p50: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., latency_p95: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., latency_p99: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., live_metrics: _Optional[_Union[_common_pb2.Metrics, _Mapping]] = ..., predictions_with_actuals: _Optional[int] = ...) -> None: ...

class SubmitActualsRequest(_message.Message):
    __slots__ = ("prediction_id", "values", "points")
    PREDICTION_ID_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    prediction_id: str
    values: _containers.RepeatedScalarFieldContainer[float]
    points: _containers.RepeatedCompositeFieldContainer[ActualPoint]
    def __init__(self, prediction_id: _Optional[str] = ..., values: _Optional[_Iterable[float]] = ..., points: _Optional[_Iterable[_Union[ActualPoint, _Mapping]]] = ...) -> None: ...

class ActualPoint(_message.Message):
    __slots__ = ("step", "timestamp", "value")
    STEP_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    step: int
    timestamp: _timestamp_pb2.Timestamp
    value: float
    def __init__(self, step: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., value: _Optional[float] = ...) -> None: ...

class SubmitActualsResponse(_message.Message):
    __slots__ = ("matched_points", "ignored_points", "accuracy")
    MATCHED_POINTS_FIELD_NUMBER: _ClassVar[int]
    IGNORED_POINTS_FIELD_NUMBER: _ClassVar[int]
    ACCURACY_FIELD_NUMBER: _ClassVar[int]
    matched_points: int
    ignored_points: int
    accuracy: PredictionAccuracy
    def __init__(self, matched_points: _Optional[int] = ..., ignored_points: _Optional[int] = ..., accuracy: _Optional[_Union[PredictionAccuracy, _Mapping]] = ...) -> None: ...

class GetBatchJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class GetBatchJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: BatchJob
    def __init__(self, job: _Optional[_Union[BatchJob, _Mapping]] = ...) -> None: ...

class BatchJob(_message.Message):
    __slots__ = ("job_id", "owner_id", "dataset_id", "model_id", "version_id", "state", "offset", "total", "horizon", "quantiles", "result", "error", "create_time", "update_time")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    QUANTILES_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    owner_id: str
    dataset_id: str
    model_id: str
    version_id: str
    state: BatchJobState
    offset: int
    total: int
    horizon: int
    quantiles: _containers.RepeatedScalarFieldContainer[float]
    result: BatchResult
    error: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, job_id: _Optional[str] = ..., owner_id: _Optional[str] = ..., dataset_id: _Optional[str] = ..., model_id: _Optional[str] = ..., version_id: _Optional[str] = ..., state: _Optional[_Union[BatchJobState, str]] = ..., offset: _Optional[int] = ..., total: _Optional[int] = ..., horizon: _Optional[int] = ..., quantiles: _Optional[_Iterable[float]] = ..., result: _Optional[_Union[BatchResult, _Mapping]] = ..., error: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
