"""A rendered pod spec as a container to run: the chart's and the Job's settings, kept.

The smoke run does not restate how the platform and the runner are run: it renders the chart
(``floe_testing.deploy.chart.engine.render``) and the Job (``floe_testing.jobs.manifest``) and
translates their pod specs here into a ``tools.docker.ContainerSpec`` (the adapter alone
turns it into the engine's flags). What carries over: command, plain env, user/group,
read-only root, dropped capabilities, no privilege escalation (Docker's default seccomp
profile is the runtime default), memory/CPU limits, and volumes:

- ``emptyDir`` -> a tmpfs owned by the pod's uid and fsGroup (mode 0770, as fsGroup gives);
- ``configMap`` -> the rendered ConfigMap's keys as read-only bind-mounted files;
- ``persistentVolumeClaim`` -> a Docker volume (tmpfs-backed, owned like an emptyDir) that
  the caller creates and removes.

``valueFrom`` env (Secrets) is left out: the caller supplies what replaces it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from floe_testing.deploy.chart.security import parse_quantity
from floe_testing.tools.docker import BindMount, ContainerSpec, Mount, Tmpfs, VolumeMount

Manifest = dict[str, Any]


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
) -> ContainerSpec:
    """``files`` maps ``<configmap>/<key>`` to a host file holding its (possibly edited) data;
    ``env`` replaces (or adds) plain env values."""
    context = {**(pod.get("securityContext") or {}), **(container.get("securityContext") or {})}
    uid, gid = context.get("runAsUser"), context.get("runAsGroup")
    fs_group = (pod.get("securityContext") or {}).get("fsGroup", gid)
    spec = ContainerSpec(name=name, alias=alias, image=image)
    if uid is not None:
        spec.user = f"{uid}:{gid if gid is not None else uid}"
    spec.read_only = bool(context.get("readOnlyRootFilesystem"))
    spec.cap_drop = list((context.get("capabilities") or {}).get("drop") or [])
    spec.no_new_privileges = context.get("allowPrivilegeEscalation") is False
    limits = (container.get("resources") or {}).get("limits") or {}
    if "memory" in limits:
        spec.memory_bytes = memory_bytes(limits["memory"])
    if "cpu" in limits:
        spec.cpus = float(parse_quantity(limits["cpu"]))
    overrides = dict(env or {})
    for var in container.get("env") or []:
        if "value" in var:
            spec.env[var["name"]] = overrides.pop(var["name"], var["value"])
    spec.env.update(overrides)
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    for mount in container.get("volumeMounts") or []:
        spec.mounts.append(
            _mount(mount, volumes[mount["name"]], uid, fs_group, files, volume_prefix)
        )
    if not default_command:
        spec.command = [*(container.get("command") or []), *(container.get("args") or [])]
    return spec


def memory_bytes(quantity: str | int) -> int:
    return int(parse_quantity(quantity))


def _mount(
    mount: Manifest,
    volume: Manifest,
    uid: int | None,
    fs_group: int | None,
    files: dict[str, Path],
    prefix: str,
) -> Mount:
    path = mount["mountPath"]
    if "emptyDir" in volume:
        options = tmpfs_options(uid, fs_group)
        limit = (volume["emptyDir"] or {}).get("sizeLimit")
        if limit:
            options += f",size={memory_bytes(limit)}"
        return Tmpfs(path, options)
    if "configMap" in volume:
        key = mount.get("subPath")
        if key is None:
            raise ValueError(f"configMap {volume['name']} mounted without subPath: not supported")
        return BindMount(files[f"{volume['configMap']['name']}/{key}"], path, readonly=True)
    if "persistentVolumeClaim" in volume:
        return VolumeMount(f"{prefix}-{volume['persistentVolumeClaim']['claimName']}", path)
    raise ValueError(f"volume {volume['name']}: only emptyDir, configMap and PVC are translated")


def tmpfs_options(uid: int | None, gid: int | None) -> str:
    """An emptyDir the pod's user can write: owned by uid, group fsGroup, mode 0770."""
    owner = f"uid={uid},gid={gid}," if uid is not None and gid is not None else ""
    return f"rw,exec,nosuid,nodev,{owner}mode=0770"
