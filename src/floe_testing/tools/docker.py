"""The container engine (docker or podman) behind one interface: info, build, save, push.

Both CLIs accept the same build/save/tag/push arguments for what we use; where they differ
(``info`` output, the containerd image store, how kind reaches them) it is decided here.
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass
from pathlib import Path

from floe_testing.core.errors import InfrastructureError, UsageError
from floe_testing.tools.command import Tool, which

ENGINES = ("docker", "podman")
ENGINE_ENV = "FLOE_TEST_ENGINE"
DOCKER_CLIENT_ENV = "FLOE_TEST_DOCKER"
INSTALL_HINT = {
    "docker": "install Docker Engine (https://docs.docker.com/engine/install/) or Docker "
    "Desktop, or Podman (https://podman.io/docs/installation), then re-run",
    "podman": "install Podman (https://podman.io/docs/installation), then re-run",
}
START_HINT = {
    "docker": "start the Docker daemon: `sudo systemctl start docker` on Linux, or open "
    "Docker Desktop; then check with `docker info`",
    "podman": "start the Podman machine: `podman machine start` (macOS/Windows), or check "
    "`podman info` on Linux",
}
VERSION_TIMEOUT = 5.0
INFO_TIMEOUT = 15.0
BUILD_TIMEOUT = 1800.0
SAVE_TIMEOUT = 600.0


@dataclass(frozen=True)
class EngineInfo:
    """What the preflight needs to know about the engine's host (the Docker VM on macOS)."""

    memory_bytes: int
    cpus: int
    arch: str
    containerd_store: bool

    @property
    def platform(self) -> str:
        """``linux/<arch>`` as ``docker save --platform`` expects it."""
        arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(self.arch, self.arch)
        return f"linux/{arch}"


def _host_arch() -> str:
    return platform.machine().lower()


