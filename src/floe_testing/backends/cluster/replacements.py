"""Platform pods replaced during a soak, seen by their UIDs.

A pod that is deleted (by hand, by an eviction, by a node going away) is replaced by its
controller with a new pod, whose containers start at ``restartCount`` 0: container restarts
alone never show it, even when the StatefulSet gives the new pod the old one's name. So the
soak remembers every platform pod's UID per service; a UID seen before and gone now is one
replaced pod. Pods of Jobs (the bootstrap hook, the test runners) come and go by design and
are left out.
"""

from __future__ import annotations

from typing import Any

from floe_testing.config import labels

NAME_LABEL = "app.kubernetes.io/name"
COMPONENT_LABEL = "app.kubernetes.io/component"


def _service_pod(pod: dict[str, Any]) -> tuple[str, str] | None:
    """(service, uid) of a long-running platform pod, None for anything else."""
    metadata = pod.get("metadata") or {}
    pod_labels = metadata.get("labels") or {}
    if pod_labels.get(COMPONENT_LABEL) == labels.RUNNER_COMPONENT:
        return None
    if any(ref.get("kind") == "Job" for ref in metadata.get("ownerReferences") or []):
        return None
    service, uid = pod_labels.get(NAME_LABEL), metadata.get("uid")
    return (str(service), str(uid)) if service and uid else None


class PodReplacements:
    """Per service, how many of the pods seen so far are gone (replaced since the first look)."""

    def __init__(self) -> None:
        self._seen: dict[str, set[str]] = {}

    def observe(self, pods: list[dict[str, Any]]) -> dict[str, float]:
        current: dict[str, set[str]] = {}
        for pod in pods:
            found = _service_pod(pod)
            if found is not None:
                current.setdefault(found[0], set()).add(found[1])
        for service, uids in current.items():
            self._seen.setdefault(service, set()).update(uids)
        return {
            service: float(len(seen - current.get(service, set())))
            for service, seen in self._seen.items()
        }
