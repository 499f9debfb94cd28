"""The real-cluster tier: floe-test against a real single-node Kubernetes (scripts/k8s-local).

Session fixture ``real_cluster``: the cluster (``scripts/k8s-local up``, or one already running,
or ``$FLOE_TEST_REALCLUSTER_KUBECONFIG``), the images built here (``scripts/images build``:
runner, platform, PostgreSQL, and the full profile's Cube, SeaweedFS and catalog) and imported
into the node (``scripts/k8s-local load``; the full profile's only by ``full_profile``), and
``scripts/k8s-local down`` at the end when this session started the cluster (unless
``FLOE_TEST_KEEP_CLUSTER=1``). It skips, naming the reason, only when the machine cannot run a
node (not root, no Debian apt, ``up`` refused by its preflight with exit 2).

This file is also loaded inside the test pods when they run the planted suites in
``planted/`` (the runner image carries tests/): keep its imports to the standard library,
pytest and floe_testing, and touch nothing at import time.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
collect_ignore = ["planted"]  # suites the test pods run, not tests of this tier
KUBECONFIG_ENV = "FLOE_TEST_REALCLUSTER_KUBECONFIG"
KEEP_ENV = "FLOE_TEST_KEEP_CLUSTER"
UP_TIMEOUT = 3600  # a cold build of Kubernetes on 2 cores
# scripts/images build's NAME=ref lines of the full profile's service images
FULL_PROFILE_IMAGES = ("CUBE", "SEAWEEDFS", "CATALOG")


def _script(name: str, *args: str, timeout: float, env: dict[str, str] | None = None):
    return subprocess.run(
        [str(REPO / "scripts" / name), *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=None,  # progress goes to the session's output
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, **(env or {})},
    )


def _last_values(stdout: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in stdout.splitlines() if "=" in line)


def _why_not_here() -> str | None:
    if os.geteuid() != 0:
        return "a node needs root (containerd, the kubelet, iptables)"
    if shutil.which("apt-get") is None:
        return "scripts/k8s-local installs its node packages with Debian's apt-get"
    if not (REPO / "scripts" / "k8s-local").is_file():
        return "scripts/k8s-local is not in this checkout"
    return None


def _cluster() -> tuple[Path, bool]:
    """The kubeconfig, and whether this session started the cluster (and so stops it)."""
    given = os.environ.get(KUBECONFIG_ENV)
    if given:
        return Path(given), False
    reason = _why_not_here()
    if reason:
        pytest.skip(f"no real cluster on this machine: {reason}")
    status = _script("k8s-local", "status", timeout=60)
    if status.returncode == 0:
        return Path(_last_values(status.stdout)["KUBECONFIG"]), False
    up = _script("k8s-local", "up", timeout=UP_TIMEOUT)
    if up.returncode == 2:
        pytest.skip("scripts/k8s-local up refused this machine (its message is above)")
    if up.returncode != 0:
        pytest.fail(f"scripts/k8s-local up failed with exit {up.returncode} (see above)")
    return Path(_last_values(up.stdout)["KUBECONFIG"]), True


@pytest.fixture(scope="session")
def real_cluster() -> Iterator[Any]:
    sys.path.insert(0, str(REPO / "tests"))
    from harness.realcluster import RealCluster

    kubeconfig, started = _cluster()
    try:
        images = _script("images", "build", timeout=3600)
        if images.returncode != 0:
            pytest.fail(f"scripts/images build failed with exit {images.returncode}")
        refs = _last_values(images.stdout)
        services = {name: refs[name] for name in FULL_PROFILE_IMAGES}
        built = RealCluster(
            kubeconfig, refs["RUNNER"], refs["PLATFORM"], refs["POSTGRESQL"], services
        )
        loaded = _script(
            "k8s-local",
            "load",
            built.runner,
            built.platform,
            built.postgresql,
            timeout=1200,
            env={"KUBECONFIG": str(kubeconfig)},
        )
        if loaded.returncode != 0:
            pytest.fail(f"scripts/k8s-local load failed with exit {loaded.returncode}")
        yield built
    finally:
        if started and not os.environ.get(KEEP_ENV):
            _script("k8s-local", "down", timeout=600)


@pytest.fixture(scope="session")
def full_profile(real_cluster: Any) -> Any:
    """The cluster with the full profile's service images (Cube, SeaweedFS, the catalog)
    imported too: loaded once, only by the sessions whose tests install the full profile."""
    loaded = _script(
        "k8s-local",
        "load",
        *real_cluster.services.values(),
        timeout=1200,
        env={"KUBECONFIG": str(real_cluster.kubeconfig)},
    )
    if loaded.returncode != 0:
        pytest.fail(f"scripts/k8s-local load failed with exit {loaded.returncode}")
    return real_cluster
