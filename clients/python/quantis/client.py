"""``quantis.Client``: the synchronous client.

The generated stubs are its attributes (``client.datasets.GetDataset(...)``), so
every RPC of the contracts is at hand with its typed request and response;
the channel under them adds credentials, the default deadline, token refresh,
retries of idempotent calls and typed errors (see ``quantis.call_policy``).
The methods here are the workflows that take more than one call.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from quantis import transfers
from quantis.call_policy import CallPolicy
from quantis.channels import Tls, sync_channel
from quantis.credentials import Credentials, Tokens
from quantis.errors import MfaRequired
from quantis.forecast_many import forecast_many
from quantis.forecasting import SeriesForecast, SeriesLike, Target
from quantis.retries import RetryPolicy
from quantis.stubs import stubs
from quantis.v1 import auth_service_pb2, dataset_service_pb2, model_service_pb2

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]

DEFAULT_TARGET = "127.0.0.1:50051"


class Client:
    """A connection to one Quantis server.

    Authenticate with ``api_key=``, with ``tokens=`` from an earlier login, or by
    calling ``login``. ``tls``/``insecure`` choose the transport (plaintext is
    the default only for loopback targets); ``timeout`` is the default deadline
    of unary calls in seconds; ``retry=None`` turns retries off.
    """

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
        self._refresh_lock = threading.Lock()
        policy = CallPolicy(self.credentials, self._refresh, timeout, retry)
        self._raw, channel = sync_channel(target, tls, insecure, retry, [policy])
        services = stubs(channel)
        self.auth = services.auth
        self.datasets = services.datasets
        self.models = services.models
        self.predictions = services.predictions
        self.financial = services.financial
        self.monitoring = services.monitoring

    def login(self, username: str, password: str, totp: str | None = None) -> Tokens:
        """Starts a session; with MFA enabled ``totp`` is the current code (else ``MfaRequired``)."""
        response = self.auth.Login(auth_service_pb2.LoginRequest(username=username, password=password))
        tokens = response.tokens
        if response.HasField("mfa_challenge"):
            challenge = response.mfa_challenge.challenge_token
            if totp is None:
                raise MfaRequired(challenge)
            verify = auth_service_pb2.VerifyMfaRequest(challenge_token=challenge, code=totp)
            tokens = self.auth.VerifyMfa(verify).tokens
        self.credentials.update(Tokens.from_proto(tokens))
        assert self.credentials.tokens is not None
        return self.credentials.tokens

    def _refresh(self, sent_token: str) -> None:
        with self._refresh_lock:
            tokens = self.credentials.tokens
            if tokens is None or not self.credentials.is_current(sent_token):
                return
            request = auth_service_pb2.RefreshTokenRequest(refresh_token=tokens.refresh_token)
            self.credentials.update(Tokens.from_proto(self.auth.RefreshToken(request).tokens))

    def refresh(self) -> Tokens:
        """Exchanges the refresh token now (it is otherwise done when needed)."""
        assert self.credentials.tokens is not None, "log in first"
        self._refresh(self.credentials.tokens.access_token)
        return self.credentials.tokens

    def upload_dataset(
        self,
        source: str | Path | pd.DataFrame,
        *,
        name: str,
        chunk_size: int = transfers.DEFAULT_CHUNK_SIZE,
        progress: bool = True,
        **metadata: object,
    ) -> dataset_service_pb2.Dataset:
        """Uploads a CSV/Parquet file or a DataFrame; ``metadata`` as ``transfers.dataset_metadata``."""
        described = transfers.dataset_metadata(name, **metadata)  # type: ignore[arg-type]
        return transfers.upload(self.datasets, source, described, chunk_size, progress)

    def resume_upload(
        self, upload_id: str, source: str | Path | pd.DataFrame, *, progress: bool = True
    ) -> dataset_service_pb2.Dataset:
        return transfers.resume_upload(self.datasets, upload_id, source, progress=progress)

    def download_dataset(
        self, dataset_id: str, path: str | Path | None = None, *, format: int = 0, progress: bool = True
    ) -> Path | pd.DataFrame:
        """Writes the dataset to ``path``, or returns it as a DataFrame (as CSV unless ``format``).

        ``path`` is replaced only once the whole file has arrived; a failed download leaves it as it was.
        """
        if path is not None:
            with transfers.replacing(Path(path)) as out:
                transfers.download(self.datasets, dataset_id, out, format, progress)
            return Path(path)
        fmt = format or dataset_service_pb2.DATASET_FORMAT_CSV
        buffer = io.BytesIO()
        transfers.download(self.datasets, dataset_id, buffer, fmt, progress)
        return transfers.to_frame(buffer.getvalue(), fmt)

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
    ) -> Iterator[SeriesForecast]:
        """Forecasts every series over one StreamPredict stream, yielding results in input order."""
        target = Target(model_id, version_id, horizon, tuple(quantiles))
        return forecast_many(self.predictions, series, target, series_per_message, max_in_flight, deadline)

    def watch_training(
        self, job_id: str, deadline: float | None = None
    ) -> Iterator[model_service_pb2.TrainingProgress]:
        """A training job's progress until its final state (the last item)."""
        request = model_service_pb2.WatchTrainingJobRequest(job_id=job_id)
        for message in self.models.WatchTrainingJob(request, timeout=deadline):
            yield message.progress

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
