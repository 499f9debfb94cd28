"""The container engine (docker or podman) behind one interface: the only module that runs
either CLI.

``ContainerEngine``: info, build, import, save, tag, push and removal of images.
``ContainerSession``: the containers, networks and volumes one run creates (the images smoke),
each labelled, named with the run's prefix and removed by ``remove_all``; a container is
described by a ``ContainerSpec`` (user, security, limits, env, mounts) and only turned into
``run`` flags here. Both CLIs accept the same arguments for what we use; where they differ
(``info`` output, the containerd image store, how kind reaches them) it is decided here.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from floe_testing.core.errors import InfrastructureError, UsageError
from floe_testing.tools.command import Tool, which

ENGINES = ("docker", "podman")
ENGINE_ENV = "FLOE_TEST_ENGINE"
DOCKER_CLIENT_ENV = "FLOE_TEST_DOCKER"
# Debian's client: BuildKit-capable, where a newer client first on PATH may lack buildx
DEBIAN_CLIENT = Path("/usr/bin/docker")
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
# the machine's own engine (scripts/images, scripts/k8s-local load) is started by the script
LOCAL_START_HINT = "run: scripts/images engine"
VERSION_TIMEOUT = 5.0
INFO_TIMEOUT = 15.0
BUILD_TIMEOUT = 1800.0
SAVE_TIMEOUT = 600.0
SESSION_TIMEOUT = 120.0


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
    def find(
        cls, preferred: str | None = None, docker_client: str | None = None
    ) -> ContainerEngine | None:
        """``FLOE_TEST_DOCKER`` (else ``docker_client``, else PATH's) names the docker client
        to use; docker always builds with BuildKit."""
        for name in (preferred,) if preferred else ENGINES:
            chosen = os.environ.get(DOCKER_CLIENT_ENV) or docker_client
            path = (chosen if name == "docker" else None) or which(name)
            if path:
                env = {"DOCKER_BUILDKIT": "1"} if name == "docker" else None
                return cls(Tool(name, path, env))
        return None

    @classmethod
    def local_docker(cls) -> ContainerEngine:
        """The docker engine this machine's scripts use (``scripts/images``, ``scripts/k8s-local
        load``): ``FLOE_TEST_DOCKER``, else Debian's client when present, else PATH's; its
        daemon must answer."""
        client = str(DEBIAN_CLIENT) if DEBIAN_CLIENT.is_file() else None
        found = cls.find("docker", docker_client=client)
        if found is None:
            raise UsageError("no docker client on PATH", "run: scripts/images engine")
        found.server_version(start_hint=LOCAL_START_HINT)
        return found

    def server_version(
        self, timeout: float = VERSION_TIMEOUT, start_hint: str | None = None
    ) -> str:
        """The daemon's version; raises UsageError when it is stopped (next step:
        ``start_hint``, else how to start it by hand), InfrastructureError when it answers but
        is broken. ``docker version`` fails in milliseconds without a daemon, unlike
        ``docker info``."""
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
                f"the {self.name} daemon is not running: {_first_line(text)}",
                start_hint or START_HINT[self.name],
            )
        raise InfrastructureError(
            f"the {self.name} daemon answered but is not healthy (exit {result.returncode}): "
            f"{_first_line(text) or 'no output'}",
            f"look at `{self.name} info` and the daemon's logs; restart it if needed",
            cause="engine-broken",
        )

    def info(self) -> EngineInfo:
        result = self.tool.run(
            ["info", "--format", "{{json .}}"], timeout=INFO_TIMEOUT, what=f"{self.name} info"
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

    def save_into(self, ref: str, consume: Callable[[IO[bytes]], object]) -> None:
        """``save`` streamed into ``consume`` (``ctr images import -``, a byte counter), never
        written to disk; raises when ``save`` itself failed."""
        save = self.tool.stream(["save", ref], merge_stderr=False)
        try:
            assert save.stdout is not None
            consume(save.stdout)
        finally:
            if save.stdout:
                save.stdout.close()
            save.wait()
        if save.returncode != 0:
            raise InfrastructureError(
                f"{self.name} save {ref} exited with {save.returncode}",
                f"run `{self.name} save {ref} > /dev/null` by hand to see why",
                cause=f"{self.name}-failed",
            )

    def kind_loads_from_store(self, info: EngineInfo) -> bool:
        """Whether ``kind load docker-image`` can take images straight from the engine: only
        docker's classic image store; its containerd store and podman need an archive."""
        return self.name == "docker" and not info.containerd_store

    def archive_platform(self, info: EngineInfo) -> str | None:
        """The platform an archive for a node must be saved for (docker's ``save`` may write a
        whole OCI index; podman's is single-platform already)."""
        return info.platform if self.name == "docker" else None

    def image_size(self, ref: str) -> int:
        """The image's uncompressed size in bytes."""
        fmt = "{{.Size}}"
        return int(self.tool.run(["image", "inspect", "--format", fmt, ref], timeout=60).stdout)

    def remove_image(self, ref: str, force: bool = False) -> None:
        """Remove ``ref`` if present (an absent image is not an error)."""
        args = ["image", "rm", *(["--force"] if force else []), ref]
        self.tool.run(args, timeout=120, check=False)

    def remove_network_if_unused(self, name: str) -> bool:
        """Remove the network ``name`` when no container is attached to it; True if removed.
        An absent network, or one still in use, is left as it is."""
        fmt = "{{len .Containers}}"
        result = self.tool.run(
            ["network", "inspect", "--format", fmt, name], timeout=30, check=False
        )
        if not result.ok or result.stdout.strip() != "0":
            return False
        return self.tool.run(["network", "rm", name], timeout=60, check=False).ok

    def prune_build_cache(self) -> None:
        """Empty the builder's cache: the next build starts cold."""
        self.tool.run(["builder", "prune", "--all", "--force"], timeout=SAVE_TIMEOUT)