class ContainerEngine:
    """docker or podman; chosen by ``FLOE_TEST_ENGINE`` or whichever is on PATH (docker first)."""

    def __init__(self, tool: Tool) -> None:
        self.tool = tool

    @property
    def name(self) -> str:
        return self.tool.name

    @classmethod
    def find(cls, preferred: str | None = None) -> ContainerEngine | None:
        """``FLOE_TEST_DOCKER`` names the docker client to use (e.g. Debian's /usr/bin/docker
        where the first one on PATH lacks buildx); docker always builds with BuildKit."""
        for name in (preferred,) if preferred else ENGINES:
            path = (os.environ.get(DOCKER_CLIENT_ENV) if name == "docker" else None) or which(name)
            if path:
                env = {"DOCKER_BUILDKIT": "1"} if name == "docker" else None
                return cls(Tool(name, path, env))
        return None

    def server_version(self, timeout: float = VERSION_TIMEOUT) -> str:
        """The daemon's version; raises UsageError when it is stopped, InfrastructureError
        when it answers but is broken. ``docker version`` fails in milliseconds without a
        daemon, unlike ``docker info``."""
        fmt = "{{.Server.Version}}"
        result = self.tool.run(
            ["version", "--format", fmt], timeout=timeout, check=False, what=f"{self.name} version"
        )
        text = (result.stderr + result.stdout).strip()
        if result.ok and result.stdout.strip():
            return result.stdout.strip()
        lowered = text.lower()
        if "permission denied" in lowered:
            raise UsageError(
                f"{self.name} is installed but this user may not talk to its daemon: "
                f"{_first_line(text)}",
                "add yourself to the docker group: `sudo usermod -aG docker $USER`, then log in "
                "again (or run `newgrp docker`)",
            )
        stopped = (
            "cannot connect",
            "is the docker daemon running",
            "connection refused",
            "no such file or directory",
            "unable to connect",
            "cannot find",
        )
        if any(marker in lowered for marker in stopped):
            raise UsageError(
                f"the {self.name} daemon is not running: {_first_line(text)}", START_HINT[self.name]
            )
        raise InfrastructureError(
            f"the {self.name} daemon answered but is not healthy (exit {result.returncode}): "
            f"{_first_line(text) or 'no output'}",
            f"look at `{self.name} info` and the daemon's logs; restart it if needed",
            cause="engine-broken",
        )

    def info(self) -> EngineInfo:
        result = self.tool.run(
            ["info", "--format", "json"], timeout=INFO_TIMEOUT, what=f"{self.name} info"
        )
        try:
            data = json.loads(result.stdout)
        except json.JSONDecodeError:
            raise InfrastructureError(
                f"`{self.name} info --format json` did not print JSON: {result.stdout[:200]!r}",
                f"check the {self.name} installation (`{self.name} info`)",
                cause="engine-broken",
            ) from None
        if self.name == "podman":
            host = data.get("host", {})
            return EngineInfo(
                memory_bytes=int(host.get("memTotal", 0)),
                cpus=int(host.get("cpus", 0)),
                arch=str(host.get("arch", _host_arch())),
                containerd_store=False,
            )
        driver_status = json.dumps(data.get("DriverStatus") or [])
        return EngineInfo(
            memory_bytes=int(data.get("MemTotal", 0)),
            cpus=int(data.get("NCPU", 0)),
            arch=str(data.get("Architecture") or _host_arch()),
            containerd_store="io.containerd.snapshotter" in driver_status,
        )

    def image_exists(self, ref: str) -> bool:
        result = self.tool.run(["image", "inspect", ref], timeout=30, check=False)
        return result.ok

    def image_label(self, ref: str, key: str) -> str | None:
        """A label of a local image; None when the image or the label is absent."""
        fmt = "{{json .Config.Labels}}"
        result = self.tool.run(["image", "inspect", "--format", fmt, ref], timeout=30, check=False)
        if not result.ok:
            return None
        try:
            labels = json.loads(result.stdout.strip() or "null") or {}
        except json.JSONDecodeError:
            return None
        value = labels.get(key)
        return str(value) if value is not None else None

    def image_id(self, ref: str) -> str | None:
        fmt = "{{.Id}}"
        result = self.tool.run(["image", "inspect", "--format", fmt, ref], timeout=30, check=False)
        return result.stdout.strip() or None if result.ok else None

    def import_archive(self, archive: Path, ref: str, changes: list[str], timeout: float) -> None:
        """``import`` a rootfs tarball as ``ref`` with Dockerfile-style ``changes``."""
        args = ["import"]
        for change in changes:
            args += ["--change", change]
        self.tool.run([*args, str(archive), ref], timeout=timeout, what=f"importing {ref}")

    def build(
        self,
        *,
        context: Path,
        dockerfile: Path,
        tag: str,
        target: str | None = None,
        labels: dict[str, str] | None = None,
        build_args: dict[str, str] | None = None,
        log: Path | None = None,
    ) -> None:
        """Build ``tag``; with ``log`` the builder's whole output is written there."""
        args = ["build", "--file", str(dockerfile), "--tag", tag]
        if target:
            args += ["--target", target]
        for key, value in sorted((labels or {}).items()):
            args += ["--label", f"{key}={value}"]
        for key, value in sorted((build_args or {}).items()):
            args += ["--build-arg", f"{key}={value}"]
        if log is not None:
            args += ["--progress", "plain"] if self.name == "docker" else []
            result = self.tool.run([*args, str(context)], timeout=BUILD_TIMEOUT, check=False)
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text(result.stdout + result.stderr, encoding="utf-8")
            if not result.ok:
                raise InfrastructureError(
                    f"building {tag} failed (exit {result.returncode}):\n{result.tail()}",
                    f"the whole build output is in {log}",
                    cause=f"{self.name}-failed",
                )
            return
        self.tool.run([*args, str(context)], timeout=BUILD_TIMEOUT, what=f"building {tag}")

    def save(self, ref: str, archive: Path, platform_name: str | None = None) -> None:
        """A single-platform archive when ``platform_name`` is set: with Docker's containerd
        image store a plain save writes the whole OCI index and ``ctr import`` then fails on
        blobs that were never pulled (kind#3795)."""
        args = ["save", "--output", str(archive)]
        if platform_name:
            args += ["--platform", platform_name]
        self.tool.run([*args, ref], timeout=SAVE_TIMEOUT, what=f"saving {ref}")

    def push(self, ref: str) -> None:
        extra = ["--tls-verify=false"] if self.name == "podman" else []
        self.tool.run(["push", *extra, ref], timeout=SAVE_TIMEOUT, what=f"pushing {ref}")

    def tag(self, source: str, target: str) -> None:
        self.tool.run(["tag", source, target], timeout=30)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""
