"""Failed tests get the relevant services' recent logs; reading them never crashes the run."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from lightkube import ApiError

from floe_testing.pytest_plugin.logs import (
    ClusterLogs,
    LocalLogDir,
    cluster_namespace,
    source_from_env,
    tail,
)

from .conftest import RunPytest

FAILING_TESTS = """
import pytest

@pytest.mark.services("dagster")
def test_marked_fails():
    assert False

def test_fixture_implies_services(duckdb_conn):
    assert False

def test_passes():
    pass
"""


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    logs = tmp_path / "logs"
    logs.mkdir()
    lines = [f"webserver line {i}" for i in range(200)]
    (logs / "dagster-webserver.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (logs / "dagster-daemon.log").write_text("daemon heartbeat\n", encoding="utf-8")
    monkeypatch.setenv("FLOE_TEST_LOG_DIR", str(logs))
    monkeypatch.setenv("FLOE_TEST_LOG_LINES", "20")
    return logs


def _sections(report: pytest.TestReport) -> dict[str, str]:
    return {title: text for title, text in report.sections if title.startswith("floe service log")}


def test_local_logs_of_the_marked_service_are_attached(
    run_pytest: RunPytest, log_dir: Path
) -> None:
    run = run_pytest(FAILING_TESTS)
    sections = _sections(run.report("test_marked_fails"))
    assert list(sections) == [
        f"floe service log: dagster-webserver (last 20 lines of {log_dir}/dagster-webserver.log)"
    ]
    text = next(iter(sections.values()))
    assert text.splitlines() == [f"webserver line {i}" for i in range(180, 200)]


def test_without_declared_services_every_local_log_is_attached(
    run_pytest: RunPytest, log_dir: Path
) -> None:
    run = run_pytest(FAILING_TESTS)
    titles = list(_sections(run.report("test_fixture_implies_services")))
    assert [t.split(" (")[0] for t in titles] == [
        "floe service log: dagster-daemon",
        "floe service log: dagster-webserver",
    ]
    assert _sections(run.report("test_passes")) == {}


def test_nothing_is_attached_without_a_log_source(run_pytest: RunPytest) -> None:
    run = run_pytest(FAILING_TESTS)
    assert _sections(run.report("test_marked_fails")) == {}


def test_attachment_can_be_switched_off(log_dir: Path) -> None:
    assert (
        source_from_env({"FLOE_TEST_LOG_DIR": str(log_dir), "FLOE_TEST_ATTACH_LOGS": "0"}) is None
    )
    assert isinstance(source_from_env({"FLOE_TEST_LOG_DIR": str(log_dir)}), LocalLogDir)


def test_tail_reads_only_the_end_of_a_large_file(tmp_path: Path) -> None:
    big = tmp_path / "big.log"
    big.write_text("".join(f"line {i}\n" for i in range(100_000)), encoding="utf-8")
    assert tail(big, 2) == "line 99998\nline 99999"


# --- in a cluster: pod logs through the API (a stand-in client with lightkube's interface) ---


def _pod(name: str, *containers: str) -> Any:
    return SimpleNamespace(
        metadata=SimpleNamespace(name=name),
        spec=SimpleNamespace(containers=[SimpleNamespace(name=c) for c in containers]),
    )


class StubKube:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.pods = [
            _pod("dagster-webserver-7d9-abc", "webserver"),
            _pod("cube-5f-x", "api", "worker"),
        ]

    def get(self, resource: type, name: str, *, namespace: str) -> Any:
        self.calls.append(("get", (resource.__name__, name, namespace)))
        if name == "dagster-daemon":
            raise ApiError(response=_not_found())
        selector = {"app.kubernetes.io/component": name}
        return SimpleNamespace(spec=SimpleNamespace(selector=selector))

    def list(self, resource: type, *, namespace: str, labels: Any = None) -> list[Any]:
        self.calls.append(("list", (resource.__name__, namespace, labels)))
        if labels:
            return [
                p
                for p in self.pods
                if p.metadata.name.startswith(labels["app.kubernetes.io/component"])
            ]
        return [_pod("dagster-daemon-66-q", "daemon"), *self.pods]

    def log(self, name: str, **kwargs: Any) -> list[str]:
        self.calls.append(("log", (name, kwargs)))
        return [f"{name}/{kwargs['container']} line 1\n", "line 2\n"]


def _not_found() -> Any:
    import httpx2

    request = httpx2.Request("GET", "https://k8s/api/v1/namespaces/ns/services/x")
    return httpx2.Response(
        404, json={"kind": "Status", "code": 404, "message": "not found"}, request=request
    )


def test_cluster_logs_follow_the_service_selector_and_every_container() -> None:
    kube = StubKube()
    logs = ClusterLogs("floe-test-e2e-1", lines=30, client_factory=lambda: kube)
    sections = logs.recent(["dagster-webserver", "cube"], since_seconds=12.5)
    assert [title for title, _ in sections] == [
        "dagster-webserver: pod dagster-webserver-7d9-abc",
        "cube: pod cube-5f-x container api",
        "cube: pod cube-5f-x container worker",
    ]
    assert sections[0][1] == "dagster-webserver-7d9-abc/webserver line 1\nline 2"
    log_call = next(args for kind, args in kube.calls if kind == "log")
    assert log_call[1] == {
        "namespace": "floe-test-e2e-1",
        "container": "webserver",
        "since": 42,
        "tail_lines": 30,
    }


def test_services_without_a_kubernetes_service_match_pods_by_name() -> None:
    kube = StubKube()
    sections = ClusterLogs("ns", client_factory=lambda: kube).recent(["dagster-daemon"], 1)
    assert [title for title, _ in sections] == ["dagster-daemon: pod dagster-daemon-66-q"]


def test_an_unreachable_api_gives_one_note_then_stops_trying() -> None:
    attempts: list[int] = []

    def unreachable() -> Any:
        attempts.append(1)
        raise ConnectionRefusedError("no route to the API server")

    logs = ClusterLogs("ns", client_factory=unreachable)
    first = logs.recent(["cube"], 1)
    assert len(first) == 1
    assert "pod logs unavailable" in first[0][1]
    assert "no route to the API server" in first[0][1]
    assert logs.recent(["cube"], 1) == []
    assert attempts == [1]


def test_cluster_source_needs_a_namespace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "floe_testing.pytest_plugin.logs.SERVICE_ACCOUNT_NAMESPACE", Path("/nonexistent/ns")
    )
    assert source_from_env({"KUBERNETES_SERVICE_HOST": "10.0.0.1"}) is None
    source = source_from_env(
        {
            "KUBERNETES_SERVICE_HOST": "10.0.0.1",
            "DAGSTER_HOST": "dagster-webserver.run-7.svc.cluster.local",
        }
    )
    assert isinstance(source, ClusterLogs)
    assert source.namespace == "run-7"


def test_cluster_source_outside_a_pod_only_for_a_backend_with_pods(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        "floe_testing.pytest_plugin.logs.SERVICE_ACCOUNT_NAMESPACE", Path("/nonexistent/ns")
    )
    host = {"DAGSTER_HOST": "dagster-webserver.run-7.svc.cluster.local"}
    source = source_from_env({"FLOE_TEST_BACKEND": "kind", **host})
    assert isinstance(source, ClusterLogs)
    assert source.namespace == "run-7"
    assert source_from_env({"FLOE_TEST_BACKEND": "local", **host}) is None
    assert source_from_env({"FLOE_TEST_BACKEND": "nonesuch", **host}) is None
    assert source_from_env({"POD_NAMESPACE": "explicit", **host}) is None


def test_namespace_from_explicit_variable_first() -> None:
    env = {
        "POD_NAMESPACE": "explicit",
        "DAGSTER_HOST": "dagster-webserver.derived.svc.cluster.local",
    }
    assert cluster_namespace(env) == "explicit"
