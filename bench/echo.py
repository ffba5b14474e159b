"""A gRPC server that answers every call with its request: the benchmark's calibration row.

It runs no model, so its requests/s are what the client process and a bare Python
grpc.aio server reach together on this machine: the most any Python gRPC server can
show in this benchmark's unary rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
from collections.abc import Iterator
from multiprocessing.queues import Queue

import grpc

METHOD = "/bench.Echo/Call"


async def _echo(request: bytes, context: grpc.aio.ServicerContext[bytes, bytes]) -> bytes:
    return request


async def _serve(ports: Queue[int]) -> None:
    server = grpc.aio.server()
    handler: grpc.RpcMethodHandler[bytes, bytes] = grpc.unary_unary_rpc_method_handler(_echo)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("bench.Echo", {"Call": handler}),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    ports.put(port)
    await server.wait_for_termination()


def _run(ports: Queue[int]) -> None:
    asyncio.run(_serve(ports))


@contextlib.contextmanager
def echo_server() -> Iterator[tuple[str, int | None]]:
    """The target of an echo server in a spawned process, and its pid; stopped on leaving."""
    context = multiprocessing.get_context("spawn")
    ports: Queue[int] = context.Queue()
    process = context.Process(target=_run, args=(ports,), daemon=True)
    process.start()
    try:
        yield f"127.0.0.1:{ports.get(timeout=60)}", process.pid
    finally:
        process.terminate()
        process.join()
