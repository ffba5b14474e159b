"""Text holding a NUL character: PostgreSQL stores none, so a request carrying one is the
caller's error there (INVALID_ARGUMENT naming the field), never INTERNAL, and is audited."""

from __future__ import annotations

import grpc
import pytest
import sqlalchemy as sa
from quantis.v1 import dataset_service_pb2 as dataset_pb
from quantis.v1 import model_service_pb2 as model_pb

from server.composition import Application
from server.db.models import AuditLog
from server.settings import Settings
from tests.server.auth_helpers import admin_stubs
from tests.server.financial.conftest import failure


@pytest.fixture
def settings(backing_settings: Settings) -> Settings:
    return backing_settings


async def test_a_nul_character_is_named_on_postgresql_and_not_found_on_sqlite(
    channel: grpc.aio.Channel, application: Application
) -> None:
    admin = await admin_stubs(channel, application)
    metadata, datasets, models = admin.metadata, admin.datasets, admin.models
    postgres = application.db.engine.dialect.name == "postgresql"
    calls = [
        (
            datasets.DeleteDataset(dataset_pb.DeleteDatasetRequest(dataset_id="d\x00"), metadata=metadata),
            ["dataset_id"],
        ),
        (
            models.CompareModels(
                model_pb.CompareModelsRequest(version_ids=["v\x00", "w\x00"]), metadata=metadata
            ),
            ["version_ids[0]", "version_ids[1]"],
        ),
    ]
    for call, fields in calls:
        found = await failure(call)
        if postgres:
            assert (found.code, found.fields, found.reason) == (
                grpc.StatusCode.INVALID_ARGUMENT,
                fields,
                "TEXT_HAS_NUL",
            )
        else:  # SQLite stores the text: there is just no such resource
            assert found.code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT)
            assert found.reason != "TEXT_HAS_NUL"
    # A deletion is audited whatever it asks for: the NUL is shown as U+FFFD, which every database stores.
    await failure(
        datasets.DeleteDataset(dataset_pb.DeleteDatasetRequest(dataset_id="d\x00"), metadata=metadata)
    )

    def audited(session: sa.orm.Session) -> list[str]:
        rows = session.scalars(sa.select(AuditLog).where(AuditLog.action.like("%DeleteDataset"))).all()
        return [row.resource_id for row in rows]

    assert set(await application.db.run(audited)) == {"d\ufffd"}
