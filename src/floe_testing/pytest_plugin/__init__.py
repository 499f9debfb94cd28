"""floe-test's pytest plugin, loaded through the ``pytest11`` entry point by any suite that
installs the package: its markers, fixtures, failure-log attachment and the collection hook
``floe-test requirements`` uses.

Markers: ``requirement(*ids)``, ``services(*names)``. Fixtures: ``unique_name``,
``duckdb_conn``, ``dagster_client``, ``polaris_catalog`` (with ``polaris_rest_catalog``),
``cube_client``. See ``pytest --markers`` and ``pytest --fixtures``.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Generator
from pathlib import Path
from types import FrameType

import pytest

from floe_testing.protocol.gate import STOP_ENV
from floe_testing.pytest_plugin import markers
from floe_testing.pytest_plugin.fixtures import (
    cube_client,
    dagster_client,
    duckdb_conn,
    polaris_catalog,
    polaris_rest_catalog,
    unique_name,
)
from floe_testing.pytest_plugin.gate import pytest_runtestloop
from floe_testing.pytest_plugin.logs import LogSource, collect_sections, source_from_env

__all__ = [
    "cube_client",
    "dagster_client",
    "duckdb_conn",
    "polaris_catalog",
    "polaris_rest_catalog",
    "pytest_runtestloop",
    "unique_name",
]

_STARTED = pytest.StashKey[float]()
_ATTACHED = pytest.StashKey[bool]()
_STAND_IN_DROPPED = pytest.StashKey[int]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("floe-test")
    group.addoption(
        "--floe-collect-json",
        metavar="PATH",
        default=None,
        help="Write the collected tests and their requirement markers to PATH as JSON "
        "(used by `floe-test requirements`).",
    )


def _stop_on_sigterm() -> None:
    """SIGTERM ends the session like ``pytest.exit``: one line, the JUnit of what ran kept.

    floe-test stops its pytest child this way when a run is interrupted, instead of a second
    SIGINT whose KeyboardInterrupt would land inside pytest's report of the first.
    """
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return

    def stop(_signum: int, _frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends it for good
        pytest.exit("stopped by floe-test: the run was interrupted", returncode=EXIT_STOPPED)

    signal.signal(signal.SIGTERM, stop)


EXIT_STOPPED = 2  # pytest.ExitCode.INTERRUPTED


def pytest_configure(config: pytest.Config) -> None:
    markers.register(config)
    if os.environ.get(STOP_ENV) == "1":
        _stop_on_sigterm()
    output = config.getoption("--floe-collect-json", default=None)
    if output:
        from floe_testing.pytest_plugin.collection import CollectionRecorder

        config.pluginmanager.register(CollectionRecorder(Path(output)), "floe-collect-json")
    source = source_from_env()
    if source is not None:
        config.pluginmanager.register(FailureLogs(source), "floe-failure-logs")


@pytest.hookimpl(tryfirst=True)  # before the shard plugin splits what is left
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    dropped = markers.stand_in_deselected(items, os.environ.get(markers.CATALOG_IMPLEMENTATION_ENV))
    config.stash[_STAND_IN_DROPPED] = len(dropped)
    if dropped:
        config.hook.pytest_deselected(items=dropped)


def pytest_report_collectionfinish(config: pytest.Config) -> list[str]:
    dropped = config.stash.get(_STAND_IN_DROPPED, 0)
    if not dropped:
        return []
    return [f"floe-test: deselected {dropped} test(s): {markers.STAND_IN_REASON}"]


class FailureLogs:
    """Attach the relevant services' recent logs to a failed test's report sections."""

    def __init__(self, source: LogSource) -> None:
        self.source = source

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        item.stash[_STARTED] = time.monotonic()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if report.failed and not item.stash.get(_ATTACHED, False):
            item.stash[_ATTACHED] = True
            elapsed = time.monotonic() - item.stash.get(_STARTED, time.monotonic())
            for title, text in collect_sections(
                self.source, markers.declared_services(item), elapsed
            ):
                report.sections.append((f"floe service log: {title}", text))
        return report
