"""Cluster backend: tests as Kubernetes Jobs on an existing cluster reached by a kubeconfig.

The Job phase (``run_tests``) works on its own with a plan whose ``cluster`` options point at
a reachable cluster with ``install=False``, so the kind backend reuses it after provisioning.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from floe_testing.backends.base import Availability, Backend, TestOutcome
from floe_testing.errors import InfrastructureError, UsageError
from floe_testing.plan import RunPlan
from floe_testing.ui import Ui

if TYPE_CHECKING:
    from floe_testing.cluster.kube import Kube
    from floe_testing.cluster.manifest import JobSpec


def run_namespace(plan: RunPlan) -> str:
    """``--namespace`` or a fresh ``<prefix>-<tier>-<run id>``."""
    from floe_testing.cluster.manifest import namespace_name

    if plan.cluster.namespace:
        return plan.cluster.namespace
    return namespace_name(plan.project.config.namespace_prefix, plan.tier.name, plan.run_id)


def default_kubeconfig() -> Path | None:
    """The kubeconfig kubectl would use ($KUBECONFIG's first entry, else ~/.kube/config)."""
    env = os.environ.get("KUBECONFIG", "")
    first = env.split(os.pathsep)[0] if env else ""
    path = Path(first) if first else Path.home() / ".kube" / "config"
    return path if path.is_file() else None


class ClusterBackend(Backend):
    name = "cluster"
    summary = "existing cluster from a kubeconfig"

    def __init__(self) -> None:
        self.kube: Kube | None = None
        self.namespace = ""
        self.created: list[tuple[str, str, str | None]] = []
        self.spec: JobSpec | None = None
        self.failure: InfrastructureError | None = None
        self.shard_logs: dict[int, list[str]] = {}
        self.verdict_detail = ""
        self.last_exit: float | None = None

    @classmethod
    def availability(cls) -> Availability:
        path = default_kubeconfig()
        if path is None:
            return Availability(False, "no kubeconfig ($KUBECONFIG or ~/.kube/config)")
        return Availability(True, f"kubeconfig {path}")

    def check(self, plan: RunPlan) -> None:
        from floe_testing.cluster.kube import Target, load_config

        if plan.cluster.install:
            raise UsageError(
                "the cluster backend cannot install the platform yet (no chart installer)",
                "deploy the platform yourself and pass --no-install (with --namespace where it "
                "runs), or use --backend kind",
            )
        if plan.cluster.kubeconfig is None and default_kubeconfig() is None:
            raise UsageError(
                "no kubeconfig: neither --kubeconfig, $KUBECONFIG nor ~/.kube/config",
                "pass --kubeconfig PATH (and --context NAME)",
            )
        load_config(Target(plan.cluster.kubeconfig, plan.cluster.context))

    # --- phases ----------------------------------------------------------------------
    def start_platform(self, plan: RunPlan, ui: Ui) -> None:
        """With --no-install the platform is already there: connect and prepare the namespace."""
        self._prepare(plan, ui)

    def _prepare(self, plan: RunPlan, ui: Ui) -> Kube:
        if self.kube is not None:
            return self.kube
        from floe_testing.cluster.kube import Kube, Target, TransportError
        from floe_testing.cluster.manifest import namespace_manifest

        kube = Kube(Target(plan.cluster.kubeconfig, plan.cluster.context))
        self.kube = kube
        self.namespace = run_namespace(plan)
        try:
            exists = kube.exists("Namespace", self.namespace)
        except TransportError as exc:
            raise kube.unreachable(exc) from exc
        if plan.cluster.namespace and not exists:
            raise InfrastructureError(
                f"namespace {self.namespace} does not exist on {kube.server}",
                "pass the namespace where the platform runs, or drop --namespace for a fresh one",
                cause="namespace-missing",
            )
        if not exists:
            kube.create(namespace_manifest(self.namespace, plan.run_id, plan.tier.name))
            self.created.append(("Namespace", self.namespace, None))
            ui.step(f"created namespace {self.namespace} on {kube.server}")
        return kube

    def run_tests(self, plan: RunPlan, ui: Ui) -> TestOutcome:
        from floe_testing.cluster import results
        from floe_testing.cluster.classify import Settings
        from floe_testing.cluster.manifest import JobSpec, job_manifest, service_account_manifest
        from floe_testing.cluster.monitor import Failed, Monitor

        kube = self._prepare(plan, ui)
        spec = self.spec = JobSpec.from_plan(plan, self.namespace)
        account = service_account_manifest(spec)
        if not kube.exists("ServiceAccount", account["metadata"]["name"], self.namespace):
            kube.create(account)
            self.created.append(("ServiceAccount", account["metadata"]["name"], self.namespace))
        kube.create(job_manifest(spec))
        self.created.append(("Job", spec.job_name, self.namespace))
        ui.step(
            f"submitted Job {spec.job_name} ({spec.shards} shard{'s' * (spec.shards > 1)}) "
            f"in {self.namespace}, image {spec.image}"
        )
        monitor = Monitor(
            kube,
            self.namespace,
            spec.job_name,
            plan.run_id,
            spec.shards,
            ui,
            plan.results_dir / "logs",
            Settings.from_env(),
            plan.timeout,
        )
        try:
            shards = monitor.wait()
        except Failed as exc:
            self.failure = exc
            raise
        except InfrastructureError as exc:
            self.failure = exc
            raise
        finally:
            self.shard_logs = {i: s.lines for i, s in monitor.shards.items()}
        self.last_exit = monitor.last_exit
        try:
            decoded = [results.decode_shard(i, s.lines, s.terminated) for i, s in shards.items()]
        except InfrastructureError as exc:
            self.failure = exc
            raise
        verdict = results.write(decoded, plan.results_dir, plan.junit_path)
        self.verdict_detail = verdict.detail
        return TestOutcome(verdict.exit_status, verdict.detail)

    def collect(self, plan: RunPlan, ui: Ui, failed: bool) -> None:
        if not failed or self.kube is None or self.spec is None:
            return
        from floe_testing.cluster.diagnostics import Bundle, Context

        if self.failure is not None:
            cause, message = self.failure.cause, self.failure.message
            hint = self.failure.hint or ""
        else:
            cause, message = "tests", self.verdict_detail or "tests failed"
            hint = f"read the failures in {plan.junit_path} and the shard logs"
        folder = Bundle(self.kube, plan.results_dir / "diagnostics").write(
            Context(self.namespace, self.spec.job_name, cause, message, hint, self.shard_logs)
        )
        ui.info(f"diagnostics: {folder} (SUMMARY.md names the likely cause)")

    def teardown(self, plan: RunPlan, ui: Ui) -> None:
        """Delete what this run created, newest first; one failure does not stop the rest."""
        if self.kube is None:
            return
        left: list[str] = []
        try:
            for kind, name, namespace in reversed(self.created):
                try:
                    self.kube.delete(kind, name, namespace)
                except Exception as exc:
                    left.append(f"{kind} {name}: {exc}")
            if self.created and not left:
                ui.info(f"deleted what the run created in {self.namespace}")
        finally:
            self.created.clear()
            self.kube.close()
        if left:
            raise InfrastructureError(
                f"could not delete {'; '.join(left)}",
                f"delete them by hand (kubectl delete namespace {self.namespace})",
                cause="teardown",
            )

    def keep_instructions(self, plan: RunPlan) -> str:
        kubeconfig = f" --kubeconfig {plan.cluster.kubeconfig}" if plan.cluster.kubeconfig else ""
        context = f" --context {plan.cluster.context}" if plan.cluster.context else ""
        kubectl = f"kubectl{kubeconfig}{context} -n {self.namespace}"
        job = self.spec.job_name if self.spec else "<job>"
        if any(kind == "Namespace" for kind, _, _ in self.created):
            stop = f"kubectl{kubeconfig}{context} delete namespace {self.namespace}"
        else:
            stop = f"{kubectl} delete job {job}"
        return (
            f"inspect: {kubectl} get pods,jobs\nlogs:    {kubectl} logs job/{job}\nstop:    {stop}"
        )
