"""``quantis predict`` (one series) and ``quantis batch`` (every series of a stored dataset)."""

from __future__ import annotations

import argparse
import csv
from datetime import datetime

from google.protobuf import timestamp_pb2
from tqdm import tqdm  # type: ignore[import-untyped]

from quantis.cli.common import command, enum_value, floats, option
from quantis.cli.output import Output, as_dict
from quantis.client import Client
from quantis.v1 import common_pb2
from quantis.v1 import prediction_service_pb2 as pb


def _values(args: argparse.Namespace) -> list[float]:
    if args.values:
        return floats(args.values)
    if args.file:
        with open(args.file, newline="") as file:
            rows = csv.DictReader(file)
            if args.column not in (rows.fieldnames or ()):
                columns = ", ".join(rows.fieldnames or ()) or "none"
                raise ValueError(f"{args.file} has no column {args.column!r} (--column; it has {columns})")
            return [float(row[args.column]) if row[args.column] else float("nan") for row in rows]
    raise ValueError("give the series with --values or --file")


def _predict(client: Client, args: argparse.Namespace) -> Output:
    series = common_pb2.Series(series_id=args.series_id, values=_values(args))
    if args.start:
        start = timestamp_pb2.Timestamp()
        start.FromDatetime(datetime.fromisoformat(args.start))
        series.start.CopyFrom(start)
    request = pb.PredictRequest(
        model_id=args.model_id,
        version_id=args.version_id,
        series=series,
        horizon=args.horizon,
        quantiles=floats(args.quantiles) if args.quantiles else [],
    )
    response = client.predictions.Predict(request)
    if option(args, "json"):
        return Output.one(as_dict(response))
    rows = []
    for point in response.forecast.points:
        row: dict[str, object] = {"step": point.step, "mean": point.mean}
        if point.HasField("timestamp"):
            row["timestamp"] = point.timestamp.ToDatetime().date().isoformat()
        row.update({f"q{q.quantile:g}": q.value for q in point.quantiles})
        rows.append(row)
    levels = [key for key in rows[0] if key.startswith("q")] if rows else []
    dated = ["timestamp"] if any("timestamp" in row for row in rows) else []
    columns = ["step", *dated, "mean", *levels]
    return Output(rows, columns)


def _batch(client: Client, args: argparse.Namespace) -> Output:
    request = pb.BatchPredictRequest(
        model_id=args.model_id,
        dataset_id=args.dataset_id,
        horizon=args.horizon,
        quantiles=floats(args.quantiles) if args.quantiles else [],
        output_format=enum_value(pb.BatchOutputFormat, "BATCH_OUTPUT_FORMAT_", args.format),  # type: ignore[arg-type]
    )
    result: dict[str, object] = {}
    with tqdm(unit="series", disable=args.no_progress) as bar:
        for message in client.predictions.BatchPredict(request):
            if message.HasField("progress"):
                bar.total = message.progress.series_total
                bar.update(message.progress.series_done - bar.n)
            if message.HasField("result"):
                result = {"job_id": message.job_id, **as_dict(message.result)}
    return Output.one(result, ["job_id", "rows", "series_count", "output_uri", "version_id"])


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    predict = command(commands, "predict", _predict, "forecast one series")
    predict.add_argument("model_id")
    predict.add_argument("--values", help="comma-separated observations, oldest first")
    predict.add_argument("--file", help="a CSV file holding the series")
    predict.add_argument("--column", default="value", help="with --file: the column of values")
    predict.add_argument("--start", help="timestamp of the first value (ISO 8601)")
    predict.add_argument("--series-id", default="")
    predict.add_argument("--version-id", default="", help="pin a version (default: the deployment decides)")
    predict.add_argument("--horizon", type=int, default=0, help="steps to forecast (default: the model's)")
    predict.add_argument("--quantiles", help="comma-separated levels (default: the model's)")
    batch = command(commands, "batch", _batch, "forecast every series of a dataset as a batch job")
    batch.add_argument("model_id")
    batch.add_argument("dataset_id")
    batch.add_argument("--horizon", type=int, default=0)
    batch.add_argument("--quantiles")
    batch.add_argument("--format", default="parquet", help="parquet or csv")
    batch.add_argument("--no-progress", action="store_true")
