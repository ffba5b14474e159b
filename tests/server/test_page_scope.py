"""A page token is valid only in the list it came from, with the filters and order it was made
under (the contracts' page_token comments): anywhere else it is INVALID_ARGUMENT naming
page_token. Before, a ListUsers token gave pages of sessions, API keys, admins and datasets,
and a ListDatasets token reused in ascending order a silently truncated list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc
import sqlalchemy as sa
from google.protobuf import timestamp_pb2
from google.type import money_pb2
from quantis.v1 import auth_service_pb2 as auth_pb
from quantis.v1 import auth_service_pb2_grpc
from quantis.v1 import common_pb2 as common
from quantis.v1 import dataset_service_pb2 as dataset_pb
from quantis.v1 import financial_service_pb2 as finance_pb
from quantis.v1 import model_service_pb2 as model_pb
from quantis.v1 import monitoring_service_pb2 as monitoring_pb
from quantis.v1 import prediction_service_pb2 as prediction_pb
from sqlalchemy.orm import Session

from server import contracts
from server.composition import Application
from server.db.enums import AuditOutcome, JobState, NotificationKind
from server.db.models import TrainingJob, User
from server.domain.account_rules import ClientInfo
from server.domain.audit import AuditLogWriter, AuditRecord
from server.domain.monitoring.notifications import NotificationDraft
from tests.server.auth_helpers import PASSWORD, admin_token, user_token
from tests.server.db import factories
from tests.server.financial.conftest import Failure
from tests.server.security_helpers import _classes
from tests.server.test_list_inputs import LISTS

ADMIN = "root_admin"
SINCE = timestamp_pb2.Timestamp(seconds=946_684_800)  # 2000-01-01, before every row
ASCENDING = common.SORT_ORDER_ASCENDING
# Fields that change how items look or how many come, not which: a token stays valid across them.
NOT_SCOPING = {"page_size", "page_token", "view"}

Metadata = tuple[tuple[str, str], ...]


def usd(units: int) -> money_pb2.Money:
    return money_pb2.Money(currency_code="USD", units=units)


async def seed(application: Application, channel: grpc.aio.Channel) -> tuple[Metadata, dict[str, str]]:
    """Two rows in every list the admin sees; the admin's metadata and the ids the requests name."""
    metadata = (("authorization", f"Bearer {await admin_token(application, ADMIN)}"),)
    await user_token(application, "second_user")
    await application.accounts.login(ADMIN, PASSWORD, ClientInfo())  # a second session
    keys = auth_service_pb2_grpc.AuthServiceStub(channel)  # type: ignore[no-untyped-call]
    for name in ("first", "second"):
        await keys.CreateApiKey(
            auth_pb.CreateApiKeyRequest(name=name, scopes=["models:read"]), metadata=metadata
        )

    def insert(session: Session) -> dict[str, str]:
        admin = session.scalars(sa.select(User).where(User.username == ADMIN)).one()
        data = [factories.dataset(session, admin, name) for name in ("alpha", "beta")]
        model = factories.model(session, admin, data[0], "lstm a")
        other = factories.model(session, admin, data[1], "lstm b")
        versions = [factories.version(session, model, number) for number in (1, 2)]
        for _ in range(2):
            session.add(
                TrainingJob(model_id=model.id, owner_id=admin.id, state=JobState.SUCCEEDED, config={})
            )
            factories.prediction(session, admin, versions[0])
        for key in ("key-1", "key-2"):
            factories.transaction(session, admin, key)
            factories.alert(session, key)
        session.flush()
        return {
            "admin": admin.id,
            "dataset": data[0].id,
            "model": model.id,
            "other_model": other.id,
            "version": versions[0].id,
        }

    ids: dict[str, str] = await application.db.run(insert)
    for title in ("first", "second"):
        await application.notifications.notify(ids["admin"], NotificationDraft(NotificationKind.ALERT, title))
    writer = AuditLogWriter(application.db)
    for resource_id in ("r1", "r2"):
        await writer.write(
            AuditRecord(
                "/quantis.v1.ModelService/DeleteModel", AuditOutcome.SUCCESS, 0, resource_id=resource_id
            )
        )
    return metadata, ids


