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

from collections.abc import Iterable
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

SERVICE_NAME = "quantis"
INSTRUMENTATION = "quantis.server"
_PROPAGATOR = TraceContextTextMapPropagator()


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
    return provider.get_tracer(INSTRUMENTATION) if provider is not None else trace.NoOpTracer()


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
