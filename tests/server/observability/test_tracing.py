"""Tracing: a server span per RPC with database and backend spans beneath it, a trace
continued from W3C traceparent, and one trace id in the log line and the audit record."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import numpy as np
import pytest
import sqlalchemy as sa
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from quantis.v1 import (
    auth_service_pb2,
    auth_service_pb2_grpc,
    monitoring_service_pb2,
    monitoring_service_pb2_grpc,
)

from server.backends.base import ForecastArrays, SeriesBatch, VersionRef
from server.backends.batcher import DynamicBatcher
from server.composition import Application, build_application
from server.db.migrate import upgrade_to_head
from server.db.models import AuditLog
from server.logs import JsonFormatter
from server.observability.tracing import build_tracer_provider, tracer_of
from server.settings import Settings
from tests.server.auth_helpers import PASSWORD, user_token
from tests.server.conftest import make_settings

LOGIN = "/quantis.v1.AuthService/Login"
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN_ID = "00f067aa0ba902b7"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The embedded defaults, with a heartbeat short enough for a stream test to see one."""
    return make_settings(tmp_path, events_heartbeat_seconds=0.1)


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
async def application(settings: Settings, spans: InMemorySpanExporter) -> AsyncIterator[Application]:
    upgrade_to_head(settings.resolved_database_url)
    built = await build_application(settings, tracer_provider=build_tracer_provider(exporter=spans))
    try:
        yield built
    finally:
        await built.close()


