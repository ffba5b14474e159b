"""Anchoring: the deep networks forecast offsets from naive (and, optionally, seasonal naive)
forecasts of each window, so they start from the forecast analysts start from and learn
corrections to it.
"""

from __future__ import annotations

import torch
from torch import nn


def last_observed(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Each row's last value whose mask is set (0 for a row with none)."""
    steps = torch.arange(1, values.shape[1] + 1, device=values.device)
    last = (mask * steps).argmax(dim=1)
    return values.gather(1, last[:, None]).squeeze(1) * mask.amax(dim=1)


def season_ago(values: torch.Tensor, mask: torch.Tensor, season: int, horizon: int) -> torch.Tensor:
    """(rows, horizon): for each future step the past value at the same phase of the latest
    season the window holds (seasonal naive), NaN where that value is missing or before the window."""
    steps = torch.arange(1, horizon + 1, device=values.device)
    index = values.shape[1] - 1 + steps - season * ((steps + season - 1) // season)
    clamped = index.clamp(min=0)
    seen = (mask[:, clamped] > 0) & (index >= 0)
    return values[:, clamped].masked_fill(~seen, float("nan"))


class AnchoredNet(nn.Module):
    """A forecasting network whose quantile outputs can be anchored.

    With ``anchor_last`` they are offsets from a learned multiple (starting at 1) of the
    window's last observed value: learned, so where the last value is noise (weekly CO2) it
    can weigh less. With ``anchor_season`` (a season length above 1) as well, per step a
    learned share (starting at 0, the last value alone) of how far the seasonal naive forecast
    is from that value is added (0 where the value a season back is missing). The parameters
    keep the names artifacts store them under: ``anchor_weight`` and ``season_weight``.
    """

    def __init__(self, horizon: int, anchor_last: bool, anchor_season: int) -> None:
        super().__init__()
        self.anchor_last = anchor_last
        if anchor_last:
            self.anchor_weight = nn.Parameter(torch.ones(1))
        self.anchor_season = anchor_season if anchor_last and anchor_season > 1 else 0
        if self.anchor_season:
            self.season_weight = nn.Parameter(torch.zeros(horizon))

    def anchored(self, out: torch.Tensor, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """``out`` (rows, horizon, quantiles) plus the anchor of each window."""
        if not self.anchor_last:
            return out
        values, mask = batch["past_value"], batch["past_mask"]
        last = last_observed(values, mask)[:, None]
        anchor = self.anchor_weight * last
        if self.anchor_season:
            seasonal = season_ago(values, mask, self.anchor_season, out.shape[1])
            anchor = anchor + self.season_weight * torch.nan_to_num(seasonal - last, nan=0.0)
        return out + anchor.unsqueeze(-1)
