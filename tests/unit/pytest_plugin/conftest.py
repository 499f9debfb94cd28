"""Run small pytest sessions in-process to watch the plugin's fixtures and hooks at work.

An inner session gets its own ini file and rootdir (the project's options do not leak in),
loads the plugin through its ``pytest11`` entry point like any suite would, and can use
objects of the outer test through the ``outer`` fixture.
"""

from __future__ import annotations

import textwrap
import types
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .fakes import FakeCube, FakeDagster, FakePolaris

REPO_ROOT = Path(__file__).resolve().parents[3]


@dataclass
class InnerRun:
    exit_code: int
    reports: list[pytest.TestReport] = field(default_factory=list)

    def report(self, test: str, when: str = "call") -> pytest.TestReport:
        for report in self.reports:
            if report.nodeid.endswith(f"::{test}") and report.when == when:
                return report
        raise AssertionError(f"no {when} report for {test}: {[r.nodeid for r in self.reports]}")

    def outcomes(self) -> dict[str, str]:
        """Final outcome per test: a failed setup or teardown wins over the call."""
        result: dict[str, str] = {}
        for report in self.reports:
            name = report.nodeid.rsplit("::", 1)[-1]
            if report.failed or name not in result:
                result[name] = (
                    "error" if report.failed and report.when != "call" else report.outcome
                )
        return result


class _Recorder:
    def __init__(self) -> None:
        self.reports: list[pytest.TestReport] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.reports.append(report)


RunPytest = Callable[..., InnerRun]


@pytest.fixture(autouse=True)
def _project_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """Resolve the service contract from this repository whatever the working directory."""
    monkeypatch.setenv("FLOE_TEST_CONFIG", str(REPO_ROOT / "pyproject.toml"))
    for name in ("FLOE_TEST_LOG_DIR", "FLOE_TEST_BACKEND", "KUBERNETES_SERVICE_HOST"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def run_pytest(tmp_path: Path) -> RunPytest:
    """``run_pytest(source, *args, outer={...})``: run ``source`` as a test module in-process."""
    suite = tmp_path / "inner"
    suite.mkdir()
    ini = suite / "pytest.ini"
    ini.write_text("[pytest]\n", encoding="utf-8")

    def run(source: str, *args: str, outer: dict[str, Any] | None = None) -> InnerRun:
        # a fresh module name each run: importlib mode caches modules by name
        module = suite / f"test_inner_{uuid.uuid4().hex[:12]}.py"
        module.write_text(textwrap.dedent(source), encoding="utf-8")
        objects = outer if outer is not None else {}

        @pytest.fixture(name="outer")
        def _outer() -> dict[str, Any]:
            return objects

        holder = types.ModuleType("floe_inner_outer")
        holder.outer = _outer  # type: ignore[attr-defined]
        recorder = _Recorder()
        code = pytest.main(
            [
                str(module),
                "-c",
                str(ini),
                "--rootdir",
                str(suite),
                "-p",
                "no:cacheprovider",
                "-p",
                "no:asyncio",
                "-q",
                "--import-mode=importlib",
                "--strict-markers",
                "-W",
                "error::pytest.PytestUnknownMarkWarning",
                *args,
            ],
            plugins=[recorder, holder],
        )
        return InnerRun(int(code), recorder.reports)

    return run


@pytest.fixture
def polaris(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePolaris]:
    with FakePolaris() as fake:
        monkeypatch.setenv("POLARIS_HOST", "127.0.0.1")
        monkeypatch.setenv("POLARIS_PORT", str(fake.port))
        monkeypatch.setenv("POLARIS_MANAGEMENT_PORT", str(fake.port))
        monkeypatch.setenv("POLARIS_CLIENT_ID", fake.client_id)
        monkeypatch.setenv("POLARIS_CLIENT_SECRET", fake.client_secret)
        monkeypatch.setenv("POLARIS_CATALOG", fake.catalog)
        monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
        yield fake


@pytest.fixture
def cube(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeCube]:
    with FakeCube() as fake:
        monkeypatch.setenv("CUBE_HOST", "127.0.0.1")
        monkeypatch.setenv("CUBE_PORT", str(fake.port))
        monkeypatch.setenv("CUBE_API_SECRET", fake.secret)
        yield fake


@pytest.fixture
def dagster(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeDagster]:
    with FakeDagster() as fake:
        monkeypatch.setenv("DAGSTER_HOST", "127.0.0.1")
        monkeypatch.setenv("DAGSTER_PORT", str(fake.port))
        yield fake
