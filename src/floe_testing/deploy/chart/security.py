"""Pod-template checks: the restricted Pod Security Standard plus our own hardening, probes
and the memory footprint of a profile.

The restricted checks follow the Kubernetes Pod Security Standards (v1.29+ "restricted"):
what the admission controller would reject in a namespace labelled
``pod-security.kubernetes.io/enforce=restricted``. ``hardening_problems`` adds the project's
rules that admission does not enforce (read-only root filesystem, resource limits, no
ServiceAccount token, pinned images).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from floe_testing.deploy.chart.engine import Manifest

_WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"}
_ALLOWED_VOLUMES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}
_SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}


@dataclass(frozen=True)
class PodTemplate:
    """A pod template of a rendered workload (``kind/name`` identifies it in messages)."""

    kind: str
    name: str
    labels: dict[str, str]
    spec: dict[str, Any]
    replicas: int
    hook: bool

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.name}"

    def containers(self, init: bool = True) -> Iterator[tuple[str, dict[str, Any]]]:
        keys = ("initContainers", "containers") if init else ("containers",)
        for key in keys:
            for container in self.spec.get(key) or []:
                yield f"{self.ref}:{container['name']}", container


def pod_templates(manifests: list[Manifest]) -> list[PodTemplate]:
    templates = []
    for manifest in manifests:
        if manifest.get("kind") not in _WORKLOADS:
            continue
        template = manifest["spec"]["template"]
        annotations = manifest["metadata"].get("annotations") or {}
        templates.append(
            PodTemplate(
                kind=manifest["kind"],
                name=manifest["metadata"]["name"],
                labels=dict(template.get("metadata", {}).get("labels") or {}),
                spec=template["spec"],
                replicas=int(manifest["spec"].get("replicas", 1))
                if manifest["kind"] != "Job"
                else 1,
                hook="helm.sh/hook" in annotations,
            )
        )
    return templates


def _effective(pod: PodTemplate, container: dict[str, Any], key: str) -> Any:
    """A securityContext field: the container's, else the pod's."""
    value = (container.get("securityContext") or {}).get(key)
    return value if value is not None else (pod.spec.get("securityContext") or {}).get(key)


def _pod_level_problems(pod: PodTemplate) -> list[str]:
    spec = pod.spec
    problems = [
        f"{pod.ref}: {key} is set" for key in ("hostNetwork", "hostPID", "hostIPC") if spec.get(key)
    ]
    for volume in spec.get("volumes") or []:
        kinds = set(volume) - {"name"}
        if not kinds <= _ALLOWED_VOLUMES:
            problems.append(f"{pod.ref}: volume {volume['name']} uses {sorted(kinds)}")
    for sysctl in (spec.get("securityContext") or {}).get("sysctls") or []:
        if sysctl["name"] not in _SAFE_SYSCTLS:
            problems.append(f"{pod.ref}: unsafe sysctl {sysctl['name']}")
    return problems


def _container_problems(pod: PodTemplate, where: str, container: dict[str, Any]) -> list[str]:
    context = container.get("securityContext") or {}
    problems = []
    if context.get("privileged"):
        problems.append(f"{where}: privileged")
    if context.get("allowPrivilegeEscalation") is not False:
        problems.append(f"{where}: allowPrivilegeEscalation is not false")
    capabilities = context.get("capabilities") or {}
    if "ALL" not in (capabilities.get("drop") or []):
        problems.append(f"{where}: capabilities.drop lacks ALL")
    if set(capabilities.get("add") or []) - {"NET_BIND_SERVICE"}:
        problems.append(f"{where}: adds capabilities {capabilities['add']}")
    if _effective(pod, container, "runAsNonRoot") is not True:
        problems.append(f"{where}: runAsNonRoot is not true")
    if _effective(pod, container, "runAsUser") == 0:
        problems.append(f"{where}: runAsUser is 0")
    seccomp = (_effective(pod, container, "seccompProfile") or {}).get("type")
    if seccomp not in {"RuntimeDefault", "Localhost"}:
        problems.append(f"{where}: seccompProfile is {seccomp!r}, not RuntimeDefault")
    if context.get("procMount") not in (None, "Default"):
        problems.append(f"{where}: procMount {context['procMount']}")
    problems += [
        f"{where}: hostPort {p['hostPort']}"
        for p in container.get("ports") or []
        if p.get("hostPort")
    ]
    return problems


def restricted_problems(pod: PodTemplate) -> list[str]:
    """Violations of the restricted Pod Security Standard (what admission would reject)."""
    problems = _pod_level_problems(pod)
    for where, container in pod.containers():
        problems += _container_problems(pod, where, container)
    return problems


def hardening_problems(pod: PodTemplate) -> list[str]:
    """The project's rules beyond admission: read-only root, limits, no token, pinned images."""
    problems = []
    if pod.spec.get("automountServiceAccountToken") is not False:
        problems.append(f"{pod.ref}: automountServiceAccountToken is not false")
    for where, container in pod.containers():
        if (container.get("securityContext") or {}).get("readOnlyRootFilesystem") is not True:
            problems.append(f"{where}: readOnlyRootFilesystem is not true")
        resources = container.get("resources") or {}
        for kind in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if resource not in (resources.get(kind) or {}):
                    problems.append(f"{where}: no {kind}.{resource}")
        image = str(container.get("image", ""))
        if ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest"):
            problems.append(f"{where}: image {image!r} is not pinned to a tag")
    return problems


def probe_problems(pod: PodTemplate) -> list[str]:
    """Long-running containers have startup and liveness probes, and readiness when they serve."""
    if pod.kind == "Job":
        return []
    problems = []
    for where, container in pod.containers(init=False):
        needed = ["startupProbe", "livenessProbe"]
        if container.get("ports"):
            needed.append("readinessProbe")
        problems += [f"{where}: no {probe}" for probe in needed if probe not in container]
    return problems


def parse_quantity(quantity: str | int | float) -> Decimal:
    """A Kubernetes quantity as a number (cpu in cores, memory in bytes), by lightkube's parser.

    YAML hands over ``cpu: 2`` as a number, hence ``str``; lightkube is imported here because
    importing it costs ~0.2 s that commands not touching quantities should not pay."""
    from lightkube.utils.quantity import parse_quantity as parse

    try:
        value = parse(str(quantity))
    except ValueError as exc:
        raise ValueError(f"{quantity!r} is not a Kubernetes quantity ({exc})") from None
    if value is None or value < 0:
        raise ValueError(f"{quantity!r} is not a Kubernetes quantity (negative)")
    return value


def pod_amount(pod: PodTemplate, kind: str, resource: str) -> Decimal:
    """What the scheduler counts for one pod: max(largest init container, sum of containers)."""

    def amount(container: dict[str, Any]) -> Decimal:
        value = ((container.get("resources") or {}).get(kind) or {}).get(resource)
        return parse_quantity(value) if value is not None else Decimal(0)

    init = max((amount(c) for c in pod.spec.get("initContainers") or []), default=Decimal(0))
    return max(init, sum((amount(c) for c in pod.spec.get("containers") or []), Decimal(0)))


def footprint(manifests: list[Manifest], kind: str = "limits", resource: str = "memory") -> Decimal:
    """A profile's total: every workload times its replicas, plus the largest hook pod
    (hooks run one at a time, after the workloads started)."""
    pods = pod_templates(manifests)
    steady = sum(
        (pod_amount(p, kind, resource) * p.replicas for p in pods if not p.hook), Decimal(0)
    )
    hooks = max((pod_amount(p, kind, resource) for p in pods if p.hook), default=Decimal(0))
    return steady + hooks
