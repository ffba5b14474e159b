"""Temporal Fusion Transformer (Lim et al., 2021) for quantile forecasting.

Static covariate encoders, variable selection networks, gated residual networks, an LSTM
encoder-decoder, static enrichment, interpretable multi-head attention (values shared
across heads, heads averaged) and gated skip connections, ending in per-step quantiles.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from training.models.anchoring import AnchoredNet


class GatedLinearUnit(nn.Module):
    def __init__(self, size_in: int, size_out: int, dropout: float) -> None:
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(size_in, size_out * 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.glu(self.fc(self.dropout(x)), dim=-1)


class AddNorm(nn.Module):
    """Gate the new branch with a GLU, add the residual, layer-normalise."""

    def __init__(self, size: int, dropout: float) -> None:
        super().__init__()
        self.glu = GatedLinearUnit(size, size, dropout)
        self.norm = nn.LayerNorm(size)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.norm(self.glu(x) + residual)
        return out


class GatedResidualNetwork(nn.Module):
    def __init__(self, size_in: int, hidden: int, size_out: int, dropout: float, context: int = 0) -> None:
        super().__init__()
        self.skip = nn.Linear(size_in, size_out) if size_in != size_out else nn.Identity()
        self.fc1 = nn.Linear(size_in, hidden)
        self.context = nn.Linear(context, hidden, bias=False) if context else None
        self.fc2 = nn.Linear(hidden, hidden)
        self.glu = GatedLinearUnit(hidden, size_out, dropout)
        self.norm = nn.LayerNorm(size_out)

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None) -> torch.Tensor:
        hidden = self.fc1(x)
        if self.context is not None and context is not None:
            hidden = hidden + self.context(context)
        hidden = self.fc2(F.elu(hidden))
        out: torch.Tensor = self.norm(self.skip(x) + self.glu(hidden))
        return out


class GroupedLinear(nn.Module):
    """One independent linear layer per variable, applied to all variables in one einsum."""

    def __init__(self, groups: int, size_in: int, size_out: int) -> None:
        super().__init__()
        bound = 1.0 / size_in**0.5
        self.weight = nn.Parameter(torch.empty(groups, size_in, size_out).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(groups, size_out).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (..., groups, size_in)
        return torch.einsum("...gi,gio->...go", x, self.weight) + self.bias


class GroupedGRN(nn.Module):
    """A separate gated residual network per variable (same shape), evaluated together."""

    def __init__(self, groups: int, size: int, dropout: float) -> None:
        super().__init__()
        self.fc1 = GroupedLinear(groups, size, size)
        self.fc2 = GroupedLinear(groups, size, size)
        self.gate = GroupedLinear(groups, size, size * 2)
        self.dropout = nn.Dropout(dropout)
        self.norm_weight = nn.Parameter(torch.ones(groups, size))
        self.norm_bias = nn.Parameter(torch.zeros(groups, size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        hidden = self.fc2(F.elu(self.fc1(x)))
        gated = F.glu(self.gate(self.dropout(hidden)), dim=-1)
        out = F.layer_norm(x + gated, (x.shape[-1],))
        return out * self.norm_weight + self.norm_bias


class VariableSelection(nn.Module):
    """Embeds each scalar input, weighs the variables by a softmax from a GRN over all of them."""

    def __init__(self, n_vars: int, size: int, dropout: float, context: int = 0) -> None:
        super().__init__()
        self.embed_weight = nn.Parameter(torch.randn(n_vars, size) * 0.1)
        self.embed_bias = nn.Parameter(torch.zeros(n_vars, size))
        self.selector = GatedResidualNetwork(n_vars * size, size, n_vars, dropout, context)
        self.transforms = GroupedGRN(n_vars, size, dropout)

    def forward(
        self, x: torch.Tensor, context: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        embedded = x.unsqueeze(-1) * self.embed_weight + self.embed_bias  # (..., n_vars, size)
        weights = torch.softmax(self.selector(embedded.flatten(-2), context), dim=-1)
        processed = self.transforms(embedded)
        return (weights.unsqueeze(-1) * processed).sum(dim=-2), weights


class InterpretableAttention(nn.Module):
    """Multi-head attention whose heads share the value projection and are averaged."""

    def __init__(self, size: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.head_size = max(size // heads, 1)
        self.query = nn.Linear(size, self.head_size * heads)
        self.key = nn.Linear(size, self.head_size * heads)
        self.value = nn.Linear(size, self.head_size)
        self.out = nn.Linear(self.head_size, size)
        self.dropout = nn.Dropout(dropout)

    def forward(
        self, queries: torch.Tensor, keys: torch.Tensor, allowed: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        b, tq, _ = queries.shape
        tk = keys.shape[1]
        q = self.query(queries).view(b, tq, self.heads, self.head_size).transpose(1, 2)
        k = self.key(keys).view(b, tk, self.heads, self.head_size).transpose(1, 2)
        scores = q @ k.transpose(-1, -2) / self.head_size**0.5  # (b, heads, tq, tk)
        scores = scores.masked_fill(~allowed.unsqueeze(1), -1e9)
        attention = self.dropout(torch.softmax(scores, dim=-1)).mean(dim=1)  # heads averaged
        return self.out(attention @ self.value(keys)), attention


class TFTNet(AnchoredNet):
    """The TFT's quantile outputs per decoder step, anchored as :class:`AnchoredNet` describes."""

    def __init__(
        self,
        horizon: int,
        n_known: int,
        n_static: int,
        n_quantiles: int,
        hidden_size: int,
        attention_heads: int,
        dropout: float,
        num_layers: int = 1,
        anchor_last: bool = False,
        anchor_season: int = 0,
    ) -> None:
        super().__init__(horizon, anchor_last, anchor_season)
        d = hidden_size
        self.horizon = horizon
        self.static_selection = VariableSelection(n_static, d, dropout)
        self.static_contexts = nn.ModuleList(GatedResidualNetwork(d, d, d, dropout) for _ in range(4))
        self.past_selection = VariableSelection(2 + n_known, d, dropout, context=d)
        self.future_selection = VariableSelection(n_known, d, dropout, context=d) if n_known else None
        self.future_embed = nn.Parameter(torch.zeros(horizon, d))  # decoder positions when no known input
        self.num_layers = num_layers
        self.encoder = nn.LSTM(d, d, num_layers=num_layers, batch_first=True)
        self.decoder = nn.LSTM(d, d, num_layers=num_layers, batch_first=True)
        self.lstm_gate = AddNorm(d, dropout)
        self.enrichment = GatedResidualNetwork(d, d, d, dropout, context=d)
        self.attention = InterpretableAttention(d, attention_heads, dropout)
        self.attention_gate = AddNorm(d, dropout)
        self.positionwise = GatedResidualNetwork(d, d, d, dropout)
        self.output_gate = AddNorm(d, dropout)
        self.output = nn.Linear(d, n_quantiles)
        self.last_attention: torch.Tensor | None = None

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        past_value, past_mask = batch["past_value"], batch["past_mask"]
        b, lookback = past_value.shape
        static, _ = self.static_selection(batch["static"])
        c_select, c_enrich, c_hidden, c_cell = (grn(static) for grn in self.static_contexts)

        past_inputs = torch.cat([past_value.unsqueeze(-1), past_mask.unsqueeze(-1), batch["past_known"]], -1)
        past, _ = self.past_selection(past_inputs, c_select.unsqueeze(1).expand(-1, lookback, -1))
        if self.future_selection is not None:
            ctx = c_select.unsqueeze(1).expand(-1, self.horizon, -1)
            future, _ = self.future_selection(batch["future_known"], ctx)
        else:
            future = self.future_embed.unsqueeze(0).expand(b, -1, -1)

        state = (
            c_hidden.unsqueeze(0).repeat(self.num_layers, 1, 1).contiguous(),
            c_cell.unsqueeze(0).repeat(self.num_layers, 1, 1).contiguous(),
        )
        encoded, state = self.encoder(past, state)
        decoded, _ = self.decoder(future, state)
        temporal = self.lstm_gate(torch.cat([encoded, decoded], 1), torch.cat([past, future], 1))

        enriched = self.enrichment(temporal, c_enrich.unsqueeze(1).expand(-1, temporal.shape[1], -1))
        total = lookback + self.horizon
        causal = torch.ones(total, total, dtype=torch.bool, device=past_value.device).tril()
        observed = torch.cat([past_mask > 0, torch.ones(b, self.horizon, dtype=torch.bool)], dim=1)
        allowed = causal[lookback:].unsqueeze(0) & observed.unsqueeze(1)  # (b, horizon, total)
        queries = enriched[:, lookback:]
        attended, attention = self.attention(queries, enriched, allowed)
        self.last_attention = attention.detach()
        attended = self.attention_gate(attended, queries)
        out = self.output_gate(self.positionwise(attended), temporal[:, lookback:])
        result: torch.Tensor = self.output(out)
        return self.anchored(result, batch)
