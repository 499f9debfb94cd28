"""A job controller and kubelet for the emulator: pods really run, as local processes.

For each Job it creates the pods (Indexed: one per index, ``JOB_COMPLETION_INDEX`` in the
env, the completion-index annotation and label), runs each pod's container command as a
local process from the repository root with the container's env, serves its output as the
pod log, and writes pod statuses (every field lightkube requires) and Job conditions
(SuccessCriteriaMet/Complete, FailureTarget/Failed with BackoffLimitExceeded or
DeadlineExceeded), plus Events.

emptyDirs without root or containers: every volumeMount path and the terminationMessagePath
are rewritten, in the container's args and env values, to per-pod directories under the
harness' work dir (so ``--results-dir /results`` becomes ``<pod dir>/results`` and
``FLOE_TERMINATION_LOG=/dev/termination-log`` a per-pod file). The runner contract makes this
enough: it learns every path from its args and env.

``Faults`` injects each infrastructure failure the cluster backend must fail fast on.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.emulator import EVENTS, JOBS, PODS, ClusterEmulator, Obj, now_iso
from harness.pods import PodLifecycle

INDEX_KEY = "batch.kubernetes.io/job-completion-index"


@dataclass
class Faults:
    """Which failure to inject, into which shard (None: every shard)."""

    image_pull: str | None = None  # ErrImagePull, ImagePullBackOff or InvalidImageName
    unschedulable: bool = False
    container_config: bool = False
    oom_kill: bool = False
    crash_loop: bool = False
    evict: bool = False
    no_results: bool = False
    shard: int | None = None

    def applies(self, index: int) -> bool:
        return self.shard is None or self.shard == index


class LogBuffer:
    """A container log: appended by the process reader, read (and followed) by HTTP."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.closed = False
        self._changed = asyncio.Event()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def append(self, chunk: bytes) -> None:
        self.data += chunk
        self._notify()

    async def close(self) -> None:
        self.closed = True
        self._notify()

    async def read(self, follow: bool, drop: asyncio.Event) -> AsyncIterator[bytes]:
        sent = 0
        while True:
            changed = self._changed
            chunk = bytes(self.data[sent:])
            if chunk:
                sent += len(chunk)
                yield chunk
                continue
            if self.closed or not follow or drop.is_set():
                return
            waiters = {asyncio.ensure_future(changed.wait()), asyncio.ensure_future(drop.wait())}
            try:
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()


@dataclass
class PodRun:
    namespace: str
    name: str
    index: int
    logs: LogBuffer = field(default_factory=LogBuffer)
    previous: LogBuffer | None = None
    process: asyncio.subprocess.Process | None = None
    killed_reason: str = ""
    finished_at: float = 0.0


def rewrite(value: str, mounts: dict[str, str]) -> str:
    """Replace container paths (at a path boundary) by their per-pod host paths, in one pass."""
    if not mounts:
        return value
    paths = "|".join(re.escape(p) for p in sorted(mounts, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w./-])(?:{paths})(?=/|$|\s)")
    return pattern.sub(lambda m: mounts[m.group(0)], value)


def container_env(env: dict[str, str], mounts: dict[str, str]) -> dict[str, str]:
    """The container's env with mount paths rewritten, except PATH: that one is the harness'
    own (the venv first), not the pod's, and a checkout under a mount path such as /tmp must
    keep its venv on it."""
    return {key: value if key == "PATH" else rewrite(value, mounts) for key, value in env.items()}