@pytest.fixture
def access_log() -> Iterator[io.StringIO]:
    """The access log as the server writes it: JSON lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("server.access")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


async def login(
    application: Application, channel: grpc.aio.Channel, metadata: tuple[tuple[str, str], ...] = ()
) -> None:
    await application.accounts.register("tracy", "tracy@example.com", PASSWORD)
    stub = auth_service_pb2_grpc.AuthServiceStub(channel)
    await stub.Login(auth_service_pb2.LoginRequest(username="tracy", password=PASSWORD), metadata=metadata)


def server_span(spans: InMemorySpanExporter, name: str) -> ReadableSpan:
    found = [s for s in spans.get_finished_spans() if s.kind == trace.SpanKind.SERVER and s.name == name]
    assert len(found) == 1, [s.name for s in spans.get_finished_spans()]
    return found[0]


async def ended_server_span(spans: InMemorySpanExporter, name: str) -> ReadableSpan:
    """The server span of ``name`` once it has ended. A failed call's status is sent before the
    server's interceptors finish (and a cancelled stream ends without one), so the client can
    see the outcome before the span ends."""
    for _ in range(100):
        if any(s.name == name for s in spans.get_finished_spans()):
            break
        await asyncio.sleep(0.05)
    return server_span(spans, name)


def children(spans: InMemorySpanExporter, parent: ReadableSpan) -> list[ReadableSpan]:
    assert parent.context is not None
    return [
        s
        for s in spans.get_finished_spans()
        if s.parent is not None and s.parent.span_id == parent.context.span_id
    ]


async def test_an_rpc_has_a_server_span_with_database_spans_beneath_it(
    application: Application, channel: grpc.aio.Channel, spans: InMemorySpanExporter
) -> None:
    await login(application, channel)

    span = server_span(spans, LOGIN.strip("/"))
    assert span.attributes is not None and span.context is not None
    assert span.attributes["rpc.system"] == "grpc"
    assert span.attributes["rpc.service"] == "quantis.v1.AuthService"
    assert span.attributes["rpc.method"] == "Login"
    assert span.attributes["rpc.grpc.status_code"] == grpc.StatusCode.OK.value[0]
    assert span.attributes["quantis.request_id"]
    assert span.parent is None  # no traceparent came in: a new trace
    database = [s for s in children(spans, span) if s.name == "db.transaction"]
    assert database, "the login's database work has no span"
    for child in database:
        assert child.kind == trace.SpanKind.CLIENT
        assert child.context is not None and child.context.trace_id == span.context.trace_id
        assert child.attributes is not None and child.attributes["db.system.name"] == "sqlite"
        assert child.attributes["code.function.name"]


async def test_a_failed_call_is_traced_with_its_code(
    application: Application, channel: grpc.aio.Channel, spans: InMemorySpanExporter
) -> None:
    stub = auth_service_pb2_grpc.AuthServiceStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await stub.Login(auth_service_pb2.LoginRequest(username="nobody", password="Wrong-Passw0rd!"))
    assert failed.value.code() == grpc.StatusCode.UNAUTHENTICATED

    span = await ended_server_span(spans, LOGIN.strip("/"))
    assert span.attributes is not None
    assert span.attributes["rpc.grpc.status_code"] == grpc.StatusCode.UNAUTHENTICATED.value[0]
    # The caller's mistake, not the server's: the span is not marked failed.
    assert span.status.status_code != trace.StatusCode.ERROR


async def test_an_incoming_traceparent_continues_the_trace(
    application: Application, channel: grpc.aio.Channel, spans: InMemorySpanExporter
) -> None:
    await login(application, channel, (("traceparent", f"00-{TRACE_ID}-{PARENT_SPAN_ID}-01"),))

    span = server_span(spans, LOGIN.strip("/"))
    assert span.context is not None and span.parent is not None
    assert trace.format_trace_id(span.context.trace_id) == TRACE_ID
    assert trace.format_span_id(span.parent.span_id) == PARENT_SPAN_ID
    assert span.parent.is_remote
    assert all(
        c.context is not None and c.context.trace_id == span.context.trace_id for c in children(spans, span)
    )


async def test_a_malformed_traceparent_starts_a_new_trace(
    application: Application, channel: grpc.aio.Channel, spans: InMemorySpanExporter
) -> None:
    await login(application, channel, (("traceparent", "00-not-a-trace-01"),))

    span = server_span(spans, LOGIN.strip("/"))
    assert span.parent is None and span.context is not None and span.context.is_valid


async def test_the_log_line_and_the_audit_record_carry_the_trace_id(
    application: Application,
    channel: grpc.aio.Channel,
    spans: InMemorySpanExporter,
    access_log: io.StringIO,
) -> None:
    await login(application, channel, (("traceparent", f"00-{TRACE_ID}-{PARENT_SPAN_ID}-01"),))

    lines = [json.loads(line) for line in access_log.getvalue().splitlines()]
    [line] = [entry for entry in lines if entry.get("method") == LOGIN]
    audits = await application.db.run(
        lambda session: session.scalars(sa.select(AuditLog).where(AuditLog.action == LOGIN)).all()
    )
    [audit] = audits
    span = server_span(spans, LOGIN.strip("/"))
    assert span.context is not None
    assert line["trace_id"] == audit.trace_id == TRACE_ID
    assert line["span_id"] == trace.format_span_id(span.context.span_id)
    assert line["request_id"] == audit.request_id


def test_a_log_line_outside_a_span_has_no_trace_id() -> None:
    record = logging.LogRecord("server", logging.INFO, __file__, 1, "idle", None, None)
    entry = json.loads(JsonFormatter().format(record))
    assert "trace_id" not in entry and "span_id" not in entry


class FakeBackend:
    async def forecast(self, version: VersionRef, batch: SeriesBatch) -> ForecastArrays:
        rows = batch.size
        return ForecastArrays(
            np.zeros((rows, batch.horizon), np.float32), np.zeros((rows, batch.horizon, 1), np.float32)
        )


async def test_a_forward_pass_is_a_span_with_its_batch_size(spans: InMemorySpanExporter) -> None:
    tracer = tracer_of(build_tracer_provider(exporter=spans))
    batcher = DynamicBatcher(FakeBackend(), max_series=3, max_delay=30.0, tracer=tracer)  # type: ignore[arg-type]
    values = np.arange(30, dtype=np.float32)
    request = SeriesBatch(values, np.array([10, 10, 10], np.int32), 2, (0.5,))

    with tracer.start_as_current_span("caller") as caller:
        await batcher.forecast(VersionRef("v-7", Path(__file__)), request)

    [span] = [s for s in spans.get_finished_spans() if s.name == "backend.forecast"]
    assert span.parent is not None and span.parent.span_id == caller.get_span_context().span_id
    assert span.attributes is not None
    assert span.attributes["quantis.batch.series"] == 3
    assert span.attributes["quantis.batch.requests"] == 1
    assert span.attributes["quantis.version_id"] == "v-7"


class Collector(trace_service_pb2_grpc.TraceServiceServicer):
    """An OTLP/gRPC trace collector that keeps what it is sent."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.services: list[str] = []

    def Export(
        self, request: trace_service_pb2.ExportTraceServiceRequest, context: object
    ) -> trace_service_pb2.ExportTraceServiceResponse:
        for resource in request.resource_spans:
            attributes = {a.key: a.value.string_value for a in resource.resource.attributes}
            self.services.append(attributes["service.name"])
            for scope in resource.scope_spans:
                self.names += [span.name for span in scope.spans]
        return trace_service_pb2.ExportTraceServiceResponse()


