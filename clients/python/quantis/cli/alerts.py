"""``quantis alerts list|ack``."""

from __future__ import annotations

import argparse

from quantis.cli.common import command, enum_value
from quantis.cli.output import Output, as_dict
from quantis.client import Client
from quantis.v1 import monitoring_service_pb2 as pb

_COLUMNS = ["alert_id", "severity", "state", "kind", "title", "model_id", "update_time"]


def _list(client: Client, args: argparse.Namespace) -> Output:
    request = pb.ListAlertsRequest(page_size=100)
    if args.state:
        request.state = enum_value(pb.AlertState, "ALERT_STATE_", args.state)  # type: ignore[assignment]
    return Output([as_dict(a) for a in client.monitoring.ListAlerts(request).alerts], _COLUMNS)


def _ack(client: Client, args: argparse.Namespace) -> Output:
    alert = client.monitoring.AcknowledgeAlert(
        pb.AcknowledgeAlertRequest(alert_id=args.alert_id, note=args.note)
    )
    return Output.one(as_dict(alert.alert), _COLUMNS)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("alerts", help="monitoring alerts").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    listed = command(group, "list", _list, "list alerts")
    listed.add_argument("--state", help="open, acknowledged or resolved")
    ack = command(group, "ack", _ack, "acknowledge an alert")
    ack.add_argument("alert_id")
    ack.add_argument("--note", default="")
