"""Pod and Job states -> the infrastructure causes that end a run at once (exit 3).

The one set of rules for every pod floe-test judges: the test Job's pods (``monitor``) and
the platform's pods while the chart comes up (``deploy.readiness``). Pure functions over plain
objects, so every rule is unit-tested without a cluster. Each problem carries a grace: 0
means fatal when first seen; otherwise ``Judge`` fails only when the same problem persisted
that long (a pod can be Unschedulable for a moment while a node frees up; a single
ErrImagePull can be a registry hiccup the kubelet retries).

A long-lived namespace (``--namespace``) holds history: pods that failed or were evicted
before this run, restart counts and OOM kills of earlier days. ``Baseline`` records what was
there when the run began; finished pods from then are ignored and only restarts since then
count.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from floe_testing.config.labels import LABEL_RUN_ID

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


@dataclass
class Baseline:
    """The namespace's pods when the run began: which had finished, how often each restarted."""

    known: set[str] = field(default_factory=set)
    finished: set[str] = field(default_factory=set)
    restarts: dict[tuple[str, str], int] = field(default_factory=dict)

    @classmethod
    def of(cls, pods: Iterable[Obj]) -> Baseline:
        baseline = cls()
        for pod in pods:
            key = _key(pod)
            baseline.known.add(key)
            status = pod.get("status") or {}
            if status.get("phase") in ("Failed", "Succeeded") or status.get("reason") == "Evicted":
                baseline.finished.add(key)
            for container in _statuses(pod):
                count = int(container.get("restartCount") or 0)
                baseline.restarts[(key, str(container.get("name")))] = count
        return baseline

    def new_restarts(self, pod: Obj, container: Obj) -> int:
        count = int(container.get("restartCount") or 0)
        return count - self.restarts.get((_key(pod), str(container.get("name"))), 0)


@dataclass
class Judge:
    """Applies the rules with their grace periods; remembers when each problem began.

    ``run_id``: the monitor's view (the run's test pods get every rule, other pods only the
    crash-loop rule, and a test pod's failed phase is a test verdict, not a problem); None:
    readiness' view (every pod is a platform pod that must come up).
    """

    settings: Settings = field(default_factory=Settings)
    run_id: str | None = None
    baseline: Baseline = field(default_factory=Baseline)
    clock: Callable[[], float] = time.monotonic
    first_seen: dict[tuple[str, str], float] = field(default_factory=dict)

    def remember(self, pods: Iterable[Obj]) -> None:
        """What the namespace held before the run (see ``Baseline``)."""
        self.baseline = Baseline.of(pods)

    def problem(self, pod: Obj) -> Problem | None:
        """The pod's problem now, whether or not its grace has passed."""
        return pod_problem(pod, self.run_id, self.settings, self.baseline)

    def fatal(self, pod: Obj) -> Problem | None:
        """The pod's problem once it lasted its grace; None while healthy or within it."""
        name = _name(pod)
        problem = self.problem(pod)
        if problem is None:  # recovered: a later recurrence starts a fresh grace
            for key in [k for k in self.first_seen if k[0] == name]:
                del self.first_seen[key]
            return None
        since = self.first_seen.setdefault((name, problem.cause), self.clock())
        return problem if self.clock() - since >= problem.grace else None


def _name(obj: Obj) -> str:
    return str(obj.get("metadata", {}).get("name", "?"))


def _key(pod: Obj) -> str:
    meta = pod.get("metadata") or {}
    return str(meta.get("uid") or meta.get("name", "?"))


def _statuses(pod: Obj) -> list[Obj]:
    status = pod.get("status") or {}
    return [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]


def is_runner(pod: Obj, run_id: str | None) -> bool:
    labels = pod.get("metadata", {}).get("labels") or {}
    return run_id is not None and labels.get(LABEL_RUN_ID) == run_id


def pod_problem(
    pod: Obj, run_id: str | None, settings: Settings, baseline: Baseline | None = None
) -> Problem | None:
    """The first fail-fast problem of a pod (see ``Judge`` for whose rules apply)."""
    baseline = baseline or Baseline()
    if _key(pod) in baseline.finished:
        return None  # history of a long-lived namespace
    runner = is_runner(pod, run_id)
    who = "test pod" if runner else "platform pod"
    containers = _statuses(pod)
    if run_id is not None and not runner:  # the monitor's view of the platform: crash loops
        return _first(_restart_problem(pod, c, settings, baseline, who) for c in containers)
    # the most precise cause first: a waiting reason names it better than a restart count
    return (
        _lifecycle_problem(pod, who, runner)
        or _scheduling_problem(pod, who, settings)
        or _first(_waiting_problem(pod, c, settings, who) for c in containers)
        or _first(_restart_problem(pod, c, settings, baseline, who) for c in containers)
        or _first(_oom_problem(pod, c, baseline, who) for c in containers)
    )


