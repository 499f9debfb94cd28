"""What only a real cluster shows, in one namespace where the platform is installed (as the
seed's flow assumes): kubectl apply of the checked-in Job, NetworkPolicies enforced, restricted
admission, failed pods' results read by floe-test, results surviving kubelet log rotation."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from floe_testing.core.polling import wait_for
from floe_testing.k8slocal.addons import RESTRICTED_CONTAINER
from harness.realcluster import (
    PodRecorder,
    RealCluster,
    floe_test,
    installed_platform,
    kubectl,
)
from harness.seedjob import apply_and_follow, job_condition, seed_job

PLANTED = "tests/realcluster/planted"
RESTRICTED_POD = {
    "runAsNonRoot": True,
    "runAsUser": 10001,
    "seccompProfile": {"type": "RuntimeDefault"},
}


@pytest.fixture(scope="module")
def platform(real_cluster: RealCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A namespace with the platform installed and kept (floe-test run --namespace --keep)."""
    with installed_platform(
        real_cluster, tmp_path_factory.mktemp("platform"), "floe-test-rc"
    ) as ns:
        yield ns


def _pod(namespace: str, name: str, image: str, code: str, labels: dict[str, str]) -> str:
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {
                "restartPolicy": "Never",
                "automountServiceAccountToken": False,
                "securityContext": RESTRICTED_POD,
                "containers": [
                    {
                        "name": "probe",
                        "image": image,
                        "imagePullPolicy": "Never",
                        "command": ["python", "-c", code],
                        "securityContext": RESTRICTED_CONTAINER,
                    }
                ],
            },
        }
    )


def _finished_log(cluster: RealCluster, namespace: str, name: str) -> tuple[str, str]:
    def phase() -> str | None:
        got = kubectl(cluster.kubeconfig, "-n", namespace, "get", "pod", name, "-o", "json")
        value = json.loads(got.stdout)["status"].get("phase") if got.returncode == 0 else None
        return value if value in ("Succeeded", "Failed") else None

    final = wait_for(phase, timeout=90, interval=0.5, description=f"pod {name} to finish")
    log = kubectl(cluster.kubeconfig, "-n", namespace, "logs", name).stdout
    return final, log


def test_network_policies_admit_only_the_test_runner(
    real_cluster: RealCluster, platform: str
) -> None:
    # kube-router programs a new pod's rules a moment after it starts: try for 20 s
    code = (
        "import socket, sys, threading\n"
        f"host = 'dagster-webserver.{platform}.svc.cluster.local'\n"
        "print('resolved', socket.gethostbyname(host), flush=True)\n"
        "error = None\n"
        "for attempt in range(20):\n"
        "    try:\n"
        "        socket.create_connection((host, 3000), timeout=1).close()\n"
        "        print('reached'); sys.exit(0)\n"
        "    except OSError as exc:\n"
        "        error = exc\n"
        "        threading.Event().wait(1)\n"
        "print('blocked', error); sys.exit(1)\n"
    )
    runner = {"app.kubernetes.io/component": "test-runner"}
    for name, labels in (("probe-runner", runner), ("probe-stranger", {"app": "stranger"})):
        stdin = _pod(platform, name, real_cluster.runner, code, labels)
        made = kubectl(real_cluster.kubeconfig, "apply", "-f", "-", stdin=stdin)
        assert made.returncode == 0, made.stderr
    phase, log = _finished_log(real_cluster, platform, "probe-runner")
    assert (phase, "reached") == ("Succeeded", log.split()[-1]), log
    phase, log = _finished_log(real_cluster, platform, "probe-stranger")
    assert "resolved" in log  # DNS is allowed to every pod: the block is the policy's
    assert phase == "Failed", log
    assert "blocked" in log


def test_restricted_admission_rejects_a_privileged_pod(
    real_cluster: RealCluster, platform: str
) -> None:
    pod: dict[str, Any] = json.loads(_pod(platform, "privileged", real_cluster.runner, "", {}))
    pod["spec"]["containers"][0]["securityContext"] = {"privileged": True}
    made = kubectl(real_cluster.kubeconfig, "apply", "-f", "-", stdin=json.dumps(pod))
    assert made.returncode != 0
    assert 'violates PodSecurity "restricted' in made.stderr
    assert "privileged" in made.stderr


def test_seed_flow_kubectl_apply_then_logs_and_the_job_fails_when_a_test_fails(
    real_cluster: RealCluster, platform: str
) -> None:
    tier = "integration"
    log = apply_and_follow(
        real_cluster, platform, tier, seed_job(platform, real_cluster.runner, tier)
    )
    assert " passed" in log
    assert "floe-test: shard 0 done" in log
    assert job_condition(real_cluster, platform, tier) == "Complete"
    red = seed_job(platform, real_cluster.runner, tier, f"{PLANTED}/test_fails.py")
    log = apply_and_follow(real_cluster, platform, tier, red)
    assert "planted failure" in log
    assert "1 failed, 1 passed" in log
    assert job_condition(real_cluster, platform, tier) == "Failed"


@pytest.mark.parametrize("shards", [1, 2])
def test_floe_test_reads_the_results_of_failed_pods(
    real_cluster: RealCluster, platform: str, tmp_path: Path, shards: int
) -> None:
    with PodRecorder(real_cluster.kubeconfig) as pods:
        run = floe_test(
            real_cluster.kubeconfig,
            tmp_path,
            "--no-install",
            "--namespace",
            platform,
            "--image",
            real_cluster.runner,
            "--suite",
            f"{PLANTED}/test_fails.py",
            "--shards",
            str(shards),
        )
    assert run.exit_code == 1, run.output  # tests failed: not an infrastructure failure
    assert run.summary()["tests"]["failures"] == 1
    assert run.summary()["tests"]["tests"] == 2
    exit_codes = set().union(*(seen.exit_codes for seen in pods.pods.values()))
    assert 1 in exit_codes  # the failing shard's pod failed, as kubectl users see it
    if shards == 2:
        assert exit_codes == {0, 1}  # the passing shard ran to its end beside the failed one


def test_results_survive_kubelet_log_rotation(
    real_cluster: RealCluster, platform: str, tmp_path: Path
) -> None:
    run = floe_test(
        real_cluster.kubeconfig,
        tmp_path,
        "--no-install",
        "--namespace",
        platform,
        "--image",
        real_cluster.runner,
        "--suite",
        f"{PLANTED}/test_chatty.py",
        "--",
        "-s",
    )
    assert run.exit_code == 0, run.output[-3000:]
    assert run.summary()["tests"]["tests"] == 1
    streamed = (run.folder / "logs" / "shard-0.log").read_text()
    assert "chatty line 00000" in streamed  # the host followed the log across rotations
    assert "chatty done" in streamed
