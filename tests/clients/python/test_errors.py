"""Failures arrive as typed exceptions carrying the server's google.rpc details."""

from __future__ import annotations

import asyncio

import grpc
import pytest
import quantis
from google.type import decimal_pb2, money_pb2
from quantis import errors
from quantis.v1 import dataset_service_pb2, financial_service_pb2


def npv_request(rate: str) -> financial_service_pb2.CalculateNpvRequest:
    return financial_service_pb2.CalculateNpvRequest(
        rate=decimal_pb2.Decimal(value=rate),
        cash_flows=[
            money_pb2.Money(currency_code="USD", units=-1000),
            money_pb2.Money(currency_code="USD", units=1100),
        ],
    )


async def test_bad_input_is_invalid_argument_with_field_violations(analyst: quantis.AsyncClient) -> None:
    with pytest.raises(errors.InvalidArgument) as raised:
        await analyst.financial.CalculateNpv(npv_request("-1"))
    error = raised.value
    assert [v.field for v in error.field_violations] == ["rate"]
    assert error.field_violations[0].description
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT and error.domain == "quantis.v1"
    assert isinstance(error, grpc.RpcError) and "rate" in str(error)


async def test_missing_resource_is_not_found_naming_it(analyst: quantis.AsyncClient) -> None:
    with pytest.raises(errors.NotFound) as raised:
        await analyst.datasets.GetDataset(dataset_service_pb2.GetDatasetRequest(dataset_id="nope"))
    assert raised.value.resource_name == "nope" and raised.value.resource_type


async def test_server_stream_failure_is_typed(analyst: quantis.AsyncClient) -> None:
    with pytest.raises(errors.NotFound):
        await analyst.download_dataset("nope", progress=False)


async def test_no_credentials_is_unauthenticated(target: str) -> None:
    async with quantis.AsyncClient(target) as client:
        with pytest.raises(errors.Unauthenticated) as raised:
            await client.datasets.ListDatasets(dataset_service_pb2.ListDatasetsRequest())
    assert raised.value.reason == "CREDENTIALS_MISSING"


async def test_sync_client_raises_the_same_types(target: str, analyst: quantis.AsyncClient) -> None:
    def call() -> None:
        with quantis.Client(target, tokens=analyst.credentials.tokens) as client:
            assert client.financial.CalculateNpv(npv_request("0.1")).npv.units == 0
            client.financial.CalculateNpv(npv_request("-1"))

    with pytest.raises(errors.InvalidArgument) as raised:
        await asyncio.to_thread(call)
    assert [v.field for v in raised.value.field_violations] == ["rate"]