@dataclass(frozen=True)
class Tmpfs:
    """A tmpfs at ``path`` (an emptyDir), with mount ``options`` (owner, mode, size)."""

    path: str
    options: str


@dataclass(frozen=True)
class BindMount:
    """A host file or directory at ``destination``."""

    source: Path
    destination: str
    readonly: bool = False


@dataclass(frozen=True)
class VolumeMount:
    """A named volume of the session (a PVC) at ``destination``."""

    volume: str
    destination: str


Mount = Tmpfs | BindMount | VolumeMount


@dataclass
class ContainerSpec:
    """One container to start: what it runs, as whom, with which limits, env and mounts.

    Engine-neutral on purpose: the pod-spec translation (``floe_testing.images.pods``) fills
    it in, and only ``run_arguments`` turns it into the engine's ``run`` flags.
    """

    name: str
    alias: str  # the DNS name (and hostname) on the session's network
    image: str
    command: list[str] = field(default_factory=list)  # empty: the image's default command
    user: str | None = None
    read_only: bool = False
    cap_drop: list[str] = field(default_factory=list)
    no_new_privileges: bool = False
    memory_bytes: int | None = None
    cpus: float | None = None
    env: dict[str, str] = field(default_factory=dict)
    env_files: list[Path] = field(default_factory=list)
    mounts: list[Mount] = field(default_factory=list)

    @property
    def volumes(self) -> list[str]:
        """The named volumes it mounts, which the session must create first."""
        return [m.volume for m in self.mounts if isinstance(m, VolumeMount)]


def run_arguments(spec: ContainerSpec, network: str, labels: dict[str, str]) -> list[str]:
    """``run`` arguments starting ``spec`` detached on ``network``, reachable as its alias."""
    argv = ["run", "--detach", "--name", spec.name, "--network", network]
    argv += ["--network-alias", spec.alias, "--hostname", spec.alias]
    argv += [arg for k, v in sorted(labels.items()) for arg in ("--label", f"{k}={v}")]
    if spec.user is not None:
        argv += ["--user", spec.user]
    if spec.read_only:
        argv.append("--read-only")
    for cap in spec.cap_drop:
        argv += ["--cap-drop", cap]
    if spec.no_new_privileges:
        argv += ["--security-opt", "no-new-privileges"]
    if spec.memory_bytes is not None:
        argv += ["--memory", str(spec.memory_bytes)]
    if spec.cpus is not None:
        argv += ["--cpus", str(spec.cpus)]
    for key, value in spec.env.items():
        argv += ["--env", f"{key}={value}"]
    for mount in spec.mounts:
        argv += _mount_arguments(mount)
    for env_file in spec.env_files:
        argv += ["--env-file", str(env_file)]
    return [*argv, spec.image, *spec.command]


