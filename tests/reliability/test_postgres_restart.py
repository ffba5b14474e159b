"""Scenario 4: PostgreSQL restarted under load, on the server's own PostgreSQL cluster.

Callers see UNAVAILABLE (DATABASE_UNAVAILABLE, retryable), never INTERNAL, while the
database is down, and answers once it is back. A ledger writer that retries each
CreateTransaction with its idempotency key until it succeeds ends with every entry
stored exactly once, the ones written before the restart included.
"""

from __future__ import annotations

import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
import sqlalchemy as sa
from google.type import money_pb2
from quantis.v1 import (
    common_pb2,
    financial_service_pb2_grpc,
    model_service_pb2,
    model_service_pb2_grpc,
    prediction_service_pb2_grpc,
)
from quantis.v1 import financial_service_pb2 as pb
from quantis.v1 import prediction_service_pb2 as prediction_pb

from tests.reliability.load import SERIES
from tests.reliability.servers import error_reason, metric, served
from tests.reliability.services import PrivatePostgres
from tests.reliability.test_streams import until

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

DOWN_SECONDS = 3.0


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    cluster = PrivatePostgres()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


def deposit(key: str) -> pb.CreateTransactionRequest:
    return pb.CreateTransactionRequest(
        idempotency_key=key,
        amount=money_pb2.Money(currency_code="USD", units=1, nanos=250_000_000),
        type=pb.TRANSACTION_TYPE_DEPOSIT,
        description=f"reliability {key}",
    )


def test_calls_during_a_postgres_restart_are_unavailable_and_no_entry_is_lost_or_doubled(
    tmp_path: Path, artifacts: list[Path], postgres: PrivatePostgres, figures: dict[str, object]
) -> None:
    with served(tmp_path, artifacts, database_url=postgres.url) as running:
        metadata = running.metadata()
        with grpc.insecure_channel(running.address) as channel:
            finance = financial_service_pb2_grpc.FinancialServiceStub(channel)
            models = model_service_pb2_grpc.ModelServiceStub(channel)
            before = [f"before-{i}" for i in range(10)]
            for key in before:
                finance.CreateTransaction(deposit(key), metadata=metadata, timeout=30)

            restarted = threading.Event()

            def restart() -> None:
                postgres.stop("fast")
                time.sleep(DOWN_SECONDS)
                postgres.start()
                restarted.set()

            codes: Counter[str] = Counter()
            reasons: Counter[str] = Counter()
            keys: list[str] = []
            restarter = threading.Thread(target=restart)
            began = time.monotonic()
            restarter.start()
            after_restart = 0
            while after_restart < 10:
                key = f"during-{len(keys)}"
                keys.append(key)
                while True:  # the caller's retry: the same key until it is answered
                    try:
                        finance.CreateTransaction(deposit(key), metadata=metadata, timeout=30)
                        codes["OK"] += 1
                        break
                    except grpc.RpcError as error:
                        codes[error.code().name] += 1  # type: ignore[attr-defined]
                        reasons[error_reason(error)] += 1
                        assert error.code() == grpc.StatusCode.UNAVAILABLE, error  # type: ignore[attr-defined]
                        assert time.monotonic() - began < 120, "no answer 2 minutes after the restart"
                        time.sleep(0.1)
                try:
                    models.GetModel(
                        model_service_pb2.GetModelRequest(model_id=running.model_id),
                        metadata=metadata,
                        timeout=30,
                    )
                except grpc.RpcError as error:
                    codes[error.code().name] += 1  # type: ignore[attr-defined]
                    assert error.code() == grpc.StatusCode.UNAVAILABLE, error  # type: ignore[attr-defined]
                after_restart += restarted.is_set()
            restarter.join()
            recovered = time.monotonic() - began
        assert running.server.stop() == 0

    engine = sa.create_engine(postgres.url)
    with engine.connect() as conn:
        stored = Counter(k for (k,) in conn.execute(sa.text("SELECT idempotency_key FROM transactions")))
    engine.dispose()
    figures.update(
        writes=len(before) + len(keys),
        unavailable=codes["UNAVAILABLE"],
        ok=codes["OK"],
        reasons=dict(reasons),
        recovered_s=recovered,
        stored=sum(stored.values()),
    )
    assert codes["UNAVAILABLE"] > 0, "no call fell in the restart: the scenario proved nothing"
    assert set(codes) <= {"OK", "UNAVAILABLE"}, codes
    assert set(reasons) <= {"DATABASE_UNAVAILABLE"}, reasons
    assert stored == Counter(before + keys), "an entry was lost or stored twice"


def test_predictions_answered_while_postgres_is_down_are_stored_once_it_is_back(
    tmp_path: Path, artifacts: list[Path], postgres: PrivatePostgres, figures: dict[str, object]
) -> None:
    # The routing is cached for the whole test, so that Predict is answered while PostgreSQL is down.
    with served(
        tmp_path, artifacts, database_url=postgres.url, prediction_routing_ttl_seconds="600"
    ) as running:
        metadata = running.metadata()

        def metrics(name: str) -> float:
            with urllib.request.urlopen(f"http://{running.metrics_address()}/metrics", timeout=10) as answer:
                return metric(answer.read().decode(), name)

        with grpc.insecure_channel(running.address) as channel:
            predictions = prediction_service_pb2_grpc.PredictionServiceStub(channel)

            def predict() -> str:
                request = prediction_pb.PredictRequest(
                    model_id=running.model_id, series=common_pb2.Series(values=SERIES), horizon=6
                )
                return predictions.Predict(request, metadata=metadata, timeout=30).prediction_id

            answered = [predict()]
            postgres.stop("fast")
            try:
                answered += [predict() for _ in range(20)]
                time.sleep(2)  # the history's tries fail meanwhile, and put the rows in its spool
                waiting = metrics("quantis_prediction_history_queued_rows")
            finally:
                postgres.start()
            stored = until(lambda: metrics("quantis_prediction_history_queued_rows") == 0, within=60)
            dropped = metrics("quantis_prediction_history_dropped_rows_total")
            found = [
                predictions.GetPrediction(
                    prediction_pb.GetPredictionRequest(prediction_id=i), metadata=metadata, timeout=30
                ).prediction.prediction_id
                for i in answered
            ]
        assert running.server.stop() == 0
    figures.update(answered_while_down=len(answered) - 1, waiting_while_down=waiting, dropped=dropped)
    assert waiting > 0, "nothing waited for the database: the scenario proved nothing"
    assert stored and dropped == 0
    assert found == answered
