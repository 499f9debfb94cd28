"""A kept platform on the real cluster: ``platform up --backend cluster`` installs the chart
into a namespace of its own and keeps it; runs against it are Jobs there (one alone, then two
at once); a platform whose webserver is scaled to 0 is refused with exit 3 naming it and its
restart command; ``platform down`` deletes the namespace."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from junitparser import JUnitXml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from floe_testing.platforms.state import PLATFORMS_ENV
from harness.paths import FLOE_TEST
from harness.realcluster import REPO_ROOT, RealCluster, kubectl


def _floe_test(platforms: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [FLOE_TEST, *args],
        cwd=REPO_ROOT,
        env={**os.environ, "COLUMNS": "200", PLATFORMS_ENV: str(platforms)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _done(process: subprocess.Popen[str], timeout: float = 900) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    sys.stdout.write(out[-4000:])  # shown by pytest when the test fails
    sys.stderr.write(err[-4000:])
    return process.returncode, out, " ".join(err.split())


def _passed(junit: Path) -> int:
    suites = list(JUnitXml.fromfile(str(junit)))
    assert sum(int(s.failures or 0) + int(s.errors or 0) + int(s.skipped or 0) for s in suites) == 0
    return sum(int(s.tests or 0) for s in suites)


def _namespace_exists(cluster: RealCluster, namespace: str) -> bool:
    return kubectl(cluster.kubeconfig, "get", "namespace", namespace).returncode == 0


def test_a_kept_platform_on_the_real_cluster(real_cluster: RealCluster, tmp_path: Path) -> None:
    name = f"kept-{secrets.token_hex(3)}"
    namespace = f"floe-test-platform-{name}"
    platforms, results = tmp_path / "platforms", tmp_path / "results"
    try:
        code, out, err = _done(
            _floe_test(platforms, "platform", "up", "integration", "--backend", "cluster",
                       "--name", name, "--kubeconfig", str(real_cluster.kubeconfig),
                       "--results-dir", str(results), *real_cluster.install_args())
        )  # fmt: skip
        assert code == 0, err
        assert out.splitlines()[-1] == f"FLOE_PLATFORM={name}"
        assert _namespace_exists(real_cluster, namespace)

        code, out, err = _done(_floe_test(platforms, "platform", "status", "--json"))
        [row] = json.loads(out)
        assert row["healthy"], row["health"]
        assert row["where"].startswith(f"namespace {namespace} on https://")

        run = ("run", "integration", "--platform", name, "--results-dir", str(results))
        code, out, err = _done(_floe_test(platforms, *run))
        assert code == 0, err
        assert _passed(results / "integration" / "junit.xml") >= 9

        both = [_floe_test(platforms, *run) for _ in range(2)]
        codes = [_done(process)[0] for process in both]
        assert codes == [0, 0]
        folders = [p for p in results.iterdir() if p.name.startswith("integration-")]
        assert len(folders) == 1, folders  # the overlapping run's own folder
        assert _passed(folders[0] / "junit.xml") >= 9
        assert _passed(results / "integration" / "junit.xml") >= 9
        jobs = kubectl(real_cluster.kubeconfig, "-n", namespace, "get", "jobs", "-o", "name")
        assert jobs.stdout.strip() == "", "each run deletes its own Job"

        scaled = kubectl(
            real_cluster.kubeconfig, "-n", namespace, "scale", "deployment",
            "dagster-webserver", "--replicas", "0",
        )  # fmt: skip
        assert scaled.returncode == 0, scaled.stderr
        code, out, err = _done(_floe_test(platforms, *run))
        assert code == 3, err
        assert (
            f"kept platform {name} is not healthy: Deployment/dagster-webserver has 0/1 ready"
            in err
        )
        assert "floe-test platform up integration --profile minimal --backend cluster " in err
        assert f"--name {name}" in err

        code, out, err = _done(_floe_test(platforms, "platform", "down", name))
        assert code == 0, err
        assert not _namespace_exists(real_cluster, namespace)
        assert list(platforms.iterdir()) == []
    finally:
        kubectl(real_cluster.kubeconfig, "delete", "namespace", namespace, "--ignore-not-found",
                "--wait", timeout=300)  # fmt: skip
