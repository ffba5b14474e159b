import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from quantis.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DatasetFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DATASET_FORMAT_UNSPECIFIED: _ClassVar[DatasetFormat]
    DATASET_FORMAT_CSV: _ClassVar[DatasetFormat]
    DATASET_FORMAT_PARQUET: _ClassVar[DatasetFormat]

class ColumnRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    COLUMN_ROLE_UNSPECIFIED: _ClassVar[ColumnRole]
    COLUMN_ROLE_TIMESTAMP: _ClassVar[ColumnRole]
    COLUMN_ROLE_VALUE: _ClassVar[ColumnRole]
    COLUMN_ROLE_SERIES_ID: _ClassVar[ColumnRole]
    COLUMN_ROLE_COVARIATE: _ClassVar[ColumnRole]
    COLUMN_ROLE_KNOWN_FUTURE: _ClassVar[ColumnRole]
    COLUMN_ROLE_STATIC: _ClassVar[ColumnRole]
DATASET_FORMAT_UNSPECIFIED: DatasetFormat
DATASET_FORMAT_CSV: DatasetFormat
DATASET_FORMAT_PARQUET: DatasetFormat
COLUMN_ROLE_UNSPECIFIED: ColumnRole
COLUMN_ROLE_TIMESTAMP: ColumnRole
COLUMN_ROLE_VALUE: ColumnRole
COLUMN_ROLE_SERIES_ID: ColumnRole
COLUMN_ROLE_COVARIATE: ColumnRole
COLUMN_ROLE_KNOWN_FUTURE: ColumnRole
COLUMN_ROLE_STATIC: ColumnRole

