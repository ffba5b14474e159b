"""The reliability suite: each scenario records its figures, printed as one table at the end.

``QUANTIS_RELIABILITY_SECONDS`` sets the length of the load (10 s by default, the CI run;
`make reliability` runs 180 s) and ``QUANTIS_RELIABILITY_EXAMPLES`` the hypothesis examples
per RPC of the bad-input scenario.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.server.prediction.conftest import artifacts

__all__ = ["artifacts"]

LOAD_SECONDS = float(os.environ.get("QUANTIS_RELIABILITY_SECONDS", "10"))
EXAMPLES_PER_RPC = int(os.environ.get("QUANTIS_RELIABILITY_EXAMPLES", "3"))

_FIGURES = pytest.StashKey[dict[str, object]]()
_ROWS = pytest.StashKey[list[tuple[str, str, dict[str, object]]]]()


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Iterator[dict[str, object]]:
    """What a scenario measured (name -> value), shown in the summary table."""
    measured: dict[str, object] = {}
    request.node.stash[_FIGURES] = measured
    yield measured


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    scenario = "figures" in getattr(item, "fixturenames", ())
    if scenario and (call.when == "call" or (call.when == "setup" and not report.passed)):
        outcome = "skipped" if report.skipped else report.outcome
        add_row(item.config, item.name.removeprefix("test_"), outcome, item.stash.get(_FIGURES, {}))
    return report


def add_row(config: pytest.Config, name: str, outcome: str, measured: dict[str, object]) -> None:
    """One line of the summary table; a scenario of many tests adds its own."""
    config.stash.setdefault(_ROWS, []).append((name, outcome, measured))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    rows = config.stash.get(_ROWS, [])
    if not rows:
        return
    terminalreporter.section("reliability scenarios")
    width = max(len(name) for name, _, _ in rows)
    for name, outcome, measured in rows:
        shown = ", ".join(f"{k}={_show(v)}" for k, v in measured.items())
        terminalreporter.write_line(f"{name:<{width}}  {outcome:<7}  {shown}")


def _show(value: object) -> str:
    return f"{value:.1f}" if isinstance(value, float) else str(value)
