"""What a local TorchServe starts with: its ``config.properties``, its logging and its ports.

``config_text`` writes the settings ``TorchServeProcess`` (model_store.torchserve) starts
TorchServe with, ``LOG_CONFIG`` is the ``log4j2.xml`` beside this module; the fleet's
``deploy/torchserve/config.properties`` holds the same settings on TorchServe's usual ports.
``free_port`` also gives the tests and the bench ports for the processes they start.
"""

from __future__ import annotations

import contextlib
import random
import socket
from dataclasses import dataclass
from pathlib import Path

LOG_CONFIG = Path(__file__).with_name("log4j2.xml")


def _ephemeral_range() -> range:
    """The ports the kernel hands to outgoing connections (Linux's default where unreadable)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return range(int(low), int(high) + 1)
    except (OSError, ValueError):
        return range(32768, 61000)


_PORTS = random.SystemRandom()


def free_port(run: int = 1) -> int:
    """A loopback port free now, for a process that binds it later; with ``run``, the first of
    that many consecutive free ports (for processes that bind port + i).

    Ports outside the ephemeral range: an outgoing connection (to PostgreSQL, Redis, a gRPC
    peer) could otherwise be given the port in the seconds before a JVM gets round to binding it.
    Drawn from the operating system's randomness, not the ``random`` module: training seeds that
    (training.trainer), and two processes that trained with the same seed would otherwise choose
    the same ports, one after the other, for TorchServes that then answer each other's calls.
    """
    ephemeral = _ephemeral_range()
    for _ in range(200):
        first = _PORTS.randrange(10000, 65536 - run)
        if any(port in ephemeral for port in range(first, first + run)):
            continue
        with contextlib.ExitStack() as held:
            try:
                for port in range(first, first + run):
                    held.enter_context(socket.socket()).bind(("127.0.0.1", port))
            except OSError:
                continue
            return first
    raise OSError("no free loopback port outside the ephemeral range")


@dataclass(frozen=True)
class Ports:
    inference: int
    management: int
    metrics: int
    grpc_inference: int
    grpc_management: int

    @classmethod
    def free(cls) -> Ports:
        return cls(*(free_port() for _ in range(5)))


def config_text(ports: Ports, model_store: Path, *, workers: int = 1, response_timeout_s: int = 120) -> str:
    return "\n".join(
        [
            f"inference_address=http://127.0.0.1:{ports.inference}",
            f"management_address=http://127.0.0.1:{ports.management}",
            f"metrics_address=http://127.0.0.1:{ports.metrics}",
            "enable_grpc=true",
            "grpc_inference_address=127.0.0.1",
            "grpc_management_address=127.0.0.1",
            f"grpc_inference_port={ports.grpc_inference}",
            f"grpc_management_port={ports.grpc_management}",
            f"model_store={model_store}",
            "disable_token_authorization=true",
            "enable_model_api=true",
            f"default_workers_per_model={workers}",
            f"default_response_timeout={response_timeout_s}",
            "install_py_dep_per_model=false",
            # Packed requests carry many series; the 6.5 MB default is too small for a big batch.
            "max_request_size=268435456",
            "max_response_size=268435456",
            "",
        ]
    )
