"""What a Docker engine needs on this machine kind before Kind can run on it.

``scripts/images engine`` calls ``python -m floe_testing.kindnode.engine`` before it starts
dockerd (and again when dockerd already answers). It

* creates an empty ``/lib/modules`` where the host has none (Kind always mounts it into the
  node, and Docker refuses a missing bind source);
* where the host's capability bounding set lacks ``CAP_SYS_RESOURCE``, installs the runc
  wrapper (``runc_wrapper.py``) and makes it dockerd's default runtime in
  ``/etc/docker/daemon.json`` (other keys of that file are kept). A dockerd already running
  reloads that file on SIGHUP (``runtimes`` and ``default-runtime`` are live-reloadable), so
  containers and builds running now are not disturbed; the engine is asked (``GET /info`` on
  its socket) whether the wrapper is in force.

Hosts that have the capability get neither the wrapper nor a changed daemon.json.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from floe_testing.core.errors import InfrastructureError, UsageError
from floe_testing.core.polling import WaitTimeout, wait_for
from floe_testing.kindnode import runc_wrapper

RUNTIME_NAME = "floe-runc"
WRAPPER_PATH = Path("/usr/local/libexec/floe-test/runc")
DAEMON_JSON = Path("/etc/docker/daemon.json")
DOCKER_SOCKET = Path("/var/run/docker.sock")
DOCKER_PIDFILE = Path("/var/run/docker.pid")
MODULES = Path("/lib/modules")
RELOAD_TIMEOUT = 20.0


def lacks_sys_resource(proc_status: str) -> bool:
    """True when ``CapBnd`` of a ``/proc/<pid>/status`` text lacks CAP_SYS_RESOURCE."""
    for line in proc_status.splitlines():
        if line.startswith("CapBnd:"):
            bounding = int(line.split(":", 1)[1].strip(), 16)
            return not bounding >> runc_wrapper.CAP_SYS_RESOURCE_BIT & 1
    return False


def wrapper_text(real_runc: str, python: str = "/usr/bin/python3") -> str:
    """The installed wrapper: the module's own source, run isolated (``-I -S``: no site,
    no environment, no current directory on the path) and pointed at ``real_runc``."""
    source = Path(runc_wrapper.__file__).read_text(encoding="utf-8")
    default = f'REAL_RUNC = "{runc_wrapper.REAL_RUNC}"'
    if default not in source:
        raise InfrastructureError(
            "runc_wrapper.py has no REAL_RUNC line to point at runc",
            "restore src/floe_testing/kindnode/runc_wrapper.py",
            cause="engine-setup",
        )
    return f"#!{python} -IS\n" + source.replace(default, f"REAL_RUNC = {json.dumps(real_runc)}")


def with_runtime(config: dict[str, Any], wrapper: Path) -> dict[str, Any]:
    """``config`` (daemon.json) with the wrapper registered and made the default runtime."""
    runtimes = dict(config.get("runtimes") or {})
    runtimes[RUNTIME_NAME] = {"path": str(wrapper)}
    return {**config, "runtimes": runtimes, "default-runtime": RUNTIME_NAME}


def write_if_changed(path: Path, text: str, mode: int) -> bool:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.new")
    temporary.write_text(text, encoding="utf-8")
    temporary.chmod(mode)
    os.replace(temporary, path)
    return True


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: Path, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(str(self.socket_path))
        self.sock = sock


def engine_info(socket_path: Path = DOCKER_SOCKET, timeout: float = 5.0) -> dict[str, Any] | None:
    """Docker's ``GET /info``, or None when no engine answers on ``socket_path``."""
    if not socket_path.exists():
        return None
    connection = _UnixConnection(socket_path, timeout)
    try:
        connection.request("GET", "/info")
        response = connection.getresponse()
        if response.status != 200:
            return None
        info: dict[str, Any] = json.loads(response.read())
        return info
    except (OSError, ValueError):
        return None
    finally:
        connection.close()


@dataclass(frozen=True)
class Setup:
    modules_created: bool
    wrapper_needed: bool
    config_changed: bool


