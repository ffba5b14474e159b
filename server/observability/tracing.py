"""OpenTelemetry tracing: one TracerProvider per Application, built in composition.

Nothing here sets OpenTelemetry's global provider, so a test builds an
Application with a provider of its own (an in-memory exporter) and reads its
spans. When nothing would export them, spans are not recorded (sampled out), but
they still carry trace ids, which tie together the JSON log lines and the audit
record of one call.

Incoming calls continue a trace from W3C ``traceparent`` metadata. Spans go to
an OTLP/gRPC collector only when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from opentelemetry.util.types import Attributes

if TYPE_CHECKING:
    from opentelemetry.util._decorator import _AgnosticContextManager

SERVICE_NAME = "quantis"
INSTRUMENTATION = "quantis.server"
_PROPAGATOR = TraceContextTextMapPropagator()
_IDS = RandomIdGenerator()
_Links = Sequence[trace.Link] | None


def build_tracer_provider(otlp_endpoint: str = "", *, exporter: SpanExporter | None = None) -> TracerProvider:
    """A provider for one server process; ``exporter`` receives every span as it ends (tests),
    and ``otlp_endpoint``, when set, is a collector that receives them in batches."""
    exporting = exporter is not None or bool(otlp_endpoint)
    provider = TracerProvider(
        resource=_resource(),
        shutdown_on_exit=False,
        sampler=ParentBased(ALWAYS_ON) if exporting else ALWAYS_OFF,
    )
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=otlp_endpoint)))
    return provider


def _resource() -> Resource:
    """OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES when set; the service is "quantis" otherwise."""
    detected = Resource.create()
    if str(detected.attributes.get("service.name", "")).startswith("unknown_service"):
        return detected.merge(Resource({"service.name": SERVICE_NAME}))
    return detected


def tracer_of(provider: trace.TracerProvider | None) -> trace.Tracer:
    """The server's tracer from ``provider``; with none, a tracer that records nothing."""
    if provider is None:
        return trace.NoOpTracer()
    if isinstance(provider, TracerProvider) and provider.sampler is ALWAYS_OFF:
        return _IdTracer()
    return provider.get_tracer(INSTRUMENTATION)


class _IdTracer(trace.Tracer):
    """The tracer of a provider that samples nothing: a span is only its ids, in the caller's
    trace or a new one, which a call's log lines and audit record share. The SDK's tracer makes
    the same spans through its sampler, in a few times the time, on every call."""

    def start_span(
        self,
        name: str,
        context: Context | None = None,
        kind: trace.SpanKind = trace.SpanKind.INTERNAL,
        attributes: Attributes = None,
        links: _Links = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
    ) -> trace.Span:
        parent = trace.get_current_span(context).get_span_context()
        trace_id = parent.trace_id if parent.is_valid else _IDS.generate_trace_id()
        return trace.NonRecordingSpan(
            trace.SpanContext(
                trace_id,
                _IDS.generate_span_id(),
                is_remote=False,
                trace_flags=trace.TraceFlags(trace.TraceFlags.DEFAULT),  # not sampled, as the SDK marks it
                trace_state=parent.trace_state if parent.is_valid else None,
            )
        )

    def start_as_current_span(  # start_span's other arguments mean nothing to a span of ids
        self, name: str, context: Context | None = None, *_: Any, end_on_exit: bool = True, **__: Any
    ) -> _AgnosticContextManager[trace.Span]:
        return trace.use_span(self.start_span(name, context), end_on_exit=end_on_exit)


def incoming_context(metadata: Iterable[tuple[str, Any]] | None) -> Context:
    """The caller's trace context from W3C ``traceparent``/``tracestate`` metadata (empty if none)."""
    carrier = {key: value for key, value in metadata or () if isinstance(value, str)}
    return _PROPAGATOR.extract(carrier)


def current_trace_id() -> str:
    """The 32-hex-digit id of the trace being served, or "" outside a span."""
    context = trace.get_current_span().get_span_context()
    return trace.format_trace_id(context.trace_id) if context.is_valid else ""


def current_span_id() -> str:
    context = trace.get_current_span().get_span_context()
    return trace.format_span_id(context.span_id) if context.is_valid else ""
