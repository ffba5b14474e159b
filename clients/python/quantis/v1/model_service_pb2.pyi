import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from quantis.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ModelFamily(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MODEL_FAMILY_UNSPECIFIED: _ClassVar[ModelFamily]
    MODEL_FAMILY_DEEP: _ClassVar[ModelFamily]
    MODEL_FAMILY_STATISTICAL: _ClassVar[ModelFamily]

class HyperparameterKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HYPERPARAMETER_KIND_UNSPECIFIED: _ClassVar[HyperparameterKind]
    HYPERPARAMETER_KIND_INT: _ClassVar[HyperparameterKind]
    HYPERPARAMETER_KIND_FLOAT: _ClassVar[HyperparameterKind]
    HYPERPARAMETER_KIND_CATEGORICAL: _ClassVar[HyperparameterKind]
    HYPERPARAMETER_KIND_BOOL: _ClassVar[HyperparameterKind]

class TrainingJobState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRAINING_JOB_STATE_UNSPECIFIED: _ClassVar[TrainingJobState]
    TRAINING_JOB_STATE_QUEUED: _ClassVar[TrainingJobState]
    TRAINING_JOB_STATE_RUNNING: _ClassVar[TrainingJobState]
    TRAINING_JOB_STATE_SUCCEEDED: _ClassVar[TrainingJobState]
    TRAINING_JOB_STATE_FAILED: _ClassVar[TrainingJobState]
    TRAINING_JOB_STATE_CANCELLED: _ClassVar[TrainingJobState]

class ModelVersionState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MODEL_VERSION_STATE_UNSPECIFIED: _ClassVar[ModelVersionState]
    MODEL_VERSION_STATE_READY: _ClassVar[ModelVersionState]
    MODEL_VERSION_STATE_FAILED: _ClassVar[ModelVersionState]
    MODEL_VERSION_STATE_ARCHIVED: _ClassVar[ModelVersionState]

class ComparisonMetric(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COMPARISON_METRIC_UNSPECIFIED: _ClassVar[ComparisonMetric]
    COMPARISON_METRIC_MAE: _ClassVar[ComparisonMetric]
    COMPARISON_METRIC_RMSE: _ClassVar[ComparisonMetric]
    COMPARISON_METRIC_SMAPE: _ClassVar[ComparisonMetric]
    COMPARISON_METRIC_MASE: _ClassVar[ComparisonMetric]
    COMPARISON_METRIC_COVERAGE_80: _ClassVar[ComparisonMetric]
MODEL_FAMILY_UNSPECIFIED: ModelFamily
MODEL_FAMILY_DEEP: ModelFamily
MODEL_FAMILY_STATISTICAL: ModelFamily
HYPERPARAMETER_KIND_UNSPECIFIED: HyperparameterKind
HYPERPARAMETER_KIND_INT: HyperparameterKind
HYPERPARAMETER_KIND_FLOAT: HyperparameterKind
HYPERPARAMETER_KIND_CATEGORICAL: HyperparameterKind
HYPERPARAMETER_KIND_BOOL: HyperparameterKind
TRAINING_JOB_STATE_UNSPECIFIED: TrainingJobState
TRAINING_JOB_STATE_QUEUED: TrainingJobState
TRAINING_JOB_STATE_RUNNING: TrainingJobState
TRAINING_JOB_STATE_SUCCEEDED: TrainingJobState
TRAINING_JOB_STATE_FAILED: TrainingJobState
TRAINING_JOB_STATE_CANCELLED: TrainingJobState
MODEL_VERSION_STATE_UNSPECIFIED: ModelVersionState
MODEL_VERSION_STATE_READY: ModelVersionState
MODEL_VERSION_STATE_FAILED: ModelVersionState
MODEL_VERSION_STATE_ARCHIVED: ModelVersionState
COMPARISON_METRIC_UNSPECIFIED: ComparisonMetric
COMPARISON_METRIC_MAE: ComparisonMetric
COMPARISON_METRIC_RMSE: ComparisonMetric
COMPARISON_METRIC_SMAPE: ComparisonMetric
COMPARISON_METRIC_MASE: ComparisonMetric
COMPARISON_METRIC_COVERAGE_80: ComparisonMetric

class ListModelTypesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListModelTypesResponse(_message.Message):
    __slots__ = ("model_types",)
    MODEL_TYPES_FIELD_NUMBER: _ClassVar[int]
    model_types: _containers.RepeatedCompositeFieldContainer[ModelTypeInfo]
    def __init__(self, model_types: _Optional[_Iterable[_Union[ModelTypeInfo, _Mapping]]] = ...) -> None: ...

class ModelTypeInfo(_message.Message):
    __slots__ = ("type", "display_name", "description", "family", "supports_quantiles", "supports_covariates", "supports_panels", "hyperparameters")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_QUANTILES_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_COVARIATES_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_PANELS_FIELD_NUMBER: _ClassVar[int]
    HYPERPARAMETERS_FIELD_NUMBER: _ClassVar[int]
    type: _common_pb2.ModelType
    display_name: str
    description: str
    family: ModelFamily
    supports_quantiles: bool
    supports_covariates: bool
    supports_panels: bool
    hyperparameters: _containers.RepeatedCompositeFieldContainer[HyperparameterSpec]
    def __init__(self, type: _Optional[_Union[_common_pb2.ModelType, str]] = ..., display_name: _Optional[str] = ..., description: _Optional[str] = ..., family: _Optional[_Union[ModelFamily, str]] = ..., supports_quantiles: _Optional[bool] = ..., supports_covariates: _Optional[bool] = ..., supports_panels: _Optional[bool] = ..., hyperparameters: _Optional[_Iterable[_Union[HyperparameterSpec, _Mapping]]] = ...) -> None: ...

class HyperparameterSpec(_message.Message):
    __slots__ = ("name", "description", "kind", "default_value", "min_value", "max_value", "choices", "log_scale")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    MIN_VALUE_FIELD_NUMBER: _ClassVar[int]
    MAX_VALUE_FIELD_NUMBER: _ClassVar[int]
    CHOICES_FIELD_NUMBER: _ClassVar[int]
    LOG_SCALE_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    kind: HyperparameterKind
    default_value: HyperparameterValue
    min_value: HyperparameterValue
    max_value: HyperparameterValue
    choices: _containers.RepeatedScalarFieldContainer[str]
    log_scale: bool
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., kind: _Optional[_Union[HyperparameterKind, str]] = ..., default_value: _Optional[_Union[HyperparameterValue, _Mapping]] = ..., min_value: _Optional[_Union[HyperparameterValue, _Mapping]] = ..., max_value: _Optional[_Union[HyperparameterValue, _Mapping]] = ..., choices: _Optional[_Iterable[str]] = ..., log_scale: _Optional[bool] = ...) -> None: ...

class HyperparameterValue(_message.Message):
    __slots__ = ("int_value", "double_value", "string_value", "bool_value")
    INT_VALUE_FIELD_NUMBER: _ClassVar[int]
    DOUBLE_VALUE_FIELD_NUMBER: _ClassVar[int]
    STRING_VALUE_FIELD_NUMBER: _ClassVar[int]
    BOOL_VALUE_FIELD_NUMBER: _ClassVar[int]
    int_value: int
    double_value: float
    string_value: str
    bool_value: bool
    def __init__(self, int_value: _Optional[int] = ..., double_value: _Optional[float] = ..., string_value: _Optional[str] = ..., bool_value: _Optional[bool] = ...) -> None: ...

class CreateModelRequest(_message.Message):
    __slots__ = ("name", "description", "type", "dataset_id", "target_column", "horizon", "frequency", "quantiles", "hyperparameters", "labels")
    class HyperparametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: HyperparameterValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[HyperparameterValue, _Mapping]] = ...) -> None: ...
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_COLUMN_FIELD_NUMBER: _ClassVar[int]
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    QUANTILES_FIELD_NUMBER: _ClassVar[int]
    HYPERPARAMETERS_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    type: _common_pb2.ModelType
    dataset_id: str
    target_column: str
    horizon: int
    frequency: _common_pb2.Frequency
    quantiles: _containers.RepeatedScalarFieldContainer[float]
    hyperparameters: _containers.MessageMap[str, HyperparameterValue]
    labels: _containers.ScalarMap[str, str]
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., type: _Optional[_Union[_common_pb2.ModelType, str]] = ..., dataset_id: _Optional[str] = ..., target_column: _Optional[str] = ..., horizon: _Optional[int] = ..., frequency: _Optional[_Union[_common_pb2.Frequency, str]] = ..., quantiles: _Optional[_Iterable[float]] = ..., hyperparameters: _Optional[_Mapping[str, HyperparameterValue]] = ..., labels: _Optional[_Mapping[str, str]] = ...) -> None: ...