def prepare(
    *,
    proc_status: Path = Path("/proc/self/status"),
    modules: Path = MODULES,
    wrapper: Path = WRAPPER_PATH,
    daemon_json: Path = DAEMON_JSON,
    real_runc: str | None = None,
) -> Setup:
    """Files only: /lib/modules, the wrapper and daemon.json (nothing is started here)."""
    created = not modules.exists()
    modules.mkdir(parents=True, exist_ok=True)
    if not lacks_sys_resource(proc_status.read_text(encoding="utf-8")):
        return Setup(created, False, False)
    runc = real_runc or shutil.which("runc")
    if runc is None:
        raise UsageError(
            "runc is not installed, so the engine's runtime cannot be wrapped",
            "install it: apt-get install runc (scripts/images engine installs docker.io with it)",
        )
    write_if_changed(wrapper, wrapper_text(str(Path(runc).resolve())), 0o755)
    try:
        text = daemon_json.read_text(encoding="utf-8") if daemon_json.is_file() else "{}"
        config = json.loads(text)
    except ValueError as exc:
        raise UsageError(
            f"{daemon_json} is not valid JSON: {exc}", f"fix or remove {daemon_json}"
        ) from None
    wanted = json.dumps(with_runtime(config, wrapper), indent=2, sort_keys=True) + "\n"
    return Setup(created, True, write_if_changed(daemon_json, wanted, 0o644))


def wrapper_in_force(info: dict[str, Any] | None, wrapper: Path = WRAPPER_PATH) -> bool:
    if not info or info.get("DefaultRuntime") != RUNTIME_NAME:
        return False
    runtime = (info.get("Runtimes") or {}).get(RUNTIME_NAME) or {}
    return bool(runtime.get("path") == str(wrapper))


def reload_running_engine(
    socket_path: Path = DOCKER_SOCKET, pidfile: Path = DOCKER_PIDFILE
) -> None:
    """Make a running dockerd take the wrapper: SIGHUP (reload daemon.json), then ask it."""
    if wrapper_in_force(engine_info(socket_path)):
        return
    try:
        pid = int(pidfile.read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError) as exc:
        raise InfrastructureError(
            f"cannot signal dockerd to reload {DAEMON_JSON}: {exc}",
            "restart dockerd once nothing runs on it (docker ps -q is empty), then "
            "scripts/images engine",
            cause="engine-setup",
        ) from None
    try:
        wait_for(
            lambda: wrapper_in_force(engine_info(socket_path)),
            timeout=RELOAD_TIMEOUT,
            interval=0.2,
            description=f"dockerd to make {RUNTIME_NAME} its default runtime",
        )
    except WaitTimeout:
        raise InfrastructureError(
            f"dockerd did not take {RUNTIME_NAME} as its default runtime after reloading "
            f"{DAEMON_JSON} (a --default-runtime or --add-runtime flag overrides that file)",
            "restart dockerd without those flags once nothing runs on it, then "
            "scripts/images engine",
            cause="engine-setup",
        ) from None


def say(message: str) -> None:
    print(f"images: {message}", file=sys.stderr)


def main(argv: list[str]) -> int:
    """``prepare`` (before dockerd starts) or ``reload`` (dockerd runs: prepare, SIGHUP)."""
    if argv not in (["prepare"], ["reload"]):
        say("usage: python -m floe_testing.kindnode.engine prepare|reload")
        return 2
    if os.geteuid() != 0:
        say("setting the engine up for Kind needs root (/lib/modules, /etc/docker)")
        return 2
    setup = prepare()
    if setup.modules_created:
        say(f"created an empty {MODULES} (Kind mounts it into its nodes)")
    if setup.wrapper_needed:
        say(
            f"this host lacks CAP_SYS_RESOURCE: dockerd's default runtime is {WRAPPER_PATH} "
            "(runc without that capability)"
        )
        if argv == ["reload"]:
            reload_running_engine()
    return 0


if __name__ == "__main__":
    from floe_testing.core.errors import FloeTestError

    try:
        sys.exit(main(sys.argv[1:]))
    except FloeTestError as error:
        print(f"images: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