def _first(problems: Iterable[Problem | None]) -> Problem | None:
    return next((p for p in problems if p is not None), None)


def _lifecycle_problem(pod: Obj, who: str, runner: bool) -> Problem | None:
    name, status = _name(pod), pod.get("status") or {}
    disruption = _condition(pod, "DisruptionTarget")
    if status.get("reason") == "Evicted" or disruption:
        why = status.get("message") or (disruption or {}).get("message")
        return Problem(
            "evicted",
            f"{who} {name} was evicted: {why or 'no reason given'}",
            "the node ran short of resources or was drained; check node pressure "
            "(kubectl describe nodes) and the resources, then re-run",
            pod=name,
        )
    if status.get("phase") == "Failed" and not runner:
        return Problem(
            "pod-failed",
            f"{who} {name} failed: {status.get('message') or status.get('reason') or 'no reason'}",
            f"read its log: kubectl logs {name} (also in diagnostics/)",
            pod=name,
        )
    return None


def _scheduling_problem(pod: Obj, who: str, settings: Settings) -> Problem | None:
    scheduled = _condition(pod, "PodScheduled")
    if (
        scheduled is not None
        and scheduled.get("reason") == "Unschedulable"
        and scheduled.get("status") == "False"
    ):
        return Problem(
            "unschedulable",
            f"{who} {_name(pod)} cannot be scheduled: {scheduled.get('message', '')}",
            "the cluster lacks room for the pod's requests: free capacity, lower the tier's "
            "resources in [tool.floe-test.tiers] (or the chart's values), or use fewer --shards",
            grace=settings.unschedulable_grace,
            pod=_name(pod),
        )
    return None


def _restart_problem(
    pod: Obj, container: Obj, settings: Settings, baseline: Baseline, who: str
) -> Problem | None:
    name = _name(pod)
    waiting = (container.get("state") or {}).get("waiting") or {}
    restarts = baseline.new_restarts(pod, container)
    looping = waiting.get("reason") == "CrashLoopBackOff" and (
        restarts > 0 or _key(pod) not in baseline.known
    )
    if looping or restarts >= settings.restart_limit:
        last = (container.get("lastState") or {}).get("terminated") or {}
        detail = f"last exit {last.get('exitCode')} ({last.get('reason')})" if last else ""
        return Problem(
            "restarts",
            f"container {container.get('name')} of {who} {name} restarted {restarts} times "
            f"(CrashLoopBackOff) {detail}".strip(),
            f"read its previous log in the diagnostics (kubectl logs {name} "
            f"-c {container.get('name')} --previous)",
            pod=name,
        )
    return None


def _waiting_problem(pod: Obj, container: Obj, settings: Settings, who: str) -> Problem | None:
    name = _name(pod)
    waiting = (container.get("state") or {}).get("waiting") or {}
    reason, message = waiting.get("reason", ""), waiting.get("message", "")
    image = container.get("image", "")
    if reason in IMAGE_PULL_FATAL or reason == "ErrImagePull":
        return Problem(
            "image-pull",
            f"{who} {name} cannot pull image {image}: {reason} {message}".strip(),
            "check that the image exists and that the cluster can pull it (--image for the "
            "test runner, --platform-image for the platform; for kind: kind load docker-image "
            "IMAGE; for scripts/k8s-local: scripts/k8s-local load IMAGE)",
            grace=0.0 if reason in IMAGE_PULL_FATAL else settings.transient_grace,
            pod=name,
        )
    if reason in CONTAINER_CONFIG:
        return Problem(
            "container-config",
            f"{who} {name} cannot start its container: {reason}: {message}",
            "a Secret or ConfigMap the pod references is missing or wrong; deploy the platform "
            "(without --no-install) or create it in the namespace",
            grace=settings.transient_grace,
            pod=name,
        )
    return None


def _oom_problem(pod: Obj, container: Obj, baseline: Baseline, who: str) -> Problem | None:
    state = container.get("state") or {}
    last = (container.get("lastState") or {}).get("terminated") or {}
    oom = (state.get("terminated") or {}).get("reason") == "OOMKilled" or (
        last.get("reason") == "OOMKilled"
        and (baseline.new_restarts(pod, container) > 0 or _key(pod) not in baseline.known)
    )
    if not oom:
        return None
    return oom_killed(_name(pod), str(container.get("name")), who)


def oom_killed(pod: str, container: str, who: str = "test pod") -> Problem:
    """The OOM kill of ``container``, whether its pod status said so or the runner saw it."""
    return Problem(
        "oom-killed",
        f"{who} {pod} was OOMKilled (container {container} exceeded its memory limit)",
        "raise the memory limit (the tier's resources.limits.memory in "
        "[tool.floe-test.tiers], or the chart's values) or shard the suite with --shards",
        pod=pod,
    )


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
