"""The seed's local flow on real Kind, command by command:

    kind create cluster --name floe-dev
    helm install floe-dev ./charts/floe-platform --set minimal=true
    kubectl apply -f tests/integration/test-job.yaml
    kubectl logs -f job/floe-integration-tests

What differs here, and why: nothing can be pulled on this machine, so ``kind create`` gets
``--image`` (the node image ``scripts/kind-node`` built) and the images are put on the node
with ``kind load docker-image`` under the names the chart and the Job file use (the runner as
``ghcr.io/floe/test-runner:latest``, the platform as ``ghcr.io/floe/floe-platform:<appVersion>``)
plus ``values-kind-local.yaml`` for PostgreSQL. Helm is the project's Helm engine
(helm-python-sdk: Helm's Go engine in-process, ``floe_testing.tools.helm``), installing into the
namespace the checked-in Job names (floe-test). The Job file is applied as committed.
Then floe-test meets a cluster it did not create: it reuses it and deletes it only when forced.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from floe_testing.core.polling import wait_for
from floe_testing.tools.helm import HelmSdk
from harness.kind import CLUSTER, KindMachine, node_volumes
from harness.paths import REPO_ROOT

NAMESPACE = "floe-test"  # where tests/integration/test-job.yaml runs
JOB = "floe-integration-tests"
SEED_JOB = REPO_ROOT / "tests" / "integration" / "test-job.yaml"
CHART = REPO_ROOT / "charts" / "floe-platform"
PLANTED = "tests/realcluster/planted/test_fails.py"


@pytest.fixture(scope="module")
def seed_cluster(kind_machine: KindMachine) -> Iterator[dict[str, Any]]:
    created = kind_machine.kind_cli(
        "create", "cluster", "--name", CLUSTER, "--image", kind_machine.node_image
    )
    assert created.returncode == 0, created.stderr
    node = kind_machine.node()
    assert node is not None
    try:
        yield node
    finally:
        if CLUSTER in kind_machine.clusters():
            kind_machine.kind_cli("delete", "cluster", "--name", CLUSTER)


def _upstream_names(machine: KindMachine) -> list[str]:
    """Tag the local images with the names the chart and the Job file use; load them."""
    app_version = yaml.safe_load((CHART / "Chart.yaml").read_text())["appVersion"]
    names = {
        machine.images["RUNNER"]: "ghcr.io/floe/test-runner:latest",
        machine.images["PLATFORM"]: f"ghcr.io/floe/floe-platform:{app_version}",
        machine.images["POSTGRESQL"]: machine.images["POSTGRESQL"],
    }
    for local, upstream in names.items():
        assert machine.docker("tag", local, upstream).returncode == 0
        loaded = machine.kind_cli("load", "docker-image", upstream, "--name", CLUSTER)
        assert loaded.returncode == 0, loaded.stderr
    return list(names.values())


def _helm_install(machine: KindMachine) -> None:
    made = machine.kubectl(machine.kubeconfig, "create", "namespace", NAMESPACE)
    assert made.returncode == 0, made.stderr
    install = HelmSdk(machine.kubeconfig).upgrade_install(
        "floe-dev",
        CHART,
        NAMESPACE,
        [CHART / "values-kind-local.yaml"],
        {"minimal": True},
    )
    wait_for(install.done, timeout=600, interval=0.5, description="helm install floe-dev")
    install.result()
    ready = machine.kubectl(
        machine.kubeconfig,
        "-n",
        NAMESPACE,
        "wait",
        "--for=condition=Available",
        "deployment",
        "--all",
        "--timeout=300s",
        timeout=330,
    )
    assert ready.returncode == 0, ready.stderr


def _apply_and_follow(machine: KindMachine, text: str) -> str:
    kc = machine.kubeconfig
    machine.kubectl(kc, "-n", NAMESPACE, "delete", f"job/{JOB}", "--ignore-not-found", "--wait")
    applied = machine.kubectl(kc, "apply", "-f", "-", stdin=text)
    assert applied.returncode == 0, applied.stderr

    def started() -> bool:  # kubectl logs refuses a container still being created
        pods = machine.kubectl(kc, "-n", NAMESPACE, "get", "pods", "-l", f"job-name={JOB}",
                               "-o", "json")  # fmt: skip
        items = json.loads(pods.stdout).get("items") or [] if pods.returncode == 0 else []
        return any(i["status"].get("phase") in ("Running", "Succeeded", "Failed") for i in items)

    wait_for(started, timeout=180, interval=0.5, description="the seed Job's pod to start")
    followed = machine.kubectl(
        kc, "-n", NAMESPACE, "logs", "-f", f"job/{JOB}", "--pod-running-timeout=120s", timeout=600
    )
    assert followed.returncode == 0, followed.stderr
    return followed.stdout


def _job_condition(machine: KindMachine) -> str:
    def finished() -> str | None:
        got = machine.kubectl(machine.kubeconfig, "-n", NAMESPACE, "get", "job", JOB, "-o", "json")
        for condition in json.loads(got.stdout).get("status", {}).get("conditions") or []:
            if condition["type"] in ("Complete", "Failed") and condition["status"] == "True":
                return str(condition["type"])
        return None

    return wait_for(finished, timeout=60, interval=0.5, description=f"job {JOB} to finish")


def test_seed_flow_the_job_completes_and_fails_when_a_test_fails(
    kind_machine: KindMachine, seed_cluster: dict[str, Any]
) -> None:
    assert kind_machine.kubeconfig.is_file()  # plain kind writes $KUBECONFIG, as for users
    names = _upstream_names(kind_machine)
    try:
        _helm_install(kind_machine)
        log = _apply_and_follow(kind_machine, SEED_JOB.read_text())
        assert " passed" in log
        assert " failed" not in log
        assert "floe-test: shard 0 done" in log
        assert _job_condition(kind_machine) == "Complete"
        red = SEED_JOB.read_text().replace("- tests/integration\n", f"- {PLANTED}\n")
        log = _apply_and_follow(kind_machine, red)
        assert "planted failure" in log
        assert "1 failed, 1 passed" in log
        assert _job_condition(kind_machine) == "Failed"
    finally:
        for name in names[:2]:  # the upstream-named tags only; the local images stay
            kind_machine.docker("image", "rm", name)


def test_floe_test_reuses_a_cluster_it_did_not_create_and_deletes_it_only_when_forced(
    kind_machine: KindMachine, seed_cluster: dict[str, Any]
) -> None:
    up = kind_machine.floe_test("cluster", "up")
    assert up.returncode == 0, up.stderr
    assert "reused and ready" in up.stderr
    node = kind_machine.node()
    assert node is not None
    assert node["Id"] == seed_cluster["Id"]
    status = kind_machine.floe_test("cluster", "status", "--json")
    assert json.loads(status.stdout)["created_by_floe_test"] is False
    refused = kind_machine.floe_test("cluster", "down")
    assert refused.returncode == 2
    assert "was not created by floe-test" in refused.stderr
    assert kind_machine.clusters() == [CLUSTER]
    forced = kind_machine.floe_test("cluster", "down", "--force")
    assert forced.returncode == 0, forced.stderr
    assert kind_machine.leftovers(node_volumes(seed_cluster)) == []
