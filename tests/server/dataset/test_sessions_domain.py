"""Upload sessions over time (a controlled clock): expiry moves with each chunk, and the sweep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.auth.permissions import ROLE_PERMISSIONS, Role
from server.auth.principal import Principal
from server.composition import Application
from server.db.enums import DatasetFormat
from server.domain.datasets.files import DatasetFiles
from server.domain.datasets.service import DatasetService
from server.domain.datasets.spec import DatasetSpec
from server.domain.datasets.uploads import UploadService
from server.errors import NotFound
from server.settings import Settings
from tests.server.auth_helpers import PASSWORD
from tests.server.dataset.conftest import AIRPASSENGERS

SPEC = DatasetSpec(
    name="air",
    format=DatasetFormat.CSV,
    timestamp_column="timestamp",
    value_columns=("value",),
    series_id_column="series_id",
)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def owner(application: Application) -> Principal:
    user = await application.accounts.register("sam", "sam@example.com", PASSWORD, role=Role.ANALYST)
    return Principal(user.id, user.username, Role.ANALYST, ROLE_PERMISSIONS[Role.ANALYST])


def uploads(application: Application, settings: Settings, clock: Clock) -> UploadService:
    datasets = DatasetService(application.db, DatasetFiles(settings.object_store_dir), 1 << 20, clock)
    return UploadService(application.db, datasets, timedelta(hours=24), clock)


def part_files(settings: Settings) -> list[str]:
    return sorted(p.name for p in (settings.object_store_dir / "uploads").glob("*.part"))


async def test_each_chunk_moves_the_expiry_and_an_expired_session_is_gone(
    application: Application, settings: Settings, owner: Principal
) -> None:
    clock = Clock()
    service = uploads(application, settings, clock)
    content = AIRPASSENGERS.read_bytes()
    view = await service.start(owner, SPEC, len(content), "")
    assert view.session.expires_at == clock.now + timedelta(hours=24)
    clock.now += timedelta(hours=20)
    await service.append(owner, view.session.id, 0, content[:100])
    assert (await service.get(owner, view.session.id)).session.expires_at == clock.now + timedelta(hours=24)
    clock.now += timedelta(hours=23)
    assert (await service.get(owner, view.session.id)).session.committed_size == 100

    clock.now += timedelta(hours=2)
    with pytest.raises(NotFound):
        await service.append(owner, view.session.id, 100, content[100:])
    assert part_files(settings) == [f"{view.session.id}.part"]
    # The next StartUpload sweeps expired sessions away with their bytes.
    fresh = await service.start(owner, SPEC, len(content), "")
    assert part_files(settings) == [f"{fresh.session.id}.part"]


async def test_a_completed_session_answers_until_it_expires(
    application: Application, settings: Settings, owner: Principal
) -> None:
    clock = Clock()
    service = uploads(application, settings, clock)
    content = AIRPASSENGERS.read_bytes()
    view = await service.start(owner, SPEC, len(content), "")
    await service.append(owner, view.session.id, 0, content)
    dataset = await service.complete(owner, view.session.id)
    assert part_files(settings) == []
    assert (await service.complete(owner, view.session.id)).id == dataset.id
    clock.now += timedelta(hours=25)
    with pytest.raises(NotFound):
        await service.complete(owner, view.session.id)
    assert await service.sweep() == 1
    assert (await service._datasets.get(owner, dataset.id)).id == dataset.id
