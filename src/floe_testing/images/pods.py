"""A rendered pod spec as ``docker run`` arguments: the chart's and the Job's settings, kept.

The smoke run does not restate how the platform and the runner are run: it renders the chart
(``floe_testing.deploy.chart.engine.render``) and the Job (``floe_testing.jobs.manifest``) and
translates their pod specs here. What carries over: command, plain env, user/group,
read-only root, dropped capabilities, no privilege escalation (Docker's default seccomp
profile is the runtime default), memory/CPU limits, and volumes:

- ``emptyDir`` -> a tmpfs owned by the pod's uid and fsGroup (mode 0770, as fsGroup gives);
- ``configMap`` -> the rendered ConfigMap's keys as read-only bind-mounted files;
- ``persistentVolumeClaim`` -> a Docker volume (tmpfs-backed, owned like an emptyDir) that
  the caller creates and removes.

``valueFrom`` env (Secrets) is left out: the caller supplies what replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from floe_testing.deploy.chart.security import parse_quantity

Manifest = dict[str, Any]


@dataclass
class ContainerRun:
    """One container to start: the translated pod settings plus where it is reachable."""

    name: str
    alias: str
    image: str
    args: list[str] = field(default_factory=list)
    command: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)  # Docker volumes the caller must create

    def run_argv(self, network: str, labels: dict[str, str]) -> list[str]:
        argv = ["run", "--detach", "--name", self.name, "--network", network]
        argv += ["--network-alias", self.alias, "--hostname", self.alias]
        for key, value in sorted(labels.items()):
            argv += ["--label", f"{key}={value}"]
        return [*argv, *self.args, self.image, *self.command]


def translate(
    pod: Manifest,
    container: Manifest,
    *,
    name: str,
    alias: str,
    image: str,
    files: dict[str, Path],
    volume_prefix: str,
    default_command: bool = False,
    env: dict[str, str] | None = None,
) -> ContainerRun:
    """``files`` maps ``<configmap>/<key>`` to a host file holding its (possibly edited) data;
    ``env`` replaces (or adds) plain env values."""
    context = {**(pod.get("securityContext") or {}), **(container.get("securityContext") or {})}
    uid, gid = context.get("runAsUser"), context.get("runAsGroup")
    fs_group = (pod.get("securityContext") or {}).get("fsGroup", gid)
    run = ContainerRun(name=name, alias=alias, image=image)
    if uid is not None:
        run.args += ["--user", f"{uid}:{gid if gid is not None else uid}"]
    run.args += _security(context)
    run.args += _limits(container.get("resources") or {})
    overrides = dict(env or {})
    for var in container.get("env") or []:
        if "value" in var:
            value = overrides.pop(var["name"], var["value"])
            run.args += ["--env", f"{var['name']}={value}"]
    for key, value in overrides.items():
        run.args += ["--env", f"{key}={value}"]
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    for mount in container.get("volumeMounts") or []:
        run.args += _mount(mount, volumes[mount["name"]], uid, fs_group, files, volume_prefix, run)
    if not default_command:
        run.command = [*(container.get("command") or []), *(container.get("args") or [])]
    return run


def _security(context: Manifest) -> list[str]:
    args: list[str] = []
    if context.get("readOnlyRootFilesystem"):
        args.append("--read-only")
    for cap in (context.get("capabilities") or {}).get("drop") or []:
        args += ["--cap-drop", cap]
    if context.get("allowPrivilegeEscalation") is False:
        args += ["--security-opt", "no-new-privileges"]
    return args


def _limits(resources: Manifest) -> list[str]:
    limits = resources.get("limits") or {}
    args: list[str] = []
    if "memory" in limits:
        args += ["--memory", str(memory_bytes(limits["memory"]))]
    if "cpu" in limits:
        args += ["--cpus", str(float(parse_quantity(limits["cpu"])))]
    return args


def memory_bytes(quantity: str | int) -> int:
    return int(parse_quantity(quantity))


def _mount(
    mount: Manifest,
    volume: Manifest,
    uid: int | None,
    fs_group: int | None,
    files: dict[str, Path],
    prefix: str,
    run: ContainerRun,
) -> list[str]:
    path = mount["mountPath"]
    if "emptyDir" in volume:
        options = tmpfs_options(uid, fs_group)
        limit = (volume["emptyDir"] or {}).get("sizeLimit")
        if limit:
            options += f",size={memory_bytes(limit)}"
        return ["--tmpfs", f"{path}:{options}"]
    if "configMap" in volume:
        key = mount.get("subPath")
        if key is None:
            raise ValueError(f"configMap {volume['name']} mounted without subPath: not supported")
        source = files[f"{volume['configMap']['name']}/{key}"]
        return ["--mount", f"type=bind,source={source},destination={path},readonly"]
    if "persistentVolumeClaim" in volume:
        docker_volume = f"{prefix}-{volume['persistentVolumeClaim']['claimName']}"
        run.volumes.append(docker_volume)
        return ["--mount", f"type=volume,source={docker_volume},destination={path}"]
    raise ValueError(f"volume {volume['name']}: only emptyDir, configMap and PVC are translated")


def tmpfs_options(uid: int | None, gid: int | None) -> str:
    """An emptyDir the pod's user can write: owned by uid, group fsGroup, mode 0770."""
    owner = f"uid={uid},gid={gid}," if uid is not None and gid is not None else ""
    return f"rw,exec,nosuid,nodev,{owner}mode=0770"
