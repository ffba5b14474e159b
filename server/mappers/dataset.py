"""DatasetService messages from and to domain objects."""

from __future__ import annotations

from quantis.v1 import common_pb2
from quantis.v1 import dataset_service_pb2 as pb

from server.db.enums import DatasetFormat, Frequency
from server.db.models import Dataset
from server.domain.datasets.spec import ColumnRole, DatasetSpec
from server.domain.datasets.stats import ColumnStats, DatasetStats, QualityPart, SeriesStats
from server.domain.datasets.uploads import UploadView
from server.mappers.common import from_wire, timestamp

FORMATS = {DatasetFormat.CSV: pb.DATASET_FORMAT_CSV, DatasetFormat.PARQUET: pb.DATASET_FORMAT_PARQUET}
FREQUENCIES = {
    Frequency.HOURLY: common_pb2.FREQUENCY_HOURLY,
    Frequency.DAILY: common_pb2.FREQUENCY_DAILY,
    Frequency.WEEKLY: common_pb2.FREQUENCY_WEEKLY,
    Frequency.MONTHLY: common_pb2.FREQUENCY_MONTHLY,
    Frequency.QUARTERLY: common_pb2.FREQUENCY_QUARTERLY,
    Frequency.YEARLY: common_pb2.FREQUENCY_YEARLY,
}
ROLES = {
    ColumnRole.TIMESTAMP: pb.COLUMN_ROLE_TIMESTAMP,
    ColumnRole.VALUE: pb.COLUMN_ROLE_VALUE,
    ColumnRole.SERIES_ID: pb.COLUMN_ROLE_SERIES_ID,
    ColumnRole.COVARIATE: pb.COLUMN_ROLE_COVARIATE,
    ColumnRole.KNOWN_FUTURE: pb.COLUMN_ROLE_KNOWN_FUTURE,
    ColumnRole.STATIC: pb.COLUMN_ROLE_STATIC,
}


# The format, or None when unspecified (or a number this server does not know).
format_from_proto = from_wire(FORMATS)


frequency_from_proto = from_wire(FREQUENCIES)


def frequency_to_proto(value: Frequency | None) -> common_pb2.Frequency:
    return FREQUENCIES[value] if value else common_pb2.FREQUENCY_UNSPECIFIED


def spec_from_proto(metadata: pb.DatasetMetadata) -> DatasetSpec:
    return DatasetSpec(
        name=metadata.name,
        description=metadata.description,
        format=format_from_proto(metadata.format, "metadata.format"),
        timestamp_column=metadata.timestamp_column,
        value_columns=tuple(metadata.value_columns),
        series_id_column=metadata.series_id_column,
        covariate_columns=tuple(metadata.covariate_columns),
        known_future_columns=tuple(metadata.known_future_columns),
        static_columns=tuple(metadata.static_columns),
        frequency=frequency_from_proto(metadata.frequency, "metadata.frequency"),
        labels=dict(metadata.labels),
    )


def spec_to_proto(spec: DatasetSpec) -> pb.DatasetMetadata:
    return pb.DatasetMetadata(
        name=spec.name,
        description=spec.description,
        format=FORMATS[spec.format] if spec.format else pb.DATASET_FORMAT_UNSPECIFIED,
        timestamp_column=spec.timestamp_column,
        value_columns=spec.value_columns,
        series_id_column=spec.series_id_column,
        covariate_columns=spec.covariate_columns,
        known_future_columns=spec.known_future_columns,
        static_columns=spec.static_columns,
        frequency=frequency_to_proto(spec.frequency),
        labels=spec.labels,
    )


def dataset_to_proto(dataset: Dataset) -> pb.Dataset:
    return pb.Dataset(
        dataset_id=dataset.id,
        owner_id=dataset.owner_id,
        name=dataset.name,
        description=dataset.description,
        format=FORMATS[dataset.format],
        columns=[
            pb.DatasetColumn(name=c["name"], role=ROLES[ColumnRole(c["role"])], dtype=c["dtype"])
            for c in dataset.columns
        ],
        row_count=dataset.row_count,
        series_count=dataset.series_count,
        min_series_length=dataset.min_series_length,
        max_series_length=dataset.max_series_length,
        frequency=frequency_to_proto(dataset.frequency),
        start_time=timestamp(dataset.start_at),
        end_time=timestamp(dataset.end_at),
        missing_values=dataset.missing_values,
        size_bytes=dataset.size_bytes,
        labels=dataset.labels,
        create_time=timestamp(dataset.created_at),
        update_time=timestamp(dataset.updated_at),
    )


def upload_to_proto(view: UploadView) -> pb.UploadSession:
    upload = view.session
    return pb.UploadSession(
        upload_id=upload.id,
        committed_size=upload.committed_size,
        total_size=upload.total_size,
        max_chunk_size=view.max_chunk_size,
        expire_time=timestamp(upload.expires_at),
        metadata=spec_to_proto(view.spec),
        sha256=upload.sha256,
        dataset_id=upload.dataset_id or "",
        create_time=timestamp(upload.created_at),
    )


def _column_to_proto(column: ColumnStats) -> pb.ColumnStats:
    numbers = {
        name: getattr(column, name)
        for name in ("mean", "std", "min", "p25", "p50", "p75", "max")
        if getattr(column, name) is not None
    }
    return pb.ColumnStats(
        name=column.name,
        role=ROLES[column.role],
        count=column.count,
        missing=column.missing,
        outlier_count=column.outlier_count,
        **numbers,
    )


def _series_to_proto(series: SeriesStats) -> pb.SeriesStats:
    return pb.SeriesStats(
        series_id=series.series_id,
        length=series.length,
        start_time=timestamp(series.start),
        end_time=timestamp(series.end),
        missing=series.missing,
    )


def _part(part: QualityPart) -> pb.QualityPart:
    return pb.QualityPart(value=part.value, explanation=part.explanation)


def stats_to_proto(dataset_id: str, stats: DatasetStats, max_series: int) -> pb.DatasetStats:
    quality = stats.quality
    return pb.DatasetStats(
        dataset_id=dataset_id,
        columns=[_column_to_proto(c) for c in stats.columns],
        series=[_series_to_proto(s) for s in stats.series[:max_series]],
        series_count=len(stats.series),
        quality=pb.QualityScore(
            score=quality.score,
            completeness=_part(quality.completeness),
            uniqueness=_part(quality.uniqueness),
            regularity=_part(quality.regularity),
            outlier_share=_part(quality.outlier_share),
        ),
        compute_time=timestamp(stats.computed_at),
    )
