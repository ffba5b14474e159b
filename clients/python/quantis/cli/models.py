"""``quantis models types|list|create|train|versions|deploy|compare``."""

from __future__ import annotations

import argparse
import dataclasses

from tqdm import tqdm  # type: ignore[import-untyped]

from quantis.cli.common import command, enum_name, enum_value, floats, option
from quantis.cli.output import Output, as_dict
from quantis.client import Client
from quantis.v1 import common_pb2
from quantis.v1 import model_service_pb2 as pb

# With --watch these end the command with status 1, as other failures do: no version came of the job
# (a cancelled job is no more a success than a failed one to a script that deploys what it trained).
_UNSUCCESSFUL = (pb.TRAINING_JOB_STATE_FAILED, pb.TRAINING_JOB_STATE_CANCELLED)


def _hyperparameter(text: str) -> tuple[str, pb.HyperparameterValue]:
    """``name=value``: an integer, a number, true/false, or else text."""
    name, _, raw = text.partition("=")
    if not name or not raw:
        raise ValueError(f"--param {text!r}: expected name=value")
    if raw.lower() in ("true", "false"):
        return name, pb.HyperparameterValue(bool_value=raw.lower() == "true")
    try:
        return name, pb.HyperparameterValue(int_value=int(raw))
    except ValueError:
        pass
    try:
        return name, pb.HyperparameterValue(double_value=float(raw))
    except ValueError:
        return name, pb.HyperparameterValue(string_value=raw)


def _types(client: Client, args: argparse.Namespace) -> Output:
    found = client.models.ListModelTypes(pb.ListModelTypesRequest()).model_types
    rows = [{**as_dict(t), "type": enum_name(common_pb2.ModelType, "MODEL_TYPE_", t.type)} for t in found]
    return Output(rows, ["type", "display_name", "family", "supports_quantiles", "supports_covariates"])


def _list(client: Client, args: argparse.Namespace) -> Output:
    found = client.models.ListModels(pb.ListModelsRequest(page_size=100)).models
    return Output(
        [as_dict(m) for m in found], ["model_id", "name", "type", "dataset_id", "horizon", "latest_version"]
    )


def _create(client: Client, args: argparse.Namespace) -> Output:
    request = pb.CreateModelRequest(
        name=args.name,
        type=enum_value(common_pb2.ModelType, "MODEL_TYPE_", args.type),  # type: ignore[arg-type]
        dataset_id=args.dataset_id,
        target_column=args.target_column,
        horizon=args.horizon,
        quantiles=floats(args.quantiles) if args.quantiles else [],
        hyperparameters=dict(_hyperparameter(p) for p in args.param or ()),
    )
    model = client.models.CreateModel(request).model
    return Output.one(as_dict(model), ["model_id", "name", "type", "dataset_id", "horizon"])


def _watch(client: Client, job: pb.TrainingJob, live: bool) -> pb.TrainingJob:
    """Follows the job with a live bar (epochs, losses) until it ends, then reads its final record."""
    with tqdm(total=job.progress.total_epochs or None, unit="epoch", disable=not live) as bar:
        for progress in client.watch_training(job.job_id):
            bar.total = progress.total_epochs or bar.total
            bar.update(progress.epoch - bar.n)
            bar.set_postfix(
                state=enum_name(pb.TrainingJobState, "TRAINING_JOB_STATE_", progress.state),
                loss=f"{progress.train_loss:.4g}",
                val=f"{progress.validation_loss:.4g}",
            )
    final: pb.TrainingJob = client.models.GetTrainingJob(pb.GetTrainingJobRequest(job_id=job.job_id)).job
    return final


def _train(client: Client, args: argparse.Namespace) -> Output:
    request = pb.TrainModelRequest(model_id=args.model_id, max_epochs=args.max_epochs or 0)
    job = client.models.TrainModel(request).job
    if args.watch:
        job = _watch(client, job, live=not args.no_progress)
    output = Output.one(as_dict(job), ["job_id", "model_id", "state", "version_id", "error_message"])
    if args.watch and job.state in _UNSUCCESSFUL:
        # The job's record is printed all the same; the status tells a script that no version came of it.
        state = enum_name(pb.TrainingJobState, "TRAINING_JOB_STATE_", job.state)
        reason = f": {job.error_message}" if job.error_message else ""
        ended = f"training job {job.job_id} ended {state}{reason}"
        output = dataclasses.replace(output, exit_status=1, failure=ended)
    return output


def _versions(client: Client, args: argparse.Namespace) -> Output:
    found = client.models.ListModelVersions(pb.ListModelVersionsRequest(model_id=args.model_id)).versions
    rows = [{**as_dict(v), "mase": v.validation_metrics.mase} for v in found]
    return Output(rows, ["version_id", "version", "state", "deployed", "traffic_percent", "mase"])


def _deploy(client: Client, args: argparse.Namespace) -> Output:
    request = pb.DeployModelVersionRequest(model_id=args.model_id, version_id=args.version_id)
    deployment = client.models.DeployModelVersion(request).deployment
    rows = [as_dict(split) for split in deployment.splits]
    return (
        Output(rows, ["version_id", "percent"])
        if not option(args, "json")
        else Output.one(as_dict(deployment))
    )


def _compare(client: Client, args: argparse.Namespace) -> Output:
    compared = client.models.CompareModels(pb.CompareModelsRequest(version_ids=args.version_ids))
    rows = [
        {**as_dict(row), **{k: getattr(row.metrics, k) for k in ("mae", "rmse", "mase")}}
        for row in compared.rows
    ]
    return Output(rows, ["rank", "version_id", "model_name", "version", "mae", "rmse", "mase"])


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("models", help="create, train, compare and deploy models").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    command(group, "types", _types, "the model types you can create")
    command(group, "list", _list, "list your models")
    create = command(group, "create", _create, "create a model on a dataset")
    create.add_argument("--name", required=True)
    create.add_argument("--type", required=True, help="lstm, tft, seasonal_naive, auto_ets or auto_arima")
    create.add_argument("--dataset", dest="dataset_id", required=True)
    create.add_argument("--target-column", default="")
    create.add_argument("--horizon", type=int, default=0)
    create.add_argument("--quantiles", help="comma-separated levels, e.g. 0.1,0.9")
    create.add_argument("--param", action="append", help="hyperparameter name=value (repeatable)")
    train = command(group, "train", _train, "start a training job")
    train.add_argument("model_id")
    train.add_argument("--max-epochs", type=int)
    train.add_argument(
        "--watch",
        action="store_true",
        help="follow progress until the job ends (exit status 1 when it fails or is cancelled)",
    )
    train.add_argument("--no-progress", action="store_true", help="with --watch: no live progress bar")
    versions = command(group, "versions", _versions, "a model's trained versions")
    versions.add_argument("model_id")
    deploy = command(group, "deploy", _deploy, "send all of a model's traffic to a version")
    deploy.add_argument("model_id")
    deploy.add_argument("version_id")
    compare = command(group, "compare", _compare, "compare versions on a common evaluation window")
    compare.add_argument("version_ids", nargs="+")
