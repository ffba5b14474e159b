"""Bad input is INVALID_ARGUMENT naming the field; other users' things are NOT_FOUND."""

from __future__ import annotations

import grpc
from google.protobuf import duration_pb2
from quantis.v1 import common_pb2, model_service_pb2_grpc
from quantis.v1 import model_service_pb2 as pb

from server.composition import Application
from tests.server.model.conftest import analyst, failure, lstm_request
from tests.server.model.records import finished_job_and_version

INVALID = grpc.StatusCode.INVALID_ARGUMENT


async def test_create_model_names_the_bad_field(
    models: model_service_pb2_grpc.ModelServiceStub, application: Application
) -> None:
    ana = await analyst(application)
    cases = {
        "name": lstm_request(ana.dataset_id, name=""),
        "type": lstm_request(ana.dataset_id, type=common_pb2.MODEL_TYPE_UNSPECIFIED),
        "dataset_id": lstm_request(""),
        "horizon": lstm_request(ana.dataset_id, horizon=0),
        "target_column": lstm_request(ana.dataset_id, target_column="passengers"),
        "frequency": lstm_request(ana.dataset_id, frequency=common_pb2.FREQUENCY_DAILY),
        "labels[Bad Key]": lstm_request(ana.dataset_id),
    }
    cases["labels[Bad Key]"].labels["Bad Key"] = "x"
    too_long = lstm_request(ana.dataset_id, horizon=72)  # 144 points: not longer than 2 x 72
    for field, request in cases.items():
        error = await failure(models.CreateModel(request, metadata=ana.metadata))
        assert (error.code, error.fields) == (INVALID, [field]), (field, error)
    error = await failure(models.CreateModel(too_long, metadata=ana.metadata))
    assert error.fields == ["horizon"] and "longer than 144" in error.message

    quantiles = lstm_request(ana.dataset_id)
    quantiles.quantiles[:] = [0.9, 0.1]
    assert (await failure(models.CreateModel(quantiles, metadata=ana.metadata))).fields == ["quantiles[1]"]
    quantiles.quantiles[:] = [0.001]
    assert (await failure(models.CreateModel(quantiles, metadata=ana.metadata))).fields == ["quantiles[0]"]
    # statsforecast takes intervals to six decimals of a percent: these round to 100% and to 0%.
    for levels in ([1e-300, 0.5], [0.5, 1 - 1e-16], [0.1, 0.5 + 1e-10]):
        statistical = lstm_request(ana.dataset_id, type=common_pb2.MODEL_TYPE_AUTO_ETS)
        statistical.quantiles[:] = levels
        refused = await failure(models.CreateModel(statistical, metadata=ana.metadata))
        index = next(i for i, level in enumerate(levels) if level not in (0.1, 0.5))
        assert (refused.code, refused.fields) == (INVALID, [f"quantiles[{index}]"]), levels
    statistical.quantiles[:] = [1e-8, 0.5, 1 - 1e-8]
    statistical.ClearField("hyperparameters")  # the LSTM's
    assert (await models.CreateModel(statistical, metadata=ana.metadata)).model.model_id

    for name, value, _why in (
        ("colour", pb.HyperparameterValue(string_value="red"), "unknown"),
        ("hidden_size", pb.HyperparameterValue(int_value=1), "below the minimum"),
        ("dropout", pb.HyperparameterValue(string_value="high"), "wrong kind"),
        ("target_transform", pb.HyperparameterValue(string_value="sqrt"), "not a choice"),
        ("refit_full", pb.HyperparameterValue(), "no value"),
    ):
        request = lstm_request(ana.dataset_id)
        request.hyperparameters[name].CopyFrom(value)
        error = await failure(models.CreateModel(request, metadata=ana.metadata))
        assert (error.code, error.fields) == (INVALID, [f"hyperparameters[{name}]"]), (name, error)


