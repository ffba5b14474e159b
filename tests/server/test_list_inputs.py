"""What every list RPC does with page tokens and search text it never handed out: INVALID_ARGUMENT
naming the field, never INTERNAL (a crafted token or a long search reached the database)."""

from __future__ import annotations

import base64

import grpc
import pytest
from quantis.v1 import dataset_service_pb2 as dataset_pb
from quantis.v1 import financial_service_pb2 as finance_pb
from quantis.v1 import model_service_pb2 as model_pb

from server import contracts
from server.composition import Application
from server.domain.filters import MAX_TERMS
from tests.server.auth_helpers import admin_stubs, admin_token
from tests.server.financial.conftest import failure
from tests.server.security_helpers import _classes


def crafted(time: str) -> str:
    return base64.urlsafe_b64encode(f'{{"t": "{time}", "i": "x"}}'.encode()).decode()


BAD_TOKENS = {
    "no UTC offset": crafted("2024-01-01T00:00:00"),
    "past year 9999 in UTC": crafted("9999-12-31T23:59:59-05:00"),
    "before year 1 in UTC": crafted("0001-01-01T00:00:00+05:00"),
    "not a token": "garbage",
}
LISTS = sorted(
    rule.path
    for rule in contracts.method_rules().values()
    if not rule.client_streaming and "page_token" in _classes(rule)[0].DESCRIPTOR.fields_by_name
)


@pytest.mark.parametrize("path", LISTS)
async def test_a_page_token_no_page_handed_out_names_page_token(
    channel: grpc.aio.Channel, application: Application, path: str
) -> None:
    assert len(LISTS) >= 10  # every service's lists, not none by a broken filter
    metadata = (("authorization", f"Bearer {await admin_token(application)}"),)
    request_class, response_class = _classes(contracts.method_rules()[path])
    call = channel.unary_unary(path, request_class.SerializeToString, response_class.FromString)
    for why, token in BAD_TOKENS.items():
        request = request_class(page_token=token)  # type: ignore[call-arg]
        found = await failure(call(request, metadata=metadata, timeout=10))
        assert (found.code, found.fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["page_token"]), (path, why)


async def test_search_text_too_long_to_look_for_names_its_field(
    channel: grpc.aio.Channel, application: Application
) -> None:
    admin = await admin_stubs(channel, application)
    metadata, datasets, models, finance = admin.metadata, admin.datasets, admin.models, admin.finance
    long = "y" * 60_000  # SQLite refuses a LIKE pattern over 50,000 bytes
    for call, field in (
        (
            datasets.ListDatasets(dataset_pb.ListDatasetsRequest(name_contains=long), metadata=metadata),
            "name_contains",
        ),
        (
            datasets.ListDatasets(dataset_pb.ListDatasetsRequest(filter=f'name:"{long}"'), metadata=metadata),
            "filter",
        ),
        (
            models.ListModels(model_pb.ListModelsRequest(name_contains=long), metadata=metadata),
            "name_contains",
        ),
        (models.ListModels(model_pb.ListModelsRequest(filter=f'name:"{long}"'), metadata=metadata), "filter"),
        (
            finance.ListTransactions(
                finance_pb.ListTransactionsRequest(filter=f'description:"{long}"'), metadata=metadata
            ),
            "filter",
        ),
    ):
        found = await failure(call)
        assert (found.code, found.fields) == (grpc.StatusCode.INVALID_ARGUMENT, [field])
    # The longest search allowed is looked for (and found nowhere).
    fits = await datasets.ListDatasets(
        dataset_pb.ListDatasetsRequest(name_contains="y" * 1000), metadata=metadata
    )
    assert list(fits.datasets) == []


@pytest.mark.parametrize(
    "edge", ['create_time > "9999-12-31T23:59:59-05:00"', 'create_time < "0001-01-01T00:00:00+05:00"']
)
async def test_a_time_outside_what_the_database_holds_names_filter(
    channel: grpc.aio.Channel, application: Application, edge: str
) -> None:
    admin = await admin_stubs(channel, application)
    metadata, datasets, models, finance = admin.metadata, admin.datasets, admin.models, admin.finance
    for call in (
        datasets.ListDatasets(dataset_pb.ListDatasetsRequest(filter=edge), metadata=metadata),
        models.ListModels(model_pb.ListModelsRequest(filter=edge), metadata=metadata),
        finance.ListTransactions(finance_pb.ListTransactionsRequest(filter=edge), metadata=metadata),
    ):
        found = await failure(call)
        assert (found.code, found.fields) == (grpc.StatusCode.INVALID_ARGUMENT, ["filter"]), edge


async def test_a_label_key_no_dataset_can_have_names_it(
    channel: grpc.aio.Channel, application: Application
) -> None:
    admin = await admin_stubs(channel, application)
    metadata, datasets = admin.metadata, admin.datasets
    for key in ("a\x00", 'a"b', "Team"):  # SQLite's JSON paths refused the first two
        found = await failure(
            datasets.ListDatasets(dataset_pb.ListDatasetsRequest(labels={key: "x"}), metadata=metadata)
        )
        assert (found.code, found.fields) == (grpc.StatusCode.INVALID_ARGUMENT, [f"labels[{key!r}]"])
    listed = await datasets.ListDatasets(
        dataset_pb.ListDatasetsRequest(labels={"team": "x"}), metadata=metadata
    )
    assert list(listed.datasets) == []


FILTERED = [
    path
    for path in LISTS
    if "filter" in _classes(contracts.method_rules()[path])[0].DESCRIPTOR.fields_by_name
]


@pytest.mark.parametrize("path", FILTERED)
async def test_a_filter_of_too_many_terms_names_filter(
    channel: grpc.aio.Channel, application: Application, path: str
) -> None:
    """A thousand AND terms made SQLite refuse the expression tree (INTERNAL); more than the
    grammar's MAX_TERMS are refused before any field is looked at."""
    assert len(FILTERED) >= 12
    metadata = (("authorization", f"Bearer {await admin_token(application)}"),)
    request_class, response_class = _classes(contracts.method_rules()[path])
    call = channel.unary_unary(path, request_class.SerializeToString, response_class.FromString)
    terms = " AND ".join(['create_time>"2000-01-01T00:00:00Z"'] * (MAX_TERMS + 1))
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call(request_class(filter=terms), metadata=metadata, timeout=10)  # type: ignore[call-arg]
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT, path
    assert f"at most {MAX_TERMS} terms" in (raised.value.details() or ""), path


ENUM_FIELDS = [
    (path, field.name)
    for path in [*LISTS, "/quantis.v1.PredictionService/GetPrediction"]
    for field in _classes(contracts.method_rules()[path])[0].DESCRIPTOR.fields
    if field.name in ("order", "sort_order", "view")
]


@pytest.mark.parametrize(("path", "field"), ENUM_FIELDS)
async def test_an_order_or_view_this_server_does_not_know_names_it(
    channel: grpc.aio.Channel, application: Application, path: str, field: str
) -> None:
    """Taken for the default before: a newer client's value would have been silently ignored."""
    assert len(ENUM_FIELDS) >= 8
    metadata = (("authorization", f"Bearer {await admin_token(application)}"),)
    request_class, response_class = _classes(contracts.method_rules()[path])
    call = channel.unary_unary(path, request_class.SerializeToString, response_class.FromString)
    found = await failure(call(request_class(**{field: 99}), metadata=metadata, timeout=10))
    assert (found.code, found.fields) == (grpc.StatusCode.INVALID_ARGUMENT, [field]), path
