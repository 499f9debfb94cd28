"""Names and labels shared by the Job manifests, the chart and the NetworkPolicies.

The chart admits test-runner traffic by ``RUNNER_SELECTOR``; the Job generator puts the same
labels on every test pod. Change them here only.
"""

from __future__ import annotations

PART_OF = "floe-platform"
MANAGED_BY = "floe-test"
RUNNER_NAME = "floe-test-runner"
RUNNER_COMPONENT = "test-runner"
RUNNER_SERVICE_ACCOUNT = "floe-test-runner"
RUNNER_CONTAINER = "test-runner"
RUNNER_UID = 10001
RUNNER_GID = 10001

LABEL_RUN_ID = "floe.dev/run-id"
LABEL_TIER = "floe.dev/tier"

RUNNER_SELECTOR = {"app.kubernetes.io/component": RUNNER_COMPONENT}


def runner_labels(run_id: str, tier: str) -> dict[str, str]:
    """Kubernetes recommended labels plus run id and tier, for every object of a test run."""
    return {
        "app.kubernetes.io/name": RUNNER_NAME,
        "app.kubernetes.io/component": RUNNER_COMPONENT,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": MANAGED_BY,
        "app.kubernetes.io/instance": f"{tier}-{run_id}",
        LABEL_RUN_ID: run_id,
        LABEL_TIER: tier,
    }