def _mount_arguments(mount: Mount) -> list[str]:
    if isinstance(mount, Tmpfs):
        return ["--tmpfs", f"{mount.path}:{mount.options}"]
    if isinstance(mount, BindMount):
        readonly = ",readonly" if mount.readonly else ""
        return [
            "--mount",
            f"type=bind,source={mount.source},destination={mount.destination}{readonly}",
        ]
    return ["--mount", f"type=volume,source={mount.volume},destination={mount.destination}"]


@dataclass
class ContainerSession:
    """What one run creates with the engine, each thing remembered and removed at the end."""

    engine: ContainerEngine
    labels: dict[str, str]
    prefix: str
    containers: dict[str, str] = field(default_factory=dict)  # name -> alias
    networks: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)

    @property
    def tool(self) -> Tool:
        return self.engine.tool

    def _run(self, *args: str, timeout: float = SESSION_TIMEOUT, check: bool = True) -> str:
        return self.tool.run(list(args), timeout=timeout, check=check).stdout.strip()

    def exec(self, name: str, *command: str) -> str:
        """``command`` inside the running container ``name``; its output (raises on failure)."""
        return self._run("exec", name, *command)

    def exec_succeeds(self, name: str, *command: str, timeout: float = 10.0) -> bool:
        """Whether ``command`` inside ``name`` exits 0 (its output is not kept: a probe's may
        hold nothing worth showing, and a failure is retried by the caller)."""
        return self.tool.run(["exec", name, *command], timeout=timeout, check=False).ok

    def name(self, what: str) -> str:
        return f"{self.prefix}-{what}"

    def _label_args(self) -> list[str]:
        return [arg for k, v in sorted(self.labels.items()) for arg in ("--label", f"{k}={v}")]

    def network(self) -> str:
        name = self.name("net")
        self._run("network", "create", *self._label_args(), name)
        self.networks.append(name)
        return name

    def volume(self, what: str, tmpfs_options: str) -> str:
        """A tmpfs-backed volume several containers can share (an emptyDir or a PVC here)."""
        name = self.name(what)
        if name in self.volumes:
            return name
        self._run(
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

    def start(self, spec: ContainerSpec) -> None:
        """Start ``spec`` on the session's newest network, with the session's labels; it is
        remembered for removal (and its log saved under its alias)."""
        self.containers[spec.name] = spec.alias
        self._run(*run_arguments(spec, self.networks[-1], self.labels))

    def follow_logs(self, name: str) -> subprocess.Popen[bytes]:
        """The container's log as it comes (stdout and stderr together)."""
        return self.tool.stream(["logs", "--follow", name])

    def kill(self, name: str) -> None:
        self.tool.run(["kill", name], timeout=SESSION_TIMEOUT, check=False)

    def ip(self, name: str) -> str:
        fmt = "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"
        return self._run("container", "inspect", "--format", fmt, name)

    def running(self, name: str) -> bool:
        return self._run("container", "inspect", "--format", "{{.State.Running}}", name) == "true"

    def exit_code(self, name: str) -> int:
        return int(self._run("wait", name, timeout=SESSION_TIMEOUT))

    def logs_tail(self, name: str, lines: int = 20) -> str:
        result = self.tool.run(
            ["logs", "--tail", str(lines), name], timeout=SESSION_TIMEOUT, check=False
        )
        return (result.stdout + result.stderr).strip()

    def save_logs(self, where: Path) -> None:
        for name, alias in self.containers.items():
            result = self.tool.run(
                ["logs", "--timestamps", name], timeout=SESSION_TIMEOUT, check=False
            )
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
            if not self.tool.run(
                [kind, "rm", *extra, *names], timeout=SESSION_TIMEOUT, check=False
            ).ok:
                failed += names
        made = (
            f"{len(self.containers)} containers, {len(self.networks)} network, "
            f"{len(self.volumes)} volumes"
        )
        return made + (f"; could NOT remove: {' '.join(failed)}" if failed else "")


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""
