"""``quantis.AsyncClient``: the asyncio twin of ``quantis.Client``, with the same behaviour."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from quantis import aio_transfers, transfers
from quantis.aio_call_policy import call_policy
from quantis.channels import Tls, aio_channel
from quantis.client import DEFAULT_TARGET
from quantis.credentials import Credentials, Tokens
from quantis.errors import MfaRequired
from quantis.forecast_many import aforecast_many
from quantis.forecasting import SeriesForecast, SeriesLike, Target
from quantis.retries import RetryPolicy
from quantis.stubs import stubs
from quantis.v1 import auth_service_pb2, dataset_service_pb2, model_service_pb2

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]


class AsyncClient:
    """See ``quantis.Client``; every call is awaited. Create it inside the running event loop."""

    def __init__(
        self,
        target: str = DEFAULT_TARGET,
        *,
        api_key: str | None = None,
        tokens: Tokens | None = None,
        tls: Tls | None = None,
        insecure: bool | None = None,
        timeout: float | None = 30.0,
        retry: RetryPolicy | None = RetryPolicy(),  # noqa: B008 - frozen, shared safely
        refresh_margin: timedelta = timedelta(seconds=30),
        on_refresh: Callable[[Tokens], None] | None = None,
    ):
        self.target = target
        self.credentials = Credentials(
            api_key=api_key, tokens=tokens, refresh_margin=refresh_margin, on_refresh=on_refresh
        )
        self._refresh_lock = asyncio.Lock()
        policy = call_policy(self.credentials, self._refresh, timeout, retry)
        self._channel = aio_channel(target, tls, insecure, retry, policy)
        services = stubs(self._channel)
        self.auth = services.auth
        self.datasets = services.datasets
        self.models = services.models
        self.predictions = services.predictions
        self.financial = services.financial
        self.monitoring = services.monitoring

    async def login(self, username: str, password: str, totp: str | None = None) -> Tokens:
        response = await self.auth.Login(auth_service_pb2.LoginRequest(username=username, password=password))
        tokens = response.tokens
        if response.HasField("mfa_challenge"):
            challenge = response.mfa_challenge.challenge_token
            if totp is None:
                raise MfaRequired(challenge)
            verify = auth_service_pb2.VerifyMfaRequest(challenge_token=challenge, code=totp)
            tokens = (await self.auth.VerifyMfa(verify)).tokens
        self.credentials.update(Tokens.from_proto(tokens))
        assert self.credentials.tokens is not None
        return self.credentials.tokens

    async def _refresh(self, sent_token: str) -> None:
        async with self._refresh_lock:
            tokens = self.credentials.tokens
            if tokens is None or not self.credentials.is_current(sent_token):
                return
            request = auth_service_pb2.RefreshTokenRequest(refresh_token=tokens.refresh_token)
            self.credentials.update(Tokens.from_proto((await self.auth.RefreshToken(request)).tokens))

    async def refresh(self) -> Tokens:
        assert self.credentials.tokens is not None, "log in first"
        await self._refresh(self.credentials.tokens.access_token)
        return self.credentials.tokens

    async def upload_dataset(
        self,
        source: str | Path | pd.DataFrame,
        *,
        name: str,
        chunk_size: int = transfers.DEFAULT_CHUNK_SIZE,
        progress: bool = True,
        **metadata: object,
    ) -> dataset_service_pb2.Dataset:
        described = transfers.dataset_metadata(name, **metadata)  # type: ignore[arg-type]
        return await aio_transfers.upload(self.datasets, source, described, chunk_size, progress)

    async def download_dataset(
        self, dataset_id: str, path: str | Path | None = None, *, format: int = 0, progress: bool = True
    ) -> Path | pd.DataFrame:
        if path is not None:
            await aio_transfers.download_to(self.datasets, dataset_id, Path(path), format, progress)
            return Path(path)
        fmt = format or dataset_service_pb2.DATASET_FORMAT_CSV
        buffer = io.BytesIO()
        await aio_transfers.download(self.datasets, dataset_id, buffer, fmt, progress)
        return await asyncio.to_thread(transfers.to_frame, buffer.getvalue(), fmt)

    def forecast_many(
        self,
        series: Iterable[SeriesLike],
        *,
        model_id: str,
        version_id: str = "",
        horizon: int = 0,
        quantiles: Iterable[float] = (),
        series_per_message: int = 256,
        max_in_flight: int = 8,
        deadline: float | None = None,
    ) -> AsyncIterator[SeriesForecast]:
        target = Target(model_id, version_id, horizon, tuple(quantiles))
        return aforecast_many(self.predictions, series, target, series_per_message, max_in_flight, deadline)

    async def watch_training(
        self, job_id: str, deadline: float | None = None
    ) -> AsyncIterator[model_service_pb2.TrainingProgress]:
        request = model_service_pb2.WatchTrainingJobRequest(job_id=job_id)
        async for message in self.models.WatchTrainingJob(request, timeout=deadline):
            yield message.progress

    async def close(self) -> None:
        await self._channel.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.close()
