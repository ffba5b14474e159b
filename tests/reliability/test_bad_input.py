"""Scenario 7: random and hostile requests for every RPC of quantis.v1, as an admin.

Never INTERNAL, never UNKNOWN, the server stays up, and a rejected call writes nothing
(the row count of every table but the audit log, and the files of the object store,
are what they were). The server runs in a thread of its own, so that hypothesis drives
it through a real channel from this one.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import Counter
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import grpc
import pytest
import sqlalchemy as sa
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from quantis.v1 import (
    auth_service_pb2,
    auth_service_pb2_grpc,
    common_pb2,
    financial_service_pb2,
    model_service_pb2,
    prediction_service_pb2,
)

from server import contracts
from server.composition import build_application
from server.db.base import Base
from server.db.migrate import upgrade_to_head
from server.grpc_server import create_server
from tests.conftest import fresh_postgres_database
from tests.reliability.conftest import EXAMPLES_PER_RPC, add_row
from tests.reliability.messages import HUGE_STRING, messages
from tests.server.auth_helpers import PASSWORD, admin_token
from tests.server.conftest import make_settings

pytestmark = pytest.mark.slow

T = TypeVar("T")
MAX_MESSAGE_BYTES = 1 << 20
ADMIN = "root_admin"
NEVER = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}
METHODS = [m for service in contracts.services() for m in service.methods]


@dataclass
class Live:
    channel: grpc.Channel
    metadata: tuple[tuple[str, str], ...]
    engine: sa.Engine
    store: Path
    codes: Counter[str] = field(default_factory=Counter)
    sessions_ended: Counter[str] = field(default_factory=Counter)
    failures: int = 0

    def keep_signed_in(self, method: MethodDescriptor) -> None:
        """A random Logout may legitimately end the admin's session: log in again, and count it."""
        auth = auth_service_pb2_grpc.AuthServiceStub(self.channel)
        try:
            auth.GetCurrentUser(auth_service_pb2.GetCurrentUserRequest(), metadata=self.metadata, timeout=10)
            return
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.UNAUTHENTICATED, error  # type: ignore[attr-defined]
        self.sessions_ended[method.name] += 1
        login = auth_service_pb2.LoginRequest(username=ADMIN, password=PASSWORD)
        tokens = auth.Login(login, timeout=10).tokens
        self.metadata = (("authorization", f"Bearer {tokens.access_token}"),)

    def state(self) -> tuple[dict[str, int], int]:
        """Rows per table (the audit log records attempts too, so it is left out) and stored files."""
        with self.engine.connect() as conn:
            rows = {
                t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in Base.metadata.sorted_tables
                if t.name != "audit_logs"
            }
        return rows, sum(1 for p in self.store.rglob("*") if p.is_file())


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[Live]:
    """A server on each database in turn: PostgreSQL refuses what SQLite stores (a NUL in text)."""
    with contextlib.ExitStack() as stack:
        database_url = stack.enter_context(fresh_postgres_database()) if request.param == "postgres" else ""
        yield from _live(tmp_path_factory, pytestconfig, database_url, request.param)


