from __future__ import annotations

import pytest

from model_store.json_body import decode_json_request
from training.errors import InvalidRequestError


@pytest.mark.parametrize(
    ("body", "match"),
    [
        # valid JSON that OverflowError or RecursionError met, which no handler caught
        (b'{"values": [' + b"9" * 400 + b', 1], "horizon": 3}', "within the float range"),
        (b'{"values": [1, 2], "horizon": 3, "quantiles": [' + b"9" * 400 + b"]}", "within the float range"),
        (
            b'{"values": [1, 2], "horizon": 3, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            "nested too deeply",
        ),
        # a statistical model forecasts any horizon, for hours
        (b'{"values": [1, 2], "horizon": 1000000000}', "above the limit"),
    ],
    ids=["huge-value", "huge-quantile", "deep", "huge-horizon"],
)
def test_awkward_json_bodies_are_invalid_requests(body: bytes, match: str) -> None:
    with pytest.raises(InvalidRequestError, match=match):
        decode_json_request(body)
