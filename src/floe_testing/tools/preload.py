"""A preloaded interpreter that forks Python services: import once, start many.

Importing Dagster costs 1.5-4 s of CPU per process (the webserver's GraphQL schema most):
three Dagster services importing it side by side on two cores spend ~10 CPU-seconds before
one of them serves. One interpreter imports the union once and each service is forked from
it (copy-on-write: milliseconds), so the services start when one import is done.

floe-test's side is ``PreloadServer``: ``start`` spawns ``python -m floe_testing.tools.preload
MODULE...`` and returns at once (the imports run meanwhile); ``fork`` sends one request (a
JSON line on the server's stdin) and reads the child's pid back (the first fork waits for
the imports). The server reaps its children and reports each exit status (a JSON line on its
stdout), so a ``ForkedProcess`` answers ``poll``/``wait``/``returncode`` like a
``subprocess.Popen`` although it is the server's child, not ours.

Each child gets what ``ProcessSupervisor.start`` gives a process: its own session (process
group), stdin from /dev/null, stdout and stderr into its log, its own environment and working
directory and, unless it must outlive floe-test (``--keep``), SIGTERM when its parent dies.
The server itself ends when its stdin closes (floe-test ended or stopped it). It reads
requests on its one thread and reaps children between them (SIGCHLD wakes it), so no other
thread exists when it forks.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import json
import os
import selectors
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

FORK_TIMEOUT = 120.0  # the first fork waits for the imports (seconds on a loaded machine)
PR_SET_PDEATHSIG = 1


# --- floe-test's side -------------------------------------------------------------------


class PreloadServer:
    """One preloaded interpreter and the exit statuses of the children it forked."""

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        self.popen = popen
        self.statuses: dict[int, int] = {}
        self.imported = False  # the server reported its imports done
        self._pending = b""

    @classmethod
    def start(
        cls, modules: Sequence[str], env: Mapping[str, str], cwd: Path, log_path: Path
    ) -> PreloadServer:
        """Spawn the server, importing ``modules``; returns before the imports are done."""
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            popen = subprocess.Popen(
                [sys.executable, "-m", __name__, *modules],
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,
            )
        assert popen.stdout is not None
        os.set_blocking(popen.stdout.fileno(), False)
        return cls(popen)

    def fork(
        self,
        entry: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        cwd: Path,
        log_path: Path,
        *,
        die_with_parent: bool = True,
    ) -> ForkedProcess:
        """Run ``entry`` (``module:function``, a console script's target) in a forked child,
        ``sys.argv`` set to ``argv``; blocks until the server has forked it."""
        request = {
            "entry": entry,
            "argv": list(argv),
            "env": dict(env),
            "cwd": str(cwd),
            "log": str(log_path),
            "die_with_parent": die_with_parent,
        }
        assert self.popen.stdin is not None
        try:
            self.popen.stdin.write(json.dumps(request).encode() + b"\n")
            self.popen.stdin.flush()
        except BrokenPipeError:
            raise OSError(f"the preload server ended (status {self.popen.poll()})") from None
        deadline = time.monotonic() + FORK_TIMEOUT
        while True:
            for message in self._read(timeout=max(0.0, deadline - time.monotonic())):
                if "pid" in message:
                    return ForkedProcess(int(message["pid"]), self)
                if "error" in message:
                    raise OSError(f"the preload server could not fork: {message['error']}")
            if self.popen.poll() is not None:
                raise OSError(f"the preload server ended (status {self.popen.returncode})")
            if time.monotonic() >= deadline:
                raise OSError(f"the preload server did not fork within {FORK_TIMEOUT:g}s")

    def ready(self) -> bool:
        """True once the imports are done (a fork is then immediate); never blocks."""
        if not self.imported:
            self._read(timeout=0)
        return self.imported

    def status_of(self, pid: int) -> int | None:
        """The exit status of child ``pid`` once the server reaped it (negative: a signal)."""
        if pid not in self.statuses:
            for _ in self._read(timeout=0):
                pass
        return self.statuses.get(pid)

    def _read(self, timeout: float) -> list[dict[str, Any]]:
        """Messages available within ``timeout``; exit statuses are recorded on the way."""
        stdout = self.popen.stdout
        assert stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                return []
        with contextlib.suppress(BlockingIOError, ValueError):
            self._pending += os.read(stdout.fileno(), 65536) or b""
        *lines, self._pending = self._pending.split(b"\n")
        messages = [json.loads(line) for line in lines if line.strip()]
        for message in messages:
            if "exited" in message:
                self.statuses[int(message["exited"])] = int(message["status"])
            self.imported = self.imported or "imported" in message
        return messages

    def close(self) -> None:
        """Close its stdin: the server ends soon (children that follow it get SIGTERM)."""
        if self.popen.stdin is not None and not self.popen.stdin.closed:
            with contextlib.suppress(OSError):
                self.popen.stdin.close()

    def stop(self, timeout: float = 5.0) -> None:
        """``close``, then wait for the server to end."""
        self.close()
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
        if self.popen.stdout is not None:
            self.popen.stdout.close()


class ForkedProcess:
    """A child of the preload server, seen through ``subprocess.Popen``'s methods."""

    def __init__(self, pid: int, server: PreloadServer) -> None:
        self.pid = pid
        self.server = server
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self.server.status_of(self.pid)
            if self.returncode is None and not _running(self.pid):
                # the server ended before it could report: the status is lost
                self.returncode = self.server.status_of(self.pid)
                if self.returncode is None and self.server.popen.poll() is not None:
                    self.returncode = -1
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0.0)
            self.server._read(timeout=0.05)
        assert self.returncode is not None
        return self.returncode


