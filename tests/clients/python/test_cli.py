"""The ``quantis`` CLI against a real server, run as a user would (``main(argv)``), output parsed as JSON."""

from __future__ import annotations

import asyncio
import io
import json
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import quantis
import quantis.cli
from quantis.cli import main
from quantis.v1 import model_service_pb2 as model_pb

import server.cli
from server.composition import Application
from tests.clients.python.conftest import register
from tests.server.auth_helpers import PASSWORD
from tests.server.dataset.conftest import AIRPASSENGERS
from tests.server.model.datasets import user_id
from tests.server.prediction.conftest import deploy_model

# Small enough that training takes a second or two.
TINY = {"hidden_size": 8, "ensemble_size": 1, "max_epochs": 3, "batch_size": 32, "refit_full": "false"}


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "config"
    monkeypatch.setenv("QUANTIS_CONFIG_DIR", str(directory))
    monkeypatch.delenv("QUANTIS_SERVER", raising=False)
    monkeypatch.delenv("QUANTIS_API_KEY", raising=False)
    return directory


async def run(capsys: pytest.CaptureFixture[str], *argv: str, entry: Any = main) -> Any:
    """Runs the command off the event loop (the server shares it) and parses its JSON output."""
    capsys.readouterr()
    await asyncio.to_thread(entry, [*argv, "--json"])
    return json.loads(capsys.readouterr().out)


async def login(capsys: pytest.CaptureFixture[str], application: Application, target: str, name: str) -> Any:
    password = await register(application, name)
    sys.stdin = io.StringIO(password + "\n")
    try:
        return await run(capsys, "--server", target, "login", "--username", name, "--password-stdin")
    finally:
        sys.stdin = sys.__stdin__


async def test_login_upload_list_stats_and_npv(
    capsys: pytest.CaptureFixture[str], application: Application, target: str, config_dir: Path
) -> None:
    logged_in = await login(capsys, application, target, "cleo")
    assert (logged_in["username"], logged_in["server"]) == ("cleo", target)
    stored = config_dir / "credentials.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert json.loads(stored.read_text())["tokens"]["refresh_token"]
    assert "refresh_token" not in json.dumps(logged_in)

    # Later commands find the server and the session in the stored login.
    uploaded = await run(
        capsys, "datasets", "upload", str(AIRPASSENGERS), "--name", "air", "--series-id-column", "series_id",
        "--no-progress",
    )  # fmt: skip
    assert (uploaded["name"], uploaded["row_count"], uploaded["frequency"]) == (
        "air",
        "144",
        "FREQUENCY_MONTHLY",
    )
    listed = await run(capsys, "datasets", "list")
    assert [d["dataset_id"] for d in listed] == [uploaded["dataset_id"]]
    stats = await run(capsys, "datasets", "stats", uploaded["dataset_id"])
    value = next(c for c in stats["columns"] if c["name"] == "value")
    assert (value["min"], value["max"]) == (104.0, 622.0)

    npv = await run(capsys, "finance", "npv", "--rate", "0.1", "-1000", "500", "600")
    assert (npv["npv"], npv["currency"], npv["convention"]) == ("-49.59", "USD", "first_at_t0")
    # The server's `quantis` hands every command but serve/worker/users to this CLI.
    irr = await run(capsys, "finance", "irr", "-1000", "1100", entry=server.cli.main)
    assert (irr["outcome"], irr["rate"][:4]) == ("found", "0.1")


