"""CORS for the dashboard and other browser callers, as deploy/envoy/envoy.yaml configures
Envoy's cors filter: the same allowed methods and request headers, the gRPC status headers
exposed (so grpc-status-details-bin reaches a browser's error handler), one day of preflight
caching. Credentials are bearer tokens or API keys in headers, never cookies, so
``Access-Control-Allow-Credentials`` is never sent."""

from __future__ import annotations

from collections.abc import Sequence

ALLOW_METHODS = "POST, GET, OPTIONS"
ALLOW_HEADERS = (
    "authorization,x-api-key,content-type,x-grpc-web,x-user-agent,grpc-timeout,keep-alive,user-agent,"
    "cache-control,content-transfer-encoding,x-accept-content-transfer-encoding,"
    "x-accept-response-streaming,x-request-id,traceparent,tracestate,connect-protocol-version,"
    "connect-timeout-ms"
)
EXPOSE_HEADERS = "grpc-status,grpc-message,grpc-status-details-bin,x-request-id"
MAX_AGE = "86400"
ANY_ORIGIN = "*"


class CorsPolicy:
    """Which origins may call, and the headers that tell their browsers so."""

    def __init__(self, allowed_origins: Sequence[str]):
        self._any = ANY_ORIGIN in allowed_origins
        self._origins = {origin.rstrip("/") for origin in allowed_origins}

    def allows(self, origin: str | None) -> bool:
        return origin is not None and (self._any or origin in self._origins)

    def preflight_headers(self, origin: str) -> dict[str, str]:
        """The answer to an allowed origin's OPTIONS preflight."""
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": ALLOW_METHODS,
            "Access-Control-Allow-Headers": ALLOW_HEADERS,
            "Access-Control-Max-Age": MAX_AGE,
        }

    def response_headers(self, origin: str | None) -> dict[str, str]:
        """Headers added to an actual response; none for a caller from an origin not allowed,
        whose browser then withholds the response from the page."""
        if origin is None or not self.allows(origin):
            return {}
        return {"Access-Control-Allow-Origin": origin, "Access-Control-Expose-Headers": EXPOSE_HEADERS}