def _running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return False


# --- the server ---------------------------------------------------------------------------


def serve(modules: Sequence[str]) -> NoReturn:  # pragma: no cover - runs as the server process
    # replies go to a private copy of stdout; fd 1 becomes the log, so nothing an import
    # prints can garble them
    replies = os.dup(1)
    os.dup2(2, 1)
    for module in modules:
        importlib.import_module(module)
    _reply(replies, {"imported": list(modules)})
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a handler, so SIGCHLD reaches the fd
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    pending = b""
    with selectors.DefaultSelector() as selector:
        server_fds = (replies, wake_r, wake_w, selector.fileno())
        selector.register(0, selectors.EVENT_READ)
        selector.register(wake_r, selectors.EVENT_READ)
        while True:
            for key, _ in selector.select():
                if key.fd == wake_r:
                    os.read(wake_r, 4096)
                    continue
                chunk = os.read(0, 65536)
                if not chunk:  # floe-test closed our stdin or ended
                    _reap(replies)
                    os._exit(0)  # nothing to finalize: skip the interpreter's teardown
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    if line.strip():
                        _reply(replies, _fork(json.loads(line), server_fds))
            _reap(replies)


def _reply(fd: int, message: dict[str, Any]) -> None:  # pragma: no cover - runs in the server
    os.write(fd, json.dumps(message).encode() + b"\n")


def _reap(replies: int) -> None:  # pragma: no cover - runs in the server
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _reply(replies, {"exited": pid, "status": os.waitstatus_to_exitcode(status)})


def _fork(  # pragma: no cover - runs in the server
    request: dict[str, Any], server_fds: tuple[int, ...]
) -> dict[str, Any]:
    try:
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError as exc:
        return {"error": f"cannot open {request['log']}: {exc}"}
    server = os.getpid()
    pid = os.fork()
    if pid:
        os.close(log)
        return {"pid": pid}
    status = 1
    try:
        _become_child(request, log, server, server_fds)
        status = _run(request["entry"])
    except BaseException:
        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(status)


def _become_child(  # pragma: no cover - runs in the forked child
    request: dict[str, Any], log: int, server: int, server_fds: tuple[int, ...]
) -> None:
    os.setsid()
    signal.set_wakeup_fd(-1)
    for signum in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_DFL)
    if request["die_with_parent"] and sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != server:  # the server ended before prctl: follow it now
            os.kill(os.getpid(), signal.SIGTERM)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    for fd in {devnull, log, *server_fds} - {0, 1, 2}:
        with contextlib.suppress(OSError):
            os.close(fd)
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = list(request["argv"])


def _run(entry: str) -> int:  # pragma: no cover - runs in the forked child
    """Call ``module:function`` as its console script would; its exit status."""
    module, _, name = entry.partition(":")
    try:
        result = getattr(importlib.import_module(module), name)()
    except SystemExit as exc:
        result = exc.code
    except BaseException:
        traceback.print_exc()
        return 1
    if result is None:
        return 0
    if isinstance(result, int):
        return result
    print(result, file=sys.stderr)
    return 1


if __name__ == "__main__":  # pragma: no cover - the server's entry point
    serve(sys.argv[1:])
