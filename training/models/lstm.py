"""LSTM forecaster: an LSTM encoder over the lookback window and a multi-horizon quantile head."""

from __future__ import annotations

import torch
from torch import nn

from training.models.anchoring import AnchoredNet


class LSTMNet(AnchoredNet):
    """Encodes (value, observed mask, known inputs) per past step; the last hidden state,
    the static features and the known future inputs feed an MLP that emits all
    ``horizon`` x ``quantiles`` outputs at once (no recursion, so no error feedback), anchored
    as :class:`AnchoredNet` describes.
    """

    def __init__(
        self,
        horizon: int,
        n_known: int,
        n_static: int,
        n_quantiles: int,
        hidden_size: int,
        num_layers: int,
        dropout: float,
        anchor_last: bool = False,
        anchor_season: int = 0,
    ) -> None:
        super().__init__(horizon, anchor_last, anchor_season)
        self.horizon = horizon
        self.n_quantiles = n_quantiles
        self.encoder = nn.LSTM(
            input_size=2 + n_known,
            hidden_size=hidden_size,
            num_layers=num_layers,
            dropout=dropout if num_layers > 1 else 0.0,
            batch_first=True,
        )
        head_in = hidden_size + n_static + horizon * n_known
        self.head = nn.Sequential(
            nn.Linear(head_in, hidden_size * 2),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(hidden_size * 2, horizon * n_quantiles),
        )

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        past = torch.cat(
            [batch["past_value"].unsqueeze(-1), batch["past_mask"].unsqueeze(-1), batch["past_known"]], dim=-1
        )
        _, (hidden, _) = self.encoder(past)
        features = [hidden[-1], batch["static"], batch["future_known"].flatten(1)]
        out: torch.Tensor = self.head(torch.cat(features, dim=-1)).view(-1, self.horizon, self.n_quantiles)
        return self.anchored(out, batch)