class CreateModelResponse(_message.Message):
    __slots__ = ("model",)
    MODEL_FIELD_NUMBER: _ClassVar[int]
    model: Model
    def __init__(self, model: _Optional[_Union[Model, _Mapping]] = ...) -> None: ...

class Model(_message.Message):
    __slots__ = ("model_id", "owner_id", "name", "description", "type", "dataset_id", "target_column", "horizon", "frequency", "quantiles", "hyperparameters", "labels", "default_version_id", "deployment", "latest_version", "create_time", "update_time")
    class HyperparametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: HyperparameterValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[HyperparameterValue, _Mapping]] = ...) -> None: ...
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_COLUMN_FIELD_NUMBER: _ClassVar[int]
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    QUANTILES_FIELD_NUMBER: _ClassVar[int]
    HYPERPARAMETERS_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    LATEST_VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    owner_id: str
    name: str
    description: str
    type: _common_pb2.ModelType
    dataset_id: str
    target_column: str
    horizon: int
    frequency: _common_pb2.Frequency
    quantiles: _containers.RepeatedScalarFieldContainer[float]
    hyperparameters: _containers.MessageMap[str, HyperparameterValue]
    labels: _containers.ScalarMap[str, str]
    default_version_id: str
    deployment: Deployment
    latest_version: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, model_id: _Optional[str] = ..., owner_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., type: _Optional[_Union[_common_pb2.ModelType, str]] = ..., dataset_id: _Optional[str] = ..., target_column: _Optional[str] = ..., horizon: _Optional[int] = ..., frequency: _Optional[_Union[_common_pb2.Frequency, str]] = ..., quantiles: _Optional[_Iterable[float]] = ..., hyperparameters: _Optional[_Mapping[str, HyperparameterValue]] = ..., labels: _Optional[_Mapping[str, str]] = ..., default_version_id: _Optional[str] = ..., deployment: _Optional[_Union[Deployment, _Mapping]] = ..., latest_version: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListModelsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "filter", "type", "dataset_id", "name_contains", "order")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_CONTAINS_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    filter: str
    type: _common_pb2.ModelType
    dataset_id: str
    name_contains: str
    order: _common_pb2.SortOrder
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ..., type: _Optional[_Union[_common_pb2.ModelType, str]] = ..., dataset_id: _Optional[str] = ..., name_contains: _Optional[str] = ..., order: _Optional[_Union[_common_pb2.SortOrder, str]] = ...) -> None: ...

