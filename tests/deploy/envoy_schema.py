"""Parse an Envoy config (JSON on stdin) into Envoy's Bootstrap proto; print what was found.

Run in a subprocess whose path holds the ``xds-protos`` package (Envoy's data-plane API),
which the Makefile installs apart from the virtual environment: it ships its own
``opentelemetry`` package, which would shadow the OpenTelemetry SDK the server uses.
Prints JSON: ``error`` (the parse error, or null), ``deprecated`` (paths of deprecated fields
that are set), ``listeners``, ``clusters`` and ``stream_idle_timeout_seconds``.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import envoy  # type: ignore[import-not-found]
from envoy.config.bootstrap.v3 import bootstrap_pb2  # type: ignore[import-not-found]
from google.protobuf import any_pb2, descriptor_pool, json_format, message, message_factory

ENVOY_PROTOS = Path(next(iter(envoy.__path__))).parent


def _type_urls(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@type":
                yield value
            else:
                yield from _type_urls(value)
    elif isinstance(node, list):
        for value in node:
            yield from _type_urls(value)


def _import_types(config: dict[str, Any]) -> None:
    """Import the generated modules of every typed_config's package, so that the protobuf
    descriptor pool knows their messages; a type in no such package stays unknown."""
    for url in set(_type_urls(config)):
        package = url.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        for module in sorted((ENVOY_PROTOS / package.replace(".", "/")).glob("*_pb2.py")):
            importlib.import_module(f"{package}.{module.stem}")


def _unpacked(any_message: any_pb2.Any) -> message.Message:
    descriptor = descriptor_pool.Default().FindMessageTypeByName(any_message.TypeName())
    unpacked = message_factory.GetMessageClass(descriptor)()
    assert any_message.Unpack(unpacked)
    return unpacked


def deprecated_fields(msg: message.Message, path: str = "") -> list[str]:
    """Fields set anywhere in ``msg`` (typed_config Anys unpacked) that Envoy marks deprecated."""
    if isinstance(msg, any_pb2.Any):
        return deprecated_fields(_unpacked(msg), path)
    found = []
    for field, value in msg.ListFields():
        where = f"{path}.{field.name}"
        if field.GetOptions().deprecated:
            found.append(where)
        if field.message_type is None:
            continue
        if field.message_type.GetOptions().map_entry:
            values = list(value.values())
            if values and not isinstance(values[0], message.Message):
                continue
        elif field.is_repeated:
            values = list(value)
        else:
            values = [value]
        for index, item in enumerate(values):
            found += deprecated_fields(item, f"{where}[{index}]")
    return found


def inspect(config: dict[str, Any]) -> dict[str, Any]:
    _import_types(config)
    try:
        bootstrap = json_format.ParseDict(config, bootstrap_pb2.Bootstrap(), ignore_unknown_fields=False)
    except json_format.ParseError as error:
        return {"error": str(error)}
    resources = bootstrap.static_resources
    manager = _unpacked(resources.listeners[0].filter_chains[0].filters[0].typed_config)
    return {
        "error": None,
        "deprecated": deprecated_fields(bootstrap),
        "listeners": [listener.name for listener in resources.listeners],
        "clusters": [cluster.name for cluster in resources.clusters],
        "stream_idle_timeout_seconds": manager.stream_idle_timeout.seconds,  # type: ignore[attr-defined]
    }


if __name__ == "__main__":
    print(json.dumps(inspect(json.load(sys.stdin))))
