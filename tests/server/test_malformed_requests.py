"""Bytes that are no message of a method's request type: INVALID_ARGUMENT, after the layers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
from quantis.v1 import dataset_service_pb2

from server.composition import Application
from tests.server.auth.conftest import bearer, status_of
from tests.server.auth_helpers import admin_token
from tests.server.dataset.conftest import csv_metadata

GARBAGE = b"\xff\xff\xff"  # a field tag whose varint never ends


def _raw(data: bytes) -> bytes:
    return data


async def test_an_undecodable_request_is_an_invalid_argument(channel: grpc.aio.Channel) -> None:
    login = channel.unary_unary("/quantis.v1.AuthService/Login", _raw, _raw)
    assert await status_of(login(GARBAGE)) == (grpc.StatusCode.INVALID_ARGUMENT, "MALFORMED_REQUEST")
    # The caller is authenticated first: without credentials, that is the answer.
    current = channel.unary_unary("/quantis.v1.AuthService/GetCurrentUser", _raw, _raw)
    assert (await status_of(current(GARBAGE)))[0] is grpc.StatusCode.UNAUTHENTICATED


async def test_an_undecodable_message_in_a_request_stream_is_an_invalid_argument(
    channel: grpc.aio.Channel, application: Application
) -> None:
    token = await admin_token(application)

    async def messages() -> AsyncIterator[bytes]:
        yield dataset_service_pb2.UploadDatasetRequest(metadata=csv_metadata()).SerializeToString()
        yield GARBAGE

    upload = channel.stream_unary("/quantis.v1.DatasetService/UploadDataset", _raw, _raw)
    assert await status_of(upload(messages(), metadata=bearer(token))) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "MALFORMED_REQUEST",
    )
