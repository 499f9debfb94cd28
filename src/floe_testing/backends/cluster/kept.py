"""A kept cluster platform: the chart installed once into a namespace of its own, reused by
runs whose test Jobs go into that namespace.

``platform up`` is a run's start phase (the namespace, created when missing; ``helm upgrade
--install`` watched with fail-fast) plus the test runner's ServiceAccount, so that runs never
create (and so never delete) it while another run's Job still needs it. The record keeps the
kubeconfig (resolved, so a later ``$KUBECONFIG`` does not redirect the runs), the namespace
and the workloads with their replicas: health is each of them back at that count, probed
through the API. ``platform down`` uninstalls the release and deletes the namespace it
created (or, in a namespace it found, the ServiceAccount it added).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from floe_testing.backends.cluster.backend import (
    ClusterBackend,
    attempt,
    await_namespace_gone,
    default_kubeconfig,
)
from floe_testing.backends.kept import Details, Health, Keeper, KeptRef
from floe_testing.core.errors import FloeTestError, InfrastructureError
from floe_testing.core.ui import Ui
from floe_testing.plan import ClusterOptions, RunPlan

if TYPE_CHECKING:
    from floe_testing.tools.kube import Kube


@dataclass(frozen=True)
class ClusterRecord:
    """What ``platform up`` leaves in the registry for the cluster backend."""

    kubeconfig: str | None
    context: str | None
    server: str
    namespace: str
    namespace_created: bool
    image: str | None  # the test runner image runs use unless they pass --image
    workloads: dict[str, int] = field(default_factory=dict)  # "Deployment/name": replicas
    service_account_created: bool = False

    def details(self) -> Details:
        return asdict(self)

    @classmethod
    def of(cls, details: Details) -> ClusterRecord:
        return cls(**details)

    def kube(self) -> Kube:
        from floe_testing.tools.kube import Kube, Target

        kubeconfig = Path(self.kubeconfig) if self.kubeconfig else None
        return Kube(Target(kubeconfig, self.context))


def _workloads(kube: Kube, namespace: str) -> dict[str, int]:
    from floe_testing.deploy.release import observe

    found = {}
    for workload in observe(kube.client, namespace).workloads:
        key = f"{workload.get('kind', 'workload')}/{workload['metadata']['name']}"
        found[key] = int((workload.get("spec") or {}).get("replicas", 1))
    return found


def probe(record: ClusterRecord) -> Health:
    """The namespace active and every workload the chart made at its ready count."""
    import httpx2

    from floe_testing.deploy.release import observe

    where = f"namespace {record.namespace} on {record.server}"
    try:
        kube = record.kube()
    except FloeTestError as exc:
        return Health(False, f"cannot use the kubeconfig: {exc.message}")
    try:
        namespace = kube.get("Namespace", record.namespace)
        if namespace is None:
            return Health(False, f"{where} is gone")
        if (namespace.get("status") or {}).get("phase") == "Terminating":
            return Health(False, f"{where} is being deleted")
        ready = {
            f"{w.get('kind', 'workload')}/{w['metadata']['name']}": int(
                (w.get("status") or {}).get("readyReplicas") or 0
            )
            for w in observe(kube.client, record.namespace).workloads
        }
    except (FloeTestError, httpx2.HTTPError, OSError) as exc:
        return Health(False, f"cannot read {where}: {exc}")
    finally:
        kube.close()
    for workload, wanted in sorted(record.workloads.items()):
        if workload not in ready:
            return Health(False, f"{workload} is gone from {where}")
        if ready[workload] < max(wanted, 1):
            return Health(False, f"{workload} has {ready[workload]}/{max(wanted, 1)} ready")
    return Health(True, "")


class ClusterKeeper(Keeper):
    name = "cluster"

    def __init__(self) -> None:
        self.starting = ClusterBackend()

    def up(self, plan: RunPlan, ui: Ui) -> Details:
        from floe_testing.jobs.manifest import JobSpec, service_account_manifest

        backend = self.starting
        backend.start_platform(plan, ui)
        kube = backend.kube
        assert kube is not None
        account = service_account_manifest(JobSpec.from_plan(plan, backend.namespace))
        name = account["metadata"]["name"]
        account_created = not kube.exists("ServiceAccount", name, backend.namespace)
        if account_created:
            backend.created.append(("ServiceAccount", name, backend.namespace))
            kube.create(account)
        workloads = _workloads(kube, backend.namespace)
        kubeconfig = plan.cluster.kubeconfig or default_kubeconfig()
        record = ClusterRecord(
            kubeconfig=str(kubeconfig.resolve()) if kubeconfig else None,
            context=plan.cluster.context,
            server=kube.server,
            namespace=backend.namespace,
            namespace_created=backend.namespace_created,
            image=plan.cluster.image,
            workloads=workloads,
            service_account_created=account_created,
        )
        backend.disconnect()
        return record.details()

    def abandon(self, plan: RunPlan, ui: Ui) -> None:
        self.starting.collect(plan, ui, failed=True)  # diagnostics/ of the namespace
        self.starting.teardown(plan, ui)

    def where(self, details: Details) -> str:
        record = ClusterRecord.of(details)
        return f"namespace {record.namespace} on {record.server}"

    def health(self, details: Details) -> Health:
        return probe(ClusterRecord.of(details))

    def run_options(self, details: Details, image: str | None) -> ClusterOptions:
        record = ClusterRecord.of(details)
        return ClusterOptions(
            kubeconfig=Path(record.kubeconfig) if record.kubeconfig else None,
            context=record.context,
            namespace=record.namespace,
            image=image or record.image,
            install=False,
        )

    def attach(self, details: Details, ref: KeptRef) -> AttachedCluster:
        return AttachedCluster(ClusterRecord.of(details), ref)

    def down(self, details: Details, ui: Ui) -> None:
        from floe_testing.deploy.chart.engine import RELEASE
        from floe_testing.tools.helm import find_helm

        record = ClusterRecord.of(details)
        try:
            kube = record.kube()
        except FloeTestError as exc:
            raise InfrastructureError(
                f"cannot reach namespace {record.namespace}: {exc.message}",
                "restore the kubeconfig it was started with",
                cause="teardown",
            ) from exc
        left: list[str] = []
        kubeconfig = Path(record.kubeconfig) if record.kubeconfig else None
        try:
            if kube.exists("Namespace", record.namespace):
                ui.step(f"helm uninstall {RELEASE} from {record.namespace}")
                helm = find_helm(kubeconfig, record.context)
                attempt(left, "helm uninstall", lambda: helm.uninstall(RELEASE, record.namespace))
                if record.namespace_created:
                    ui.step(f"deleting namespace {record.namespace}")
                    attempt(left, f"Namespace {record.namespace}", lambda: _delete(kube, record))
                elif record.service_account_created:
                    from floe_testing.config.labels import RUNNER_SERVICE_ACCOUNT

                    attempt(
                        left,
                        f"ServiceAccount {RUNNER_SERVICE_ACCOUNT}",
                        lambda: kube.delete(
                            "ServiceAccount", RUNNER_SERVICE_ACCOUNT, record.namespace
                        ),
                    )
        finally:
            kube.close()
        if left:
            raise InfrastructureError(
                f"could not remove {'; '.join(left)}",
                f"remove them by hand (kubectl delete namespace {record.namespace})",
                cause="teardown",
            )


def _delete(kube: Kube, record: ClusterRecord) -> None:
    kube.delete("Namespace", record.namespace)
    await_namespace_gone(kube, record.namespace)


class AttachedCluster(ClusterBackend):
    """The suite as a Job in the kept platform's namespace; start = probe, the platform
    stays (teardown deletes only this run's Job)."""

    def __init__(self, record: ClusterRecord, ref: KeptRef) -> None:
        super().__init__()
        self.record = record
        self.ref = ref

    def start_platform(self, plan: RunPlan, ui: Ui) -> None:
        health = probe(self.record)
        if not health.healthy:
            raise self.ref.not_healthy(health)
        ui.step(f"kept platform {self.ref.name}: healthy (namespace {self.record.namespace})")

    def keep_instructions(self, plan: RunPlan) -> str:
        return f"kept platform {self.ref.name} stays up: floe-test platform down {self.ref.name}"
