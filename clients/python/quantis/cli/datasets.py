"""``quantis datasets upload|list|stats|download``."""

from __future__ import annotations

import argparse

from quantis.cli.common import command, enum_value, option
from quantis.cli.output import Output, as_dict
from quantis.client import Client
from quantis.v1 import common_pb2
from quantis.v1 import dataset_service_pb2 as pb

_LISTED = ["dataset_id", "name", "format", "frequency", "row_count", "series_count", "create_time"]


def _upload(client: Client, args: argparse.Namespace) -> Output:
    dataset = client.upload_dataset(
        args.path,
        name=args.name or args.path.rsplit("/", 1)[-1],
        timestamp_column=args.timestamp_column,
        value_columns=args.value_column or ["value"],
        series_id_column=args.series_id_column,
        frequency=enum_value(common_pb2.Frequency, "FREQUENCY_", args.frequency) if args.frequency else 0,
        description=args.description,
        progress=not args.no_progress,
    )
    return Output.one(as_dict(dataset), _LISTED)


def _list(client: Client, args: argparse.Namespace) -> Output:
    rows, token = [], ""
    while True:
        page = client.datasets.ListDatasets(pb.ListDatasetsRequest(page_size=100, page_token=token))
        rows += [as_dict(d) for d in page.datasets]
        token = page.next_page_token
        if not token:
            return Output(rows, _LISTED)


def _stats(client: Client, args: argparse.Namespace) -> Output:
    stats = client.datasets.GetDatasetStats(pb.GetDatasetStatsRequest(dataset_id=args.dataset_id)).stats
    if option(args, "json"):
        return Output.one(as_dict(stats))
    columns = [as_dict(c) for c in stats.columns]
    return Output(columns, ["name", "role", "count", "missing", "mean", "std", "min", "p50", "max"])


def _download(client: Client, args: argparse.Namespace) -> Output:
    path = client.download_dataset(args.dataset_id, args.path, progress=not args.no_progress)
    return Output.one({"dataset_id": args.dataset_id, "path": str(path)})


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("datasets", help="upload, list and inspect datasets").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    upload = command(group, "upload", _upload, "upload a CSV or Parquet file (resumable, with progress)")
    upload.add_argument("path")
    upload.add_argument("--name", help="display name (default: the file name)")
    upload.add_argument("--timestamp-column", default="timestamp")
    upload.add_argument("--value-column", action="append", help="a target column (repeatable; default value)")
    upload.add_argument("--series-id-column", default="", help="the column naming each series of a panel")
    upload.add_argument(
        "--frequency", help="hourly, daily, weekly, monthly, quarterly or yearly (default: inferred)"
    )
    upload.add_argument("--description", default="")
    upload.add_argument("--no-progress", action="store_true")
    command(group, "list", _list, "list your datasets")
    stats = command(group, "stats", _stats, "descriptive statistics of a dataset")
    stats.add_argument("dataset_id")
    download = command(group, "download", _download, "download a dataset's file")
    download.add_argument("dataset_id")
    download.add_argument("path")
    download.add_argument("--no-progress", action="store_true")
