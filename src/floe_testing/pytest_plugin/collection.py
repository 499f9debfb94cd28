"""``--floe-collect-json``: write the collected tests and their requirement markers as JSON.

The traceability gate runs ``pytest --collect-only`` with this option in a subprocess, so the
suite's conftests and modules are imported exactly as in a real run.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from floe_testing.protocol.collection import CollectedTest
from floe_testing.pytest_plugin.markers import requirement_ids


class CollectionRecorder:
    """pytest plugin object: writes the collected items and collection errors as JSON."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.tests: list[CollectedTest] = []
        self.errors: list[str] = []

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.errors.append(f"{report.nodeid or '<session>'}: {report.longreprtext.strip()}")

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            ids, problems = requirement_ids(item)
            self.tests.append(
                CollectedTest(item.nodeid, str(item.path), tuple(ids), tuple(problems))
            )

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        document = {"tests": [asdict(t) for t in self.tests], "errors": self.errors}
        self.output.write_text(json.dumps(document, indent=1), encoding="utf-8")
