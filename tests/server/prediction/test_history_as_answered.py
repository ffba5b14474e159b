"""The history holds what was answered: a request's slice of a larger pass is stored whatever
its memory layout, an answered infinity is stored and scored as one, SubmitActuals called at
once for one step stores one of the values instead of failing, and SubmitActuals beside the
deletion of its model is NOT_FOUND."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path

import grpc
import numpy as np
import pytest
import sqlalchemy as sa
from quantis.v1 import common_pb2, prediction_service_pb2_grpc
from quantis.v1 import prediction_service_pb2 as pb

from server.composition import Application
from server.db.base import new_ids
from server.db.engine import create_engine
from server.db.enums import PredictionSource
from server.db.models import Model
from server.domain.prediction.history import Served
from server.domain.prediction.writer import HistoryWriter
from server.settings import Settings
from tests.server.model.conftest import failure
from tests.server.prediction.conftest import Caller, air_values, caller, deploy_model

Stub = prediction_service_pb2_grpc.PredictionServiceStub
LEVELS = (0.1, 0.5, 0.9)


@pytest.fixture
def settings(backing_settings: Settings) -> Settings:
    return backing_settings


def level_major(series: int, horizon: int, levels: int) -> np.ndarray:
    """Quantiles (series, horizon, levels) laid out level by level in memory, as numpy's
    ``a[..., picked]`` answers them (the LSTM's interpolation of its trained levels)."""
    values = np.arange(levels * series * horizon, dtype=np.float32) + 100
    return values.reshape(levels, series, horizon).transpose(1, 2, 0)


def sliced(ana: Caller, model_id: str, version_id: str, start: int, end: int, of: int) -> Served:
    """A request's share, series ``start`` to ``end``, of a pass of ``of`` series at horizon 1."""
    quantiles = level_major(of, 1, len(LEVELS))[start:end]
    point = quantiles[..., 1]
    n = end - start
    assert not quantiles.reshape(n, -1).flags.c_contiguous  # what the byte view failed on
    ids = new_ids(n)
    return Served(
        owner_id=ana.user_id,
        model_id=model_id,
        version_id=version_id,
        source=PredictionSource.STREAM,
        request=ids[0],
        ids=ids,
        series_ids=[f"s{i}" for i in range(start, end)],
        values=np.tile(np.asarray(air_values()[:24], dtype=np.float32), n),
        lengths=np.full(n, 24, dtype=np.int32),
        season_length=12,
        levels=LEVELS,
        point=point,
        quantiles=quantiles,
        times=None,
        latency_ms=1.0,
    )


@pytest.mark.parametrize("separate_process", [False, True], ids=["thread", "process"])
async def test_a_slice_of_a_larger_pass_is_stored_as_answered(
    predictions: Stub, application: Application, artifacts: list[Path], separate_process: bool
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts)
    version = model.versions[0]
    # Slices of a pass of 30, and a pass of 20 alone (more series than are pickled as raw bytes
    # on the way to the history process: numpy's pickle keeps its column-major layout).
    requests = [
        sliced(ana, model.model_id, version, a, b, of) for a, b, of in ((2, 5, 30), (5, 25, 30), (0, 20, 20))
    ]
    writer = HistoryWriter(application.db, separate_process=separate_process)
    for item in requests:  # each alone in its transaction, as a request of a stream often is
        writer.record(item)
        await writer.flush()
    assert writer.dropped == 0
    await writer.close()

    for item in requests:
        for i in (0, item.size - 1):
            got = await predictions.GetPrediction(
                pb.GetPredictionRequest(prediction_id=item.ids[i]), metadata=ana.metadata
            )
            (step,) = got.prediction.forecast.points
            assert step.mean == item.point[i, 0]
            assert [q.value for q in step.quantiles] == item.quantiles[i, 0].tolist()


async def test_stream_requests_at_horizon_one_are_all_stored(
    predictions: Stub, application: Application, artifacts: list[Path]
) -> None:
    """StreamPredict requests of many series at horizon 1, each its own pass."""
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts)
    air = air_values()[:24]
    assert application.prediction is not None
    answers = []
    for i, (n, horizon) in enumerate(((20, 1), (3, 1), (20, 2))):
        request = pb.StreamPredictRequest(
            request_id=f"r{i}", model_id=model.model_id, lengths=[24] * n, values=air * n, horizon=horizon
        )
        answers += [r async for r in predictions.StreamPredict(iter([request]), metadata=ana.metadata)]
        await application.prediction.history.flush()  # each alone in its transaction
    assert len(answers) == 3 and all(not a.error.code for a in answers)
    assert application.prediction.history.dropped == 0
    for answer in answers:
        for prediction_id in (answer.prediction_ids[0], answer.prediction_ids[-1]):
            got = await predictions.GetPrediction(
                pb.GetPredictionRequest(prediction_id=prediction_id), metadata=ana.metadata
            )
            assert len(got.prediction.forecast.points) == answer.horizon


