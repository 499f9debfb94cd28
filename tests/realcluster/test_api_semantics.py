"""API behaviour an emulator only imitates, checked against the real API server and kubelet:
watches resume from their resourceVersion after a cut connection and list again on 410 Gone;
followed logs time out when quiet; a namespace in Terminating is awaited."""

from __future__ import annotations

import json
import queue
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from floe_testing.core.polling import wait_for
from floe_testing.core.ui import Ui
from floe_testing.jobs.classify import Settings
from floe_testing.jobs.monitor import Monitor
from floe_testing.tools import kube as kube_module
from floe_testing.tools.kube import Gone, Kube, Target
from harness.proxy import CuttableProxy
from harness.realcluster import RealCluster, floe_test, kubectl

RESTRICTED = {
    "securityContext": {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
}


@pytest.fixture
def namespace(real_cluster: RealCluster) -> Iterator[str]:
    name = f"floe-test-api-{secrets.token_hex(3)}"
    labels = {"pod-security.kubernetes.io/enforce": "restricted"}
    made = kubectl(
        real_cluster.kubeconfig,
        "apply",
        "-f",
        "-",
        stdin=json.dumps(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}
        ),
    )
    assert made.returncode == 0, made.stderr
    yield name
    kubectl(real_cluster.kubeconfig, "delete", "namespace", name, "--wait=false")


def _pod(cluster: RealCluster, namespace: str, name: str, code: str = "", grace: int = 0) -> None:
    container: dict[str, Any] = {
        "name": "c",
        "image": cluster.runner,
        "imagePullPolicy": "Never",
        "command": ["python", "-c", code or "import threading; threading.Event().wait(600)"],
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
        },
    }
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            **RESTRICTED,
            "containers": [container],
            "terminationGracePeriodSeconds": grace,
            "automountServiceAccountToken": False,
        },
    }
    made = kubectl(cluster.kubeconfig, "apply", "-f", "-", stdin=json.dumps(pod))
    assert made.returncode == 0, made.stderr


def _through_proxy(cluster: RealCluster, folder: Path) -> tuple[Kube, CuttableProxy]:
    config = yaml.safe_load(cluster.kubeconfig.read_text())
    server = urlsplit(config["clusters"][0]["cluster"]["server"])
    proxy = CuttableProxy(server.hostname or "127.0.0.1", server.port or 443)
    config["clusters"][0]["cluster"]["server"] = f"https://127.0.0.1:{proxy.port}"
    path = folder / "proxied.kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return Kube(Target(path)), proxy


def _events_until(
    monitor: Monitor, name: str, seen: list[tuple[str, Any]], kind: str = "Pod"
) -> None:
    """Collect the monitor's events until one of ``kind`` is about the pod ``name``."""

    def about(obj: dict[str, Any]) -> str:
        if kind == "Event":
            return str((obj.get("involvedObject") or {}).get("name"))
        return str(obj["metadata"]["name"])

    def arrived() -> bool:
        try:
            while True:
                seen.append(monitor.events.get_nowait())
        except queue.Empty:
            pass
        return any(k == kind and about(payload[1]) == name for k, payload in seen)

    wait_for(arrived, timeout=60, interval=0.1, description=f"a {kind} watch event for pod {name}")


def _monitor(kube: Kube, namespace: str, folder: Path) -> Monitor:
    return Monitor(kube, namespace, "none", "none", 1, Ui(quiet=True), folder, Settings(), 60)


def test_a_cut_watch_resumes_from_its_resource_version(
    real_cluster: RealCluster, namespace: str, tmp_path: Path
) -> None:
    kube, proxy = _through_proxy(real_cluster, tmp_path)
    monitor = _monitor(kube, namespace, tmp_path)
    monitor._thread(monitor._watch, "Pod", None)
    seen: list[tuple[str, Any]] = []
    try:
        _pod(real_cluster, namespace, "before-the-cut")
        _events_until(monitor, "before-the-cut", seen)
        proxy.cut()
        _pod(real_cluster, namespace, "after-the-cut")
        _events_until(monitor, "after-the-cut", seen)
    finally:
        monitor.stop.set()
        proxy.close()
    assert any(kind == "watch-dropped" for kind, _ in seen)
    added = [p[1]["metadata"]["name"] for k, p in seen if k == "Pod" and p[0] == "ADDED"]
    assert added.count("before-the-cut") == 1  # resumed from its version: no replay
    assert added.count("after-the-cut") == 1