class ListModelsResponse(_message.Message):
    __slots__ = ("models", "next_page_token", "total_size")
    MODELS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[Model]
    next_page_token: str
    total_size: int
    def __init__(self, models: _Optional[_Iterable[_Union[Model, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class GetModelRequest(_message.Message):
    __slots__ = ("model_id",)
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    def __init__(self, model_id: _Optional[str] = ...) -> None: ...

class GetModelResponse(_message.Message):
    __slots__ = ("model",)
    MODEL_FIELD_NUMBER: _ClassVar[int]
    model: Model
    def __init__(self, model: _Optional[_Union[Model, _Mapping]] = ...) -> None: ...

class DeleteModelRequest(_message.Message):
    __slots__ = ("model_id",)
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    def __init__(self, model_id: _Optional[str] = ...) -> None: ...

class DeleteModelResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TrainModelRequest(_message.Message):
    __slots__ = ("model_id", "hyperparameter_overrides", "validation_windows", "seed", "max_epochs", "search")
    class HyperparameterOverridesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: HyperparameterValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[HyperparameterValue, _Mapping]] = ...) -> None: ...
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    HYPERPARAMETER_OVERRIDES_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_WINDOWS_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    MAX_EPOCHS_FIELD_NUMBER: _ClassVar[int]
    SEARCH_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    hyperparameter_overrides: _containers.MessageMap[str, HyperparameterValue]
    validation_windows: int
    seed: int
    max_epochs: int
    search: HyperparameterSearch
    def __init__(self, model_id: _Optional[str] = ..., hyperparameter_overrides: _Optional[_Mapping[str, HyperparameterValue]] = ..., validation_windows: _Optional[int] = ..., seed: _Optional[int] = ..., max_epochs: _Optional[int] = ..., search: _Optional[_Union[HyperparameterSearch, _Mapping]] = ...) -> None: ...

class HyperparameterSearch(_message.Message):
    __slots__ = ("n_trials", "timeout", "parameters")
    N_TRIALS_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    n_trials: int
    timeout: _duration_pb2.Duration
    parameters: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, n_trials: _Optional[int] = ..., timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., parameters: _Optional[_Iterable[str]] = ...) -> None: ...

class TrainModelResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: TrainingJob
    def __init__(self, job: _Optional[_Union[TrainingJob, _Mapping]] = ...) -> None: ...

class TrainingJob(_message.Message):
    __slots__ = ("job_id", "model_id", "owner_id", "state", "progress", "error_message", "worker", "version_id", "hyperparameters", "seed", "validation_windows", "max_epochs", "search", "create_time", "start_time", "end_time")
    class HyperparametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: HyperparameterValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[HyperparameterValue, _Mapping]] = ...) -> None: ...
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    ERROR_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    WORKER_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    HYPERPARAMETERS_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_WINDOWS_FIELD_NUMBER: _ClassVar[int]
    MAX_EPOCHS_FIELD_NUMBER: _ClassVar[int]
    SEARCH_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    model_id: str
    owner_id: str
    state: TrainingJobState
    progress: TrainingProgress
    error_message: str
    worker: str
    version_id: str
    hyperparameters: _containers.MessageMap[str, HyperparameterValue]
    seed: int
    validation_windows: int
    max_epochs: int
    search: HyperparameterSearch
    create_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, job_id: _Optional[str] = ..., model_id: _Optional[str] = ..., owner_id: _Optional[str] = ..., state: _Optional[_Union[TrainingJobState, str]] = ..., progress: _Optional[_Union[TrainingProgress, _Mapping]] = ..., error_message: _Optional[str] = ..., worker: _Optional[str] = ..., version_id: _Optional[str] = ..., hyperparameters: _Optional[_Mapping[str, HyperparameterValue]] = ..., seed: _Optional[int] = ..., validation_windows: _Optional[int] = ..., max_epochs: _Optional[int] = ..., search: _Optional[_Union[HyperparameterSearch, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class TrainingProgress(_message.Message):
    __slots__ = ("job_id", "state", "epoch", "total_epochs", "train_loss", "validation_loss", "validation_metrics", "eta", "message", "update_time", "trial", "total_trials", "fraction_complete")
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    EPOCH_FIELD_NUMBER: _ClassVar[int]
    TOTAL_EPOCHS_FIELD_NUMBER: _ClassVar[int]
    TRAIN_LOSS_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_LOSS_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_METRICS_FIELD_NUMBER: _ClassVar[int]
    ETA_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    TRIAL_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TRIALS_FIELD_NUMBER: _ClassVar[int]
    FRACTION_COMPLETE_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    state: TrainingJobState
    epoch: int
    total_epochs: int
    train_loss: float
    validation_loss: float
    validation_metrics: _common_pb2.Metrics
    eta: _duration_pb2.Duration
    message: str
    update_time: _timestamp_pb2.Timestamp
    trial: int
    total_trials: int
    fraction_complete: float
    def __init__(self, job_id: _Optional[str] = ..., state: _Optional[_Union[TrainingJobState, str]] = ..., epoch: _Optional[int] = ..., total_epochs: _Optional[int] = ..., train_loss: _Optional[float] = ..., validation_loss: _Optional[float] = ..., validation_metrics: _Optional[_Union[_common_pb2.Metrics, _Mapping]] = ..., eta: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., message: _Optional[str] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., trial: _Optional[int] = ..., total_trials: _Optional[int] = ..., fraction_complete: _Optional[float] = ...) -> None: ...

class GetTrainingJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class GetTrainingJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: TrainingJob
    def __init__(self, job: _Optional[_Union[TrainingJob, _Mapping]] = ...) -> None: ...

class WatchTrainingJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class WatchTrainingJobResponse(_message.Message):
    __slots__ = ("progress",)
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    progress: TrainingProgress
    def __init__(self, progress: _Optional[_Union[TrainingProgress, _Mapping]] = ...) -> None: ...

class CancelTrainingJobRequest(_message.Message):
    __slots__ = ("job_id",)
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    job_id: str
    def __init__(self, job_id: _Optional[str] = ...) -> None: ...

class CancelTrainingJobResponse(_message.Message):
    __slots__ = ("job",)
    JOB_FIELD_NUMBER: _ClassVar[int]
    job: TrainingJob
    def __init__(self, job: _Optional[_Union[TrainingJob, _Mapping]] = ...) -> None: ...

class ListTrainingJobsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "filter", "model_id", "states", "order")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    STATES_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    filter: str
    model_id: str
    states: _containers.RepeatedScalarFieldContainer[TrainingJobState]
    order: _common_pb2.SortOrder
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ..., model_id: _Optional[str] = ..., states: _Optional[_Iterable[_Union[TrainingJobState, str]]] = ..., order: _Optional[_Union[_common_pb2.SortOrder, str]] = ...) -> None: ...