def base(ids: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Each list's first-page request (what a list requires)."""
    return {
        "/quantis.v1.ModelService/ListModelVersions": {"model_id": ids["model"]},
        "/quantis.v1.FinancialService/ListTransactions": {"currency_code": "USD"},
    }


def changes(ids: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """For each list, valid requests that differ from its base in one filter or the order."""
    return {
        "/quantis.v1.AuthService/ListApiKeys": [{"filter": "revoked = false"}],
        "/quantis.v1.AuthService/ListSessions": [{"filter": "current = false"}],
        "/quantis.v1.AuthService/ListUsers": [
            {"filter": "active = true"},
            {"role": common.ROLE_ADMIN},
            {"active": True},
            {"username": "r"},
        ],
        "/quantis.v1.DatasetService/ListDatasets": [
            {"filter": 'name:"a"'},
            {"name_contains": "a"},
            {"format": dataset_pb.DATASET_FORMAT_CSV},
            {"frequency": common.FREQUENCY_DAILY},
            {"labels": {"team": "x"}},
            {"order": ASCENDING},
        ],
        "/quantis.v1.FinancialService/ListTransactions": [
            {"filter": 'currency_code="USD"'},
            {"statuses": [finance_pb.TRANSACTION_STATUS_COMPLETED]},
            {"types": [finance_pb.TRANSACTION_TYPE_DEPOSIT]},
            {"currency_code": "EUR"},
            {"time_range": common.TimeRange(start_time=SINCE)},
            {"min_amount": usd(1)},
            {"max_amount": usd(1_000_000)},
            {"risk_levels": [finance_pb.RISK_LEVEL_LOW]},
            {"owner_id": ids["admin"]},
            {"order": ASCENDING},
        ],
        "/quantis.v1.ModelService/ListModelVersions": [
            {"filter": "deployed = false"},
            {"model_id": ids["other_model"]},
            {"state": model_pb.MODEL_VERSION_STATE_READY},
            {"order": ASCENDING},
        ],
        "/quantis.v1.ModelService/ListModels": [
            {"filter": 'name:"lstm"'},
            {"type": common.MODEL_TYPE_LSTM},
            {"dataset_id": ids["dataset"]},
            {"name_contains": "lstm"},
            {"order": ASCENDING},
        ],
        "/quantis.v1.ModelService/ListTrainingJobs": [
            {"filter": f'model_id="{ids["model"]}"'},
            {"model_id": ids["model"]},
            {"states": [model_pb.TRAINING_JOB_STATE_SUCCEEDED]},
            {"order": ASCENDING},
        ],
        "/quantis.v1.MonitoringService/ListAlerts": [
            {"filter": "state = ALERT_STATE_OPEN"},
            {"state": monitoring_pb.ALERT_STATE_OPEN},
            {"severity": monitoring_pb.ALERT_SEVERITY_WARNING},
            {"model_id": ids["model"]},
            {"version_id": ids["version"]},
            {"kind": monitoring_pb.ALERT_KIND_DRIFT},
        ],
        "/quantis.v1.MonitoringService/ListAuditLogs": [
            {"filter": "outcome = AUDIT_OUTCOME_SUCCESS"},
            {"user_id": ids["admin"]},
            {"action": "/quantis.v1.ModelService/DeleteModel"},
            {"resource_type": "model"},
            {"resource_id": "r1"},
            {"outcome": monitoring_pb.AUDIT_OUTCOME_SUCCESS},
            {"time_range": common.TimeRange(start_time=SINCE)},
            {"sort_order": ASCENDING},
        ],
        "/quantis.v1.MonitoringService/ListNotifications": [
            {"filter": "read = false"},
            {"unread_only": True},
        ],
        "/quantis.v1.PredictionService/ListPredictions": [
            {"filter": "has_actuals = false"},
            {"model_id": ids["model"]},
            {"version_id": ids["version"]},
            {"time_range": common.TimeRange(start_time=SINCE)},
            {"source": prediction_pb.PREDICTION_SOURCE_UNARY},
            {"order": ASCENDING},
        ],
    }


# Requests that ask for the same items in the same order, in other words.
ALIKE: dict[str, list[dict[str, Any]]] = {
    "/quantis.v1.DatasetService/ListDatasets": [{"order": common.SORT_ORDER_DESCENDING}],
    "/quantis.v1.PredictionService/ListPredictions": [{"view": prediction_pb.PREDICTION_VIEW_FULL}],
}


def test_every_field_that_chooses_the_items_or_their_order_is_changed_below() -> None:
    """A filter added to a list later must join its scope, and its change this test."""
    ids = dict.fromkeys(("admin", "dataset", "model", "other_model", "version"), "x")
    assert sorted(changes(ids)) == LISTS
    for path, variants in changes(ids).items():
        fields = {f.name for f in _classes(contracts.method_rules()[path])[0].DESCRIPTOR.fields}
        assert fields - NOT_SCOPING == {name for variant in variants for name in variant}, path


async def outcome(call: Any) -> tuple[grpc.StatusCode, list[str]]:
    """The code a call ends with and the fields its error names."""
    try:
        await call
    except grpc.aio.AioRpcError as error:
        failed = Failure(error)
        return failed.code, failed.fields
    return grpc.StatusCode.OK, []


REFUSED = (grpc.StatusCode.INVALID_ARGUMENT, ["page_token"])


def call_of(channel: grpc.aio.Channel, path: str, metadata: Metadata) -> Callable[..., Any]:
    """The list RPC at ``path``, called with the request these fields make."""
    request_class, response_class = _classes(contracts.method_rules()[path])
    call = channel.unary_unary(path, request_class.SerializeToString, response_class.FromString)

    def ask(**fields: Any) -> Any:
        return call(request_class(**fields), metadata=metadata, timeout=10)

    return ask


async def test_a_page_token_is_refused_by_every_other_list_filter_and_order(
    channel: grpc.aio.Channel, application: Application
) -> None:
    metadata, ids = await seed(application, channel)
    first_pages, variants = base(ids), changes(ids)
    wrong: list[str] = []
    for path in LISTS:
        ask = call_of(channel, path, metadata)
        asked = first_pages.get(path, {})
        token = (await ask(page_size=1, **asked)).next_page_token
        assert token, f"{path} has one page: seed more rows"
        for alike in [{}, {"page_size": 2}, *ALIKE.get(path, [])]:
            code, fields = await outcome(ask(**{"page_size": 1, **asked, **alike, "page_token": token}))
            if code is not grpc.StatusCode.OK:
                wrong.append(f"{path} with {alike} refused its own token: {code} {fields}")
        for changed in variants[path]:
            found = await outcome(ask(**{**asked, **changed, "page_token": token}))
            if found != REFUSED:
                wrong.append(f"{path} with {changed} took its token: {found}")
        for other in LISTS:
            if other != path:
                found = await outcome(
                    call_of(channel, other, metadata)(**first_pages.get(other, {}), page_token=token)
                )
                if found != REFUSED:
                    wrong.append(f"{other} took a token of {path}: {found}")
    assert not wrong, "\n".join(wrong)
