"""The ForecastBackend interface: what the prediction service needs from an inference engine."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class VersionRef:
    """A trained model version as a backend loads it."""

    version_id: str
    artifact_path: Path
    mar_path: Path | None = None


@dataclass(frozen=True)
class SeriesBatch:
    """Many series packed flat: ``values`` concatenated in order, ``lengths`` per series.

    ``last_timestamps`` (datetime64[ns], one per series) anchors calendar features;
    without it the end of the training data is assumed.
    """

    values: F32
    lengths: npt.NDArray[np.int32]
    horizon: int
    quantiles: tuple[float, ...]
    last_timestamps: npt.NDArray[np.datetime64] | None = None

    @property
    def size(self) -> int:
        return int(self.lengths.size)


@dataclass(frozen=True)
class ForecastArrays:
    """``point`` (n, horizon) and ``quantiles`` (n, horizon, q), float32, in request order."""

    point: F32
    quantiles: F32


class ForecastBackend(Protocol):
    """An inference engine that serves model versions.

    Implementations: InProcessBackend (torch in this process, the embedded
    default) and TorchServeBackend (a TorchServe fleet). ``forecast`` takes any
    number of series in one call; a caller's bad input raises
    training.InvalidRequestError (a ValueError), a backend outage
    server.errors.Unavailable.
    """

    name: str

    @property
    def shared(self) -> bool:
        """Whether other servers may be calling the versions it holds (a TorchServe fleet): a
        version idle here may not be idle there, so only a deployment's change unloads it."""
        ...

    async def load(self, version: VersionRef) -> None:
        """Make ``version`` ready to answer (idempotent)."""
        ...

    async def unload(self, version_id: str) -> None: ...

    async def forecast(self, version: VersionRef, batch: SeriesBatch) -> ForecastArrays: ...

    async def ping(self) -> str:
        """What answers, in a few words (for health checks); raises Unavailable when nothing does."""
        ...

    async def close(self) -> None: ...


def versions_held(count: int, how: str) -> str:
    """``count`` versions ``how`` (loaded, registered) as a backend's ping says it."""
    return f"{count} version{'' if count == 1 else 's'} {how}"
