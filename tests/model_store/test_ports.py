from __future__ import annotations

import random

from model_store.torchserve_config import free_port


def test_ports_do_not_follow_a_seeded_random_module() -> None:
    """Training seeds the random module; processes that trained alike must still choose apart."""
    chosen = []
    for _ in range(2):
        random.seed(1234)
        chosen.append(tuple(free_port() for _ in range(3)))
    assert chosen[0] != chosen[1]