async def test_predict_prints_a_table_or_json(
    capsys: pytest.CaptureFixture[str], application: Application, target: str, artifacts: list[Path]
) -> None:
    await login(capsys, application, target, "pia")
    deployed = await deploy_model(application, await user_id(application, "pia"), artifacts)
    values = ",".join(str(v) for v in [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118] * 3)
    answer = await run(capsys, "predict", deployed.model_id, "--values", values, "--horizon", "3")
    assert [p["step"] for p in answer["forecast"]["points"]] == [1, 2, 3]
    assert answer["version_id"] == deployed.versions[0]

    capsys.readouterr()
    await asyncio.to_thread(main, ["predict", deployed.model_id, "--values", values, "--horizon", "3"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["STEP", "MEAN"]
    assert [line.split()[0] for line in lines[1:]] == ["1", "2", "3"]


async def test_errors_name_the_field_and_exit_non_zero(
    capsys: pytest.CaptureFixture[str], application: Application, target: str
) -> None:
    await login(capsys, application, target, "eli")
    with pytest.raises(SystemExit) as exited:
        await asyncio.to_thread(main, ["finance", "npv", "--rate", "-1", "100"])
    assert exited.value.code == 1
    error = capsys.readouterr().err
    assert "INVALID_ARGUMENT" in error and "  rate: " in error


def test_server_commands_are_handed_to_the_server_cli(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["users", "create-admin", "--help"])
    assert exited.value.code == 0
    assert "--password-stdin" in capsys.readouterr().out


async def test_rotated_tokens_are_stored(
    capsys: pytest.CaptureFixture[str], application: Application, target: str, config_dir: Path
) -> None:
    await login(capsys, application, target, "rob")
    stored = config_dir / "credentials.json"
    login_file = json.loads(stored.read_text())
    login_file["tokens"]["access_token"] = "expired"
    stored.write_text(json.dumps(login_file))
    for _ in range(2):  # the second run must present the refresh token the first one received
        assert await run(capsys, "datasets", "list") == []
    assert json.loads(stored.read_text())["tokens"]["refresh_token"] != login_file["tokens"]["refresh_token"]
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600


async def test_create_train_watch_and_deploy(
    capsys: pytest.CaptureFixture[str], application: Application, target: str
) -> None:
    await login(capsys, application, target, "tom")
    types = await run(capsys, "models", "types")
    assert {"lstm", "tft"} <= {t["type"] for t in types}
    dataset = await run(
        capsys, "datasets", "upload", str(AIRPASSENGERS), "--series-id-column", "series_id", "--no-progress"
    )
    tiny = [f"--param={name}={value}" for name, value in TINY.items()]
    model = await run(
        capsys, "models", "create", "--name", "air", "--type", "lstm", "--dataset", dataset["dataset_id"],
        "--horizon", "12", "--quantiles", "0.1,0.9", *tiny,
    )  # fmt: skip
    job = await run(capsys, "models", "train", model["model_id"], "--watch")
    assert job["state"] == "TRAINING_JOB_STATE_SUCCEEDED" and job["version_id"]
    versions = await run(capsys, "models", "versions", model["model_id"])
    assert [v["version_id"] for v in versions] == [job["version_id"]]
    deployed = await run(capsys, "models", "deploy", model["model_id"], job["version_id"])
    assert deployed["splits"] == [{"version_id": job["version_id"], "percent": 100}]


async def test_a_watched_job_that_is_cancelled_exits_1(
    capsys: pytest.CaptureFixture[str], application: Application, target: str
) -> None:
    await login(capsys, application, target, "fay")
    dataset = await run(
        capsys, "datasets", "upload", str(AIRPASSENGERS), "--series-id-column", "series_id", "--no-progress"
    )
    endless = [f"--param={name}={value}" for name, value in {**TINY, "patience": 200}.items()]
    model = await run(
        capsys, "models", "create", "--name", "air", "--type", "lstm", "--dataset", dataset["dataset_id"],
        "--horizon", "12", *endless,
    )  # fmt: skip
    capsys.readouterr()
    argv = [
        "models",
        "train",
        model["model_id"],
        "--max-epochs",
        "1000",
        "--watch",
        "--no-progress",
        "--json",
    ]

    def train_and_watch() -> object:
        # The exit status as a value: a SystemExit would escape the task onto the event loop.
        try:
            main(argv)
        except SystemExit as exited:
            return exited.code
        return 0

    watching = asyncio.ensure_future(asyncio.to_thread(train_and_watch))
    async with quantis.AsyncClient(target) as client:
        await client.login("fay", PASSWORD)
        listed = model_pb.ListTrainingJobsRequest(model_id=model["model_id"])
        for _ in range(600):  # the CLI's TrainModel, from its thread
            if jobs := (await client.models.ListTrainingJobs(listed)).jobs:
                break
            await asyncio.sleep(0.05)
        await client.models.CancelTrainingJob(model_pb.CancelTrainingJobRequest(job_id=jobs[0].job_id))
    assert await watching == 1
    printed = capsys.readouterr()
    assert json.loads(printed.out)["state"] == "TRAINING_JOB_STATE_CANCELLED"
    assert printed.err == f"quantis: training job {jobs[0].job_id} ended cancelled\n"


class FailingTraining:
    """A client whose training job fails: what ``models train --watch`` meets, without a server."""

    def __init__(self) -> None:
        job = model_pb.TrainingJob(job_id="j1", model_id="m1", state=model_pb.TRAINING_JOB_STATE_QUEUED)
        failed = model_pb.TrainingJob(
            job_id="j1", model_id="m1", state=model_pb.TRAINING_JOB_STATE_FAILED, error_message="diverged"
        )
        self.models = SimpleNamespace(
            TrainModel=lambda request: model_pb.TrainModelResponse(job=job),
            GetTrainingJob=lambda request: model_pb.GetTrainingJobResponse(job=failed),
        )

    def watch_training(self, job_id: str) -> Iterator[model_pb.TrainingProgress]:
        yield model_pb.TrainingProgress(state=model_pb.TRAINING_JOB_STATE_FAILED)

    def __enter__(self) -> FailingTraining:
        return self

    def __exit__(self, *exc_info: object) -> None:
        pass


@pytest.mark.parametrize("json_flag", [["--json"], []])
def test_a_watched_job_that_fails_exits_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, json_flag: list[str]
) -> None:
    monkeypatch.setattr(quantis.cli, "connect", lambda args: FailingTraining())
    with pytest.raises(SystemExit) as exited:
        main(["models", "train", "m1", "--watch", "--no-progress", *json_flag])
    assert exited.value.code == 1
    printed = capsys.readouterr()
    if json_flag:
        assert json.loads(printed.out)["state"] == "TRAINING_JOB_STATE_FAILED"
    else:
        assert "TRAINING_JOB_STATE_FAILED" in printed.out and "diverged" in printed.out
    assert printed.err == "quantis: training job j1 ended failed: diverged\n"


def test_predict_names_a_missing_column(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    sales = tmp_path / "sales.csv"
    sales.write_text("timestamp,sales\n2024-01-01,1\n")
    with pytest.raises(SystemExit) as exited:
        main(["--server", "127.0.0.1:9", "predict", "m1", "--file", str(sales), "--column", "nope"])
    assert exited.value.code == 2
    assert capsys.readouterr().err == (
        f"quantis: {sales} has no column 'nope' (--column; it has timestamp, sales)\n"
    )


UNREADABLE_LOGINS = [
    "{not json",
    "{}",
    "[]",
    '{"server": "127.0.0.1:9", "tokens": {}}',
    '{"server": "127.0.0.1:9", "tokens": []}',
    '{"server": "127.0.0.1:9", "tokens": {"access_token": "a", "refresh_token": "b", '
    '"access_token_expire_time": "soon"}}',
]


def write_login_file(path: Path, content: str) -> None:
    path.parent.mkdir(exist_ok=True)
    path.write_text(content)


@pytest.mark.parametrize("content", UNREADABLE_LOGINS)
async def test_an_unreadable_login_file_is_one_line_and_login_replaces_it(
    capsys: pytest.CaptureFixture[str], application: Application, target: str, config_dir: Path, content: str
) -> None:
    stored = config_dir / "credentials.json"
    write_login_file(stored, content)
    for argv in (["datasets", "list"], ["--server", target, "models", "list"]):
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            await asyncio.to_thread(main, argv)
        assert exited.value.code == 2
        assert capsys.readouterr().err == (
            f"quantis: {stored} holds no readable login: log in again (quantis login) or remove the file\n"
        )

    # Logging out forgets it; logging in writes a login over it.
    assert await run(capsys, "logout") == {"logged_out": True}
    assert not stored.exists()
    stored.write_text(content)
    assert (await login(capsys, application, target, "una"))["username"] == "una"
    assert await run(capsys, "datasets", "list") == []
