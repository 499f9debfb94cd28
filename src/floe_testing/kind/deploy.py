"""Deploy the platform chart into the run's namespace and observe what it created.

The namespace is created here (labelled for Pod Security from the chart's values, as the
chart asks) so that it exists before ``helm upgrade --install`` and is deleted with
everything in it at teardown. One release per namespace, named ``RELEASE``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from floe_testing.errors import InfrastructureError
from floe_testing.kind.helm import Helm, Install, deep_merge
from floe_testing.kind.readiness import Snapshot
from floe_testing.plan import RunPlan

if TYPE_CHECKING:
    from lightkube import Client

RELEASE = "floe-platform"
CHART_DIR = Path("charts") / "floe-platform"
TEST_VALUES = "values-test.yaml"
PSA_MODES = ("enforce", "audit", "warn")


def client_for(kubeconfig: Path, context: str | None = None) -> Client:
    import httpx2
    from lightkube import Client, KubeConfig

    config = KubeConfig.from_file(kubeconfig)
    return Client(config.get(context_name=context) if context else config,
                  timeout=httpx2.Timeout(30.0))


def split_ref(ref: str) -> tuple[str, str]:
    """``repo[:port]/name:tag`` -> (repository, tag)."""
    repository, _, tag = ref.rpartition(":")
    if not repository or "/" in tag:
        raise ValueError(f"image reference {ref!r} has no tag")
    return repository, tag


@dataclass(frozen=True)
class Release:
    """What to install: the chart, its values files and the run's overrides."""

    chart: Path
    values_files: tuple[Path, ...]
    values: dict[str, Any]

    @classmethod
    def for_plan(cls, plan: RunPlan, platform_image: str | None) -> Release:
        chart = plan.project.root / CHART_DIR
        files = tuple(p for p in (chart / TEST_VALUES,) if p.is_file())
        values: dict[str, Any] = {"profile": plan.profile.name if plan.profile else "minimal"}
        if platform_image:
            repository, tag = split_ref(platform_image)
            values["dagster"] = {"image": {"repository": repository, "tag": tag,
                                           "pullPolicy": "IfNotPresent"}}
        return cls(chart, files, values)

    def pod_security_level(self) -> str:
        """``podSecurity.level`` after values.yaml, the values files and the overrides."""
        merged: dict[str, Any] = {}
        for path in (self.chart / "values.yaml", *self.values_files):
            if path.is_file():
                merged = deep_merge(merged, yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        merged = deep_merge(merged, self.values)
        level = (merged.get("podSecurity") or {}).get("level", "restricted")
        return str(level)

    def install(self, helm: Helm, namespace: str) -> Install:
        return helm.upgrade_install(RELEASE, self.chart, namespace, list(self.values_files),
                                    self.values)


def create_namespace(client: Client, manifest: dict[str, Any], pod_security: str) -> None:
    from lightkube import codecs

    labels = manifest.setdefault("metadata", {}).setdefault("labels", {})
    for mode in PSA_MODES:
        labels[f"pod-security.kubernetes.io/{mode}"] = pod_security
    client.create(codecs.from_dict(manifest))


def delete_namespace(client: Client, name: str) -> None:
    from lightkube import ApiError
    from lightkube.resources.core_v1 import Namespace

    try:
        client.delete(Namespace, name)
    except ApiError as exc:
        if exc.status.code != 404:
            raise


def observe(client: Client, namespace: str) -> Snapshot:
    import httpx2
    from lightkube.resources.apps_v1 import Deployment, StatefulSet
    from lightkube.resources.core_v1 import Pod

    def dicts(resource: Any, kind: str) -> list[dict[str, Any]]:
        out = []
        try:
            for obj in client.list(resource, namespace=namespace):
                data: dict[str, Any] = obj.to_dict()
                data.setdefault("kind", kind)
                out.append(data)
        except httpx2.HTTPStatusError as exc:  # lightkube's ApiError is one too
            if exc.response.status_code == 404:  # nothing of this kind (yet)
                return []
            raise InfrastructureError(
                f"listing {kind}s in {namespace} failed: HTTP {exc.response.status_code}",
                "check the cluster's API server and the kubeconfig's permissions",
                cause="api-error",
            ) from exc
        return out

    return Snapshot(pods=dicts(Pod, "Pod"),
                    workloads=dicts(Deployment, "Deployment") + dicts(StatefulSet, "StatefulSet"))
