"""What the channels Quantis opens to a server of its own (TorchServe's inference API, the server
behind the gRPC-web bridge) share: they reconnect within a second of that server's return.

gRPC's default reconnect backoff grows to two minutes between attempts, so after an outage of a
minute or so the channel would go on failing calls with UNAVAILABLE long after the server was
back. Both ends are local processes, so an attempt a second costs nothing.
"""

from __future__ import annotations

QUICK_RECONNECT: list[tuple[str, int]] = [
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
]
