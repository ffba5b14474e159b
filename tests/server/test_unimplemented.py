"""Which RPCs answer UNIMPLEMENTED: later work shrinks this list to nothing.

Every RPC of every quantis.v1 service is called over a real channel with an
empty request; an RPC that is implemented must not answer UNIMPLEMENTED, and
one that is not must answer exactly that.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
from google.protobuf import message_factory
from google.protobuf.message import Message

from server import contracts

# Remove an RPC from here in the change that implements it.
NOT_YET_IMPLEMENTED = {
    "quantis.v1.AuthService/ChangePassword",
    "quantis.v1.AuthService/ConfirmMfa",
    "quantis.v1.AuthService/CreateApiKey",
    "quantis.v1.AuthService/DeleteUser",
    "quantis.v1.AuthService/DisableMfa",
    "quantis.v1.AuthService/EnrollMfa",
    "quantis.v1.AuthService/GetCurrentUser",
    "quantis.v1.AuthService/GetUser",
    "quantis.v1.AuthService/ListApiKeys",
    "quantis.v1.AuthService/ListSessions",
    "quantis.v1.AuthService/ListUsers",
    "quantis.v1.AuthService/Login",
    "quantis.v1.AuthService/Logout",
    "quantis.v1.AuthService/RefreshToken",
    "quantis.v1.AuthService/Register",
    "quantis.v1.AuthService/RevokeApiKey",
    "quantis.v1.AuthService/RevokeSession",
    "quantis.v1.AuthService/UpdateUser",
    "quantis.v1.AuthService/VerifyMfa",
    "quantis.v1.DatasetService/CompleteUpload",
    "quantis.v1.DatasetService/DeleteDataset",
    "quantis.v1.DatasetService/DownloadDataset",
    "quantis.v1.DatasetService/GetDataset",
    "quantis.v1.DatasetService/GetDatasetStats",
    "quantis.v1.DatasetService/GetUpload",
    "quantis.v1.DatasetService/ListDatasets",
    "quantis.v1.DatasetService/PreviewDataset",
    "quantis.v1.DatasetService/StartUpload",
    "quantis.v1.DatasetService/UploadChunk",
    "quantis.v1.DatasetService/UploadDataset",
    "quantis.v1.FinancialService/ApproveTransaction",
    "quantis.v1.FinancialService/CalculateAmortization",
    "quantis.v1.FinancialService/CalculateInterest",
    "quantis.v1.FinancialService/CalculateIrr",
    "quantis.v1.FinancialService/CalculateNpv",
    "quantis.v1.FinancialService/CheckCompliance",
    "quantis.v1.FinancialService/CreateTransaction",
    "quantis.v1.FinancialService/GetLimits",
    "quantis.v1.FinancialService/GetTransaction",
    "quantis.v1.FinancialService/GetTransactionSummary",
    "quantis.v1.FinancialService/ListTransactions",
    "quantis.v1.FinancialService/RejectTransaction",
    "quantis.v1.ModelService/CancelTrainingJob",
    "quantis.v1.ModelService/CompareModels",
    "quantis.v1.ModelService/CreateModel",
    "quantis.v1.ModelService/DeleteModel",
    "quantis.v1.ModelService/DeployModelVersion",
    "quantis.v1.ModelService/GetModel",
    "quantis.v1.ModelService/GetModelVersion",
    "quantis.v1.ModelService/GetTrainingJob",
    "quantis.v1.ModelService/ListModelTypes",
    "quantis.v1.ModelService/ListModelVersions",
    "quantis.v1.ModelService/ListModels",
    "quantis.v1.ModelService/ListTrainingJobs",
    "quantis.v1.ModelService/TrainModel",
    "quantis.v1.ModelService/WatchTrainingJob",
    "quantis.v1.MonitoringService/AcknowledgeAlert",
    "quantis.v1.MonitoringService/DeleteNotification",
    "quantis.v1.MonitoringService/GetModelDrift",
    "quantis.v1.MonitoringService/GetSystemHealth",
    "quantis.v1.MonitoringService/GetSystemStats",
    "quantis.v1.MonitoringService/ListAlerts",
    "quantis.v1.MonitoringService/ListAuditLogs",
    "quantis.v1.MonitoringService/ListNotifications",
    "quantis.v1.MonitoringService/MarkNotificationRead",
    "quantis.v1.MonitoringService/WatchEvents",
    "quantis.v1.PredictionService/BatchPredict",
    "quantis.v1.PredictionService/GetBatchJob",
    "quantis.v1.PredictionService/GetPrediction",
    "quantis.v1.PredictionService/GetPredictionStats",
    "quantis.v1.PredictionService/ListPredictions",
    "quantis.v1.PredictionService/Predict",
    "quantis.v1.PredictionService/StreamPredict",
    "quantis.v1.PredictionService/SubmitActuals",
}


async def _empty(request: Message) -> AsyncIterator[Message]:
    yield request


async def _call(channel: grpc.aio.Channel, path: str) -> grpc.StatusCode:
    service, method = path.strip("/").split("/")
    descriptor = next(s for s in contracts.services() if s.full_name == service).methods_by_name[method]
    request_class = message_factory.GetMessageClass(descriptor.input_type)
    response_class = message_factory.GetMessageClass(descriptor.output_type)
    kinds = {
        (False, False): channel.unary_unary,
        (False, True): channel.unary_stream,
        (True, False): channel.stream_unary,
        (True, True): channel.stream_stream,
    }
    callable_ = kinds[(descriptor.client_streaming, descriptor.server_streaming)](
        path, request_serializer=Message.SerializeToString, response_deserializer=response_class.FromString
    )
    request = _empty(request_class()) if descriptor.client_streaming else request_class()
    call = callable_(request, timeout=5)
    try:
        if descriptor.server_streaming:
            async for _ in call:
                pass
        else:
            await call
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


async def test_exactly_the_listed_rpcs_are_unimplemented(channel: grpc.aio.Channel) -> None:
    codes = {path: await _call(channel, path) for path in contracts.method_rules()}
    unimplemented = {path.strip("/") for path, code in codes.items() if code is grpc.StatusCode.UNIMPLEMENTED}
    assert unimplemented == NOT_YET_IMPLEMENTED
    assert grpc.StatusCode.INTERNAL not in codes.values()
