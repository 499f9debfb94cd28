"""A refused permission names verb, resource and namespace; a watch that got 410 lists again
and reports what vanished meanwhile (the real-cluster tier checks both against a real API
server: tests/realcluster)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from floe_testing.core.errors import EXIT_INFRASTRUCTURE
from floe_testing.core.ui import Ui
from floe_testing.jobs.classify import Settings
from floe_testing.jobs.monitor import Monitor
from floe_testing.tools.kube import Forbidden, Gone


def test_forbidden_names_the_verb_the_resource_and_the_role() -> None:
    error = Forbidden("create", "Job", "floe-test-integration-ab12", "jobs.batch is forbidden")
    assert error.exit_code == EXIT_INFRASTRUCTURE
    assert error.cause == "forbidden"
    assert "may not create jobs.batch in namespace floe-test-integration-ab12" in error.message
    assert "docs/rbac/floe-test-host.yaml" in str(error.hint)
    assert "kubectl auth can-i create jobs.batch -n floe-test-integration-ab12" in str(error.hint)
    assert "(cluster scope)" in Forbidden("create", "Namespace", None, "").message


def _pod(name: str, version: str) -> dict[str, Any]:
    return {"kind": "Pod", "metadata": {"name": name, "resourceVersion": version}}


class FakeKube:
    """Lists a, b at version 10; the first watch answers 410; after that b is gone."""

    def __init__(self) -> None:
        self.lists = 0
        self.watches: list[str | None] = []

    def list_versioned(self, kind: str, namespace: str, labels: Any) -> tuple[list[Any], str]:
        self.lists += 1
        if self.lists == 1:
            return [_pod("a", "9"), _pod("b", "10")], "10"
        return [_pod("a", "9")], "20"

    def watch(
        self, kind: str, namespace: str, labels: Any, version: str | None
    ) -> Iterator[tuple[str, Any]]:
        self.watches.append(version)
        if len(self.watches) == 1:
            raise Gone("too old")
        yield "ADDED", _pod("c", "21")
        raise ConnectionResetError("cut")


def test_a_410_lists_again_and_reports_vanished_objects_as_deleted(tmp_path: Path) -> None:
    kube = FakeKube()
    monitor = Monitor(
        kube,  # type: ignore[arg-type]
        "ns",
        "job",
        "run",
        1,
        Ui(quiet=True),
        tmp_path,
        Settings(),
        60,
    )
    events: list[tuple[str, Any]] = []
    original = monitor.events.put

    def put(item: tuple[str, Any]) -> None:
        events.append(item)
        original(item)
        if len(kube.watches) >= 3:
            monitor.stop.set()

    monitor.events.put = put  # type: ignore[method-assign]
    monitor._watch("Pod", None)
    pods = [(p[0], p[1]["metadata"]["name"]) for k, p in events if k == "Pod"]
    assert pods[:2] == [("ADDED", "a"), ("ADDED", "b")]
    assert ("DELETED", "b") in pods  # gone while the watch could not see it
    assert ("ADDED", "c") in pods
    # resumed: from the first list's version, then (after 410) the second list's, then c's
    assert kube.watches[:3] == ["10", "20", "21"]
    assert any("listing again" in str(p) for k, p in events if k == "watch-dropped")
