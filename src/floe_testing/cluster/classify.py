"""Pod and Job states -> the infrastructure causes that end a run at once (exit 3).

Pure functions over plain objects, so every rule is unit-tested without a cluster. Each
problem carries a grace: 0 means fatal when first seen; otherwise the monitor fails only
when the same problem persisted that long (a pod can be Unschedulable for a moment while a
node frees up; a single ErrImagePull can be a registry hiccup the kubelet retries).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from floe_testing.labels import LABEL_RUN_ID

Obj = dict[str, Any]

IMAGE_PULL_FATAL = ("ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull")
CONTAINER_CONFIG = ("CreateContainerConfigError", "CreateContainerError", "RunContainerError")


@dataclass(frozen=True)
class Settings:
    """Fail-fast thresholds; the environment variables let CI tune them without a flag."""

    unschedulable_grace: float = 10.0
    transient_grace: float = 3.0
    restart_limit: int = 3
    results_grace: float = 10.0

    @classmethod
    def from_env(cls) -> Settings:
        def number(name: str, default: float) -> float:
            raw = os.environ.get(name)
            return float(raw) if raw else default

        return cls(
            unschedulable_grace=number("FLOE_TEST_UNSCHEDULABLE_GRACE", cls.unschedulable_grace),
            transient_grace=number("FLOE_TEST_TRANSIENT_GRACE", cls.transient_grace),
            restart_limit=int(number("FLOE_TEST_RESTART_LIMIT", cls.restart_limit)),
            results_grace=number("FLOE_TEST_RESULTS_GRACE", cls.results_grace),
        )


@dataclass(frozen=True)
class Problem:
    cause: str
    message: str
    hint: str
    grace: float = 0.0
    pod: str = ""


def _name(obj: Obj) -> str:
    return str(obj.get("metadata", {}).get("name", "?"))


def _statuses(pod: Obj) -> list[Obj]:
    status = pod.get("status") or {}
    return [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]


def is_runner(pod: Obj, run_id: str) -> bool:
    return (pod.get("metadata", {}).get("labels") or {}).get(LABEL_RUN_ID) == run_id


def pod_problem(pod: Obj, run_id: str, settings: Settings) -> Problem | None:
    """The first fail-fast problem of a pod; platform pods only count for crash loops."""
    name = _name(pod)
    runner = is_runner(pod, run_id)
    status = pod.get("status") or {}
    for container in _statuses(pod):
        problem = _restart_problem(name, container, settings)
        if problem is not None:
            return problem
    if not runner:
        return None
    if status.get("reason") == "Evicted" or _condition(pod, "DisruptionTarget"):
        why = status.get("message") or (_condition(pod, "DisruptionTarget") or {}).get("message")
        return Problem(
            "evicted",
            f"test pod {name} was evicted: {why or 'no reason given'}",
            "the node ran short of resources or was drained; check node pressure "
            "(kubectl describe nodes) and the tier's resources, then re-run",
            pod=name,
        )
    for container in _statuses(pod):
        problem = _container_problem(name, container, settings)
        if problem is not None:
            return problem
    scheduled = _condition(pod, "PodScheduled")
    unschedulable = scheduled is not None and scheduled.get("reason") == "Unschedulable"
    if scheduled is not None and unschedulable and scheduled.get("status") == "False":
        return Problem(
            "unschedulable",
            f"test pod {name} cannot be scheduled: {scheduled.get('message', '')}",
            "the cluster lacks room for the pod's requests: free capacity, lower the tier's "
            "resources in [tool.floe-test.tiers], or use fewer --shards",
            grace=settings.unschedulable_grace,
            pod=name,
        )
    return None


def _restart_problem(name: str, container: Obj, settings: Settings) -> Problem | None:
    waiting = (container.get("state") or {}).get("waiting") or {}
    restarts = int(container.get("restartCount") or 0)
    if waiting.get("reason") == "CrashLoopBackOff" or restarts >= settings.restart_limit:
        last = (container.get("lastState") or {}).get("terminated") or {}
        detail = f"last exit {last.get('exitCode')} ({last.get('reason')})" if last else ""
        return Problem(
            "restarts",
            f"container {container.get('name')} of pod {name} restarted {restarts} times "
            f"(CrashLoopBackOff) {detail}".strip(),
            f"read its previous log in the diagnostics (kubectl logs {name} --previous)",
            pod=name,
        )
    return None


def _container_problem(name: str, container: Obj, settings: Settings) -> Problem | None:
    state = container.get("state") or {}
    waiting = state.get("waiting") or {}
    reason, message = waiting.get("reason", ""), waiting.get("message", "")
    image = container.get("image", "")
    if reason in IMAGE_PULL_FATAL or reason == "ErrImagePull":
        return Problem(
            "image-pull",
            f"test pod {name} cannot pull image {image}: {reason} {message}".strip(),
            "check that --image names an image that exists and that the cluster can pull it "
            "(for kind: kind load docker-image IMAGE)",
            grace=0.0 if reason in IMAGE_PULL_FATAL else settings.transient_grace,
            pod=name,
        )
    if reason in CONTAINER_CONFIG:
        return Problem(
            "container-config",
            f"test pod {name} cannot start its container: {reason}: {message}",
            "a Secret or ConfigMap the Job references is missing or wrong; deploy the platform "
            "(without --no-install) or create it in the namespace",
            grace=settings.transient_grace,
            pod=name,
        )
    terminated = state.get("terminated") or {}
    if terminated.get("reason") == "OOMKilled":
        return Problem(
            "oom-killed",
            f"test pod {name} was OOMKilled (exit {terminated.get('exitCode')})",
            "raise the tier's resources.limits.memory in [tool.floe-test.tiers] or shard the "
            "suite with --shards",
            pod=name,
        )
    return None


def _condition(obj: Obj, kind: str) -> Obj | None:
    for condition in (obj.get("status") or {}).get("conditions") or []:
        if condition.get("type") == kind and condition.get("status") == "True":
            return dict(condition)
        if condition.get("type") == kind == "PodScheduled":
            return dict(condition)
    return None


def job_finished(job: Obj) -> str | None:
    """'succeeded', 'failed' or None, from the newer or the classic Job conditions."""
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition.get("status") != "True":
            continue
        if condition.get("type") in ("SuccessCriteriaMet", "Complete"):
            return "succeeded"
        if condition.get("type") in ("FailureTarget", "Failed"):
            return "failed"
    return None


def job_problem(job: Obj, timeout: int) -> Problem | None:
    """Why a failed Job failed, as a problem naming the cause."""
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition.get("type") not in ("FailureTarget", "Failed"):
            continue
        if condition.get("status") != "True":
            continue
        reason = condition.get("reason", "")
        if reason == "DeadlineExceeded":
            return Problem(
                "deadline",
                f"the test Job exceeded its deadline of {timeout}s "
                "(activeDeadlineSeconds); its pods were stopped",
                "raise --timeout (or the tier's timeout); the shard logs show the test that hung",
            )
        return Problem(
            "job-failed",
            f"the test Job failed: {reason}: {condition.get('message', '')}".strip(),
            "a test-runner pod exited without delivering results; read its log in the "
            "diagnostics folder",
        )
    return None