class _StaleFirstList(Kube):
    """Answers the first list with resourceVersion 1, compacted away: the watch gets 410."""

    stale_lists = 0

    def list_versioned(self, *args: Any, **kwargs: Any) -> tuple[list[dict[str, Any]], str | None]:
        items, version = super().list_versioned(*args, **kwargs)
        if self.stale_lists == 0:
            self.stale_lists += 1
            return items, "1"
        return items, version


def _compacted(cluster: RealCluster) -> None:
    """Every version before now compacted away (etcd is reachable on scripts/k8s-local's
    cluster only; without compaction a fresh cluster still serves resourceVersion 1)."""
    if cluster.compact_etcd() is None:
        pytest.skip("not a scripts/k8s-local cluster: etcd cannot be compacted from here")


def test_410_gone_lists_again(real_cluster: RealCluster, namespace: str, tmp_path: Path) -> None:
    # Events are watched from etcd itself (the API server keeps no watch cache for them), so a
    # version older than etcd's compaction is answered 410 deterministically. Pods are watched
    # from the cache, which on a fresh cluster still holds every version since the server
    # started: a 410 there depends on how busy the cluster has been.
    _compacted(real_cluster)
    kube = Kube(Target(real_cluster.kubeconfig))
    with pytest.raises(Gone):
        list(kube.watch("Event", namespace, resource_version="1"))
    stale = _StaleFirstList(Target(real_cluster.kubeconfig))
    monitor = _monitor(stale, namespace, tmp_path)
    monitor._thread(monitor._watch, "Event", None)
    seen: list[tuple[str, Any]] = []
    try:
        _pod(real_cluster, namespace, "after-the-410")
        _events_until(monitor, "after-the-410", seen, kind="Event")
    finally:
        monitor.stop.set()
    dropped = [str(payload) for kind, payload in seen if kind == "watch-dropped"]
    assert any("listing again" in message for message in dropped), dropped
    assert stale.stale_lists == 1


def test_a_quiet_followed_log_times_out_instead_of_hanging(
    real_cluster: RealCluster, namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = (
        "import threading; print('one line, then silence', flush=True); threading.Event().wait(600)"
    )
    _pod(real_cluster, namespace, "quiet", code)
    kube = Kube(Target(real_cluster.kubeconfig))

    def running() -> bool:
        pod = kube.get("Pod", "quiet", namespace) or {}
        return (pod.get("status") or {}).get("phase") == "Running"

    wait_for(running, timeout=60, interval=0.5, description="pod quiet to run")
    monkeypatch.setattr(kube_module, "LOG_READ_TIMEOUT", 2.0)
    lines: list[str] = []
    stream = kube.log("quiet", namespace, follow=True, timestamps=True)
    with pytest.raises(kube_module.READ_TIMEOUTS):
        lines.extend(stream)
    assert lines
    assert lines[0].endswith("one line, then silence")


def test_a_terminating_namespace_is_awaited(
    real_cluster: RealCluster, namespace: str, tmp_path: Path
) -> None:
    code = (
        "import signal, threading\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "print('ignoring SIGTERM', flush=True)\n"
        "threading.Event().wait(600)\n"
    )
    _pod(real_cluster, namespace, "slow-to-die", code, grace=8)
    kube = Kube(Target(real_cluster.kubeconfig))

    def running() -> bool:
        pod = kube.get("Pod", "slow-to-die", namespace) or {}
        return (pod.get("status") or {}).get("phase") == "Running"

    wait_for(running, timeout=60, interval=0.5, description="pod slow-to-die to run")
    kubectl(real_cluster.kubeconfig, "delete", "namespace", namespace, "--wait=false")
    run = floe_test(
        real_cluster.kubeconfig,
        tmp_path / "results",
        "--no-install",
        "--namespace",
        namespace,
        "--image",
        real_cluster.runner,
    )
    assert f"namespace {namespace} is terminating; waiting until it is gone" in run.output
    assert run.exit_code == 3
    assert f"namespace {namespace} does not exist" in run.output
    assert kube.get("Namespace", namespace) is None
