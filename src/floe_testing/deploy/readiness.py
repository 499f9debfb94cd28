"""Wait for the platform the chart deployed, failing fast on pods that will never be ready.

Helm's ``--wait`` gives up only at its timeout and says little; here the run's namespace is
polled every second and a pod stuck on an image pull, crash-looping, OOM-killed, evicted or
unschedulable past a grace period ends the wait at once with the pod, the reason and the next
step. The rules are the test Job's (``cluster.classify``, one rule set for every pod), with
the namespace's history (``Baseline``) ignored. Ready means: the helm install finished, and
every Deployment and StatefulSet in the namespace reports all its replicas ready.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import httpx2

from floe_testing.core.errors import InfrastructureError
from floe_testing.core.polling import WaitTimeout, wait_for
from floe_testing.jobs.classify import Judge, Settings
from floe_testing.tools.helm import Install


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


def check_once(snapshot: Snapshot, judge: Judge) -> list[str]:
    """Raise on a fatal pod; otherwise the names of workloads not ready yet."""
    for pod in snapshot.pods:
        found = judge.fatal(pod)
        if found:
            raise InfrastructureError(
                f"the platform will not become ready: {found.message}",
                found.hint,
                cause=found.cause,
            )
    return [
        f"{w.get('kind', 'workload')}/{w.get('metadata', {}).get('name', '?')}"
        for w in snapshot.workloads
        if not workload_ready(w)
    ]


def unready_containers(pods: list[dict[str, Any]]) -> list[str]:
    """Why each live pod is not ready, by container: its startup probe has not passed yet
    (``started`` false while running), its readiness probe fails, or it waits (the reason)."""
    found = []
    for pod in pods:
        meta, status = pod.get("metadata") or {}, pod.get("status") or {}
        if meta.get("deletionTimestamp") or status.get("phase") in ("Succeeded", "Failed"):
            continue
        for container in status.get("containerStatuses") or []:
            state = container.get("state") or {}
            if container.get("ready"):
                continue
            if "running" in state:
                why = "readiness probe failing" if container.get("started") else STARTUP_PENDING
            elif "waiting" in state:
                why = (state["waiting"] or {}).get("reason") or "waiting"
            else:
                why = "terminated"
            found.append(f"{meta.get('name', '?')} ({container.get('name', '?')}: {why})")
    return found


STARTUP_PENDING = "startup probe not passed"


def wait_platform_ready(
    observe: Callable[[], Snapshot],
    install: Install,
    *,
    timeout: float,
    interval: float = 1.0,
    judge: Judge | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, float]:
    """Poll until installed and ready; cancel the install and raise on the first fatal pod.

    Returns seconds from the start until helm finished (``install``) and until every workload
    was ready (``platform ready``).
    """
    judge = judge or Judge(Settings.from_env())
    state: dict[str, Iterable[str]] = {"pending": ["helm install"]}
    start = clock()
    times: dict[str, float] = {}

    def ready() -> bool:
        snapshot = observe()
        pending = check_once(snapshot, judge)
        if "install" not in times and install.done():
            install.result()  # once: it raises if helm failed
            times["install"] = clock() - start
        elif "install" not in times:
            pending.append("helm upgrade --install")
        if not snapshot.workloads:
            pending.append("the chart's workloads to appear")
        state["pending"] = pending
        state["unready"] = unready_containers(snapshot.pods)
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
        unready = list(state.get("unready", []))
        hint = "see diagnostics/ for pod logs and events; a slow image pull can need a longer "
        hint += "--timeout"
        if any(STARTUP_PENDING in line for line in unready):
            hint = (
                "the probes' failures are in diagnostics/events.txt; a probe that times out on "
                "a busy node needs a longer timeoutSeconds or more CPU for its container "
                "(values: the component's probes and resources)"
            )
        raise InfrastructureError(
            f"the platform was not ready after {timeout:g}s; still waiting for: "
            f"{', '.join(state['pending'])}"
            + (f"; not ready: {', '.join(unready)}" if unready else ""),
            hint,
            cause="platform-timeout",
        ) from exc
    except BaseException:
        install.cancel()
        raise
    times["platform ready"] = clock() - start
    return times
