"""Wait for the platform the chart deployed, failing fast on pods that will never be ready.

Helm's ``--wait`` gives up only at its timeout and says little; here the run's namespace is
polled every second and a pod stuck on an image pull, crash-looping, OOM-killed, evicted or
unschedulable past a grace period ends the wait at once with the pod, the reason and the next
step. Ready means: the helm install finished, and every Deployment and StatefulSet in the
namespace reports all its replicas ready.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx2

from floe_testing.deploy.helm import Install
from floe_testing.errors import InfrastructureError
from floe_testing.polling import WaitTimeout, wait_for

PULL_ERRORS = frozenset({"ErrImagePull", "ImagePullBackOff"})
FATAL_WAITING = frozenset(
    {"InvalidImageName", "ErrImageNeverPull", "CreateContainerConfigError", "CreateContainerError"}
)
PULL_GRACE = 20.0
UNSCHEDULABLE_GRACE = 30.0
RESTART_LIMIT = 3


@dataclass(frozen=True)
class PodProblem:
    pod: str
    reason: str
    detail: str
    hint: str


@dataclass
class PodJudge:
    """Decides whether a pod's state is fatal; remembers when transient states began."""

    clock: Callable[[], float] = time.monotonic
    first_seen: dict[tuple[str, str], float] = field(default_factory=dict)

    def _lasted(self, key: tuple[str, str], grace: float) -> bool:
        start = self.first_seen.setdefault(key, self.clock())
        return self.clock() - start >= grace

    def problem(self, pod: dict[str, Any]) -> PodProblem | None:
        name = pod.get("metadata", {}).get("name", "?")
        status = pod.get("status") or {}
        if status.get("reason") == "Evicted":
            return PodProblem(
                name,
                "Evicted",
                status.get("message", ""),
                "the node ran short of resources: give the engine more memory/disk",
            )
        if status.get("phase") == "Failed":
            return PodProblem(
                name,
                "Failed",
                status.get("message", "the pod failed"),
                f"read its log: kubectl logs {name} (also in diagnostics/)",
            )
        for condition in status.get("conditions") or []:
            if (
                condition.get("type") == "PodScheduled"
                and condition.get("status") == "False"
                and condition.get("reason") == "Unschedulable"
                and self._lasted((name, "Unschedulable"), UNSCHEDULABLE_GRACE)
            ):
                return PodProblem(
                    name,
                    "Unschedulable",
                    condition.get("message", ""),
                    "the node lacks CPU or memory for the profile's requests: give "
                    "the container engine more resources or use a smaller profile",
                )
        for container in [
            *(status.get("initContainerStatuses") or []),
            *(status.get("containerStatuses") or []),
        ]:
            found = self._container_problem(name, container)
            if found:
                return found
        return None

    def _container_problem(self, pod: str, container: dict[str, Any]) -> PodProblem | None:
        cname = container.get("name", "?")
        state = container.get("state") or {}
        waiting = state.get("waiting") or {}
        reason = waiting.get("reason", "")
        message = waiting.get("message", "")
        image = container.get("image", "?")
        if reason in FATAL_WAITING:
            return PodProblem(
                pod,
                reason,
                f"container {cname} ({image}): {message}",
                "check the image reference and the Secrets/ConfigMaps it uses",
            )
        if reason in PULL_ERRORS and self._lasted((pod, cname + ":pull"), PULL_GRACE):
            return PodProblem(
                pod,
                reason,
                f"container {cname} cannot pull {image}: {message}",
                "check the image name and that the nodes can reach its registry "
                "(the kind backend loads the images it builds into the nodes)",
            )
        last = (container.get("lastState") or {}).get("terminated") or {}
        if (
            last.get("reason") == "OOMKilled"
            or (state.get("terminated") or {}).get("reason") == "OOMKilled"
        ):
            return PodProblem(
                pod,
                "OOMKilled",
                f"container {cname} ran out of memory",
                "raise its memory limit in the tier's values file of the chart",
            )
        if int(container.get("restartCount", 0)) >= RESTART_LIMIT:
            return PodProblem(
                pod,
                "CrashLoopBackOff",
                f"container {cname} restarted {container['restartCount']} times "
                f"(last exit: {last.get('exitCode', '?')} {last.get('reason', '')})",
                f"read its log: kubectl logs {pod} -c {cname} --previous",
            )
        return None


def workload_ready(obj: dict[str, Any]) -> bool:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    wanted = int(spec.get("replicas", 1))
    return int(status.get("readyReplicas") or 0) >= wanted


@dataclass(frozen=True)
class Snapshot:
    """What the namespace holds right now: pods, and Deployments plus StatefulSets."""

    pods: list[dict[str, Any]]
    workloads: list[dict[str, Any]]


def check_once(snapshot: Snapshot, judge: PodJudge) -> list[str]:
    """Raise on a fatal pod; otherwise the names of workloads not ready yet."""
    for pod in snapshot.pods:
        found = judge.problem(pod)
        if found:
            raise InfrastructureError(
                f"platform pod {found.pod} will not become ready: {found.reason}: {found.detail}",
                found.hint,
                cause=found.reason,
            )
    return [
        f"{w.get('kind', 'workload')}/{w.get('metadata', {}).get('name', '?')}"
        for w in snapshot.workloads
        if not workload_ready(w)
    ]


def wait_platform_ready(
    observe: Callable[[], Snapshot],
    install: Install,
    *,
    timeout: float,
    interval: float = 1.0,
    judge: PodJudge | None = None,
) -> None:
    """Poll until installed and ready; cancel the install and raise on the first fatal pod."""
    judge = judge or PodJudge()
    state: dict[str, Iterable[str]] = {"pending": ["helm install"]}

    def ready() -> bool:
        snapshot = observe()
        pending = check_once(snapshot, judge)
        if install.done():
            install.result()
        else:
            pending.append("helm upgrade --install")
        if not snapshot.workloads:
            pending.append("the chart's workloads to appear")
        state["pending"] = pending
        return not pending

    try:
        wait_for(
            ready,
            timeout=timeout,
            interval=interval,
            description="the platform to be ready",
            retry_on=(OSError, httpx2.TransportError),
        )
    except WaitTimeout as exc:
        install.cancel()
        raise InfrastructureError(
            f"the platform was not ready after {timeout:g}s; still waiting for: "
            f"{', '.join(state['pending'])}",
            "see diagnostics/ for pod logs and events; a slow image pull can need a longer "
            "--timeout",
            cause="platform-timeout",
        ) from exc
    except BaseException:
        install.cancel()
        raise
