"""The accounts the browser tests log in as, each with what its test needs to find there."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import grpc
import pandas as pd
import pyotp
from google.protobuf.field_mask_pb2 import FieldMask
from quantis.client import Client
from quantis.v1 import auth_service_pb2 as auth_pb
from quantis.v1 import auth_service_pb2_grpc as auth_grpc
from quantis.v1 import common_pb2
from quantis.v1 import model_service_pb2 as model_pb

from server.db.database import Database
from server.db.enums import AlertKind, AlertSeverity, NotificationKind
from server.domain.monitoring.alerts import AlertDraft, AlertService
from server.domain.monitoring.notifications import NotificationDraft, NotificationService
from server.state.events import MemoryEventBus
from tests.e2e.conftest import ADMIN_PASSWORD, ADMIN_USERNAME

PASSWORD = "Analyst-Passw0rd!"
MFA_USERNAME = "mfa_analyst"
EDGE_USERNAME = "edge_analyst"
MONITOR_USERNAME = "monitor_analyst"
MARKUP_NAME = '<img src=x onerror="window.injected=1">'
# One page of the dashboard's tables (TABLE_PAGE_SIZE in clients/web/src/paging.ts), and one more.
EDGE_MODELS = 26
SEEDED = 26


def mfa_account(address: str) -> str:
    """Registers an account with MFA on; returns a TOTP code the browser can still log in with.

    Codes are single-use and the server accepts the next step's code too (clock drift), so
    ConfirmMfa takes this step's code and the browser gets the next one.
    """
    with grpc.insecure_channel(address) as channel:
        auth = auth_grpc.AuthServiceStub(channel)
        auth.Register(
            auth_pb.RegisterRequest(username=MFA_USERNAME, email="mfa@example.com", password=PASSWORD)
        )
        login = auth.Login(auth_pb.LoginRequest(username=MFA_USERNAME, password=PASSWORD))
        credentials = (("authorization", f"Bearer {login.tokens.access_token}"),)
        totp = pyotp.TOTP(auth.EnrollMfa(auth_pb.EnrollMfaRequest(), metadata=credentials).secret)
        now = time.time()
        auth.ConfirmMfa(auth_pb.ConfirmMfaRequest(code=totp.at(now)), metadata=credentials)
        return str(totp.at(now + totp.interval))


def analyst(address: str, username: str) -> str:
    """Registers ``username`` (password PASSWORD) and makes it an analyst; returns its user id."""
    with Client(address) as admin:
        admin.login(ADMIN_USERNAME, ADMIN_PASSWORD)
        user = admin.auth.Register(
            auth_pb.RegisterRequest(username=username, email=f"{username}@example.com", password=PASSWORD)
        ).user
        user.role = common_pb2.ROLE_ANALYST
        admin.auth.UpdateUser(auth_pb.UpdateUserRequest(user=user, update_mask=FieldMask(paths=["role"])))
        return str(user.user_id)


def edge_account(address: str) -> None:
    """An analyst with a dataset named like markup and more models than a page, one named at length."""
    analyst(address, EDGE_USERNAME)
    with Client(address) as client:
        client.login(EDGE_USERNAME, PASSWORD)
        days = pd.date_range("2024-01-01", periods=40, freq="D")
        frame = pd.DataFrame(
            {"timestamp": days.strftime("%Y-%m-%d"), "value": [float(i % 7) for i in range(40)]}
        )
        dataset = client.upload_dataset(frame, name=MARKUP_NAME, series_id_column="", progress=False)
        for i in range(EDGE_MODELS):
            name = f"edge-{i:02d}" if i else "W" * 200
            client.models.CreateModel(
                model_pb.CreateModelRequest(
                    name=name,
                    type=common_pb2.MODEL_TYPE_SEASONAL_NAIVE,
                    dataset_id=dataset.dataset_id,
                    horizon=3,
                )
            )


@dataclass(frozen=True)
class SeededAlert:
    alert_id: str
    title: str


def monitor_account(address: str, database_url: str) -> list[SeededAlert]:
    """An analyst with more notifications than a page, and more open system-wide alerts than a
    page (which every account sees); returns the alerts, oldest first.

    No RPC raises an alert or sends a notification at will (health checks, drift and training
    jobs do), so the server's own services write them into its database from here. Their live
    events go to a bus of this process that nobody hears: the page reads them from the lists.
    """
    user_id = analyst(address, MONITOR_USERNAME)

    async def seed() -> list[SeededAlert]:
        db = Database.connect(database_url)
        try:
            alerts, notifications = (
                AlertService(db, MemoryEventBus()),
                NotificationService(db, MemoryEventBus()),
            )
            seeded = []
            for i in range(SEEDED):
                draft = AlertDraft(
                    kind=AlertKind.ERROR_RATE,
                    severity=AlertSeverity.WARNING,
                    dedup_key=f"browser-test:{i}",
                    title=f"Seeded alert {i:02d}",
                )
                seeded.append(SeededAlert((await alerts.raise_alert(draft)).id, draft.title))
                note = NotificationDraft(kind=NotificationKind.ALERT, title=f"Seeded notification {i:02d}")
                await notifications.notify(user_id, note)
            return seeded
        finally:
            db.dispose()

    return asyncio.run(seed())