async def test_train_deploy_and_compare_validate_their_fields(
    models: model_service_pb2_grpc.ModelServiceStub, application: Application
) -> None:
    ana = await analyst(application)
    model = (await models.CreateModel(lstm_request(ana.dataset_id), metadata=ana.metadata)).model
    md = ana.metadata
    for field, request in {
        "validation_windows": pb.TrainModelRequest(model_id=model.model_id, validation_windows=11),
        "max_epochs": pb.TrainModelRequest(model_id=model.model_id, max_epochs=1001),
        "search.n_trials": pb.TrainModelRequest(
            model_id=model.model_id, search=pb.HyperparameterSearch(n_trials=500)
        ),
        "model_id": pb.TrainModelRequest(),
    }.items():
        error = await failure(models.TrainModel(request, metadata=md))
        assert (error.code, error.fields) == (INVALID, [field]), (field, error)
    for timeout in (duration_pb2.Duration(seconds=60, nanos=-1), duration_pb2.Duration(seconds=-1, nanos=5)):
        search = pb.HyperparameterSearch(n_trials=2, timeout=timeout)  # mixed signs: not a Duration
        request = pb.TrainModelRequest(model_id=model.model_id, search=search)
        error = await failure(models.TrainModel(request, metadata=md))
        assert (error.code, error.fields) == (INVALID, ["search.timeout"]), (timeout, error)
    # 144 points cannot hold 4 validation windows of 36 plus as much to train on.
    long = (await models.CreateModel(lstm_request(ana.dataset_id, horizon=36), metadata=md)).model
    error = await failure(
        models.TrainModel(pb.TrainModelRequest(model_id=long.model_id, validation_windows=4), metadata=md)
    )
    assert error.fields == ["validation_windows"]
    overrides = pb.TrainModelRequest(model_id=model.model_id)
    overrides.hyperparameter_overrides["num_layers"].int_value = 9
    error = await failure(models.TrainModel(overrides, metadata=md))
    assert error.fields == ["hyperparameter_overrides[num_layers]"]

    _, version_id = await finished_job_and_version(application, model.model_id, ana.user_id)
    deploy = pb.DeployModelVersionRequest
    split = pb.TrafficSplit
    for field, request in {
        "version_id": deploy(model_id=model.model_id),
        "splits": deploy(
            model_id=model.model_id, version_id=version_id, splits=[split(version_id=version_id, percent=100)]
        ),
        "splits[0].percent": deploy(
            model_id=model.model_id, splits=[split(version_id=version_id, percent=0)]
        ),
        "splits[1].version_id": deploy(
            model_id=model.model_id,
            splits=[split(version_id=version_id, percent=50), split(version_id=version_id, percent=50)],
        ),
    }.items():
        error = await failure(models.DeployModelVersion(request, metadata=md))
        assert (error.code, error.fields) == (INVALID, [field]), (field, error)
    error = await failure(
        models.DeployModelVersion(
            deploy(model_id=model.model_id, splits=[split(version_id=version_id, percent=60)]), metadata=md
        )
    )
    assert error.fields == ["splits"] and "sum to 100" in error.message
    unknown = await failure(
        models.DeployModelVersion(deploy(model_id=model.model_id, version_id="nope"), metadata=md)
    )
    assert unknown.code == grpc.StatusCode.NOT_FOUND

    one = await failure(models.CompareModels(pb.CompareModelsRequest(version_ids=[version_id]), metadata=md))
    assert (one.code, one.fields) == (INVALID, ["version_ids"])
    twice = await failure(
        models.CompareModels(
            pb.CompareModelsRequest(version_ids=[version_id], model_ids=[model.model_id]), metadata=md
        )
    )
    assert (twice.code, twice.fields) == (INVALID, ["model_ids[0]"])  # the same version, named twice


async def test_lists_filter_and_page(
    models: model_service_pb2_grpc.ModelServiceStub, application: Application
) -> None:
    ana = await analyst(application)
    other = await analyst(application, "bob")
    created = []
    for name in ("alpha", "beta", "gamma"):
        request = lstm_request(ana.dataset_id, name=name)
        created.append((await models.CreateModel(request, metadata=ana.metadata)).model.model_id)
    await models.CreateModel(lstm_request(other.dataset_id, name="alpha"), metadata=other.metadata)

    first = await models.ListModels(pb.ListModelsRequest(page_size=2), metadata=ana.metadata)
    assert [m.model_id for m in first.models] == created[:0:-1] and first.total_size == 3
    rest = await models.ListModels(
        pb.ListModelsRequest(page_size=2, page_token=first.next_page_token), metadata=ana.metadata
    )
    assert [m.model_id for m in rest.models] == created[:1] and not rest.next_page_token
    oldest = await models.ListModels(
        pb.ListModelsRequest(order=common_pb2.SORT_ORDER_ASCENDING), metadata=ana.metadata
    )
    assert [m.model_id for m in oldest.models] == created
    by_type = await models.ListModels(
        pb.ListModelsRequest(filter="type=MODEL_TYPE_LSTM AND name:ALP"), metadata=ana.metadata
    )
    assert [m.model_id for m in by_type.models] == created[:1]
    bad = await failure(models.ListModels(pb.ListModelsRequest(filter="colour=red"), metadata=ana.metadata))
    assert (bad.code, bad.reason, bad.fields) == (INVALID, "FILTER_INVALID", ["filter"])
    jobs = await models.ListTrainingJobs(
        pb.ListTrainingJobsRequest(filter="state=TRAINING_JOB_STATE_RUNNING"), metadata=ana.metadata
    )
    assert list(jobs.jobs) == [] and jobs.total_size == 0
