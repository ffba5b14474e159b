import datetime

from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RateClass(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RATE_CLASS_UNSPECIFIED: _ClassVar[RateClass]
    RATE_CLASS_AUTH: _ClassVar[RateClass]
    RATE_CLASS_PREDICTION: _ClassVar[RateClass]

class Frequency(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FREQUENCY_UNSPECIFIED: _ClassVar[Frequency]
    FREQUENCY_HOURLY: _ClassVar[Frequency]
    FREQUENCY_DAILY: _ClassVar[Frequency]
    FREQUENCY_WEEKLY: _ClassVar[Frequency]
    FREQUENCY_MONTHLY: _ClassVar[Frequency]
    FREQUENCY_QUARTERLY: _ClassVar[Frequency]
    FREQUENCY_YEARLY: _ClassVar[Frequency]

class ModelType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MODEL_TYPE_UNSPECIFIED: _ClassVar[ModelType]
    MODEL_TYPE_LSTM: _ClassVar[ModelType]
    MODEL_TYPE_TFT: _ClassVar[ModelType]
    MODEL_TYPE_SEASONAL_NAIVE: _ClassVar[ModelType]
    MODEL_TYPE_AUTO_ETS: _ClassVar[ModelType]
    MODEL_TYPE_AUTO_ARIMA: _ClassVar[ModelType]

class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROLE_UNSPECIFIED: _ClassVar[Role]
    ROLE_ADMIN: _ClassVar[Role]
    ROLE_ANALYST: _ClassVar[Role]
    ROLE_VIEWER: _ClassVar[Role]

class SortOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SORT_ORDER_UNSPECIFIED: _ClassVar[SortOrder]
    SORT_ORDER_ASCENDING: _ClassVar[SortOrder]
    SORT_ORDER_DESCENDING: _ClassVar[SortOrder]
RATE_CLASS_UNSPECIFIED: RateClass
RATE_CLASS_AUTH: RateClass
RATE_CLASS_PREDICTION: RateClass
FREQUENCY_UNSPECIFIED: Frequency
FREQUENCY_HOURLY: Frequency
FREQUENCY_DAILY: Frequency
FREQUENCY_WEEKLY: Frequency
FREQUENCY_MONTHLY: Frequency
FREQUENCY_QUARTERLY: Frequency
FREQUENCY_YEARLY: Frequency
MODEL_TYPE_UNSPECIFIED: ModelType
MODEL_TYPE_LSTM: ModelType
MODEL_TYPE_TFT: ModelType
MODEL_TYPE_SEASONAL_NAIVE: ModelType
MODEL_TYPE_AUTO_ETS: ModelType
MODEL_TYPE_AUTO_ARIMA: ModelType
ROLE_UNSPECIFIED: Role
ROLE_ADMIN: Role
ROLE_ANALYST: Role
ROLE_VIEWER: Role
SORT_ORDER_UNSPECIFIED: SortOrder
SORT_ORDER_ASCENDING: SortOrder
SORT_ORDER_DESCENDING: SortOrder
AUTH_FIELD_NUMBER: _ClassVar[int]
auth: _descriptor.FieldDescriptor

class AuthRule(_message.Message):
    __slots__ = ("public", "permission", "audit", "rate_class")
    PUBLIC_FIELD_NUMBER: _ClassVar[int]
    PERMISSION_FIELD_NUMBER: _ClassVar[int]
    AUDIT_FIELD_NUMBER: _ClassVar[int]
    RATE_CLASS_FIELD_NUMBER: _ClassVar[int]
    public: bool
    permission: str
    audit: bool
    rate_class: RateClass
    def __init__(self, public: _Optional[bool] = ..., permission: _Optional[str] = ..., audit: _Optional[bool] = ..., rate_class: _Optional[_Union[RateClass, str]] = ...) -> None: ...

class Series(_message.Message):
    __slots__ = ("series_id", "values", "timestamps", "start", "frequency", "covariates", "static_attributes")
    class CovariatesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: Covariate
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[Covariate, _Mapping]] = ...) -> None: ...
    class StaticAttributesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    SERIES_ID_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMPS_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    COVARIATES_FIELD_NUMBER: _ClassVar[int]
    STATIC_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    series_id: str
    values: _containers.RepeatedScalarFieldContainer[float]
    timestamps: _containers.RepeatedCompositeFieldContainer[_timestamp_pb2.Timestamp]
    start: _timestamp_pb2.Timestamp
    frequency: Frequency
    covariates: _containers.MessageMap[str, Covariate]
    static_attributes: _containers.ScalarMap[str, str]
    def __init__(self, series_id: _Optional[str] = ..., values: _Optional[_Iterable[float]] = ..., timestamps: _Optional[_Iterable[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]]] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., frequency: _Optional[_Union[Frequency, str]] = ..., covariates: _Optional[_Mapping[str, Covariate]] = ..., static_attributes: _Optional[_Mapping[str, str]] = ...) -> None: ...

class Covariate(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, values: _Optional[_Iterable[float]] = ...) -> None: ...

class QuantileValue(_message.Message):
    __slots__ = ("quantile", "value")
    QUANTILE_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    quantile: float
    value: float
    def __init__(self, quantile: _Optional[float] = ..., value: _Optional[float] = ...) -> None: ...

class ForecastPoint(_message.Message):
    __slots__ = ("timestamp", "step", "mean", "quantiles")
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    QUANTILES_FIELD_NUMBER: _ClassVar[int]
    timestamp: _timestamp_pb2.Timestamp
    step: int
    mean: float
    quantiles: _containers.RepeatedCompositeFieldContainer[QuantileValue]
    def __init__(self, timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., step: _Optional[int] = ..., mean: _Optional[float] = ..., quantiles: _Optional[_Iterable[_Union[QuantileValue, _Mapping]]] = ...) -> None: ...

class Forecast(_message.Message):
    __slots__ = ("series_id", "points")
    SERIES_ID_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    series_id: str
    points: _containers.RepeatedCompositeFieldContainer[ForecastPoint]
    def __init__(self, series_id: _Optional[str] = ..., points: _Optional[_Iterable[_Union[ForecastPoint, _Mapping]]] = ...) -> None: ...

class Metrics(_message.Message):
    __slots__ = ("mae", "rmse", "smape", "mase", "coverage_80", "points")
    MAE_FIELD_NUMBER: _ClassVar[int]
    RMSE_FIELD_NUMBER: _ClassVar[int]
    SMAPE_FIELD_NUMBER: _ClassVar[int]
    MASE_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_80_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    mae: float
    rmse: float
    smape: float
    mase: float
    coverage_80: float
    points: int
    def __init__(self, mae: _Optional[float] = ..., rmse: _Optional[float] = ..., smape: _Optional[float] = ..., mase: _Optional[float] = ..., coverage_80: _Optional[float] = ..., points: _Optional[int] = ...) -> None: ...

class TimeRange(_message.Message):
    __slots__ = ("start_time", "end_time")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
