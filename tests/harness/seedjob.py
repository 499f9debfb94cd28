"""The seed's flow on a real cluster: ``kubectl apply -f tests/<tier>/test-job.yaml`` into the
namespace where the platform runs, ``kubectl logs -f job/floe-<tier>-tests``, the Job's end.

The checked-in manifest names the namespace ``floe-test`` and the upstream runner image; the
test substitutes its namespace and the image built here, exactly as a user edits the file (or
``kubectl apply -n``) for their cluster, and optionally another suite (a planted failure).
"""

from __future__ import annotations

import json

from floe_testing.core.polling import wait_for
from harness.realcluster import REPO_ROOT, RealCluster, kubectl

CHECKED_IN_NAMESPACE = "floe-test"
CHECKED_IN_IMAGE = "ghcr.io/floe/test-runner:latest"


def job_name(tier: str) -> str:
    return f"floe-{tier}-tests"


def seed_job(
    namespace: str, image: str, tier: str = "integration", suite: str | None = None
) -> str:
    """``tests/<tier>/test-job.yaml`` for ``namespace`` and the runner ``image`` built here,
    optionally running ``suite`` instead of the tier's."""
    text = (REPO_ROOT / "tests" / tier / "test-job.yaml").read_text()
    text = text.replace(f"namespace: {CHECKED_IN_NAMESPACE}\n", f"namespace: {namespace}\n")
    text = text.replace(f".{CHECKED_IN_NAMESPACE}.svc.", f".{namespace}.svc.")
    text = text.replace(CHECKED_IN_IMAGE, image)
    if suite is not None:
        text = text.replace(f"- tests/{tier}\n", f"- {suite}\n")
    return text


def apply_and_follow(cluster: RealCluster, namespace: str, tier: str, text: str) -> str:
    """Apply the manifest (a previous Job of the name deleted first), follow its log to the end."""
    kc, job = cluster.kubeconfig, f"job/{job_name(tier)}"
    kubectl(kc, "-n", namespace, "delete", job, "--ignore-not-found", "--wait")
    applied = kubectl(kc, "apply", "-f", "-", stdin=text)
    assert applied.returncode == 0, applied.stderr

    def started() -> bool:  # kubectl logs refuses a container still being created
        pods = kubectl(kc, "-n", namespace, "get", "pods", "-l", f"job-name={job_name(tier)}",
                       "-o", "json")  # fmt: skip
        if pods.returncode != 0:
            return False
        items = json.loads(pods.stdout).get("items") or []
        return any(i["status"].get("phase") in ("Running", "Succeeded", "Failed") for i in items)

    wait_for(started, timeout=120, interval=0.5, description="the seed Job's pod to start")
    followed = kubectl(
        kc, "-n", namespace, "logs", "-f", job, "--pod-running-timeout=120s", timeout=900
    )
    assert followed.returncode == 0, followed.stderr
    return followed.stdout


def job_condition(cluster: RealCluster, namespace: str, tier: str) -> str:
    """``Complete`` or ``Failed``, once the Job controller says so."""

    def finished() -> str | None:
        got = kubectl(
            cluster.kubeconfig, "-n", namespace, "get", "job", job_name(tier), "-o", "json"
        )
        for condition in json.loads(got.stdout).get("status", {}).get("conditions") or []:
            if condition["type"] in ("Complete", "Failed") and condition["status"] == "True":
                return str(condition["type"])
        return None

    return wait_for(finished, timeout=60, interval=0.5, description="the Job to finish")