def _live(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config, database_url: str, database: str
) -> Iterator[Live]:
    config = make_settings(
        tmp_path_factory.mktemp("bad-input"), database_url, max_message_bytes=MAX_MESSAGE_BYTES
    )
    upgrade_to_head(config.resolved_database_url)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def run(coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(120)

    application = run(build_application(config))
    server = run(
        create_server(
            application.servicers,
            interceptors=application.interceptors,
            metrics=application.metrics,
            tracer=application.tracer,
            max_message_bytes=MAX_MESSAGE_BYTES,
        )
    )
    token = run(admin_token(application, ADMIN))
    engine = sa.create_engine(config.resolved_database_url)
    channel = grpc.insecure_channel(
        f"127.0.0.1:{server.port}", options=[("grpc.max_send_message_length", 4 * MAX_MESSAGE_BYTES)]
    )
    live = Live(channel, (("authorization", f"Bearer {token}"),), engine, config.object_store_dir)
    try:
        yield live
    finally:
        add_row(
            pytestconfig,
            f"bad_input_for_every_rpc_on_{database}",
            "failed" if live.failures else "passed",
            {
                "rpcs": len(METHODS),
                "examples_per_rpc": EXAMPLES_PER_RPC,
                "calls": sum(live.codes.values()),
                "codes": dict(live.codes.most_common()),
                "sessions_ended_by": dict(live.sessions_ended),
            },
        )
        channel.close()
        engine.dispose()
        run(server.stop(0))
        run(application.close())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def call(live: Live, method: MethodDescriptor, requests: list[Message]) -> grpc.StatusCode:
    """Send ``requests`` (one unless the client streams) and read at most two answers."""
    path = f"/{method.containing_service.full_name}/{method.name}"
    kwargs: dict[str, Any] = {
        "request_serializer": lambda m: m.SerializeToString(),
        "response_deserializer": None,
    }
    timeout = 1.5 if method.server_streaming else 30
    try:
        if method.client_streaming and method.server_streaming:
            answers = live.channel.stream_stream(path, **kwargs)(
                iter(requests), metadata=live.metadata, timeout=timeout
            )
        elif method.client_streaming:
            live.channel.stream_unary(path, **kwargs)(iter(requests), metadata=live.metadata, timeout=timeout)
            return grpc.StatusCode.OK
        elif method.server_streaming:
            answers = live.channel.unary_stream(path, **kwargs)(
                requests[0], metadata=live.metadata, timeout=timeout
            )
        else:
            live.channel.unary_unary(path, **kwargs)(requests[0], metadata=live.metadata, timeout=timeout)
            return grpc.StatusCode.OK
        for count, _ in enumerate(answers, start=1):
            if count == 2:
                answers.cancel()
                break
        return grpc.StatusCode.OK
    except grpc.RpcError as error:
        code: grpc.StatusCode = error.code()  # type: ignore[attr-defined]
        if code == grpc.StatusCode.DEADLINE_EXCEEDED and method.server_streaming:
            return grpc.StatusCode.OK  # a watch with nothing to say yet: open, not stuck
        if code == grpc.StatusCode.CANCELLED:
            return grpc.StatusCode.OK  # our own cancel after two answers
        return code


def check(live: Live, method: MethodDescriptor, requests: list[Message]) -> grpc.StatusCode:
    before = live.state()
    code = call(live, method, requests)
    live.codes[code.name] += 1
    try:
        assert code not in NEVER, f"{method.full_name} answered {code.name} to {requests!r:.2000}"
        if code != grpc.StatusCode.OK:
            assert live.state() == before, f"{method.full_name} was refused ({code.name}) but wrote"
        health = health_pb2_grpc.HealthStub(live.channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
        assert health.status == health_pb2.HealthCheckResponse.SERVING
        live.keep_signed_in(method)
    except AssertionError:
        live.failures += 1
        raise
    return code


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.full_name.removeprefix("quantis.v1."))
def test_random_requests_are_never_internal_and_write_nothing_when_refused(
    live: Live, method: MethodDescriptor
) -> None:
    requests = st.lists(messages(method.input_type), min_size=1, max_size=3 if method.client_streaming else 1)

    @settings(
        max_examples=EXAMPLES_PER_RPC,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )
    @given(requests)
    def property(batch: list[Message]) -> None:
        check(live, method, batch)

    property()


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.full_name.removeprefix("quantis.v1."))
def test_a_request_over_the_size_limit_is_resource_exhausted(live: Live, method: MethodDescriptor) -> None:
    assert check(live, method, [Oversize()]) == grpc.StatusCode.RESOURCE_EXHAUSTED  # type: ignore[list-item]


class Oversize:
    """A request of any type past the size limit: one unknown field (number 9999, length-delimited)
    of MAX_MESSAGE_BYTES, which every message type parses and keeps."""

    @staticmethod
    def SerializeToString() -> bytes:
        size = MAX_MESSAGE_BYTES + HUGE_STRING
        return _varint(9999 << 3 | 2) + _varint(size) + b"x" * size


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    return bytes([*out, value])


def _field_violations(error: grpc.RpcError) -> list[str]:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    request = error_details_pb2.BadRequest()
    return [
        v.field
        for d in (status.details if status else [])
        if d.Unpack(request)
        for v in request.field_violations
    ]


NEVER_SEEN = Timestamp(seconds=-(2**63))
# What the random requests found answering INTERNAL before the fixes, kept as plain cases.
FOUND = {
    "ListTransactions": (
        "quantis.v1.FinancialService",
        financial_service_pb2.ListTransactionsRequest(time_range=common_pb2.TimeRange(start_time=NEVER_SEEN)),
        "time_range.start_time",
    ),
    "Predict": (
        "quantis.v1.PredictionService",
        prediction_service_pb2.PredictRequest(
            series=common_pb2.Series(values=[1.0], timestamps=[Timestamp(nanos=-1)])
        ),
        "series.timestamps[0]",
    ),
    "SubmitActuals": (
        "quantis.v1.PredictionService",
        prediction_service_pb2.SubmitActualsRequest(
            points=[prediction_service_pb2.ActualPoint(step=1, value=1.0, timestamp=Timestamp(seconds=2**62))]
        ),
        "points[0].timestamp",
    ),
    "TrainModel": (
        "quantis.v1.ModelService",
        model_service_pb2.TrainModelRequest(
            search=model_service_pb2.HyperparameterSearch(timeout=Duration(seconds=2**62))
        ),
        "search.timeout",
    ),
    "ListUsers": (
        "quantis.v1.AuthService",
        auth_service_pb2.ListUsersRequest(username="x" * 60_000),
        "username",
    ),
}


@pytest.mark.parametrize("name", FOUND)
def test_what_the_random_requests_found_is_invalid_argument_naming_the_field(live: Live, name: str) -> None:
    service, request, field_name = FOUND[name]
    method = live.channel.unary_unary(
        f"/{service}/{name}", request_serializer=type(request).SerializeToString, response_deserializer=None
    )
    with pytest.raises(grpc.RpcError) as failure:
        method(request, metadata=live.metadata, timeout=30)
    assert failure.value.code() == grpc.StatusCode.INVALID_ARGUMENT, failure.value  # type: ignore[attr-defined]
    assert field_name in _field_violations(failure.value)
