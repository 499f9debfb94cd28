"""Wait for a test Job by watching, with live shard logs and fail-fast classification.

Two watch threads (the namespace's pods, the run's Job) and one log thread per shard pod feed
one queue; the main loop applies ``classify`` to every change and ticks for grace periods.
Each watch starts with a list and continues from the list's resourceVersion; a dropped watch
resumes from the last version it saw, and a 410 Gone (the version is too old) lists again,
reporting objects that vanished meanwhile as DELETED. A dropped or timed-out log stream is
re-read from its last timestamp (``logcursor``), which survives kubelet log rotation. A
refused permission (``kube.Forbidden``) ends the run at once. The run is done as soon as every
shard's container has terminated and its log was read to the end: no waiting for the Job
controller's sync.

A test container OOM-killed is held, not raised (``held``): the kernel kills the biggest
process, pytest, and the runner still frames the results it had (the tests before, the one
running as an error) into the log before it exits; the caller writes them, then fails the run
with the cause.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from floe_testing.config.labels import LABEL_RUN_ID
from floe_testing.core.errors import InfrastructureError
from floe_testing.core.ui import Ui
from floe_testing.jobs import classify
from floe_testing.jobs.logcursor import LogCursor
from floe_testing.protocol import frames
from floe_testing.tools.kube import READ_TIMEOUTS, Forbidden, Gone, Kube, Obj

INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index"
_TICK = 0.2
AFTER_RESULTS = frozenset({"oom-killed"})  # causes judged once the shard's log was read


class Failed(InfrastructureError):
    """A fail-fast cause, with the problem for the diagnostics summary."""

    def __init__(self, problem: classify.Problem) -> None:
        super().__init__(problem.message, problem.hint, cause=problem.cause)
        self.problem = problem


@dataclass
class Shard:
    index: int
    pod: str = ""
    lines: list[str] = field(default_factory=list)
    started: bool = False
    done: bool = False
    terminated: Obj | None = None


def shard_index(pod: Obj) -> int:
    meta = pod.get("metadata") or {}
    raw = (meta.get("annotations") or {}).get(INDEX_ANNOTATION) or (meta.get("labels") or {}).get(
        INDEX_ANNOTATION
    )
    return int(raw) if raw is not None else 0


def runner_state(pod: Obj) -> tuple[bool, Obj | None]:
    """(container started, its terminated state or None)."""
    for container in (pod.get("status") or {}).get("containerStatuses") or []:
        state = container.get("state") or {}
        if state.get("terminated"):
            return True, state["terminated"]
        if state.get("running"):
            return True, None
    return False, None


class Monitor:
    def __init__(
        self,
        kube: Kube,
        namespace: str,
        job_name: str,
        run_id: str,
        shards: int,
        ui: Ui,
        logs_dir: Path,
        settings: classify.Settings,
        timeout: int,
        out: TextIO | None = None,
    ) -> None:
        self.kube, self.namespace, self.job_name, self.run_id = kube, namespace, job_name, run_id
        self.ui, self.logs_dir, self.settings, self.timeout = ui, logs_dir, settings, timeout
        self.out = out or sys.stdout
        self.shards = {i: Shard(i) for i in range(shards)}
        self.pods: dict[str, Obj] = {}
        self.job: Obj | None = None
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.stop = threading.Event()
        self._print_lock = threading.Lock()
        self.judge = classify.Judge(settings, run_id)
        self.watch_restarts = 0
        self.last_exit: float | None = None
        self.held: dict[int, classify.Problem] = {}  # shard -> its cause, raised by the caller

    # --- producers -------------------------------------------------------------------
    def _watch(self, kind: str, labels: dict[str, str] | None) -> None:
        failures, version = 0, None
        known: set[str] = set()
        while not self.stop.is_set():
            try:
                if version is None:
                    version = self._relist(kind, labels, known)
                for event, obj in self.kube.watch(kind, self.namespace, labels, version):
                    failures = 0
                    version = (obj.get("metadata") or {}).get("resourceVersion") or version
                    if event == "BOOKMARK":
                        continue
                    name = obj["metadata"]["name"]
                    (known.discard if event == "DELETED" else known.add)(name)
                    self.events.put((kind, (event, obj)))
                    if self.stop.is_set():
                        return
                continue  # the server ended the request (timeoutSeconds): resume from version
            except Forbidden as exc:
                self.events.put(("fatal", exc))
                return
            except Gone as exc:
                version = None
                reason = f"{exc}; listing again"
            except Exception as exc:
                failures += 1
                reason = f"{type(exc).__name__}: {exc}"
            if self.stop.is_set():
                return
            self.events.put(("watch-dropped", f"{kind} watch ended ({reason}); resuming"))
            self.stop.wait(min(0.1 * 2**failures, 2.0) if failures else 0.05)

    def _relist(self, kind: str, labels: dict[str, str] | None, known: set[str]) -> str | None:
        """The current state as events (vanished objects as DELETED); the version to go on."""
        items, version = self.kube.list_versioned(kind, self.namespace, labels)
        names = {item["metadata"]["name"] for item in items}
        for gone in known - names:
            meta = {"name": gone, "namespace": self.namespace}
            self.events.put((kind, ("DELETED", {"kind": kind, "metadata": meta})))
        known.clear()
        known.update(names)
        for item in items:
            item.setdefault("kind", kind)
            self.events.put((kind, ("ADDED", item)))
        return version

    def _stream(self, shard: Shard) -> None:
        """Follow the shard's log to its end; after a cut or a quiet spell, read on from the
        cursor. A read cut short after the container ended gets one more read: the results
        frame is the last thing the runner prints."""
        cursor, last_read = LogCursor(), False
        while not self.stop.is_set():
            cursor.restart()
            clean = False
            try:
                for raw in self.kube.log(
                    shard.pod,
                    self.namespace,
                    follow=True,
                    timestamps=True,
                    since_time=cursor.since_time(),
                ):
                    line = cursor.accept(raw)
                    if line is not None:
                        self._line(shard, line)
                clean = True
            except READ_TIMEOUTS:
                pass  # quiet for a while (a slow test, a rotated file): read on from the cursor
            except Forbidden as exc:
                self.events.put(("fatal", exc))
                return
            except Exception as exc:
                self.events.put(("log-dropped", f"shard {shard.index} log: {exc}"))
            if last_read:
                break
            pod = self.pods.get(shard.pod) or {}
            if runner_state(pod)[1] is not None or self._terminated_now(shard):
                if clean:
                    break
                last_read = True
                continue
            self.stop.wait(0.1)
        self.events.put(("log-done", shard.index))

    def _terminated_now(self, shard: Shard) -> bool:
        try:
            pod = self.kube.get("Pod", shard.pod, self.namespace)
        except Exception:
            return False
        return pod is None or runner_state(pod)[1] is not None

    def _line(self, shard: Shard, line: str) -> None:
        shard.lines.append(line)
        if frames.is_frame(line):
            return
        with self._print_lock:
            self.out.write(f"[shard {shard.index}] {line}\n")
            self.out.flush()
        with (self.logs_dir / f"shard-{shard.index}.log").open("a", encoding="utf-8") as log:
            log.write(line + "\n")

    def _thread(self, target: Callable[..., None], *args: Any) -> None:
        threading.Thread(target=target, args=args, daemon=True).start()

    # --- the loop --------------------------------------------------------------------
    def wait(self) -> dict[int, Shard]:
        """Every shard's terminated state and log, or raise ``Failed`` on a fail-fast cause."""
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        self._thread(self._watch, "Pod", None)
        self._thread(self._watch, "Job", {LABEL_RUN_ID: self.run_id})
        deadline = time.monotonic() + self.timeout + 30
        try:
            for kind, payload in self._drain(deadline):
                self._handle(kind, payload)
                self._check_graces()
                if all(s.done for s in self.shards.values()):
                    return self.shards
            raise InfrastructureError(
                f"the test Job did not finish within {self.timeout + 30}s",
                "the cluster stopped reporting progress; see the diagnostics folder",
                cause="host-deadline",
            )
        finally:
            self.stop.set()

    def _drain(self, deadline: float) -> Iterator[tuple[str, Any]]:
        while time.monotonic() < deadline:
            try:
                yield self.events.get(timeout=_TICK)
            except queue.Empty:
                yield "tick", None

    def _handle(self, kind: str, payload: Any) -> None:
        if kind == "Pod":
            self._on_pod(*payload)
        elif kind == "Job":
            self.job = payload[1]
            self._on_job()
        elif kind == "fatal":
            raise payload
        elif kind in ("watch-dropped", "log-dropped"):
            self.watch_restarts += 1
            self.ui.warn(str(payload))
        elif kind == "log-done":
            self._on_log_done(self.shards[payload])

    def _on_pod(self, event: str, pod: Obj) -> None:
        name = pod["metadata"]["name"]
        if event == "DELETED":
            self.pods.pop(name, None)
            return
        self.pods[name] = pod
        self._judge(pod)
        if not classify.is_runner(pod, self.run_id):
            return
        shard = self.shards.get(shard_index(pod))
        if shard is None:
            return
        started, terminated = runner_state(pod)
        if started and not shard.started:
            shard.pod, shard.started = name, True
            self._thread(self._stream, shard)
        if terminated is not None:
            shard.terminated = terminated

    def _on_log_done(self, shard: Shard) -> None:
        pod = self.pods.get(shard.pod)
        if shard.terminated is None and pod is not None:
            shard.terminated = runner_state(pod)[1]
        if shard.terminated is None:
            fresh = self.kube.get("Pod", shard.pod, self.namespace)
            shard.terminated = runner_state(fresh)[1] if fresh else {"exitCode": -1}
        if pod is not None:
            self._judge(pod)
        shard.done = True
        self.last_exit = time.monotonic()

    def _on_job(self) -> None:
        assert self.job is not None
        if classify.job_finished(self.job) != "failed":
            return
        problem = classify.job_problem(self.job, self.timeout)
        if problem is None:
            return
        if problem.cause == "job-failed":
            # A runner exits 1 when its tests fail, so a Failed Job (BackoffLimitExceeded,
            # FailedIndexes) is the normal end of a red run. The Job watch can be ahead of the
            # pod watch: re-read the pods; a pod's own cause is more precise.
            for pod in self.kube.list("Pod", self.namespace, {LABEL_RUN_ID: self.run_id}):
                self._on_pod("MODIFIED", pod)
                found = self.judge.problem(pod)
                if found is not None and not self._holds(pod, found):
                    raise Failed(found)
            if all(s.done or s.terminated is not None for s in self.shards.values()):
                return  # every shard ended: its results decide (a runner crash = no results)
        raise Failed(problem)

    def _check_graces(self) -> None:
        for pod in list(self.pods.values()):
            self._judge(pod)

    def _judge(self, pod: Obj) -> None:
        """Raise the pod's fail-fast problem, unless it is held until the results are read."""
        problem = self.judge.fatal(pod)
        if problem is not None and not self._holds(pod, problem):
            raise Failed(problem)

    def _holds(self, pod: Obj, problem: classify.Problem) -> bool:
        """Hold ``problem`` when it ended one of this run's test containers whose log may
        still carry its results (``AFTER_RESULTS``)."""
        if problem.cause not in AFTER_RESULTS or not classify.is_runner(pod, self.run_id):
            return False
        if runner_state(pod)[1] is None or shard_index(pod) not in self.shards:
            return False
        self.held.setdefault(shard_index(pod), problem)
        return True
