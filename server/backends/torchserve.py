"""The TorchServe backend: versions registered as model archives, series sent packed over gRPC.

``load`` puts a version's ``.mar`` into the model store TorchServe reads (building it from
the artifact when the version has none) and registers it through the REST management
API; a version found registered already keeps its workers, or gets this backend's where it has
none. ``forecast`` sends all series of a batch as one ``.npz`` (model_store.packing) to
the gRPC inference API and reads one ``.npy`` back.

TorchServe forgets its registrations when it restarts, so "model not found" re-registers
the version once and retries. Anything else that keeps TorchServe from answering (the
connection refused, a worker killed, the deadline passed) is server.errors.Unavailable;
the channel reconnects by itself, so calls succeed again as soon as TorchServe is back.
``unload`` unregisters a version once the calls under way for it are answered (TorchServe
never answers a call whose model it unregisters), on a fleet a grace later for other servers'
calls, and removes its archive from the model store; calls that come meanwhile wait for it,
then register the version again.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import grpc
from google.protobuf import empty_pb2

from model_store.archive import stage_archive, unstage_archive
from model_store.packing import PackedRequest, encode_request
from model_store.torchserve import TorchServeProcess, TorchServeUnavailable, http_call
from server.backends.base import ForecastArrays, SeriesBatch, VersionRef, versions_held
from server.backends.torchserve_pb import inference_pb2, inference_pb2_grpc
from server.backends.torchserve_protocol import (
    CHANNEL_OPTIONS,
    RETRY_AFTER_SECONDS,
    CallsUnderWay,
    decode,
    first_line,
    model_name,
    model_unknown,
    not_registered,
    unavailable,
)
from server.cpus import unpinned
from server.errors import FailedPrecondition, Unavailable

# How long a version stays registered on a fleet after this server's calls for it ended: other
# servers' calls under way for it (their passes take milliseconds to a second) would otherwise
# never be answered, as TorchServe answers no call whose model is unregistered under it.
FLEET_UNREGISTER_GRACE_SECONDS = 2.0


def _succeeded(future: asyncio.Future[None]) -> bool:
    return not future.cancelled() and future.exception() is None


class TorchServeBackend:
    """Serves versions on a TorchServe: an existing fleet, or ``process`` started here on first use.

    ``model_store`` is the directory TorchServe reads archives from (for a fleet, a volume
    it shares with the server); ``timeout`` bounds every inference call.
    """

    name = "torchserve"

    def __init__(
        self,
        *,
        management_url: str,
        grpc_target: str,
        model_store: Path,
        workers: int = 1,
        timeout: float = 30.0,
        register_timeout: float = 120.0,
        process: TorchServeProcess | None = None,
    ):
        self._fleet_management_url = management_url.rstrip("/")
        self._fleet_grpc_target = grpc_target
        self._model_store = Path(model_store)
        self._workers = workers
        self._timeout = timeout
        self._register_timeout = register_timeout
        self.process = process
        """The TorchServe this backend started (and stops), or None for a fleet."""
        self._starting: asyncio.Future[None] | None = None
        self._channel: grpc.aio.Channel | None = None
        self._stub: inference_pb2_grpc.InferenceAPIsServiceStub | None = None
        self._registrations: dict[str, asyncio.Future[None]] = {}
        self._calls = CallsUnderWay()
        self._unloading: dict[str, asyncio.Future[None]] = {}

    @classmethod
    def local(cls, process: TorchServeProcess, *, timeout: float = 30.0) -> TorchServeBackend:
        """A backend on its own TorchServe, started on first use and stopped by ``close``."""
        return cls(
            management_url=process.management_url,
            grpc_target=process.grpc_target,
            model_store=process.model_store,
            workers=process.workers,
            timeout=timeout,
            process=process,
        )

    @property
    def shared(self) -> bool:
        return self.process is None  # a fleet; several serving processes need one

    # A TorchServe of its own may move to fresh ports when one is taken at its first start.
    @property
    def _management_url(self) -> str:
        return self._fleet_management_url if self.process is None else self.process.management_url

    @property
    def _grpc_target(self) -> str:
        return self._fleet_grpc_target if self.process is None else self.process.grpc_target

    async def _started(self) -> None:
        if self.process is None:
            return
        if self._starting is None or (self._starting.done() and not _succeeded(self._starting)):
            self._starting = asyncio.ensure_future(asyncio.to_thread(self._start_process, self.process))
        try:
            # Shielded: a caller that gives up (a health check's timeout) must not abandon the start.
            await asyncio.shield(self._starting)
        except TorchServeUnavailable as exc:
            raise Unavailable(str(exc), reason="INFERENCE_BACKEND_UNAVAILABLE") from exc

    @staticmethod
    def _start_process(process: TorchServeProcess) -> None:
        with unpinned():  # its processes keep every CPU, not the event loop's one (server.cpus)
            process.start()

    def _inference(self) -> inference_pb2_grpc.InferenceAPIsServiceStub:
        if self._stub is None:
            self._channel = grpc.aio.insecure_channel(self._grpc_target, options=CHANNEL_OPTIONS)
            # grpcio-tools writes no type stubs for service stubs.
            self._stub = inference_pb2_grpc.InferenceAPIsServiceStub(self._channel)  # type: ignore[no-untyped-call]
        return self._stub

    async def _management(self, method: str, path: str) -> tuple[int, str]:
        try:
            status, body = await asyncio.to_thread(
                http_call, f"{self._management_url}{path}", method, None, self._register_timeout
            )
        except OSError as exc:
            raise Unavailable(
                f"TorchServe's management API at {self._management_url} did not answer: {exc}",
                retry_after_seconds=RETRY_AFTER_SECONDS,
                reason="INFERENCE_BACKEND_UNAVAILABLE",
            ) from exc
        return status, body.decode(errors="replace")

    async def _register(self, version: VersionRef) -> None:
        await self._started()
        name = model_name(version.version_id)
        await asyncio.to_thread(
            stage_archive, self._model_store, name, version.mar_path, version.artifact_path
        )
        query = f"url={name}.mar&model_name={name}&initial_workers={self._workers}&synchronous=true"
        status, body = await self._management("POST", f"/models?{query}")
        if status == 409:  # already registered: by another replica, an operator, the fleet's start
            await self._give_workers(name)
        elif status != 200:
            error = not_registered(version.version_id, status, body)
            if isinstance(error, FailedPrecondition):  # staged again from the version's files next time
                await asyncio.to_thread(unstage_archive, self._model_store, name)
            raise error

    async def _give_workers(self, name: str) -> None:
        """Start this backend's workers for ``name`` if it has none and none are meant to start.

        TorchServe's register API starts no worker unless asked, so an archive registered by
        hand answers no call; a worker count someone chose is theirs, and stays.
        """
        status, body = await self._management("GET", f"/models/{name}")
        if status != 200:  # unregistered meanwhile: the call finds out and registers it again
            return
        described = json.loads(body)
        if not any(entry.get("minWorkers") or entry.get("workers") for entry in described):
            await self._scale(name, self._workers)

    async def _registration(self, version: VersionRef) -> asyncio.Future[None]:
        """The (shared) registration of ``version``, started once, awaited by every caller."""
        done = self._registrations.get(version.version_id)
        if done is None or (done.done() and not _succeeded(done)):
            done = self._registrations[version.version_id] = asyncio.ensure_future(self._register(version))
        await asyncio.shield(done)
        return done

    async def load(self, version: VersionRef) -> None:
        await self._registration(version)

    async def forecast(self, version: VersionRef, batch: SeriesBatch) -> ForecastArrays:
        payload = encode_request(
            PackedRequest(batch.values, batch.lengths, batch.horizon, batch.quantiles, batch.last_timestamps)
        )
        request = inference_pb2.PredictionsRequest(
            model_name=model_name(version.version_id), input={"data": payload}
        )
        while (unloading := self._unloading.get(version.version_id)) is not None:
            await asyncio.wait([unloading])  # its outcome is the unloader's to report
        with self._calls.of(version.version_id):
            for attempt in range(2):
                registration = await self._registration(version)
                try:
                    reply = await self._inference().Predictions(request, timeout=self._timeout)
                except grpc.aio.AioRpcError as error:
                    if attempt == 0 and model_unknown(error):  # TorchServe restarted: register again
                        if self._registrations.get(version.version_id) is registration:
                            del self._registrations[version.version_id]
                        continue
                    raise unavailable(error, self._timeout) from error
                return decode(reply.prediction)
        raise AssertionError("unreachable: the second attempt returns or raises")

    async def scale(self, version_id: str, workers: int) -> None:
        """Run ``workers`` workers for a registered version."""
        await self._scale(model_name(version_id), workers)

    async def _scale(self, name: str, workers: int) -> None:
        status, body = await self._management("PUT", f"/models/{name}?min_worker={workers}&synchronous=true")
        if status != 200:
            raise Unavailable(
                f"TorchServe did not scale {name} ({status}): {first_line(body)}",
                reason="INFERENCE_BACKEND_UNAVAILABLE",
            )

    async def unload(self, version_id: str) -> None:
        """Unregister ``version_id`` once its calls under way are answered; new calls wait for it."""
        unloading = self._unloading.get(version_id)
        if unloading is None:
            unloading = self._unloading[version_id] = asyncio.ensure_future(self._unregister(version_id))
            unloading.add_done_callback(lambda _: self._unloading.pop(version_id, None))
        await asyncio.shield(unloading)

    async def _unregister(self, version_id: str) -> None:
        await self._calls.ended(version_id, within=self._timeout + 1)  # each ends by its timeout
        if self.shared:  # the other servers of a fleet hear the same announcement and stop calling
            await asyncio.sleep(FLEET_UNREGISTER_GRACE_SECONDS)  # it; what they sent ends meanwhile
        registering = self._registrations.pop(version_id, None)
        if registering is not None:  # a registration that ends after the removal would stand
            await asyncio.wait([registering])
        name = model_name(version_id)
        status, body = await self._management("DELETE", f"/models/{name}")
        if status not in (200, 404):  # 404: not registered, which is what we want
            raise Unavailable(
                f"TorchServe did not unregister model version {version_id!r} ({status}: {first_line(body)})",
                retry_after_seconds=RETRY_AFTER_SECONDS,
                reason="INFERENCE_BACKEND_UNAVAILABLE",
            )
        await asyncio.to_thread(unstage_archive, self._model_store, name)

    async def ping(self) -> str:
        await self._started()
        try:
            reply = await self._inference().Ping(empty_pb2.Empty(), timeout=self._timeout)
        except grpc.aio.AioRpcError as error:
            raise unavailable(error, self._timeout) from error
        status = str(json.loads(reply.health or "{}").get("status", "unknown"))
        if status != "Healthy":
            raise Unavailable(f"TorchServe at {self._grpc_target} reports {status}")
        return f"TorchServe at {self._grpc_target}, {versions_held(len(self._registrations), 'registered')}"

    async def close(self) -> None:
        for pending in [*self._registrations.values(), *self._unloading.values()]:
            pending.cancel()
        self._registrations.clear()
        if self._channel is not None:
            await self._channel.close()
            self._channel = self._stub = None
        if self.process is not None:
            if self._starting is not None:
                await asyncio.gather(self._starting, return_exceptions=True)
            await asyncio.to_thread(self.process.stop)