@pytest.fixture
def collector() -> Iterator[tuple[Collector, str]]:
    received = Collector()
    server = grpc.server(ThreadPoolExecutor(max_workers=2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(received, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield received, f"http://127.0.0.1:{port}"
    finally:
        server.stop(0)


def test_spans_go_to_the_otlp_collector_the_standard_variable_names(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, collector: tuple[Collector, str]
) -> None:
    received, endpoint = collector
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
    monkeypatch.setenv("OTEL_SERVICE_NAME", "quantis-eu-1")
    configured = Settings(environment=settings.environment).otlp_endpoint
    assert configured == endpoint

    provider = build_tracer_provider(configured)
    with tracer_of(provider).start_as_current_span("exported"):
        pass
    assert provider.force_flush(10_000)
    provider.shutdown()
    assert received.names == ["exported"]
    assert received.services == ["quantis-eu-1"]


async def test_a_stream_is_one_server_span_that_ends_with_the_stream(
    application: Application, channel: grpc.aio.Channel, spans: InMemorySpanExporter
) -> None:
    token = await user_token(application, "streamer")
    stub = monitoring_service_pb2_grpc.MonitoringServiceStub(channel)
    stream = stub.WatchEvents(
        monitoring_service_pb2.WatchEventsRequest(), metadata=(("authorization", f"Bearer {token}"),)
    )
    await asyncio.wait_for(stream.read(), 5)
    stream.cancel()

    span = await ended_server_span(spans, "quantis.v1.MonitoringService/WatchEvents")
    assert span.attributes is not None and span.attributes["rpc.method"] == "WatchEvents"


def test_the_service_is_quantis_unless_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    monkeypatch.delenv("OTEL_RESOURCE_ATTRIBUTES", raising=False)
    assert build_tracer_provider().resource.attributes["service.name"] == "quantis"


def test_without_an_exporter_spans_are_not_recorded_but_keep_trace_ids() -> None:
    from server.observability.tracing import build_tracer_provider, tracer_of

    with tracer_of(build_tracer_provider()).start_as_current_span("call") as span:
        assert not span.is_recording()  # nothing would read it: no attributes, no events kept
        assert span.get_span_context().trace_id != 0  # logs and audit records still get one


def test_without_an_exporter_a_span_continues_the_callers_trace_and_its_children_share_it() -> None:
    from server.observability.tracing import build_tracer_provider, incoming_context, tracer_of

    tracer = tracer_of(build_tracer_provider())
    caller = incoming_context((("traceparent", f"00-{TRACE_ID}-{PARENT_SPAN_ID}-01"),))
    with (
        tracer.start_as_current_span("call", context=caller) as span,
        tracer.start_as_current_span("db.transaction") as child,
    ):
        assert trace.get_current_span() is child
    own, inner = span.get_span_context(), child.get_span_context()
    assert trace.format_trace_id(own.trace_id) == trace.format_trace_id(inner.trace_id) == TRACE_ID
    assert len({trace.format_span_id(own.span_id), trace.format_span_id(inner.span_id), PARENT_SPAN_ID}) == 3
    assert not span.is_recording() and not own.trace_flags.sampled and not own.is_remote
    fresh = tracer.start_span("another call")
    assert fresh.get_span_context().is_valid and fresh.get_span_context().trace_id != own.trace_id
