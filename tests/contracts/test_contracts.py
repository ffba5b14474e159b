"""The contracts: lint-clean, formatted, not broken against main, and fully generated."""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from server import contracts

ROOT = Path(__file__).resolve().parents[2]
PROTO = ROOT / "proto"
BUF = ROOT / "clients" / "js" / "node_modules" / ".bin" / "buf"

PERMISSIONS = {
    "account:manage",
    "users:admin",
    "datasets:read",
    "datasets:write",
    "models:read",
    "models:write",
    "models:train",
    "models:deploy",
    "predictions:run",
    "predictions:read",
    "finance:read",
    "finance:write",
    "finance:approve",
    "monitoring:read",
    "alerts:write",
    "notifications:read",
    "audit:read",
}


@pytest.fixture(autouse=True, scope="module")
def googleapis_protos() -> None:
    """buf resolves google.type and google.rpc imports from proto/third_party/googleapis."""
    subprocess.run([sys.executable, str(PROTO / "codegen.py"), "--deps-only"], check=True)


def buf(*args: str, cwd: Path = PROTO) -> subprocess.CompletedProcess[str]:
    if not BUF.exists():
        pytest.fail(f"{BUF} is missing: `make install` runs npm ci in clients/js", pytrace=False)
    return subprocess.run([str(BUF), *args], cwd=cwd, capture_output=True, text=True, check=False)


def test_buf_lint_is_clean() -> None:
    result = buf("lint")
    assert result.returncode == 0, result.stdout + result.stderr


def test_contracts_are_formatted() -> None:
    result = buf("format", "--diff", "--exit-code")
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_breaking_change_against_main(tmp_path: Path) -> None:
    """buf breaking against the contracts on main (built from `git archive`, deps added)."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: there is no main to compare with")
    has_main = subprocess.run(
        ["git", "cat-file", "-e", "main:proto/buf.yaml"], cwd=ROOT, capture_output=True, check=False
    )
    if has_main.returncode != 0:
        pytest.skip("main has no contracts yet")
    archive = subprocess.run(["git", "archive", "main", "proto"], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(tmp_path)], input=archive.stdout, check=True)
    shutil.copytree(PROTO / "third_party" / "googleapis", tmp_path / "proto" / "third_party" / "googleapis")
    image = tmp_path / "main.binpb"
    built = buf("build", "-o", str(image), cwd=tmp_path / "proto")
    assert built.returncode == 0, built.stderr
    current = tmp_path / "current.binpb"
    assert buf("build", "-o", str(current)).returncode == 0
    result = buf("breaking", str(current), "--against", str(image))
    assert result.returncode == 0, result.stdout + result.stderr


def _same_tree(left: Path, right: Path) -> list[str]:
    """Files that differ or exist on one side only (recursively)."""
    comparison = filecmp.dircmp(left, right, ignore=["__pycache__", "__init__.py", "py.typed"])
    differences = [*comparison.left_only, *comparison.right_only, *comparison.diff_files]
    for name in comparison.common_dirs:
        differences += [f"{name}/{d}" for d in _same_tree(left / name, right / name)]
    return differences


def test_generated_code_is_up_to_date(tmp_path: Path) -> None:
    python_out, ts_out, torchserve_out = tmp_path / "python", tmp_path / "ts", tmp_path / "torchserve"
    subprocess.run(
        [
            sys.executable,
            str(PROTO / "codegen.py"),
            *("--python-out", str(python_out), "--ts-out", str(ts_out)),
            *("--torchserve-out", str(torchserve_out)),
        ],
        check=True,
        capture_output=True,
    )
    stale_python = _same_tree(ROOT / "clients" / "python" / "quantis" / "v1", python_out / "quantis" / "v1")
    stale_ts = _same_tree(ROOT / "clients" / "js" / "src" / "gen", ts_out)
    torchserve_pb = Path("server", "backends", "torchserve_pb")
    stale_torchserve = _same_tree(ROOT / torchserve_pb, torchserve_out / torchserve_pb)
    stale = stale_python + stale_ts + stale_torchserve
    assert not stale, f"run `make proto`: stale {stale}"


def test_every_rpc_declares_a_known_permission() -> None:
    rules = contracts.method_rules()
    services = {path.split("/")[1] for path in rules}
    assert services == {
        f"quantis.v1.{name}Service"
        for name in ("Auth", "Dataset", "Model", "Prediction", "Financial", "Monitoring")
    }
    unknown = {path: rule.permission for path, rule in rules.items() if not rule.public}
    unknown = {path: p for path, p in unknown.items() if p not in PERMISSIONS}
    assert not unknown
    public = sorted(path.rsplit("/", 1)[1] for path, rule in rules.items() if rule.public)
    assert public == ["Login", "RefreshToken", "Register", "VerifyMfa"]


def test_mutating_rpcs_are_audited() -> None:
    """Chunks of an upload session are the one exception: its start and completion are audited."""
    rules = contracts.method_rules()
    assert not rules["/quantis.v1.DatasetService/UploadChunk"].audit
    verbs = (
        "Create",
        "Delete",
        "Update",
        "Approve",
        "Reject",
        "Deploy",
        "Train",
        "Revoke",
        "Cancel",
        "Upload",
    )
    unaudited = [p for p, r in rules.items() if p.rsplit("/", 1)[1].startswith(verbs) and not r.audit]
    unaudited.remove("/quantis.v1.DatasetService/UploadChunk")
    assert not unaudited
