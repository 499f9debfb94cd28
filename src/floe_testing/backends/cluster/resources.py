"""Resource use of the platform's pods, for soak samples on the cluster backend.

Per service (the pods' ``app.kubernetes.io/name``, the contract's service name): container
restarts from the pod status, pods replaced since the first sample (``replaced``, by pod UID:
replacements.py), and memory from the metrics API (``metrics.k8s.io``, served by
metrics-server) when the cluster has one. The test-runner's own pods are left out.
"""

from __future__ import annotations

import contextlib
from typing import Any

from floe_testing.backends.cluster.replacements import PodReplacements
from floe_testing.config import labels
from floe_testing.tools.kube import Kube

NAME_LABEL = "app.kubernetes.io/name"
COMPONENT_LABEL = "app.kubernetes.io/component"


def _service(metadata: dict[str, Any]) -> str | None:
    pod_labels = metadata.get("labels") or {}
    if pod_labels.get(COMPONENT_LABEL) == labels.RUNNER_COMPONENT:
        return None
    name = pod_labels.get(NAME_LABEL)
    return str(name) if name else None


def restarts(pods: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    usage: dict[str, dict[str, float]] = {}
    for pod in pods:
        service = _service(pod.get("metadata") or {})
        if service is None:
            continue
        statuses = (pod.get("status") or {}).get("containerStatuses") or []
        entry = usage.setdefault(service, {"restarts": 0.0})
        entry["restarts"] += float(sum(int(s.get("restartCount", 0)) for s in statuses))
    return usage


def add_memory(usage: dict[str, dict[str, float]], metrics: list[dict[str, Any]]) -> None:
    from lightkube.utils.quantity import parse_quantity

    for item in metrics:
        service = _service(item.get("metadata") or {})
        if service is None or service not in usage:
            continue
        total = sum(
            float(parse_quantity(c.get("usage", {}).get("memory", "0")) or 0)
            for c in item.get("containers") or []
        )
        usage[service]["memory_bytes"] = usage[service].get("memory_bytes", 0.0) + total


def _pod_metrics(kube: Kube, namespace: str) -> list[dict[str, Any]]:
    from lightkube.generic_resource import create_namespaced_resource

    resource = create_namespaced_resource("metrics.k8s.io", "v1beta1", "PodMetrics", "pods")
    items = []
    for obj in kube.client.list(resource, namespace=namespace):
        items.append(obj.to_dict() if hasattr(obj, "to_dict") else dict(obj))  # type: ignore[no-untyped-call]
    return items


def add_replaced(usage: dict[str, dict[str, float]], replaced: dict[str, float]) -> None:
    """``replaced`` per service; a service whose every pod is gone still shows up."""
    for service, count in replaced.items():
        usage.setdefault(service, {"restarts": 0.0})["replaced"] = count


def platform_usage(
    kube: Kube, namespace: str, replacements: PodReplacements | None = None
) -> dict[str, dict[str, float]]:
    pods = kube.list("Pod", namespace)
    usage = restarts(pods)
    if replacements is not None:
        add_replaced(usage, replacements.observe(pods))
    with contextlib.suppress(Exception):  # no metrics-server: restarts only
        add_memory(usage, _pod_metrics(kube, namespace))
    return usage
