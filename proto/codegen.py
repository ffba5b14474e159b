"""Generate the Python and TypeScript code for the quantis.v1 contracts.

    python proto/codegen.py                      # write into clients/python and clients/js
    python proto/codegen.py --python-out A --ts-out B --torchserve-out C   # elsewhere (the staleness test)

One compiler for both languages: grpcio-tools' protoc, with protoc-gen-es from
clients/js/node_modules as a plugin. The googleapis protos the contracts import
(google.type.Money, google.rpc.Status, ...) are copied from the installed
googleapis-common-protos wheel into proto/third_party/googleapis, so buf and protoc
see them without any registry.

TorchServe's inference API (proto/third_party/torchserve) is generated for the server
only, as the package server.backends.torchserve_pb: protoc sees the file under that
virtual path, so the generated modules import each other absolutely.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

import grpc_tools
from google.type import money_pb2

ROOT = Path(__file__).resolve().parent.parent
PROTO = ROOT / "proto"
CONTRACTS = PROTO / "quantis" / "v1"
GOOGLEAPIS = PROTO / "third_party" / "googleapis"
GOOGLE_PACKAGES = ("type", "rpc")
PROTOC_GEN_ES = ROOT / "clients" / "js" / "node_modules" / ".bin" / "protoc-gen-es"
TORCHSERVE = PROTO / "third_party" / "torchserve"
TORCHSERVE_PACKAGE = Path("server", "backends", "torchserve_pb")
IMPORT = re.compile(r'^import\s+(?:public\s+)?"([^"]+)";', re.MULTILINE)


def sync_googleapis() -> None:
    """Copy the google/type and google/rpc protos out of the installed wheel."""
    wheel_google = Path(money_pb2.__file__).resolve().parent.parent
    for package in GOOGLE_PACKAGES:
        target = GOOGLEAPIS / "google" / package
        target.mkdir(parents=True, exist_ok=True)
        for source in (wheel_google / package).glob("*.proto"):
            if (
                not (target / source.name).exists()
                or (target / source.name).read_bytes() != source.read_bytes()
            ):
                shutil.copyfile(source, target / source.name)


def contract_files() -> list[str]:
    return sorted(str(p.relative_to(PROTO)) for p in CONTRACTS.glob("*.proto"))


def imported_googleapis(files: list[str]) -> list[str]:
    """The googleapis files the contracts import, transitively (the TS side must generate them)."""
    seen: set[str] = set()
    pending = list(files)
    while pending:
        path = pending.pop()
        source = PROTO / path if (PROTO / path).exists() else GOOGLEAPIS / path
        for name in IMPORT.findall(source.read_text()):
            if name.startswith(tuple(f"google/{p}/" for p in GOOGLE_PACKAGES)) and name not in seen:
                seen.add(name)
                pending.append(name)
    return sorted(seen)


def protoc(args: list[str]) -> None:
    well_known = Path(grpc_tools.__file__).resolve().parent / "_proto"
    command = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"-I{PROTO}",
        f"-I{GOOGLEAPIS}",
        f"-I{well_known}",
        *args,
    ]
    subprocess.run(command, check=True, cwd=PROTO)


def generate_python(out: Path) -> None:
    package = out / "quantis" / "v1"
    for stale in package.glob("*_pb2*.py*"):
        stale.unlink()
    package.mkdir(parents=True, exist_ok=True)
    protoc([f"--python_out={out}", f"--pyi_out={out}", f"--grpc_python_out={out}", *contract_files()])


def generate_torchserve(out: Path) -> None:
    """TorchServe's inference stubs into ``<out>/server/backends/torchserve_pb``."""
    package = out / TORCHSERVE_PACKAGE
    for stale in package.glob("*_pb2*.py*"):
        stale.unlink()
    package.mkdir(parents=True, exist_ok=True)
    protoc(
        [
            f"-I{TORCHSERVE_PACKAGE.as_posix()}={TORCHSERVE}",
            f"--python_out={out}",
            f"--pyi_out={out}",
            f"--grpc_python_out={out}",
            f"{TORCHSERVE_PACKAGE.as_posix()}/inference.proto",
        ]
    )


def generate_typescript(out: Path) -> None:
    if not PROTOC_GEN_ES.exists():
        raise SystemExit(f"{PROTOC_GEN_ES} is missing: run `npm ci` in clients/js first")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    files = contract_files()
    protoc(
        [
            f"--plugin=protoc-gen-es={PROTOC_GEN_ES}",
            f"--es_out={out}",
            "--es_opt=target=ts,import_extension=js",
            *files,
            # error_details is never imported by a contract, but the JS SDK decodes it from
            # grpc-status-details-bin into its typed errors.
            *sorted({*imported_googleapis(files), "google/rpc/error_details.proto"}),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python-out", type=Path, default=ROOT / "clients" / "python")
    parser.add_argument("--ts-out", type=Path, default=ROOT / "clients" / "js" / "src" / "gen")
    parser.add_argument("--torchserve-out", type=Path, default=ROOT, help="where server/backends/ is")
    parser.add_argument("--skip-ts", action="store_true", help="generate the Python code only")
    parser.add_argument("--deps-only", action="store_true", help="only copy the googleapis protos (for buf)")
    args = parser.parse_args()
    sync_googleapis()
    if args.deps_only:
        return
    generate_python(args.python_out)
    generate_torchserve(args.torchserve_out)
    if not args.skip_ts:
        generate_typescript(args.ts_out)


if __name__ == "__main__":
    main()