# The LSTM's float64 interpolation overflows float32 in its cast to inf: numpy warns about it.
@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
async def test_an_infinite_quantile_is_stored_and_scored_as_answered(
    predictions: Stub, application: Application, artifacts: list[Path]
) -> None:
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts)
    answer = await predictions.Predict(
        pb.PredictRequest(
            model_id=model.model_id, series=common_pb2.Series(values=[1e-3] * 12 + [1e30] * 12), horizon=2
        ),
        metadata=ana.metadata,
    )
    answered = [[q.value for q in p.quantiles] for p in answer.forecast.points]
    assert math.isinf(answered[0][2])  # the case: q0.9 past float32's range
    assert application.prediction is not None
    await application.prediction.history.flush()

    got = await predictions.GetPrediction(
        pb.GetPredictionRequest(prediction_id=answer.prediction_id), metadata=ana.metadata
    )
    assert [[q.value for q in p.quantiles] for p in got.prediction.forecast.points] == answered
    assert [p.mean for p in got.prediction.forecast.points] == [p.mean for p in answer.forecast.points]

    inside = [answered[0][0] * 10, answered[1][0] * 10]  # above q0.1, below q0.9 = inf
    submitted = await predictions.SubmitActuals(
        pb.SubmitActualsRequest(prediction_id=answer.prediction_id, values=inside), metadata=ana.metadata
    )
    assert submitted.accuracy.metrics.coverage_80 == 1.0


async def stored_prediction(
    predictions: Stub, application: Application, artifacts: list[Path]
) -> tuple[Caller, str, pb.PredictResponse]:
    """A caller, their model deployed with ``artifacts``, and a Predict of it at horizon 3 whose
    history is stored."""
    ana = await caller(application)
    model = await deploy_model(application, ana.user_id, artifacts)
    answer = await predictions.Predict(
        pb.PredictRequest(model_id=model.model_id, series=common_pb2.Series(values=air_values()), horizon=3),
        metadata=ana.metadata,
    )
    assert application.prediction is not None
    await application.prediction.history.flush()
    return ana, model.model_id, answer


async def test_concurrent_actuals_for_one_step_store_one_of_the_values(
    predictions: Stub, application: Application, artifacts: list[Path]
) -> None:
    ana, _, answer = await stored_prediction(predictions, application, artifacts)

    sent = [400.0 + i for i in range(8)]

    async def submit(value: float) -> pb.SubmitActualsResponse:
        request = pb.SubmitActualsRequest(prediction_id=answer.prediction_id, values=[value, 401.0])
        return await predictions.SubmitActuals(request, metadata=ana.metadata)  # type: ignore[no-any-return]

    try:
        await asyncio.gather(*(submit(value) for value in sent))
    except grpc.aio.AioRpcError as error:
        pytest.fail(f"SubmitActuals failed {error.code().name}: {error.details()}")
    got = await predictions.GetPrediction(
        pb.GetPredictionRequest(prediction_id=answer.prediction_id), metadata=ana.metadata
    )
    actuals = list(got.prediction.accuracy.actuals)
    assert actuals[0] in sent and actuals[1] == 401.0 and math.isnan(actuals[2])
    assert got.prediction.accuracy.metrics.points == 2


async def test_actuals_submitted_while_the_model_is_deleted_are_not_found(
    predictions: Stub, application: Application, artifacts: list[Path]
) -> None:
    """The prediction read, then its model deleted before the actuals were written: the insert
    broke the actuals' foreign key and the caller got INTERNAL. The deletion is held open in a
    transaction of its own while SubmitActuals runs, and committed once the call has read."""
    ana, model_id, answer = await stored_prediction(predictions, application, artifacts[:1])
    engine = create_engine(application.settings.resolved_database_url)
    try:
        with engine.connect() as deleting:
            deleting.execute(sa.delete(Model).where(Model.id == model_id))
            request = pb.SubmitActualsRequest(prediction_id=answer.prediction_id, values=[400.0])
            call = asyncio.ensure_future(predictions.SubmitActuals(request, metadata=ana.metadata))
            await asyncio.sleep(1.0)  # the call has read the prediction and waits on the deletion
            assert not call.done()
            deleting.commit()
        error = await failure(call)
    finally:
        engine.dispose()
    assert error.code is grpc.StatusCode.NOT_FOUND, error.message
