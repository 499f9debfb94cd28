"""``floe-test cluster up/down`` and ``floe-test run integration|e2e --backend kind`` on a real
Kind cluster: created once, reused (never recreated) by a second ``up`` and by the runs, and deleted
by ``cluster down`` without leaving a container, network or volume behind."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from junitparser import JUnitXml

from floe_testing.core.polling import wait_for
from harness.kind import CLUSTER, NODE, KindMachine, node_volumes

UNLOADED = "floe-local/never-built:missing"
E2E_TESTS = 18  # tests/e2e without the 2 polaris_only ones
TOTALS = ("tests", "failures", "errors", "skipped")
STAND_IN = "deselected 2 test(s): the catalog is Iceberg's REST catalog server"
LOCAL_SERVICE_IMAGES = (  # values-kind-local.yaml's (pins/versions.env LOCAL_*_IMAGE)
    "floe-local/postgresql:15-bookworm",
    "floe-local/seaweedfs:4.48",
    "floe-local/iceberg-rest:1.10.1",
    "floe-local/cube:0.35.81",
)


@pytest.fixture(scope="module")
def created(kind_machine: KindMachine) -> Iterator[dict[str, Any]]:
    """``floe-test cluster up`` on a machine without the cluster: the node container it made."""
    up = kind_machine.floe_test("cluster", "up", timeout=600)
    assert up.returncode == 0, up.stderr
    assert "created and ready" in up.stderr
    assert up.stdout.strip() == str(kind_machine.floe_kubeconfig())
    node = kind_machine.node()
    assert node is not None
    try:
        yield node
    finally:
        if CLUSTER in kind_machine.clusters():
            kind_machine.floe_test("cluster", "down", "--force")


def _kubectl_json(machine: KindMachine, *args: str) -> dict[str, Any]:
    got = machine.kubectl(machine.floe_kubeconfig(), *args, "-o", "json")
    assert got.returncode == 0, got.stderr
    data: dict[str, Any] = json.loads(got.stdout)
    return data


def test_cluster_up_creates_floe_dev_and_a_second_up_reuses_it(
    kind_machine: KindMachine, created: dict[str, Any]
) -> None:
    assert kind_machine.clusters() == [CLUSTER]
    assert created["State"]["Running"] is True
    assert created["Config"]["Image"] == kind_machine.node_image
    version = kind_machine.kubectl(kind_machine.floe_kubeconfig(), "version", "-o", "json")
    assert json.loads(version.stdout)["serverVersion"]["gitVersion"].startswith("v1.34.")
    status = kind_machine.floe_test("cluster", "status", "--json")
    assert json.loads(status.stdout)["created_by_floe_test"] is True

    def system_ready() -> bool:
        pods = _kubectl_json(kind_machine, "-n", "kube-system", "get", "pods")["items"]
        return bool(pods) and all(
            p["status"].get("phase") == "Running"
            and all(c.get("ready") for c in p["status"].get("containerStatuses") or [{}])
            for p in pods
        )

    wait_for(system_ready, timeout=180, interval=1, description="every kube-system pod Ready")
    again = kind_machine.floe_test("cluster", "up")
    assert again.returncode == 0, again.stderr
    assert "reused and ready" in again.stderr
    node = kind_machine.node()
    assert node is not None
    assert (node["Id"], node["State"]["StartedAt"]) == (
        created["Id"],
        created["State"]["StartedAt"],
    )


def test_integration_tier_runs_as_jobs_on_the_reused_cluster(
    kind_machine: KindMachine, created: dict[str, Any], tmp_path: Path
) -> None:
    results = tmp_path / "results"
    run = kind_machine.floe_test(
        "run",
        "integration",
        "--backend",
        "kind",
        "--reuse-cluster",
        "--values",
        "values-kind-local.yaml",
        "--results-dir",
        str(results),
        timeout=1200,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads((results / "integration" / "summary.json").read_text())
    assert summary["backend"] == "kind"
    assert summary["tests"]["passed"] >= 9
    assert summary["tests"]["failures"] == summary["tests"]["errors"] == 0
    assert (results / "integration" / "junit.xml").is_file()
    steps = json.loads((results / "integration" / "kind-steps.json").read_text())
    assert {"cluster up", "build images", "load images", "deploy platform"} <= set(steps)
    assert f"reusing Kind cluster {CLUSTER}" in " ".join(run.stderr.split())
    node = kind_machine.node()
    assert node is not None
    assert node["Id"] == created["Id"]
    assert kind_machine.clusters() == [CLUSTER]


def test_e2e_tier_runs_the_full_profile_on_the_reused_cluster(
    kind_machine: KindMachine, created: dict[str, Any], tmp_path: Path
) -> None:
    """The full profile from the images built here (the chart's ones loaded because
    values-kind-local.yaml names them), every e2e scenario in one Job pod; only the
    polaris_only tests are left out (Iceberg's REST catalog server stands in), and said so."""
    results = tmp_path / "results"
    run = kind_machine.floe_test(
        "run",
        "e2e",
        "--backend",
        "kind",
        "--reuse-cluster",
        "--values",
        "values-kind-local.yaml",
        "--shards",
        "1",
        "--results-dir",
        str(results),
        timeout=1500,
    )
    output = " ".join(run.stderr.split())
    assert run.returncode == 0, run.stderr[-4000:]
    suites = list(JUnitXml.fromfile(str(results / "e2e" / "junit.xml")))
    totals = [sum(int(getattr(s, key) or 0) for s in suites) for key in TOTALS]
    assert totals == [E2E_TESTS, 0, 0, 0]  # tests, failures, errors, skipped
    assert "the tests marked polaris_only do not run here" in output  # said on the host
    shard_log = (results / "e2e" / "logs" / "shard-0.log").read_text()
    assert STAND_IN in shard_log  # and in the pod's pytest output
    loaded = ", ".join(sorted(LOCAL_SERVICE_IMAGES))  # named by values-kind-local.yaml
    assert f"the chart's images from docker: {loaded}" in output
    assert "the node pulls" not in output
    node = kind_machine.node()
    assert node is not None
    assert node["Id"] == created["Id"]  # reused, not recreated


def test_pods_resolve_cluster_names_and_docker_names_through_coredns(
    kind_machine: KindMachine, created: dict[str, Any]
) -> None:
    """CoreDNS forwards what is not a cluster name to Docker's DNS (the node entrypoint
    publishes it on the node's address); the node's own container name is such a name."""
    code = (
        "import socket\n"
        "print('cluster', socket.gethostbyname('kubernetes.default.svc.cluster.local'))\n"
        f"print('docker', socket.gethostbyname('{NODE}'))\n"
    )
    kc, runner = kind_machine.floe_kubeconfig(), kind_machine.images["RUNNER"]
    loaded = kind_machine.kind_cli("load", "docker-image", runner, "--name", CLUSTER)
    assert loaded.returncode == 0, loaded.stderr  # kind skips it when the node has it
    kind_machine.kubectl(kc, "delete", "pod", "dns-probe", "--ignore-not-found", "--wait")
    made = kind_machine.kubectl(
        kc,
        "run",
        "dns-probe",
        f"--image={runner}",
        "--image-pull-policy=Never",
        "--restart=Never",
        "--command",
        "--",
        "python",
        "-c",
        code,
    )
    assert made.returncode == 0, made.stderr

    def finished() -> str | None:
        phase = _kubectl_json(kind_machine, "get", "pod", "dns-probe")["status"].get("phase")
        return phase if phase in ("Succeeded", "Failed") else None

    phase = wait_for(finished, timeout=120, interval=0.5, description="the DNS probe pod")
    log = kind_machine.kubectl(kc, "logs", "dns-probe").stdout
    assert phase == "Succeeded", log
    answers = dict(line.split() for line in log.splitlines())
    assert answers["cluster"] == "10.96.0.1"
    node_ip = created["NetworkSettings"]["Networks"]["kind"]["IPAddress"]
    assert answers["docker"] == node_ip
    kind_machine.kubectl(kc, "delete", "pod", "dns-probe", "--wait=false")


def test_an_image_the_node_lacks_is_an_image_pull_failure_naming_kind_load(
    kind_machine: KindMachine, created: dict[str, Any], tmp_path: Path
) -> None:
    results = tmp_path / "results"
    run = kind_machine.floe_test(
        "run",
        "integration",
        "--backend",
        "kind",
        "--reuse-cluster",
        "--no-install",
        "--image",
        UNLOADED,
        "--results-dir",
        str(results),
        timeout=600,
    )
    output = " ".join((run.stdout + run.stderr).split())
    assert run.returncode == 3, output[-3000:]
    assert f"cannot pull image {UNLOADED}" in output
    assert f"kind load docker-image {UNLOADED} --name {CLUSTER}" in output
    summary = json.loads((results / "integration" / "summary.json").read_text())
    assert summary["exit_code"] == 3
    assert kind_machine.clusters() == [CLUSTER]  # a reused cluster stays


def test_cluster_down_leaves_no_container_network_or_volume(
    kind_machine: KindMachine, created: dict[str, Any]
) -> None:
    volumes = node_volumes(created)
    assert volumes  # kind gives the node's /var a volume of its own
    down = kind_machine.floe_test("cluster", "down")
    assert down.returncode == 0, down.stderr
    assert kind_machine.clusters() == []
    assert kind_machine.leftovers(volumes) == []
    assert kind_machine.floe_test("cluster", "status").returncode == 1
