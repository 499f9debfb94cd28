"""What the smoke run does with Docker, each thing it creates remembered and removed.

A thin adapter over the docker CLI (through ``deploy.tools.Tool``, like the kind backend):
every container, network and volume gets the run's name prefix and label, and
``remove_all`` takes away exactly those.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from floe_testing.core.errors import InfrastructureError
from floe_testing.images.pods import ContainerRun
from floe_testing.protocol import frames
from floe_testing.tools.command import Tool

TIMEOUT = 120.0


@dataclass
class Docker:
    tool: Tool
    labels: dict[str, str]
    prefix: str
    containers: dict[str, str] = field(default_factory=dict)  # name -> alias
    networks: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)

    @classmethod
    def find(cls, labels: dict[str, str], prefix: str) -> Docker:
        from floe_testing.images.cli import engine  # the client scripts/images uses

        return cls(engine().tool, labels, prefix)

    def run(self, *args: str, timeout: float = TIMEOUT, check: bool = True) -> str:
        return self.tool.run(list(args), timeout=timeout, check=check).stdout.strip()

    def succeeds(self, *args: str, timeout: float = 10.0) -> bool:
        """Whether the docker command exits 0 (its output is not kept: a probe's may hold
        nothing worth showing, and a failure is retried by the caller)."""
        return self.tool.run(list(args), timeout=timeout, check=False).ok

    def name(self, what: str) -> str:
        return f"{self.prefix}-{what}"

    def _label_args(self) -> list[str]:
        return [arg for k, v in sorted(self.labels.items()) for arg in ("--label", f"{k}={v}")]

    def network(self) -> str:
        name = self.name("net")
        self.run("network", "create", *self._label_args(), name)
        self.networks.append(name)
        return name

    def volume(self, what: str, tmpfs_options: str) -> str:
        """A tmpfs-backed volume several containers can share (an emptyDir or a PVC here)."""
        name = self.name(what)
        if name in self.volumes:
            return name
        self.run(
            "volume",
            "create",
            *self._label_args(),
            "--driver",
            "local",
            "--opt",
            "type=tmpfs",
            "--opt",
            "device=tmpfs",
            "--opt",
            f"o={tmpfs_options}",
            name,
        )
        self.volumes.append(name)
        return name

    def start(self, container: ContainerRun) -> None:
        self.containers[container.name] = container.alias
        self.run(*container.run_argv(self.networks[-1], self.labels), timeout=TIMEOUT)

    def ip(self, name: str) -> str:
        fmt = "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"
        return self.run("container", "inspect", "--format", fmt, name)

    def running(self, name: str) -> bool:
        return self.run("container", "inspect", "--format", "{{.State.Running}}", name) == "true"

    def exit_code(self, name: str) -> int:
        return int(self.run("wait", name, timeout=TIMEOUT))

    def logs_tail(self, name: str, lines: int = 20) -> str:
        result = self.tool.run(["logs", "--tail", str(lines), name], timeout=TIMEOUT, check=False)
        return (result.stdout + result.stderr).strip()

    def save_logs(self, where: Path) -> None:
        for name, alias in self.containers.items():
            result = self.tool.run(["logs", "--timestamps", name], timeout=TIMEOUT, check=False)
            (where / f"{alias}.log").write_text(result.stdout + result.stderr, encoding="utf-8")

    def remove_all(self) -> str:
        """Remove what this run created; says what, and what could not be removed."""
        failed: list[str] = []
        for kind, names in (
            ("container", list(self.containers)),
            ("network", self.networks),
            ("volume", self.volumes),
        ):
            if not names:
                continue
            extra = ["--force", "--volumes"] if kind == "container" else []
            if not self.tool.run([kind, "rm", *extra, *names], timeout=TIMEOUT, check=False).ok:
                failed += names
        made = (
            f"{len(self.containers)} containers, {len(self.networks)} network, "
            f"{len(self.volumes)} volumes"
        )
        return made + (f"; could NOT remove: {' '.join(failed)}" if failed else "")


def run_to_completion(
    docker: Docker, container: ContainerRun, *, timeout: float, say: Callable[[str], None]
) -> tuple[list[str], int]:
    """Start ``container``, relay its log live (frames hidden), return all lines and its exit
    code; past ``timeout`` it is killed and that is an infrastructure failure."""
    docker.start(container)
    follow = subprocess.Popen(
        [docker.tool.path, "logs", "--follow", container.name],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=None,
    )
    expired = threading.Event()

    def kill() -> None:
        expired.set()
        docker.tool.run(["kill", container.name], timeout=TIMEOUT, check=False)

    timer = threading.Timer(timeout, kill)
    timer.start()
    lines: list[str] = []
    try:
        assert follow.stdout is not None
        for raw in follow.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            lines.append(line)
            if not frames.is_frame(line):
                print(f"  | {line}", file=sys.stderr, flush=True)
        follow.wait(timeout=TIMEOUT)
    finally:
        timer.cancel()
        if follow.poll() is None:
            follow.kill()
    if expired.is_set():
        raise InfrastructureError(
            f"the runner container did not finish within {timeout:g}s",
            "its log is in test-results/images-smoke/logs/; raise the tier's timeout if the "
            "suite is just slow",
            cause="deadline",
        )
    code = docker.exit_code(container.name)
    say(f"runner container exited {code}")
    return lines, code