class UploadDatasetRequest(_message.Message):
    __slots__ = ("metadata", "chunk")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    metadata: DatasetMetadata
    chunk: bytes
    def __init__(self, metadata: _Optional[_Union[DatasetMetadata, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class UploadDatasetResponse(_message.Message):
    __slots__ = ("dataset",)
    DATASET_FIELD_NUMBER: _ClassVar[int]
    dataset: Dataset
    def __init__(self, dataset: _Optional[_Union[Dataset, _Mapping]] = ...) -> None: ...

class DatasetMetadata(_message.Message):
    __slots__ = ("name", "description", "format", "timestamp_column", "value_columns", "series_id_column", "covariate_columns", "known_future_columns", "static_columns", "frequency", "labels")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_COLUMN_FIELD_NUMBER: _ClassVar[int]
    VALUE_COLUMNS_FIELD_NUMBER: _ClassVar[int]
    SERIES_ID_COLUMN_FIELD_NUMBER: _ClassVar[int]
    COVARIATE_COLUMNS_FIELD_NUMBER: _ClassVar[int]
    KNOWN_FUTURE_COLUMNS_FIELD_NUMBER: _ClassVar[int]
    STATIC_COLUMNS_FIELD_NUMBER: _ClassVar[int]
    FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    format: DatasetFormat
    timestamp_column: str
    value_columns: _containers.RepeatedScalarFieldContainer[str]
    series_id_column: str
    covariate_columns: _containers.RepeatedScalarFieldContainer[str]
    known_future_columns: _containers.RepeatedScalarFieldContainer[str]
    static_columns: _containers.RepeatedScalarFieldContainer[str]
    frequency: _common_pb2.Frequency
    labels: _containers.ScalarMap[str, str]
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., format: _Optional[_Union[DatasetFormat, str]] = ..., timestamp_column: _Optional[str] = ..., value_columns: _Optional[_Iterable[str]] = ..., series_id_column: _Optional[str] = ..., covariate_columns: _Optional[_Iterable[str]] = ..., known_future_columns: _Optional[_Iterable[str]] = ..., static_columns: _Optional[_Iterable[str]] = ..., frequency: _Optional[_Union[_common_pb2.Frequency, str]] = ..., labels: _Optional[_Mapping[str, str]] = ...) -> None: ...

class Dataset(_message.Message):
    __slots__ = ("dataset_id", "owner_id", "name", "description", "format", "columns", "row_count", "series_count", "min_series_length", "max_series_length", "frequency", "start_time", "end_time", "missing_values", "size_bytes", "labels", "create_time", "update_time")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    SERIES_COUNT_FIELD_NUMBER: _ClassVar[int]
    MIN_SERIES_LENGTH_FIELD_NUMBER: _ClassVar[int]
    MAX_SERIES_LENGTH_FIELD_NUMBER: _ClassVar[int]
    FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    MISSING_VALUES_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    owner_id: str
    name: str
    description: str
    format: DatasetFormat
    columns: _containers.RepeatedCompositeFieldContainer[DatasetColumn]
    row_count: int
    series_count: int
    min_series_length: int
    max_series_length: int
    frequency: _common_pb2.Frequency
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    missing_values: int
    size_bytes: int
    labels: _containers.ScalarMap[str, str]
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, dataset_id: _Optional[str] = ..., owner_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., format: _Optional[_Union[DatasetFormat, str]] = ..., columns: _Optional[_Iterable[_Union[DatasetColumn, _Mapping]]] = ..., row_count: _Optional[int] = ..., series_count: _Optional[int] = ..., min_series_length: _Optional[int] = ..., max_series_length: _Optional[int] = ..., frequency: _Optional[_Union[_common_pb2.Frequency, str]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., missing_values: _Optional[int] = ..., size_bytes: _Optional[int] = ..., labels: _Optional[_Mapping[str, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DatasetColumn(_message.Message):
    __slots__ = ("name", "role", "dtype")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    DTYPE_FIELD_NUMBER: _ClassVar[int]
    name: str
    role: ColumnRole
    dtype: str
    def __init__(self, name: _Optional[str] = ..., role: _Optional[_Union[ColumnRole, str]] = ..., dtype: _Optional[str] = ...) -> None: ...

class StartUploadRequest(_message.Message):
    __slots__ = ("metadata", "total_size", "sha256")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    metadata: DatasetMetadata
    total_size: int
    sha256: str
    def __init__(self, metadata: _Optional[_Union[DatasetMetadata, _Mapping]] = ..., total_size: _Optional[int] = ..., sha256: _Optional[str] = ...) -> None: ...

class StartUploadResponse(_message.Message):
    __slots__ = ("upload_session",)
    UPLOAD_SESSION_FIELD_NUMBER: _ClassVar[int]
    upload_session: UploadSession
    def __init__(self, upload_session: _Optional[_Union[UploadSession, _Mapping]] = ...) -> None: ...

class UploadSession(_message.Message):
    __slots__ = ("upload_id", "committed_size", "total_size", "max_chunk_size", "expire_time", "metadata", "sha256", "dataset_id", "create_time")
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    COMMITTED_SIZE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    MAX_CHUNK_SIZE_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    committed_size: int
    total_size: int
    max_chunk_size: int
    expire_time: _timestamp_pb2.Timestamp
    metadata: DatasetMetadata
    sha256: str
    dataset_id: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, upload_id: _Optional[str] = ..., committed_size: _Optional[int] = ..., total_size: _Optional[int] = ..., max_chunk_size: _Optional[int] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., metadata: _Optional[_Union[DatasetMetadata, _Mapping]] = ..., sha256: _Optional[str] = ..., dataset_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class UploadChunkRequest(_message.Message):
    __slots__ = ("upload_id", "offset", "data")
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    offset: int
    data: bytes
    def __init__(self, upload_id: _Optional[str] = ..., offset: _Optional[int] = ..., data: _Optional[bytes] = ...) -> None: ...

class UploadChunkResponse(_message.Message):
    __slots__ = ("committed_size",)
    COMMITTED_SIZE_FIELD_NUMBER: _ClassVar[int]
    committed_size: int
    def __init__(self, committed_size: _Optional[int] = ...) -> None: ...

class GetUploadRequest(_message.Message):
    __slots__ = ("upload_id",)
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    def __init__(self, upload_id: _Optional[str] = ...) -> None: ...

class GetUploadResponse(_message.Message):
    __slots__ = ("upload_session",)
    UPLOAD_SESSION_FIELD_NUMBER: _ClassVar[int]
    upload_session: UploadSession
    def __init__(self, upload_session: _Optional[_Union[UploadSession, _Mapping]] = ...) -> None: ...

class CompleteUploadRequest(_message.Message):
    __slots__ = ("upload_id",)
    UPLOAD_ID_FIELD_NUMBER: _ClassVar[int]
    upload_id: str
    def __init__(self, upload_id: _Optional[str] = ...) -> None: ...

class CompleteUploadResponse(_message.Message):
    __slots__ = ("dataset",)
    DATASET_FIELD_NUMBER: _ClassVar[int]
    dataset: Dataset
    def __init__(self, dataset: _Optional[_Union[Dataset, _Mapping]] = ...) -> None: ...

class ListDatasetsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "filter", "name_contains", "format", "frequency", "labels", "order")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    NAME_CONTAINS_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    filter: str
    name_contains: str
    format: DatasetFormat
    frequency: _common_pb2.Frequency
    labels: _containers.ScalarMap[str, str]
    order: _common_pb2.SortOrder
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ..., name_contains: _Optional[str] = ..., format: _Optional[_Union[DatasetFormat, str]] = ..., frequency: _Optional[_Union[_common_pb2.Frequency, str]] = ..., labels: _Optional[_Mapping[str, str]] = ..., order: _Optional[_Union[_common_pb2.SortOrder, str]] = ...) -> None: ...

class ListDatasetsResponse(_message.Message):
    __slots__ = ("datasets", "next_page_token", "total_size")
    DATASETS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    datasets: _containers.RepeatedCompositeFieldContainer[Dataset]
    next_page_token: str
    total_size: int
    def __init__(self, datasets: _Optional[_Iterable[_Union[Dataset, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class GetDatasetRequest(_message.Message):
    __slots__ = ("dataset_id",)
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    def __init__(self, dataset_id: _Optional[str] = ...) -> None: ...

class GetDatasetResponse(_message.Message):
    __slots__ = ("dataset",)
    DATASET_FIELD_NUMBER: _ClassVar[int]
    dataset: Dataset
    def __init__(self, dataset: _Optional[_Union[Dataset, _Mapping]] = ...) -> None: ...

class GetDatasetStatsRequest(_message.Message):
    __slots__ = ("dataset_id", "max_series")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_SERIES_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    max_series: int
    def __init__(self, dataset_id: _Optional[str] = ..., max_series: _Optional[int] = ...) -> None: ...

class GetDatasetStatsResponse(_message.Message):
    __slots__ = ("stats",)
    STATS_FIELD_NUMBER: _ClassVar[int]
    stats: DatasetStats
    def __init__(self, stats: _Optional[_Union[DatasetStats, _Mapping]] = ...) -> None: ...

class DatasetStats(_message.Message):
    __slots__ = ("dataset_id", "columns", "series", "series_count", "quality", "compute_time")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    COLUMNS_FIELD_NUMBER: _ClassVar[int]
    SERIES_FIELD_NUMBER: _ClassVar[int]
    SERIES_COUNT_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    COMPUTE_TIME_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    columns: _containers.RepeatedCompositeFieldContainer[ColumnStats]
    series: _containers.RepeatedCompositeFieldContainer[SeriesStats]
    series_count: int
    quality: QualityScore
    compute_time: _timestamp_pb2.Timestamp
    def __init__(self, dataset_id: _Optional[str] = ..., columns: _Optional[_Iterable[_Union[ColumnStats, _Mapping]]] = ..., series: _Optional[_Iterable[_Union[SeriesStats, _Mapping]]] = ..., series_count: _Optional[int] = ..., quality: _Optional[_Union[QualityScore, _Mapping]] = ..., compute_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ColumnStats(_message.Message):
    __slots__ = ("name", "role", "count", "missing", "mean", "std", "min", "p25", "p50", "p75", "max", "outlier_count")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    STD_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    P25_FIELD_NUMBER: _ClassVar[int]
    P50_FIELD_NUMBER: _ClassVar[int]
    P75_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    OUTLIER_COUNT_FIELD_NUMBER: _ClassVar[int]
    name: str
    role: ColumnRole
    count: int
    missing: int
    mean: float
    std: float
    min: float
    p25: float
    p50: float
    p75: float
    max: float
    outlier_count: int
    def __init__(self, name: _Optional[str] = ..., role: _Optional[_Union[ColumnRole, str]] = ..., count: _Optional[int] = ..., missing: _Optional[int] = ..., mean: _Optional[float] = ..., std: _Optional[float] = ..., min: _Optional[float] = ..., p25: _Optional[float] = ..., p50: _Optional[float] = ..., p75: _Optional[float] = ..., max: _Optional[float] = ..., outlier_count: _Optional[int] = ...) -> None: ...

class SeriesStats(_message.Message):
    __slots__ = ("series_id", "length", "start_time", "end_time", "missing")
    SERIES_ID_FIELD_NUMBER: _ClassVar[int]
    LENGTH_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    series_id: str
    length: int
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    missing: int
    def __init__(self, series_id: _Optional[str] = ..., length: _Optional[int] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., missing: _Optional[int] = ...) -> None: ...

class QualityScore(_message.Message):
    __slots__ = ("score", "completeness", "uniqueness", "regularity", "outlier_share")
    SCORE_FIELD_NUMBER: _ClassVar[int]
    COMPLETENESS_FIELD_NUMBER: _ClassVar[int]
    UNIQUENESS_FIELD_NUMBER: _ClassVar[int]
    REGULARITY_FIELD_NUMBER: _ClassVar[int]
    OUTLIER_SHARE_FIELD_NUMBER: _ClassVar[int]
    score: float
    completeness: QualityPart
    uniqueness: QualityPart
    regularity: QualityPart
    outlier_share: QualityPart
    def __init__(self, score: _Optional[float] = ..., completeness: _Optional[_Union[QualityPart, _Mapping]] = ..., uniqueness: _Optional[_Union[QualityPart, _Mapping]] = ..., regularity: _Optional[_Union[QualityPart, _Mapping]] = ..., outlier_share: _Optional[_Union[QualityPart, _Mapping]] = ...) -> None: ...

class QualityPart(_message.Message):
    __slots__ = ("value", "explanation")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    value: float
    explanation: str
    def __init__(self, value: _Optional[float] = ..., explanation: _Optional[str] = ...) -> None: ...

class PreviewDatasetRequest(_message.Message):
    __slots__ = ("dataset_id", "row_count")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    ROW_COUNT_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    row_count: int
    def __init__(self, dataset_id: _Optional[str] = ..., row_count: _Optional[int] = ...) -> None: ...

class PreviewDatasetResponse(_message.Message):
    __slots__ = ("column_names", "rows", "total_rows")
    COLUMN_NAMES_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_ROWS_FIELD_NUMBER: _ClassVar[int]
    column_names: _containers.RepeatedScalarFieldContainer[str]
    rows: _containers.RepeatedCompositeFieldContainer[PreviewRow]
    total_rows: int
    def __init__(self, column_names: _Optional[_Iterable[str]] = ..., rows: _Optional[_Iterable[_Union[PreviewRow, _Mapping]]] = ..., total_rows: _Optional[int] = ...) -> None: ...

class PreviewRow(_message.Message):
    __slots__ = ("cells",)
    CELLS_FIELD_NUMBER: _ClassVar[int]
    cells: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, cells: _Optional[_Iterable[str]] = ...) -> None: ...

class DownloadDatasetRequest(_message.Message):
    __slots__ = ("dataset_id", "format", "offset")
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    format: DatasetFormat
    offset: int
    def __init__(self, dataset_id: _Optional[str] = ..., format: _Optional[_Union[DatasetFormat, str]] = ..., offset: _Optional[int] = ...) -> None: ...

class DownloadDatasetResponse(_message.Message):
    __slots__ = ("chunk", "offset", "total_size", "sha256")
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    chunk: bytes
    offset: int
    total_size: int
    sha256: str
    def __init__(self, chunk: _Optional[bytes] = ..., offset: _Optional[int] = ..., total_size: _Optional[int] = ..., sha256: _Optional[str] = ...) -> None: ...

class DeleteDatasetRequest(_message.Message):
    __slots__ = ("dataset_id",)
    DATASET_ID_FIELD_NUMBER: _ClassVar[int]
    dataset_id: str
    def __init__(self, dataset_id: _Optional[str] = ...) -> None: ...

class DeleteDatasetResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
