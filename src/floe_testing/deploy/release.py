"""What to install for a run (chart, values file, profile, platform image), and the namespace.

The namespace is created here (labelled for Pod Security from the chart's values, as the
chart asks) so that it exists before ``helm upgrade --install`` and is deleted with
everything in it at teardown. One release per namespace, named ``RELEASE``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from floe_testing.core.errors import InfrastructureError, UsageError
from floe_testing.deploy.chart.engine import (
    CHART_NAME,
    DEFAULT_NAMESPACE,
    RELEASE,
    profile_values,
)
from floe_testing.deploy.readiness import Snapshot
from floe_testing.plan import RunPlan
from floe_testing.tools.helm import Helm, Install, merge_values, render_chart

if TYPE_CHECKING:
    from lightkube import Client

CHART_DIR = Path("charts") / CHART_NAME
PLATFORM_IMAGE_ENV = "FLOE_TEST_PLATFORM_IMAGE"


def client_for(kubeconfig: Path, context: str | None = None) -> Client:
    import httpx2
    from lightkube import Client, KubeConfig

    config = KubeConfig.from_file(kubeconfig)
    return Client(
        config.get(context_name=context) if context else config, timeout=httpx2.Timeout(30.0)
    )


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
    def for_plan(cls, plan: RunPlan, platform_image: str | None = None) -> Release:
        """The tier's values file and profile; the platform image given, else from the env.

        Raises UsageError (nothing created yet) when the chart or the values file is missing,
        the plan has no profile (or one the chart does not know) or the image reference has
        no tag.
        """
        chart = plan.project.root / CHART_DIR
        values_file = chart / plan.tier.chart_values  # [tool.floe-test.tiers.*] chart-values
        if not values_file.is_file():
            raise UsageError(
                f"the chart's values file {values_file} does not exist",
                f"run floe-test from the project's checkout (it holds {CHART_DIR})",
            )
        extra = tuple(_values_file(chart, path) for path in plan.cluster.values_files)
        if plan.profile is None:
            raise UsageError(
                f"the {plan.tier.name} tier has no platform profile to deploy",
                "pick a profile with --profile",
            )
        values = profile_values(plan.profile.name, chart)
        image = (
            platform_image
            or plan.cluster.platform_image
            or os.environ.get(PLATFORM_IMAGE_ENV)
            or None
        )
        if image:
            try:
                repository, tag = split_ref(image)
            except ValueError as exc:
                raise UsageError(
                    str(exc), f"give the platform image as REPOSITORY:TAG (${PLATFORM_IMAGE_ENV})"
                ) from exc
            values["dagster"] = {
                "image": {"repository": repository, "tag": tag, "pullPolicy": "IfNotPresent"}
            }
        return cls(chart, (values_file, *extra), values)

    def merged_values(self) -> dict[str, Any]:
        """values.yaml, the values files and the overrides, merged as Helm merges them."""
        merged: dict[str, Any] = {}
        for path in (self.chart / "values.yaml", *self.values_files):
            if path.is_file():
                merged = merge_values(
                    merged, yaml.safe_load(path.read_text(encoding="utf-8")) or {}
                )
        return merge_values(merged, self.values)

    def pod_security_level(self) -> str:
        """``podSecurity.level`` after values.yaml, the values files and the overrides."""
        level = (self.merged_values().get("podSecurity") or {}).get("level", "restricted")
        return str(level)

    def catalog_implementation(self) -> str:
        """``catalog.implementation``: polaris, or iceberg-rest (Iceberg's REST catalog server)."""
        return str((self.merged_values().get("catalog") or {}).get("implementation", "polaris"))

    def images(self, namespace: str = DEFAULT_NAMESPACE) -> dict[str, str]:
        """Every image the release's pods run (hooks and init containers included) -> its pull
        policy, from an offline render with these values: what a node without a registry
        must be given."""
        from floe_testing.deploy.chart.engine import parse_manifests
        from floe_testing.deploy.chart.security import pod_templates

        values: dict[str, Any] = {}
        for path in self.values_files:
            values = merge_values(values, yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        documents = render_chart(self.chart, merge_values(values, self.values), RELEASE, namespace)
        manifests, _ = parse_manifests(documents)
        return {
            container["image"]: str(container.get("imagePullPolicy") or "")
            for pod in pod_templates(manifests)
            for _, container in pod.containers()
        }

    def install(self, helm: Helm, namespace: str) -> Install:
        return helm.upgrade_install(
            RELEASE, self.chart, namespace, list(self.values_files), self.values
        )


def _values_file(chart: Path, path: Path) -> Path:
    """``--values PATH``: as given, else a file of that name in the chart's folder."""
    for candidate in (path, chart / path):
        if candidate.is_file():
            return candidate.resolve()
    raise UsageError(
        f"chart values file {path} does not exist (nor {chart / path})",
        f"pass an existing file with --values, or a name in {CHART_DIR}",
    )


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
            if exc.response.status_code in (401, 403):
                from floe_testing.tools.kube import Forbidden

                raise Forbidden("list", kind, namespace, exc.response.text[:300]) from exc
            raise InfrastructureError(
                f"listing {kind}s in {namespace} failed: HTTP {exc.response.status_code}",
                "check the cluster's API server and the kubeconfig's permissions",
                cause="api-error",
            ) from exc
        return out

    return Snapshot(
        pods=dicts(Pod, "Pod"),
        workloads=dicts(Deployment, "Deployment") + dicts(StatefulSet, "StatefulSet"),
    )
