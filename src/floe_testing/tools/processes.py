"""Start platform processes in their own sessions and end every one of them.

Each process leads a new session (its own process group), so ending the group also ends
the children it spawned (Dagster's code servers and run workers). Descendants that left
the group are found with psutil. On Linux each direct child also gets PDEATHSIG, so a
SIGKILLed floe-test does not leave a platform behind. Python services can instead be forked
from one preloaded interpreter (``preload`` then ``start_python``: ``tools/preload.py``),
with the same session, log, environment and PDEATHSIG.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol

import psutil

from floe_testing.tools.preload import PreloadServer


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class Child(Protocol):
    """What the supervisor needs of a process: ``subprocess.Popen`` and ``ForkedProcess``."""

    pid: int

    @property
    def returncode(self) -> int | None: ...

    def poll(self) -> int | None: ...

    def wait(self, timeout: float | None = None) -> int: ...


@dataclass
class ManagedProcess:
    name: str
    popen: Child
    log_path: Path
    log_file: IO[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


class ProcessSupervisor:
    """Owns the platform's processes: start, watch, and end them all."""

    def __init__(self, log_dir: Path, *, die_with_parent: bool = True) -> None:
        """``die_with_parent=False`` (``--keep``) lets the processes outlive floe-test."""
        self.log_dir = log_dir
        self.die_with_parent = die_with_parent
        self.processes: list[ManagedProcess] = []
        self.preload_server: PreloadServer | None = None
        self._preload_process: ManagedProcess | None = None

    def start(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        cwd: Path,
    ) -> ManagedProcess:
        """Start ``argv`` in a new session, logging to ``<log_dir>/<name>.log``."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        log_file = log_path.open("ab")
        popen = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent if self.die_with_parent else None,
        )
        process = ManagedProcess(name, popen, log_path, log_file)
        self.processes.append(process)
        return process

    def preload(self, modules: Sequence[str], env: Mapping[str, str], cwd: Path) -> None:
        """Start importing ``modules`` in one interpreter (returns at once) for
        ``start_python`` to fork services from; its own errors go to ``preload.log``."""
        log_path = self.log_dir / "preload.log"
        self.preload_server = PreloadServer.start(modules, env, cwd, log_path)
        self._preload_process = ManagedProcess("preload", self.preload_server.popen, log_path)

    def start_python(
        self,
        name: str,
        entry: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        cwd: Path,
    ) -> ManagedProcess:
        """Run ``entry`` (``module:function``, as its console script would with ``argv``)
        forked from the preloaded interpreter, logging to ``<log_dir>/<name>.log``; blocks
        until the preload's imports are done. Without ``preload``, it preloads nothing."""
        if self.preload_server is None:
            self.preload((), env, cwd)
        assert self.preload_server is not None
        log_path = self.log_dir / f"{name}.log"
        child = self.preload_server.fork(
            entry, argv, env, cwd, log_path, die_with_parent=self.die_with_parent
        )
        process = ManagedProcess(name, child, log_path)
        self.processes.append(process)
        return process

    def discard(self, process: ManagedProcess) -> None:
        """Forget a process that ended (one started again in its place); its log stays."""
        assert not process.alive(), f"{process.name} is still running"
        self.processes.remove(process)
        if process.log_file is not None:
            process.log_file.close()

    def dead(self) -> list[ManagedProcess]:
        """Processes that ended, the preload server among them (it lives until ``stop_all``)."""
        watched = [*self.processes, *([self._preload_process] if self._preload_process else [])]
        return [p for p in watched if not p.alive()]

    def process_groups(self) -> list[int]:
        return [p.pid for p in self.processes if p.alive()]

    def stop_all(self, grace: float = 5.0) -> list[str]:
        """End every process and its descendants; returns what had to be SIGKILLed."""
        killed = stop_groups([process.pid for process in self.processes], grace)
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.popen.wait(timeout=grace)
            if process.log_file is not None:
                process.log_file.close()
        if self.preload_server is not None:
            self.preload_server.stop(timeout=grace)
            self.preload_server = self._preload_process = None
        return killed


# --- what both supervisors share: trees, groups, signals with a grace period ----------------


def process_tree(pid: int) -> list[psutil.Process]:
    """Process ``pid`` and all its descendants, also those that left its group (empty once it
    has ended)."""
    with contextlib.suppress(psutil.Error):
        parent = psutil.Process(pid)
        return [parent, *parent.children(recursive=True)]
    return []


