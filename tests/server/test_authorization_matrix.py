"""Every RPC against every kind of caller, with the status each must get.

ACCESS is the policy written out by hand: the least role each RPC needs. The
test fails if an RPC is added to the contracts without a row here, if a
contract's permission no longer matches its row, or if any caller gets a
status other than the one its row implies. FOREIGN lists the RPCs that take
another user's resource, which must answer NOT_FOUND (never reveal it exists).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from google.type import money_pb2
from quantis.v1 import auth_service_pb2 as auth_pb
from quantis.v1 import (
    auth_service_pb2_grpc,
    common_pb2,
    dataset_service_pb2_grpc,
    financial_service_pb2_grpc,
    model_service_pb2_grpc,
    prediction_service_pb2_grpc,
)
from quantis.v1 import dataset_service_pb2 as dataset_pb
from quantis.v1 import financial_service_pb2 as finance_pb
from quantis.v1 import model_service_pb2 as model_pb
from quantis.v1 import prediction_service_pb2 as prediction_pb

from server import contracts
from server.auth.permissions import ROLE_PERMISSIONS, Role
from server.auth.tokens import TokenCodec
from server.composition import Application
from server.domain.account_rules import ClientInfo, MfaChallenge
from tests.server.auth_helpers import PASSWORD, user_token
from tests.server.dataset.conftest import AIRPASSENGERS, csv_metadata, upload
from tests.server.model.records import finished_job_and_version
from tests.server.prediction.records import recorded_prediction
from tests.server.security_helpers import call_rpc

ACCESS = {
    "AuthService/ChangePassword": "viewer",
    "AuthService/ConfirmMfa": "viewer",
    "AuthService/CreateApiKey": "viewer",
    "AuthService/DeleteUser": "admin",
    "AuthService/DisableMfa": "viewer",
    "AuthService/EnrollMfa": "viewer",
    "AuthService/GetCurrentUser": "viewer",
    "AuthService/GetUser": "admin",
    "AuthService/ListApiKeys": "viewer",
    "AuthService/ListSessions": "viewer",
    "AuthService/ListUsers": "admin",
    "AuthService/Login": "public",
    "AuthService/Logout": "viewer",
    "AuthService/RefreshToken": "public",
    "AuthService/Register": "public",
    "AuthService/RevokeApiKey": "viewer",
    "AuthService/RevokeSession": "viewer",
    "AuthService/UpdateUser": "admin",
    "AuthService/VerifyMfa": "public",
    "DatasetService/CompleteUpload": "analyst",
    "DatasetService/DeleteDataset": "analyst",
    "DatasetService/DownloadDataset": "viewer",
    "DatasetService/GetDataset": "viewer",
    "DatasetService/GetDatasetStats": "viewer",
    "DatasetService/GetUpload": "analyst",
    "DatasetService/ListDatasets": "viewer",
    "DatasetService/PreviewDataset": "viewer",
    "DatasetService/StartUpload": "analyst",
    "DatasetService/UploadChunk": "analyst",
    "DatasetService/UploadDataset": "analyst",
    "FinancialService/ApproveTransaction": "admin",
    "FinancialService/CalculateAmortization": "viewer",
    "FinancialService/CalculateInterest": "viewer",
    "FinancialService/CalculateIrr": "viewer",
    "FinancialService/CalculateNpv": "viewer",
    "FinancialService/CheckCompliance": "viewer",
    "FinancialService/CreateTransaction": "analyst",
    "FinancialService/GetLimits": "viewer",
    "FinancialService/GetTransaction": "viewer",
    "FinancialService/GetTransactionSummary": "viewer",
    "FinancialService/ListTransactions": "viewer",
    "FinancialService/RejectTransaction": "admin",
    "ModelService/CancelTrainingJob": "analyst",
    "ModelService/CompareModels": "viewer",
    "ModelService/CreateModel": "analyst",
    "ModelService/DeleteModel": "analyst",
    "ModelService/DeployModelVersion": "analyst",
    "ModelService/GetModel": "viewer",
    "ModelService/GetModelVersion": "viewer",
    "ModelService/GetTrainingJob": "viewer",
    "ModelService/ListModelTypes": "viewer",
    "ModelService/ListModelVersions": "viewer",
    "ModelService/ListModels": "viewer",
    "ModelService/ListTrainingJobs": "viewer",
    "ModelService/TrainModel": "analyst",
    "ModelService/WatchTrainingJob": "viewer",
    "MonitoringService/AcknowledgeAlert": "analyst",
    "MonitoringService/DeleteNotification": "viewer",
    "MonitoringService/GetModelDrift": "viewer",
    "MonitoringService/GetSystemHealth": "viewer",
    "MonitoringService/GetSystemStats": "viewer",
    "MonitoringService/ListAlerts": "viewer",
    "MonitoringService/ListAuditLogs": "admin",
    "MonitoringService/ListNotifications": "viewer",
    "MonitoringService/MarkNotificationRead": "viewer",
    "MonitoringService/WatchEvents": "viewer",
    "PredictionService/BatchPredict": "viewer",
    "PredictionService/GetBatchJob": "viewer",
    "PredictionService/GetPrediction": "viewer",
    "PredictionService/GetPredictionStats": "viewer",
    "PredictionService/ListPredictions": "viewer",
    "PredictionService/Predict": "viewer",
    "PredictionService/StreamPredict": "viewer",
    "PredictionService/SubmitActuals": "viewer",
}
RANK = {"viewer": 1, "analyst": 2, "admin": 3}
ROLES = {"viewer": Role.VIEWER, "analyst": Role.ANALYST, "admin": Role.ADMIN}
AUTH_FAILURES = {grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED}
Metadata = tuple[tuple[str, str], ...]


def bearer(token: str) -> Metadata:
    return (("authorization", f"Bearer {token}"),)


def path(name: str) -> str:
    return f"/quantis.v1.{name}"


def ordered() -> list[str]:
    """Every RPC, Logout last (it ends the session of the token that calls it)."""
    return sorted(ACCESS, key=lambda name: (name.endswith("/Logout"), name))


def test_the_table_covers_every_rpc_and_matches_the_contracts() -> None:
    rules = contracts.method_rules()
    assert {p.removeprefix("/quantis.v1.") for p in rules} == set(ACCESS)
    for name, least in ACCESS.items():
        rule = rules[path(name)]
        if least == "public":
            assert rule.public, name
            continue
        holders = {r for r, role in ROLES.items() if rule.permission in ROLE_PERMISSIONS[role]}
        assert holders == {r for r in RANK if RANK[r] >= RANK[least]}, name


@pytest.fixture
async def matrix_calls(channel: grpc.aio.Channel) -> Callable[[str, Metadata], Awaitable[grpc.StatusCode]]:
    rules = contracts.method_rules()

    async def call(name: str, metadata: Metadata) -> grpc.StatusCode:
        return await call_rpc(channel, rules[path(name)], metadata)

    return call


async def test_callers_without_valid_credentials(
    application: Application,
    channel: grpc.aio.Channel,
    matrix_calls: Callable[[str, Metadata], Awaitable[grpc.StatusCode]],
) -> None:
    now = datetime.now(UTC)
    expired, _ = TokenCodec(application.settings.jwt_secret, timedelta(minutes=15)).issue(
        "u-1", "ghost", Role.ADMIN, "s-1", now - timedelta(hours=1)
    )
    await user_token(application, "revoked_admin", Role.ADMIN)
    login = await application.accounts.login("revoked_admin", PASSWORD, ClientInfo())
    assert not isinstance(login, MfaChallenge)
    await auth_service_pb2_grpc.AuthServiceStub(channel).Logout(
        auth_pb.LogoutRequest(), metadata=bearer(login.access_token)
    )
    callers: dict[str, Metadata] = {
        "none": (),
        "expired": bearer(expired),
        "revoked": bearer(login.access_token),
        "garbage": bearer("not-a-token"),
        "unknown key": (("x-api-key", "qk_" + "x" * 43),),
    }
    for caller, metadata in callers.items():
        for name in ordered():
            code = await matrix_calls(name, metadata)
            if ACCESS[name] == "public":
                assert code not in AUTH_FAILURES, (caller, name, code)
            else:
                assert code is grpc.StatusCode.UNAUTHENTICATED, (caller, name, code)


async def test_each_role_gets_exactly_its_rpcs(
    application: Application, matrix_calls: Callable[[str, Metadata], Awaitable[grpc.StatusCode]]
) -> None:
    for level, role in ROLES.items():
        metadata = bearer(await user_token(application, f"matrix_{level}", role))
        for name in ordered():
            code = await matrix_calls(name, metadata)
            assert code is not grpc.StatusCode.INTERNAL, (level, name)
            if ACCESS[name] != "public" and RANK[level] < RANK[ACCESS[name]]:
                assert code is grpc.StatusCode.PERMISSION_DENIED, (level, name, code)
            else:
                assert code not in AUTH_FAILURES, (level, name, code)


async def test_an_api_key_gets_only_its_scopes(
    application: Application,
    channel: grpc.aio.Channel,
    matrix_calls: Callable[[str, Metadata], Awaitable[grpc.StatusCode]],
) -> None:
    token = await user_token(application, "matrix_keys", Role.ADMIN)
    auth = auth_service_pb2_grpc.AuthServiceStub(channel)
    rules = contracts.method_rules()
    keys: dict[str, str] = {}
    for scope in ("notifications:read", "datasets:read"):
        created = await auth.CreateApiKey(
            auth_pb.CreateApiKeyRequest(name=scope, scopes=[scope]), metadata=bearer(token)
        )
        keys[scope] = created.secret
    for name in ordered():
        rule = rules[path(name)]
        if rule.public:
            continue
        scope = "datasets:read" if rule.permission == "notifications:read" else "notifications:read"
        code = await matrix_calls(name, (("x-api-key", keys[scope]),))
        assert code is grpc.StatusCode.PERMISSION_DENIED, (name, scope, code)
        in_scope = "datasets:read" if rule.permission == "datasets:read" else None
        if in_scope:
            allowed = await matrix_calls(name, (("x-api-key", keys[in_scope]),))
            assert allowed not in AUTH_FAILURES, (name, allowed)


# RPCs that name another user's resource: each must be NOT_FOUND, as if it did not exist.
async def test_another_users_resources_are_not_found(
    application: Application, channel: grpc.aio.Channel
) -> None:
    owner = await user_token(application, "owner_user", Role.ANALYST)
    other = bearer(await user_token(application, "other_user", Role.ANALYST))
    auth = auth_service_pb2_grpc.AuthServiceStub(channel)
    key = await auth.CreateApiKey(
        auth_pb.CreateApiKeyRequest(name="k", scopes=["account:manage"]), metadata=bearer(owner)
    )
    sessions = await auth.ListSessions(auth_pb.ListSessionsRequest(), metadata=bearer(owner))
    finance = financial_service_pb2_grpc.FinancialServiceStub(channel)
    transaction = (
        await finance.CreateTransaction(
            finance_pb.CreateTransactionRequest(
                idempotency_key="mine",
                amount=money_pb2.Money(currency_code="USD", units=5),
                type=finance_pb.TRANSACTION_TYPE_DEPOSIT,
            ),
            metadata=bearer(owner),
        )
    ).transaction
    data = dataset_service_pb2_grpc.DatasetServiceStub(channel)
    dataset_id = (
        await upload(data, await asyncio.to_thread(AIRPASSENGERS.read_bytes), bearer(owner))
    ).dataset.dataset_id
    upload_id = (
        await data.StartUpload(
            dataset_pb.StartUploadRequest(metadata=csv_metadata(), total_size=10), metadata=bearer(owner)
        )
    ).upload_session.upload_id

    models = model_service_pb2_grpc.ModelServiceStub(channel)
    model = (
        await models.CreateModel(
            model_pb.CreateModelRequest(
                name="m", type=common_pb2.MODEL_TYPE_SEASONAL_NAIVE, dataset_id=dataset_id, horizon=12
            ),
            metadata=bearer(owner),
        )
    ).model
    job_id, version_id = await finished_job_and_version(application, model.model_id, model.owner_id)
    prediction_id = await recorded_prediction(application, model.model_id, version_id, model.owner_id)
    predictions = prediction_service_pb2_grpc.PredictionServiceStub(channel)

    async def drained(stream: grpc.aio.UnaryStreamCall[Any, Any]) -> None:
        async for _ in stream:
            pass

    foreign: dict[str, Callable[[], object]] = {
        "AuthService/RevokeApiKey": lambda: auth.RevokeApiKey(
            auth_pb.RevokeApiKeyRequest(api_key_id=key.api_key.api_key_id), metadata=other
        ),
        "AuthService/RevokeSession": lambda: auth.RevokeSession(
            auth_pb.RevokeSessionRequest(session_id=sessions.sessions[0].session_id), metadata=other
        ),
        "FinancialService/GetTransaction": lambda: finance.GetTransaction(
            finance_pb.GetTransactionRequest(transaction_id=transaction.transaction_id), metadata=other
        ),
        "FinancialService/CreateTransaction (reversal)": lambda: finance.CreateTransaction(
            finance_pb.CreateTransactionRequest(
                idempotency_key="reverse-theirs",
                amount=transaction.amount,
                type=finance_pb.TRANSACTION_TYPE_REVERSAL,
                reversal_of_transaction_id=transaction.transaction_id,
            ),
            metadata=other,
        ),
        "DatasetService/GetDataset": lambda: data.GetDataset(
            dataset_pb.GetDatasetRequest(dataset_id=dataset_id), metadata=other
        ),
        "DatasetService/GetDatasetStats": lambda: data.GetDatasetStats(
            dataset_pb.GetDatasetStatsRequest(dataset_id=dataset_id), metadata=other
        ),
        "DatasetService/PreviewDataset": lambda: data.PreviewDataset(
            dataset_pb.PreviewDatasetRequest(dataset_id=dataset_id), metadata=other
        ),
        "DatasetService/DownloadDataset": lambda: drained(
            data.DownloadDataset(dataset_pb.DownloadDatasetRequest(dataset_id=dataset_id), metadata=other)
        ),
        "DatasetService/DeleteDataset": lambda: data.DeleteDataset(
            dataset_pb.DeleteDatasetRequest(dataset_id=dataset_id), metadata=other
        ),
        "DatasetService/GetUpload": lambda: data.GetUpload(
            dataset_pb.GetUploadRequest(upload_id=upload_id), metadata=other
        ),
        "DatasetService/UploadChunk": lambda: data.UploadChunk(
            dataset_pb.UploadChunkRequest(upload_id=upload_id, offset=0, data=b"x"), metadata=other
        ),
        "DatasetService/CompleteUpload": lambda: data.CompleteUpload(
            dataset_pb.CompleteUploadRequest(upload_id=upload_id), metadata=other
        ),
        "ModelService/CreateModel (their dataset)": lambda: models.CreateModel(
            model_pb.CreateModelRequest(
                name="m", type=common_pb2.MODEL_TYPE_SEASONAL_NAIVE, dataset_id=dataset_id, horizon=12
            ),
            metadata=other,
        ),
        "ModelService/GetModel": lambda: models.GetModel(
            model_pb.GetModelRequest(model_id=model.model_id), metadata=other
        ),
        "ModelService/TrainModel": lambda: models.TrainModel(
            model_pb.TrainModelRequest(model_id=model.model_id), metadata=other
        ),
        "ModelService/ListModelVersions": lambda: models.ListModelVersions(
            model_pb.ListModelVersionsRequest(model_id=model.model_id), metadata=other
        ),
        "ModelService/GetModelVersion": lambda: models.GetModelVersion(
            model_pb.GetModelVersionRequest(version_id=version_id), metadata=other
        ),
        "ModelService/DeployModelVersion": lambda: models.DeployModelVersion(
            model_pb.DeployModelVersionRequest(model_id=model.model_id, version_id=version_id), metadata=other
        ),
        "ModelService/CompareModels": lambda: models.CompareModels(
            model_pb.CompareModelsRequest(version_ids=[version_id], model_ids=[model.model_id]),
            metadata=other,
        ),
        "ModelService/GetTrainingJob": lambda: models.GetTrainingJob(
            model_pb.GetTrainingJobRequest(job_id=job_id), metadata=other
        ),
        "ModelService/WatchTrainingJob": lambda: drained(
            models.WatchTrainingJob(model_pb.WatchTrainingJobRequest(job_id=job_id), metadata=other)
        ),
        "ModelService/CancelTrainingJob": lambda: models.CancelTrainingJob(
            model_pb.CancelTrainingJobRequest(job_id=job_id), metadata=other
        ),
        "PredictionService/Predict": lambda: predictions.Predict(
            prediction_pb.PredictRequest(model_id=model.model_id, series=common_pb2.Series(values=[1.0])),
            metadata=other,
        ),
        "PredictionService/GetPrediction": lambda: predictions.GetPrediction(
            prediction_pb.GetPredictionRequest(prediction_id=prediction_id), metadata=other
        ),
        "PredictionService/SubmitActuals": lambda: predictions.SubmitActuals(
            prediction_pb.SubmitActualsRequest(prediction_id=prediction_id, values=[1.0]), metadata=other
        ),
        "PredictionService/GetPredictionStats": lambda: predictions.GetPredictionStats(
            prediction_pb.GetPredictionStatsRequest(model_id=model.model_id), metadata=other
        ),
        "ModelService/DeleteModel": lambda: models.DeleteModel(
            model_pb.DeleteModelRequest(model_id=model.model_id), metadata=other
        ),
    }
    for name, call in foreign.items():
        with pytest.raises(grpc.aio.AioRpcError) as raised:
            await call()  # type: ignore[misc]
        assert raised.value.code() is grpc.StatusCode.NOT_FOUND, name
    await auth.GetCurrentUser(auth_pb.GetCurrentUserRequest(), metadata=(("x-api-key", key.secret),))
