"""Drive the real CLI against a real cluster and look at what it did there.

``floe_test(...)`` runs ``floe-test run`` as a user would and keeps its output; ``PodRecorder``
watches every namespace for test-runner pods while a run goes (their namespace, its labels,
their containerIDs), because the run deletes them before it returns; ``kubectl`` is the
cluster's own kubectl (``scripts/k8s-local`` keeps it beside the admin kubeconfig).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
from lightkube import Client, KubeConfig
from lightkube.resources.core_v1 import Namespace, Pod

from floe_testing.config.labels import RUNNER_COMPONENT
from floe_testing.tools.command import Result
from floe_testing.tools.kube import run_kubectl
from harness.paths import FLOE_TEST

REPO_ROOT = Path(__file__).resolve().parents[2]
SEED_JOB = REPO_ROOT / "tests" / "integration" / "test-job.yaml"
RUN_PREFIX = "floe-test-integration-"
ETCD_URL = "https://127.0.0.1:2379"  # scripts/k8s-local's etcd, on loopback


@dataclass(frozen=True)
class RealCluster:
    """The cluster of the session and the images loaded into its node."""

    kubeconfig: Path
    runner: str
    platform: str
    postgresql: str
    services: dict[str, str] = field(default_factory=dict)  # CUBE, SEAWEEDFS, CATALOG -> ref

    def images(self) -> set[str]:
        """Every image built here for the platform and the tests (as given to ``load``)."""
        return {self.runner, self.platform, self.postgresql, *self.services.values()}

    def install_args(self) -> tuple[str, ...]:
        """What a run installing the chart on this cluster passes (values, both images)."""
        return (
            "--values",
            "values-k8s-local.yaml",
            "--image",
            self.runner,
            "--platform-image",
            self.platform,
        )

    def compact_etcd(self) -> int | None:
        """Compact etcd to its current revision, so every older resourceVersion is gone.

        Through etcd's JSON gateway with the API server's client certificate, which
        ``scripts/k8s-local`` keeps beside the admin kubeconfig. None when this is not such a
        cluster (a kubeconfig given from elsewhere): its own compaction (every 5 minutes by
        default) is all there is then.
        """
        pki = self.kubeconfig.parent / "pki"
        if not (pki / "apiserver-etcd-client.key").is_file():
            return None
        tls = ssl.create_default_context(cafile=str(pki / "ca.crt"))
        tls.load_cert_chain(pki / "apiserver-etcd-client.crt", pki / "apiserver-etcd-client.key")
        with httpx2.Client(base_url=ETCD_URL, verify=tls, timeout=10.0) as etcd:
            header = etcd.post("/v3/kv/range", json={"key": "AA=="}).raise_for_status().json()
            revision = int(header["header"]["revision"])
            etcd.post(
                "/v3/kv/compaction", json={"revision": str(revision), "physical": True}
            ).raise_for_status()
        return revision


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str
    seconds: float
    results: Path
    tier: str = "integration"

    @property
    def folder(self) -> Path:
        return self.results / self.tier

    @property
    def junit(self) -> Path:
        return self.folder / "junit.xml"

    @property
    def diagnostics(self) -> Path:
        return self.folder / "diagnostics"

    def summary(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.folder / "summary.json").read_text())
        return data

    @property
    def output(self) -> str:
        """stdout and stderr with rich's line wrapping undone (for substring checks)."""
        return " ".join((self.stdout + "\n" + self.stderr).split())


def floe_test(
    kubeconfig: Path,
    results: Path,
    *args: str,
    env: dict[str, str] | None = None,
    timeout: float = 900,
    tier: str = "integration",
) -> Run:
    """``floe-test run TIER --backend cluster --kubeconfig KC --results-dir R ARGS...``."""
    argv = [FLOE_TEST, "run", tier, "--backend", "cluster", "--kubeconfig", str(kubeconfig)]
    argv += ["--results-dir", str(results), *args]
    start = time.monotonic()
    done = subprocess.run(
        argv,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )
    seconds = time.monotonic() - start
    sys.stdout.write(done.stdout[-6000:])  # shown by pytest when the test fails
    sys.stderr.write(done.stderr[-6000:])
    return Run(done.returncode, done.stdout, done.stderr, seconds, results, tier)


def cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``floe-test ARGS...`` from the checkout, its output kept."""
    return subprocess.run(
        [FLOE_TEST, *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, **(env or {})},
    )


def manifest(results: Path, *args: str, tier: str = "integration") -> list[dict[str, Any]]:
    """What ``floe-test manifest`` prints for ``args``, parsed."""
    import yaml

    done = cli("manifest", tier, "--results-dir", str(results), *args)
    assert done.returncode == 0, done.stderr
    return list(yaml.safe_load_all(done.stdout))


def kubectl_path(kubeconfig: Path) -> str:
    beside = kubeconfig.parent / "bin" / "kubectl"
    found = os.environ.get("FLOE_TEST_KUBECTL") or (str(beside) if beside.is_file() else None)
    found = found or shutil.which("kubectl")
    if not found:
        raise FileNotFoundError(f"no kubectl beside {kubeconfig} nor on PATH")
    return found


def kubectl(kubeconfig: Path, *args: str, stdin: str | None = None, timeout: float = 120) -> Result:
    """``kubectl --kubeconfig KC ARGS...`` through the product's one kubectl runner; a failure
    is the caller's to judge (``returncode``, ``stdout``, ``stderr``)."""
    return run_kubectl(
        Path(kubectl_path(kubeconfig)), kubeconfig, *args, stdin=stdin, check=False, timeout=timeout
    )


def client(kubeconfig: Path) -> Client:
    return Client(KubeConfig.from_file(kubeconfig), timeout=httpx2.Timeout(30.0))


def run_namespaces(kubeconfig: Path, prefix: str = RUN_PREFIX) -> list[str]:
    names = [ns.metadata.name for ns in client(kubeconfig).list(Namespace)]
    return sorted(n for n in names if n and n.startswith(prefix))


@dataclass
class SeenPod:
    namespace: str
    container_ids: set[str] = field(default_factory=set)
    exit_codes: set[int] = field(default_factory=set)


class PodRecorder:
    """Test-runner pods of every namespace while a run goes, and their namespaces' labels."""

    def __init__(self, kubeconfig: Path) -> None:
        self.kubeconfig = kubeconfig
        self.pods: dict[str, SeenPod] = {}
        self.namespace_labels: dict[str, dict[str, str]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> PodRecorder:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()

    def _watch(self) -> None:
        api = client(self.kubeconfig)
        selector = {"app.kubernetes.io/component": RUNNER_COMPONENT}
        while not self._stop.is_set():
            try:
                for _event, pod in api.watch(Pod, namespace="*", labels=selector):
                    self._record(api, pod)
                    if self._stop.is_set():
                        return
            except Exception:  # a dropped watch: watch again
                self._stop.wait(0.2)

    def _record(self, api: Client, pod: Pod) -> None:
        assert pod.metadata is not None
        namespace, name = pod.metadata.namespace or "", pod.metadata.name or ""
        seen = self.pods.setdefault(name, SeenPod(namespace))
        for status in (pod.status.containerStatuses if pod.status else None) or []:
            if status.containerID:
                seen.container_ids.add(status.containerID)
            terminated = status.state.terminated if status.state else None
            if terminated is not None:
                seen.exit_codes.add(terminated.exitCode)
        if namespace not in self.namespace_labels:
            found = api.get(Namespace, namespace)
            self.namespace_labels[namespace] = dict(
                (found.metadata.labels if found.metadata else None) or {}
            )


@contextmanager
def installed_platform(cluster: RealCluster, results: Path, prefix: str) -> Iterator[str]:
    """A fresh restricted namespace with the minimal platform installed and kept there
    (``floe-test run --namespace N --keep`` of one planted passing test); deleted at the end."""
    namespace = f"{prefix}-{secrets.token_hex(3)}"
    labels = {f"pod-security.kubernetes.io/{m}": "restricted" for m in ("enforce", "warn")}
    manifest = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": namespace, "labels": labels},
    }
    created = kubectl(cluster.kubeconfig, "apply", "-f", "-", stdin=json.dumps(manifest))
    assert created.returncode == 0, created.stderr
    try:
        run = floe_test(
            cluster.kubeconfig,
            results,
            "--namespace",
            namespace,
            "--keep",
            *cluster.install_args(),
            "--suite",
            "tests/realcluster/planted/test_fails.py",
            "--",
            "-k",
            "test_passes",
        )
        assert run.exit_code == 0, run.output
        yield namespace
    finally:
        kubectl(cluster.kubeconfig, "delete", "namespace", namespace, "--wait", timeout=300)


@contextmanager
def port_forward(kubeconfig: Path, namespace: str, target: str, port: int) -> Iterator[int]:
    """``kubectl port-forward TARGET :PORT``: the local port, until the block ends. The
    connection enters the pod's own network namespace, so NetworkPolicies do not apply."""
    argv = [kubectl_path(kubeconfig), f"--kubeconfig={kubeconfig}", "-n", namespace]
    argv += ["port-forward", "--address=127.0.0.1", target, f":{port}"]
    forward = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert forward.stdout is not None
        first = forward.stdout.readline()  # "Forwarding from 127.0.0.1:PORT -> port"
        if "Forwarding from" not in first:
            forward.kill()
            raise AssertionError(f"kubectl port-forward {target}: {first}{forward.stderr.read()}")
        yield int(first.split("->")[0].rsplit(":", 1)[1])
    finally:
        forward.terminate()
        forward.wait(timeout=30)