def stop_groups(leaders: Sequence[int], grace: float) -> list[str]:
    """End the groups led by ``leaders`` and every descendant (also those that left the
    group): SIGTERM, SIGKILL what is left after ``grace`` seconds; the SIGKILLed ones."""
    tree = [member for pid in leaders for member in process_tree(pid)]
    for pid in leaders:
        signal_group(pid, signal.SIGTERM)
    killed = end_processes(tree, grace)
    for pid in leaders:
        signal_group(pid, signal.SIGKILL)
    return killed


def start_time(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch); None once it has ended. With
    the pid it names one process for good: a reused pid has another start time."""
    try:
        return float(psutil.Process(pid).create_time())
    except psutil.Error:
        return None


def running(pid: int, started: float) -> bool:
    """Whether the process ``start_time`` saw as (``pid``, ``started``) still runs (an ended
    one waiting for its parent to reap it does not)."""
    try:
        process = psutil.Process(pid)
        return (
            abs(process.create_time() - started) < 0.01 and process.status() != psutil.STATUS_ZOMBIE
        )
    except psutil.Error:
        return False


def end_processes(members: Sequence[psutil.Process], grace: float) -> list[str]:
    """SIGTERM each of ``members``, SIGKILL those left after ``grace`` seconds; returns the
    SIGKILLed ones as ``"pid (name)"``."""
    for member in members:
        with contextlib.suppress(psutil.Error):
            member.terminate()
    _gone, alive = psutil.wait_procs(members, timeout=grace)
    killed = []
    for member in alive:
        with contextlib.suppress(psutil.Error):
            killed.append(f"{member.pid} ({member.name()})")
            member.kill()
    psutil.wait_procs(alive, timeout=grace)
    return killed


def signal_group(pgid: int, signum: int) -> None:
    """Send ``signum`` to process group ``pgid``; an ended (or foreign) group is left alone."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def signal_processes(pids: Iterable[int], signum: int) -> None:
    """Send ``signum`` to each of ``pids``; one that has ended already is skipped."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) members of process group ``pgid``."""
    members = []
    for process in psutil.process_iter(["status"]):
        if process.info["status"] == psutil.STATUS_ZOMBIE:  # it has ended; init reaps it
            continue
        with contextlib.suppress(OSError):
            if os.getpgid(process.pid) == pgid:
                members.append(process.pid)
    return members


def command_line(pid: int) -> list[str]:
    """The argv of process ``pid``; empty once it has ended (and for a moment after exec)."""
    try:
        return psutil.Process(pid).cmdline()
    except psutil.Error:
        return []


def children(pid: int) -> list[int]:
    """The direct children of process ``pid``, oldest first (none once it has ended)."""
    try:
        found = psutil.Process(pid).children()
    except psutil.Error:
        return []
    return [child.pid for child in sorted(found, key=_started)]


def _started(process: psutil.Process) -> float:
    try:
        return float(process.create_time())
    except psutil.Error:
        return 0.0


def processes_matching(match: Callable[[list[str]], bool]) -> list[int]:
    """Pids of the processes whose command line ``match`` accepts (kernel threads have none)."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        argv = process.info["cmdline"]
        if argv and match(argv):
            found.append(process.pid)
    return found


# --- process groups outliving floe-test (scripts/k8s-local's supervised components) ---------


def start_attached(argv: Sequence[str]) -> subprocess.Popen[bytes]:
    """Start ``argv`` in our own process group with our stdin, stdout and stderr (a
    supervisor's child: ending the supervisor's group ends it too)."""
    return subprocess.Popen(list(argv))


def start_detached(argv: Sequence[str], log: Path) -> subprocess.Popen[bytes]:
    """Start ``argv`` as the leader of a new session (its pid is its process group's id),
    output appended to ``log``; it outlives floe-test until ``stop_group`` ends it."""
    with log.open("ab") as out:
        return subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_group(pgid: int, grace: float) -> bool:
    """SIGTERM the group, SIGKILL what is left after ``grace`` seconds; True when SIGKILL was
    needed. Returns once the group is empty (or 5 s after the SIGKILL)."""
    from floe_testing.core.polling import WaitTimeout, wait_for

    def empty() -> bool:
        return not group_members(pgid)

    signal_group(pgid, signal.SIGTERM)
    try:
        wait_for(empty, timeout=grace, interval=0.1, description=f"process group {pgid} to end")
        return False
    except WaitTimeout:
        signal_group(pgid, signal.SIGKILL)
    with contextlib.suppress(WaitTimeout):
        wait_for(empty, timeout=5, interval=0.1, description=f"process group {pgid} to die")
    return True
