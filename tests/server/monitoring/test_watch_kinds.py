"""WatchEvents refuses EVENT_KIND_UNSPECIFIED among the kinds, as the contract says."""

from __future__ import annotations

import grpc
import pytest
from quantis.v1 import monitoring_service_pb2 as pb

from server.composition import Application
from tests.server.auth_helpers import user_token
from tests.server.financial.conftest import failure
from tests.server.monitoring.test_monitoring import Stub, bearer


@pytest.mark.parametrize(
    ("kinds", "field"),
    [
        ([pb.EVENT_KIND_UNSPECIFIED], "kinds[0]"),
        ([pb.EVENT_KIND_ALERT, pb.EVENT_KIND_UNSPECIFIED], "kinds[1]"),
    ],
)
async def test_an_unspecified_event_kind_is_refused_naming_kinds(
    monitoring: Stub, application: Application, kinds: list[int], field: str
) -> None:
    token = await user_token(application, "uma")
    stream = monitoring.WatchEvents(pb.WatchEventsRequest(kinds=kinds), metadata=bearer(token))  # type: ignore[arg-type]
    try:
        found = await failure(stream.read())
    finally:
        stream.cancel()
    assert (found.code, found.fields) == (grpc.StatusCode.INVALID_ARGUMENT, [field])