class Kubelet(PodLifecycle):
    """Job controller + kubelet. All methods run on the emulator's event loop."""

    def __init__(self, api: ClusterEmulator, repo_root: Path, work: Path) -> None:
        self.api, self.repo_root, self.work = api, repo_root, work
        self.faults = Faults()
        self.runs: dict[tuple[str, str], PodRun] = {}
        self.tasks: set[asyncio.Task[Any]] = set()
        self.last_exit = 0.0
        self.path_env = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
        self._event_ids = 0
        api.on_created = self._created
        api.on_deleted = self._deleted
        api.log_source = self._log_source

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # --- hooks from the API server ---------------------------------------------------
    def _created(self, plural: str, obj: Obj) -> None:
        if plural == "jobs":
            self._spawn(self.run_job(obj))

    def _deleted(self, plural: str, obj: Obj) -> None:
        if plural == "pods":
            run = self.runs.get((obj["metadata"].get("namespace"), obj["metadata"]["name"]))
            if run is not None:
                self.kill(run, "deleted")

    def _log_source(self, namespace: str, name: str, previous: bool) -> LogBuffer | str:
        run = self.runs.get((namespace, name))
        if run is None:
            return f'container "test-runner" in pod "{name}" is waiting to start: ContainerCreating'
        if previous:
            return (
                run.previous
                or f'previous terminated container "test-runner" in pod "{name}" not found'
            )
        if run.process is None and not run.logs.data and not run.logs.closed:
            return f'container "test-runner" in pod "{name}" is waiting to start: ContainerCreating'
        return run.logs

    # --- events ----------------------------------------------------------------------
    async def event(self, pod: Obj, reason: str, message: str, kind: str = "Normal") -> None:
        self._event_ids += 1
        meta = pod["metadata"]
        stamp = now_iso()
        await self.api.put(
            EVENTS,
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {
                    "name": f"{meta['name']}.{self._event_ids}",
                    "namespace": meta["namespace"],
                    "creationTimestamp": stamp,
                },
                "involvedObject": {
                    "kind": pod.get("kind", "Pod"),
                    "name": meta["name"],
                    "namespace": meta["namespace"],
                    "uid": meta.get("uid"),
                },
                "reason": reason,
                "message": message,
                "type": kind,
                "count": 1,
                "firstTimestamp": stamp,
                "lastTimestamp": stamp,
                "source": {"component": "kubelet"},
            },
        )

    # --- the job controller ------------------------------------------------------------
    async def run_job(self, job: Obj) -> None:
        meta, spec = job["metadata"], job["spec"]
        count = int(spec.get("completions") or 1)
        indexed = spec.get("completionMode") == "Indexed"
        job = await self._patch_job(job, {"startTime": now_iso(), "active": count})
        pods = [await self._create_pod(job, index, indexed) for index in range(count)]
        for pod, index in zip(pods, range(count), strict=True):
            self._spawn(self.run_pod(pod, index))
        deadline = spec.get("activeDeadlineSeconds")
        if deadline:
            self._spawn(self._deadline(meta["namespace"], meta["name"], float(deadline)))

    async def _create_pod(self, job: Obj, index: int, indexed: bool) -> Obj:
        meta, template = job["metadata"], job["spec"]["template"]
        name = f"{meta['name']}-{index}-{os.urandom(3).hex()[:5]}"
        labels = {
            **template["metadata"].get("labels", {}),
            "job-name": meta["name"],
            "batch.kubernetes.io/job-name": meta["name"],
            "controller-uid": meta["uid"],
            "batch.kubernetes.io/controller-uid": meta["uid"],
        }
        annotations = {}
        spec = dict(template["spec"])
        if indexed:
            labels[INDEX_KEY] = str(index)
            annotations[INDEX_KEY] = str(index)
            spec["containers"] = [
                {
                    **c,
                    "env": [
                        *c.get("env", []),
                        {
                            "name": "JOB_COMPLETION_INDEX",
                            "valueFrom": {
                                "fieldRef": {"fieldPath": f"metadata.annotations['{INDEX_KEY}']"}
                            },
                        },
                    ],
                }
                for c in spec["containers"]
            ]
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": name,
                "namespace": meta["namespace"],
                "labels": labels,
                "annotations": annotations,
                "uid": os.urandom(8).hex(),
                "creationTimestamp": now_iso(),
                "ownerReferences": [
                    {
                        "apiVersion": "batch/v1",
                        "kind": "Job",
                        "name": meta["name"],
                        "uid": meta["uid"],
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
            },
            "spec": {**spec, "nodeName": "emulated-node"},
            "status": {"phase": "Pending", "qosClass": "Burstable", "conditions": []},
        }
        return await self.api.put(PODS, pod, "ADDED")

    async def _patch_job(self, job: Obj, status: dict[str, Any]) -> Obj:
        current = self.api.get(JOBS, job["metadata"]["namespace"], job["metadata"]["name"])
        if current is None:
            return job
        current["status"] = {**(current.get("status") or {}), **status}
        return await self.api.put(JOBS, current)

    async def _deadline(self, namespace: str, name: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        job = self.api.get(JOBS, namespace, name)
        if job is None or self._finished(job):
            return
        await self._fail_job(
            job, "DeadlineExceeded", "Job was active longer than specified deadline"
        )

    @staticmethod
    def _finished(job: Obj) -> bool:
        return any(
            c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
            for c in (job.get("status") or {}).get("conditions") or []
        )

    @staticmethod
    def _condition(kind: str, reason: str, message: str) -> Obj:
        stamp = now_iso()
        return {
            "type": kind,
            "status": "True",
            "reason": reason,
            "message": message,
            "lastProbeTime": stamp,
            "lastTransitionTime": stamp,
        }

    async def _fail_job(self, job: Obj, reason: str, message: str) -> None:
        ns, name = job["metadata"]["namespace"], job["metadata"]["name"]
        job = await self._patch_job(
            job, {"conditions": [self._condition("FailureTarget", reason, message)]}
        )
        for run in [r for r in self.runs.values() if r.namespace == ns and r.name.startswith(name)]:
            if run.process is not None and run.process.returncode is None:
                self.kill(run, reason)
        await asyncio.sleep(0.05)
        conditions = [
            *(job.get("status") or {}).get("conditions", []),
            self._condition("Failed", reason, message),
        ]
        await self._patch_job(job, {"conditions": conditions, "active": 0})

    async def pod_finished(self, pod: Obj) -> None:
        """Recompute the owning Job's status, as the job controller's sync does."""
        owner = pod["metadata"]["ownerReferences"][0]["name"]
        ns = pod["metadata"]["namespace"]
        job = self.api.get(JOBS, ns, owner)
        if job is None or self._finished(job):
            return
        pods = [
            p for p in self.api.items(PODS, ns) if p["metadata"]["labels"].get("job-name") == owner
        ]
        succeeded = [p for p in pods if p["status"]["phase"] == "Succeeded"]
        failed = [p for p in pods if p["status"]["phase"] == "Failed"]
        indexes = sorted(int(p["metadata"]["labels"].get(INDEX_KEY, 0)) for p in succeeded)
        status: dict[str, Any] = {
            "succeeded": len(succeeded),
            "failed": len(failed),
            "active": len(pods) - len(succeeded) - len(failed),
            "completedIndexes": ",".join(map(str, indexes)),
        }
        job = await self._patch_job(job, status)
        completions = int(job["spec"].get("completions") or 1)
        per_index = job["spec"].get("backoffLimitPerIndex") is not None
        if per_index and failed and len(failed) + len(succeeded) >= completions:
            await self._fail_job(job, "FailedIndexes", "Job has failed indexes")
        elif not per_index and len(failed) > int(job["spec"].get("backoffLimit", 6)):
            await self._fail_job(
                job, "BackoffLimitExceeded", "Job has reached the specified backoff limit"
            )
        elif len(succeeded) >= int(job["spec"].get("completions") or 1):
            done = [
                self._condition(
                    "SuccessCriteriaMet",
                    "CompletionsReached",
                    "Reached expected number of succeeded pods",
                )
            ]
            job = await self._patch_job(job, {"conditions": done})
            await self._patch_job(
                job,
                {
                    "completionTime": now_iso(),
                    "conditions": [
                        *done,
                        self._condition(
                            "Complete",
                            "CompletionsReached",
                            "Reached expected number of succeeded pods",
                        ),
                    ],
                },
            )
