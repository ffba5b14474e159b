"""The training loop: minibatch AdamW on the pinball loss, early stopping, seeded runs."""

from __future__ import annotations

import copy
import math
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from training.errors import TrainingCancelled, TrainingError
from training.progress import CancelCheck, ProgressCallback, ProgressEvent
from training.quantiles import pinball_loss

Batch = dict[str, torch.Tensor]


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """Run the block with at most ``count`` intra-op threads, then restore the setting.

    Small recurrent networks gain little from threads, and on a loaded machine OpenMP
    threads spinning against each other can slow training by an order of magnitude.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(max(1, min(count, previous)))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch, and ask torch for deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


@dataclass(frozen=True)
class LoopConfig:
    max_epochs: int
    patience: int
    learning_rate: float
    batch_size: int
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    windows_per_epoch: int = 0  # 0: every training window each epoch; else a random subset


@dataclass
class LoopResult:
    best_epoch: int
    best_loss: float
    epochs_run: int
    history: list[tuple[float, float | None]] = field(default_factory=list)


@dataclass
class ProgressClock:
    """Counts epochs across ensemble members and estimates the remaining time."""

    total_epochs: int
    on_epoch: ProgressCallback
    should_cancel: CancelCheck
    done: int = 0
    started: float = field(default_factory=time.perf_counter)

    def tick(self, train_loss: float, val_loss: float | None, metrics: dict[str, float]) -> None:
        self.done += 1
        elapsed = time.perf_counter() - self.started
        eta = elapsed / self.done * max(self.total_epochs - self.done, 0)
        self.on_epoch(ProgressEvent(self.done, self.total_epochs, train_loss, val_loss, metrics, eta))

    def skip(self, epochs: int) -> None:
        """Early stopping left ``epochs`` unused: shrink the bound so the ETA stays honest."""
        self.total_epochs -= epochs


def _batches(n: int, size: int, generator: torch.Generator, limit: int = 0) -> list[torch.Tensor]:
    order = torch.randperm(n, generator=generator)
    if 0 < limit < n:
        order = order[:limit]
    return list(torch.split(order, size))


def predict_batches(net: nn.Module, data: Batch, chunk: int = 4096) -> torch.Tensor:
    """Network outputs for every window of ``data`` (no gradients, eval mode)."""
    net.eval()
    n = next(iter(data.values())).shape[0]
    with torch.no_grad():
        parts = [net({k: v[s : s + chunk] for k, v in data.items()}) for s in range(0, n, chunk)]
    return torch.cat(parts) if parts else torch.zeros(0)


def evaluate(net: nn.Module, data: Batch, quantiles: torch.Tensor) -> float:
    """Mean pinball loss of ``net`` on ``data``."""
    return float(pinball_loss(predict_batches(net, data), data["target"], quantiles))


def fit_network(
    net: nn.Module,
    train: Batch,
    val: Batch | None,
    quantiles: torch.Tensor,
    config: LoopConfig,
    seed: int,
    clock: ProgressClock,
    epoch_metrics: Callable[[nn.Module], dict[str, float]] | None = None,
) -> LoopResult:
    """Train ``net`` in place; the weights of the best validation epoch are restored."""
    seed_everything(seed)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(net.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    n = train["target"].shape[0]
    best = LoopResult(best_epoch=0, best_loss=math.inf, epochs_run=0)
    best_state = copy.deepcopy(net.state_dict())
    for epoch in range(1, config.max_epochs + 1):
        net.train()
        running, seen = 0.0, 0
        for idx in _batches(n, config.batch_size, generator, config.windows_per_epoch):
            if clock.should_cancel():
                raise TrainingCancelled("training was cancelled")
            batch = {k: v[idx] for k, v in train.items()}
            optimizer.zero_grad(set_to_none=True)
            loss = pinball_loss(net(batch), batch["target"], quantiles)
            loss.backward()  # type: ignore[no-untyped-call]
            nn.utils.clip_grad_norm_(net.parameters(), config.grad_clip)
            optimizer.step()
            running += float(loss.detach()) * idx.numel()
            seen += idx.numel()
        train_loss = running / max(seen, 1)
        val_loss = evaluate(net, val, quantiles) if val is not None else None
        score = val_loss if val_loss is not None else train_loss
        best.history.append((train_loss, val_loss))
        best.epochs_run = epoch
        if score < best.best_loss - 1e-7:
            best.best_loss, best.best_epoch = score, epoch
            best_state = copy.deepcopy(net.state_dict())
        metrics = {"best_loss": best.best_loss, "best_epoch": float(best.best_epoch)}
        if epoch_metrics is not None:
            metrics.update(epoch_metrics(net))
        clock.tick(train_loss, val_loss, metrics)
        if epoch - best.best_epoch >= config.patience:
            clock.skip(config.max_epochs - epoch)
            break
    if not math.isfinite(best.best_loss):  # the weights would be the untrained ones
        raise TrainingError(f"the loss was never finite in {best.epochs_run} epoch(s): nothing was learnt")
    net.load_state_dict(best_state)
    net.eval()
    return best