class ListTrainingJobsResponse(_message.Message):
    __slots__ = ("jobs", "next_page_token", "total_size")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[TrainingJob]
    next_page_token: str
    total_size: int
    def __init__(self, jobs: _Optional[_Iterable[_Union[TrainingJob, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class ListModelVersionsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "filter", "model_id", "state", "order")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    filter: str
    model_id: str
    state: ModelVersionState
    order: _common_pb2.SortOrder
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ..., model_id: _Optional[str] = ..., state: _Optional[_Union[ModelVersionState, str]] = ..., order: _Optional[_Union[_common_pb2.SortOrder, str]] = ...) -> None: ...

class ListModelVersionsResponse(_message.Message):
    __slots__ = ("versions", "next_page_token", "total_size")
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    versions: _containers.RepeatedCompositeFieldContainer[ModelVersion]
    next_page_token: str
    total_size: int
    def __init__(self, versions: _Optional[_Iterable[_Union[ModelVersion, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class ModelVersion(_message.Message):
    __slots__ = ("version_id", "model_id", "version", "state", "validation_metrics", "backtest_metrics", "artifact_uri", "mar_uri", "training_job_id", "training_data_range", "parameter_count", "training_duration", "create_time", "deployed", "traffic_percent", "validation_data_range", "hyperparameters")
    class HyperparametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: HyperparameterValue
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[HyperparameterValue, _Mapping]] = ...) -> None: ...
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_METRICS_FIELD_NUMBER: _ClassVar[int]
    BACKTEST_METRICS_FIELD_NUMBER: _ClassVar[int]
    ARTIFACT_URI_FIELD_NUMBER: _ClassVar[int]
    MAR_URI_FIELD_NUMBER: _ClassVar[int]
    TRAINING_JOB_ID_FIELD_NUMBER: _ClassVar[int]
    TRAINING_DATA_RANGE_FIELD_NUMBER: _ClassVar[int]
    PARAMETER_COUNT_FIELD_NUMBER: _ClassVar[int]
    TRAINING_DURATION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DEPLOYED_FIELD_NUMBER: _ClassVar[int]
    TRAFFIC_PERCENT_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_DATA_RANGE_FIELD_NUMBER: _ClassVar[int]
    HYPERPARAMETERS_FIELD_NUMBER: _ClassVar[int]
    version_id: str
    model_id: str
    version: int
    state: ModelVersionState
    validation_metrics: _common_pb2.Metrics
    backtest_metrics: _common_pb2.Metrics
    artifact_uri: str
    mar_uri: str
    training_job_id: str
    training_data_range: _common_pb2.TimeRange
    parameter_count: int
    training_duration: _duration_pb2.Duration
    create_time: _timestamp_pb2.Timestamp
    deployed: bool
    traffic_percent: int
    validation_data_range: _common_pb2.TimeRange
    hyperparameters: _containers.MessageMap[str, HyperparameterValue]
    def __init__(self, version_id: _Optional[str] = ..., model_id: _Optional[str] = ..., version: _Optional[int] = ..., state: _Optional[_Union[ModelVersionState, str]] = ..., validation_metrics: _Optional[_Union[_common_pb2.Metrics, _Mapping]] = ..., backtest_metrics: _Optional[_Union[_common_pb2.Metrics, _Mapping]] = ..., artifact_uri: _Optional[str] = ..., mar_uri: _Optional[str] = ..., training_job_id: _Optional[str] = ..., training_data_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., parameter_count: _Optional[int] = ..., training_duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deployed: _Optional[bool] = ..., traffic_percent: _Optional[int] = ..., validation_data_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., hyperparameters: _Optional[_Mapping[str, HyperparameterValue]] = ...) -> None: ...

class GetModelVersionRequest(_message.Message):
    __slots__ = ("version_id",)
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    version_id: str
    def __init__(self, version_id: _Optional[str] = ...) -> None: ...

class GetModelVersionResponse(_message.Message):
    __slots__ = ("version",)
    VERSION_FIELD_NUMBER: _ClassVar[int]
    version: ModelVersion
    def __init__(self, version: _Optional[_Union[ModelVersion, _Mapping]] = ...) -> None: ...

class DeployModelVersionRequest(_message.Message):
    __slots__ = ("model_id", "version_id", "splits")
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    SPLITS_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    version_id: str
    splits: _containers.RepeatedCompositeFieldContainer[TrafficSplit]
    def __init__(self, model_id: _Optional[str] = ..., version_id: _Optional[str] = ..., splits: _Optional[_Iterable[_Union[TrafficSplit, _Mapping]]] = ...) -> None: ...

class TrafficSplit(_message.Message):
    __slots__ = ("version_id", "percent")
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    PERCENT_FIELD_NUMBER: _ClassVar[int]
    version_id: str
    percent: int
    def __init__(self, version_id: _Optional[str] = ..., percent: _Optional[int] = ...) -> None: ...

class DeployModelVersionResponse(_message.Message):
    __slots__ = ("deployment",)
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    deployment: Deployment
    def __init__(self, deployment: _Optional[_Union[Deployment, _Mapping]] = ...) -> None: ...

class Deployment(_message.Message):
    __slots__ = ("model_id", "splits", "update_time", "updated_by")
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    SPLITS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    model_id: str
    splits: _containers.RepeatedCompositeFieldContainer[TrafficSplit]
    update_time: _timestamp_pb2.Timestamp
    updated_by: str
    def __init__(self, model_id: _Optional[str] = ..., splits: _Optional[_Iterable[_Union[TrafficSplit, _Mapping]]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_by: _Optional[str] = ...) -> None: ...

class CompareModelsRequest(_message.Message):
    __slots__ = ("version_ids", "model_ids", "rank_by")
    VERSION_IDS_FIELD_NUMBER: _ClassVar[int]
    MODEL_IDS_FIELD_NUMBER: _ClassVar[int]
    RANK_BY_FIELD_NUMBER: _ClassVar[int]
    version_ids: _containers.RepeatedScalarFieldContainer[str]
    model_ids: _containers.RepeatedScalarFieldContainer[str]
    rank_by: ComparisonMetric
    def __init__(self, version_ids: _Optional[_Iterable[str]] = ..., model_ids: _Optional[_Iterable[str]] = ..., rank_by: _Optional[_Union[ComparisonMetric, str]] = ...) -> None: ...

class CompareModelsResponse(_message.Message):
    __slots__ = ("rows", "window", "rank_by", "best_by_metric")
    ROWS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    RANK_BY_FIELD_NUMBER: _ClassVar[int]
    BEST_BY_METRIC_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[ComparisonRow]
    window: EvaluationWindow
    rank_by: ComparisonMetric
    best_by_metric: _containers.RepeatedCompositeFieldContainer[BestVersion]
    def __init__(self, rows: _Optional[_Iterable[_Union[ComparisonRow, _Mapping]]] = ..., window: _Optional[_Union[EvaluationWindow, _Mapping]] = ..., rank_by: _Optional[_Union[ComparisonMetric, str]] = ..., best_by_metric: _Optional[_Iterable[_Union[BestVersion, _Mapping]]] = ...) -> None: ...

class ComparisonRow(_message.Message):
    __slots__ = ("version_id", "model_id", "model_name", "type", "version", "metrics", "rank")
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_ID_FIELD_NUMBER: _ClassVar[int]
    MODEL_NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    version_id: str
    model_id: str
    model_name: str
    type: _common_pb2.ModelType
    version: int
    metrics: _common_pb2.Metrics
    rank: int
    def __init__(self, version_id: _Optional[str] = ..., model_id: _Optional[str] = ..., model_name: _Optional[str] = ..., type: _Optional[_Union[_common_pb2.ModelType, str]] = ..., version: _Optional[int] = ..., metrics: _Optional[_Union[_common_pb2.Metrics, _Mapping]] = ..., rank: _Optional[int] = ...) -> None: ...

class EvaluationWindow(_message.Message):
    __slots__ = ("dataset_id", "target_column", "horizon", "time_range", "series_count", "points", "description")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_COLUMN_FIELD_NUMBER: _ClassVar[int]
    HORIZON_FIELD_NUMBER: _ClassVar[int]
    TIME_RANGE_FIELD_NUMBER: _ClassVar[int]
    SERIES_COUNT_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    target_column: str
    horizon: int
    time_range: _common_pb2.TimeRange
    series_count: int
    points: int
    description: str
    def __init__(self, dataset_id: _Optional[str] = ..., target_column: _Optional[str] = ..., horizon: _Optional[int] = ..., time_range: _Optional[_Union[_common_pb2.TimeRange, _Mapping]] = ..., series_count: _Optional[int] = ..., points: _Optional[int] = ..., description: _Optional[str] = ...) -> None: ...

class BestVersion(_message.Message):
    __slots__ = ("metric", "version_id", "value")
    METRIC_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    metric: ComparisonMetric
    version_id: str
    value: float
    def __init__(self, metric: _Optional[_Union[ComparisonMetric, str]] = ..., version_id: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
