"""The kubelet half of the harness: run one pod's container as a local process.

Mixed into ``harness.kubelet.Kubelet``; see its docstring for the emptyDir path rewriting.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.emulator import PODS, SECRETS, Obj, now_iso

if TYPE_CHECKING:
    from harness.kubelet import Faults, Kubelet, PodRun

_MESSAGE_LIMIT = 4096
_FALLBACK_LINES = 80


def container_status(container: Obj, state: Obj, **extra: Any) -> Obj:
    return {
        "name": container["name"],
        "image": container["image"],
        "imageID": f"docker-pullable://{container['image']}@sha256:{'0' * 64}",
        "containerID": f"containerd://{os.urandom(16).hex()}",
        "ready": "running" in state,
        "started": "running" in state,
        "restartCount": 0,
        "state": state,
        **extra,
    }


def condition(kind: str, status: str, reason: str = "", message: str = "") -> Obj:
    stamp = now_iso()
    found: Obj = {
        "type": kind,
        "status": status,
        "lastProbeTime": None,
        "lastTransitionTime": stamp,
    }
    if reason:
        found["reason"] = reason
    if message:
        found["message"] = message
    return found


class PodLifecycle:
    """What the kubelet does for a pod, with ``Faults`` standing in for a broken node."""

    async def set_pod(self: Kubelet, pod: Obj, status: Obj) -> Obj | None:
        current = self.api.get(PODS, pod["metadata"]["namespace"], pod["metadata"]["name"])
        if current is None:
            return None
        current["status"] = {**current["status"], **status}
        return await self.api.put(PODS, current)

    def resolve_env(
        self: Kubelet, pod: Obj, container: Obj, index: int
    ) -> tuple[dict[str, str], str]:
        """The container's env as the kubelet computes it; a missing secret is named."""
        env = {"PATH": self.path_env, "HOSTNAME": pod["metadata"]["name"]}
        for var in container.get("env", []):
            if "value" in var:
                env[var["name"]] = var["value"]
                continue
            source = var.get("valueFrom", {})
            if "fieldRef" in source:
                env[var["name"]] = str(index)
            elif "secretKeyRef" in source:
                ref = source["secretKeyRef"]
                secret = self.api.get(SECRETS, pod["metadata"]["namespace"], ref["name"])
                if secret is None or ref["key"] not in (secret.get("data") or {}):
                    return env, ref["name"]
                env[var["name"]] = base64.b64decode(secret["data"][ref["key"]]).decode()
        return env, ""

    async def run_pod(self: Kubelet, pod: Obj, index: int) -> None:
        from harness.kubelet import Faults, PodRun

        ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        run = self.runs[(ns, name)] = PodRun(ns, name, index)
        container = pod["spec"]["containers"][0]
        faults = self.faults if self.faults.applies(index) else Faults()
        if faults.unschedulable:
            await self.set_pod(
                pod,
                {
                    "conditions": [
                        condition(
                            "PodScheduled",
                            "False",
                            "Unschedulable",
                            "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 "
                            "nodes are available: 1 No preemption victims found.",
                        )
                    ]
                },
            )
            await self.event(
                pod, "FailedScheduling", "0/1 nodes are available: 1 Insufficient cpu.", "Warning"
            )
            return
        scheduled = [condition("PodScheduled", "True")]
        env, missing = self.resolve_env(pod, container, index)
        if faults.container_config or missing:
            missing = missing or "polaris-credentials"
            message = f'secret "{missing}" not found'
            await self.set_pod(
                pod,
                {
                    "conditions": scheduled,
                    "containerStatuses": [
                        container_status(
                            container,
                            {
                                "waiting": {
                                    "reason": "CreateContainerConfigError",
                                    "message": message,
                                }
                            },
                        )
                    ],
                },
            )
            await self.event(pod, "Failed", f"Error: {message}", "Warning")
            return
        if faults.image_pull or faults.crash_loop:
            await self._stuck(pod, run, container, faults, scheduled)
            return
        await self._execute(pod, run, container, env, faults, scheduled)

    async def _stuck(
        self: Kubelet, pod: Obj, run: PodRun, container: Obj, faults: Faults, scheduled: list[Obj]
    ) -> None:
        """Image pull failures and crash loops: the pod never gets anywhere."""
        from harness.kubelet import LogBuffer

        restarts = 0
        while not run.killed_reason:
            if faults.image_pull:
                message = (
                    f'rpc error: failed to pull and unpack image "{container["image"]}": not found'
                )
                state = {"waiting": {"reason": faults.image_pull, "message": message}}
                extra: Obj = {}
                await self.event(pod, "Failed", f"Failed to pull image: {message}", "Warning")
            else:
                restarts += 1
                run.previous = LogBuffer()
                await run.previous.append(b"Traceback (most recent call last):\nboom: crashed\n")
                await run.previous.close()
                state = {
                    "waiting": {
                        "reason": "CrashLoopBackOff",
                        "message": "back-off 10s restarting failed container",
                    }
                }
                extra = {
                    "restartCount": restarts,
                    "lastState": {
                        "terminated": {
                            "exitCode": 1,
                            "reason": "Error",
                            "startedAt": now_iso(),
                            "finishedAt": now_iso(),
                        }
                    },
                }
                await self.event(pod, "BackOff", "Back-off restarting failed container", "Warning")
            if (
                await self.set_pod(
                    pod,
                    {
                        "conditions": scheduled,
                        "containerStatuses": [container_status(container, state, **extra)],
                    },
                )
                is None
            ):
                return
            await asyncio.sleep(0.3)

    async def _execute(
        self: Kubelet,
        pod: Obj,
        run: PodRun,
        container: Obj,
        env: dict[str, str],
        faults: Faults,
        scheduled: list[Obj],
    ) -> None:
        from harness.kubelet import container_env, rewrite

        pod_dir = self.work / "pods" / run.namespace / run.name
        mounts = {
            m["mountPath"]: str(pod_dir / m["name"]) for m in container.get("volumeMounts", [])
        }
        termination = pod_dir / "termination-log"
        mounts[container.get("terminationMessagePath", "/dev/termination-log")] = str(termination)
        for path in mounts.values():
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        for mount in container.get("volumeMounts", []):
            Path(mounts[mount["mountPath"]]).mkdir(parents=True, exist_ok=True)
        termination.touch()
        command = [
            rewrite(a, mounts) for a in [*container.get("command", []), *container.get("args", [])]
        ]
        if faults.no_results:
            command = ["python", "-c", "print('the runner exits early without results')"]
        env = container_env(env, mounts)
        started = now_iso()
        run.process = await asyncio.create_subprocess_exec(
            *command,
            cwd=self.repo_root,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        await self.event(pod, "Started", "Started container test-runner")
        await self.set_pod(
            pod,
            {
                "phase": "Running",
                "podIP": "10.244.0.10",
                "startTime": started,
                "conditions": [*scheduled, condition("Ready", "True")],
                "containerStatuses": [
                    container_status(container, {"running": {"startedAt": started}})
                ],
            },
        )
        reader = asyncio.ensure_future(self._read(run, faults))
        code = await run.process.wait()
        await reader
        run.finished_at = time.time()
        self.last_exit = max(self.last_exit, run.finished_at)
        await run.logs.close()
        await self._terminated(pod, run, container, code, termination, started, faults)

    async def _read(self: Kubelet, run: PodRun, faults: Faults) -> None:
        assert run.process is not None
        assert run.process.stdout is not None
        first = True
        while chunk := await run.process.stdout.read(65536):
            await run.logs.append(chunk)
            if first and (faults.oom_kill or faults.evict):
                self.kill(run, "OOMKilled" if faults.oom_kill else "Evicted")
            first = False

    async def _terminated(
        self: Kubelet,
        pod: Obj,
        run: PodRun,
        container: Obj,
        code: int,
        termination: Path,
        started: str,
        faults: Faults,
    ) -> None:
        exit_code = 128 - code if code < 0 else code
        message = termination.read_text(errors="replace")[:_MESSAGE_LIMIT]
        if not message and exit_code != 0:
            tail = run.logs.data.decode(errors="replace").splitlines()[-_FALLBACK_LINES:]
            message = "\n".join(tail)[-2048:]
        reason = "Completed" if exit_code == 0 else "Error"
        status: Obj = {"phase": "Succeeded" if exit_code == 0 else "Failed"}
        if run.killed_reason == "OOMKilled":
            reason = "OOMKilled"
        elif run.killed_reason == "Evicted":
            status.update(
                reason="Evicted",
                message="The node was low on resource: memory. "
                "Threshold quantity: 100Mi, available: 42Mi.",
            )
            status["conditions"] = [
                condition(
                    "DisruptionTarget",
                    "True",
                    "TerminationByKubelet",
                    "The node was low on resource: memory.",
                )
            ]
            await self.event(pod, "Evicted", status["message"], "Warning")
        elif run.killed_reason == "DeadlineExceeded":
            status.update(reason="DeadlineExceeded")
        state = {
            "terminated": {
                "exitCode": exit_code,
                "reason": reason,
                "message": message,
                "startedAt": started,
                "finishedAt": now_iso(),
            }
        }
        status["containerStatuses"] = [container_status(container, state)]
        if await self.set_pod(pod, status) is not None:
            await self.pod_finished(pod)

    def kill(self: Kubelet, run: PodRun, reason: str) -> None:
        run.killed_reason = run.killed_reason or reason
        process = run.process
        if process is None or process.returncode is not None:
            return
        graceful = reason == "DeadlineExceeded"
        try:
            os.killpg(process.pid, signal.SIGTERM if graceful else signal.SIGKILL)
        except ProcessLookupError:
            return
        if graceful:
            asyncio.get_running_loop().call_later(5.0, self._force_kill, process)

    @staticmethod
    def _force_kill(process: asyncio.subprocess.Process) -> None:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
