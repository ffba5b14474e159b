"""ListAuditLogs takes the caller's text literally: only ``*`` in a filter's quoted string stands for
other characters; ``%``, ``_`` and ``\\`` (SQL LIKE's wildcards and escape) are plain characters, on
SQLite and on PostgreSQL, in the filter field and in the typed fields alike."""

from __future__ import annotations

from google.rpc import code_pb2
from quantis.v1 import monitoring_service_pb2 as pb

from server.composition import Application
from server.db.enums import AuditOutcome
from server.domain.audit import AuditLogWriter, AuditRecord
from tests.server.auth_helpers import admin_token
from tests.server.monitoring.test_monitoring import Stub, bearer

# username, action and resource_id of each record; its request id is its username.
RECORDS = (
    ("a_b", "/quantis.v1.ModelService/Delete_Model", "50%"),
    ("axb", "/quantis.v1.ModelService/DeleteXModel", "50x"),
    ("a%b", "/quantis.v1.ModelService/Delete%Model", "500"),
    ("a\\b", "/quantis.v1.ModelService/Delete\\Model", "50\\"),
    ("aXYb", "/quantis.v1.ModelService/DeleteModel", "5"),
)


async def test_percent_underscore_and_backslash_in_audit_filters_are_plain_characters(
    monitoring: Stub, application: Application
) -> None:
    admin = bearer(await admin_token(application))
    writer = AuditLogWriter(application.db)
    for username, action, resource_id in RECORDS:
        await writer.write(
            AuditRecord(
                action,
                AuditOutcome.SUCCESS,
                code_pb2.OK,
                username=username,
                resource_type="model",
                resource_id=resource_id,
                request_id=username,
            )
        )

    async def found(expression: str = "", **typed: object) -> list[str]:
        request = pb.ListAuditLogsRequest(filter=expression, resource_type="model", **typed)  # type: ignore[arg-type]
        page = await monitoring.ListAuditLogs(request, metadata=admin)
        return sorted(e.request_id for e in page.audit_logs)

    assert await found('username = "a_b"') == ["a_b"]
    assert await found('username = "A%B"') == ["a%b"]
    assert await found('username = "a\\\\b"') == ["a\\b"]  # the filter's \\ is one backslash
    assert await found('username = "a*b"') == sorted(name for name, _, _ in RECORDS)
    assert await found('username = "a_*"') == ["a_b"]
    assert await found('username != "a_b"') == sorted(name for name, _, _ in RECORDS if name != "a_b")
    assert await found('action = "*/Delete_Model"') == ["a_b"]
    assert await found('action = "*/delete%model"') == ["a%b"]
    assert await found('action = "*Delete\\\\Model"') == ["a\\b"]
    assert await found('resource_id = "50%"') == ["a_b"]
    assert await found('resource_id = "50%*"') == ["a_b"]
    assert await found('resource_id = "5_*"') == []
    assert await found('resource_id = "50\\\\*"') == ["a\\b"]
    # The typed fields compare the whole value exactly.
    assert await found(action="/quantis.v1.ModelService/Delete_Model") == ["a_b"]
    assert await found(action="/quantis.v1.ModelService/Delete%Model") == ["a%b"]
    assert await found(resource_id="50%") == ["a_b"]
