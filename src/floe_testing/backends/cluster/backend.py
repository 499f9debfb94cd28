"""Cluster backend: tests as Kubernetes Jobs on an existing cluster reached by a kubeconfig.

start platform: the run's namespace (fresh unless ``--namespace``), then — unless
``--no-install`` — ``helm upgrade --install`` of the chart with the tier's values file and
profile, watched with fail-fast (``floe_testing.deploy``). run tests: the Job runner.
teardown: the Job's objects, the release, the namespace this run created. The kind backend
drives this same class once its Kind cluster is up and its images are loaded.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from floe_testing.backends.base import Availability, Backend, TestOutcome
from floe_testing.core.errors import InfrastructureError, UsageError
from floe_testing.core.ui import Ui
from floe_testing.plan import RunPlan

if TYPE_CHECKING:
    from floe_testing.backends.cluster.replacements import PodReplacements
    from floe_testing.deploy.platform import Platform
    from floe_testing.deploy.release import Release
    from floe_testing.jobs.manifest import JobSpec
    from floe_testing.tools.kube import Kube

NO_JOB = "(none: the platform was not ready)"
NAMESPACE_GONE_TIMEOUT = 180.0  # a namespace's pods get their grace period, then it is gone


def run_namespace(plan: RunPlan) -> str:
    """``--namespace`` or a fresh ``<prefix>-<tier>-<run id>``."""
    from floe_testing.jobs.manifest import namespace_name

    if plan.cluster.namespace:
        return plan.cluster.namespace
    return namespace_name(plan.project.config.namespace_prefix, plan.tier.name, plan.run_id)


def pod_security_level(plan: RunPlan, platform_image: str | None = None) -> str:
    """The run namespace's Pod Security level: the chart's ``podSecurity.level`` when the run
    installs it, else ``restricted`` (what the test Job itself needs)."""
    if plan.cluster.install and plan.profile is not None:
        from floe_testing.deploy.release import Release

        return Release.for_plan(plan, platform_image).pod_security_level()
    return "restricted"


def default_kubeconfig() -> Path | None:
    """The kubeconfig kubectl would use ($KUBECONFIG's first entry, else ~/.kube/config)."""
    env = os.environ.get("KUBECONFIG", "")
    first = env.split(os.pathsep)[0] if env else ""
    path = Path(first) if first else Path.home() / ".kube" / "config"
    return path if path.is_file() else None


class ClusterBackend(Backend):
    name = "cluster"
    summary = "existing cluster from a kubeconfig"

    def __init__(self, platform_image: str | None = None) -> None:
        """``platform_image``: the chart's Dagster image (default: $FLOE_TEST_PLATFORM_IMAGE)."""
        self.platform_image = platform_image
        self.kube: Kube | None = None
        self.namespace = ""
        self.namespace_created = False
        self.created: list[tuple[str, str, str | None]] = []
        self.platform: Platform | None = None
        self.spec: JobSpec | None = None
        self.failure: InfrastructureError | None = None
        self.shard_logs: dict[int, list[str]] = {}
        self.verdict_detail = ""
        self.last_exit: float | None = None
        self.phases: dict[str, float] = {}  # written to <results>/cluster-phases.json
        self.replacements: PodReplacements | None = None  # the soak's pod UIDs, once sampled

    @classmethod
    def availability(cls) -> Availability:
        path = default_kubeconfig()
        if path is None:
            return Availability(False, "no kubeconfig ($KUBECONFIG or ~/.kube/config)")
        return Availability(True, f"kubeconfig {path}")

    def check(self, plan: RunPlan) -> None:
        from floe_testing.tools.kube import Target, load_config

        if plan.cluster.install:
            self._release(plan)
        if plan.cluster.kubeconfig is None and default_kubeconfig() is None:
            raise UsageError(
                "no kubeconfig: neither --kubeconfig, $KUBECONFIG nor ~/.kube/config",
                "pass --kubeconfig PATH (and --context NAME)",
            )
        load_config(Target(plan.cluster.kubeconfig, plan.cluster.context))

    # --- phases ----------------------------------------------------------------------
    def _release(self, plan: RunPlan) -> Release:
        """What to install; a UsageError (exit 2) here comes before anything is created."""
        from floe_testing.deploy.release import Release

        if plan.profile is None:
            raise UsageError(
                f"the {plan.tier.name} tier has no platform profile to deploy",
                "pick a profile with --profile, or pass --no-install",
            )
        return Release.for_plan(plan, self.platform_image)

    def start_platform(self, plan: RunPlan, ui: Ui) -> None:
        """The namespace, then the chart (unless --no-install) until its workloads are ready."""
        release = self._release(plan) if plan.cluster.install else None
        kube = self._prepare(plan, ui, pod_security_level(plan, self.platform_image))
        if release is None:
            ui.info("--no-install: the platform is expected to be deployed already")
            return
        # imported here: a run without install (a kept platform) skips the deploy modules
        from floe_testing.deploy.platform import Platform

        target = plan.cluster.kubeconfig or default_kubeconfig()
        self.platform = Platform.connect(
            release, self.namespace, kube.client, target, plan.cluster.context
        )
        try:
            self.platform.install(ui)
        except InfrastructureError as exc:
            self.failure = exc
            raise
        installed = self.platform.timings.get("install", 0.0)
        self.phases["install"] = installed
        self.phases["platform ready"] = self.platform.timings["platform ready"] - installed

    def _prepare(self, plan: RunPlan, ui: Ui, pod_security: str = "restricted") -> Kube:
        if self.kube is not None:
            return self.kube
        from floe_testing.jobs.manifest import namespace_manifest
        from floe_testing.tools.kube import Kube, Target, TransportError

        kube = Kube(Target(plan.cluster.kubeconfig, plan.cluster.context))
        self.kube = kube
        self.namespace = run_namespace(plan)
        try:
            found = kube.get("Namespace", self.namespace)
        except TransportError as exc:
            raise kube.unreachable(exc) from exc
        if found is not None and (found.get("status") or {}).get("phase") == "Terminating":
            ui.step(f"namespace {self.namespace} is terminating; waiting until it is gone")
            await_namespace_gone(kube, self.namespace)
            found = None
        exists = found is not None
        if plan.cluster.namespace and not exists and not plan.cluster.create_namespace:
            raise InfrastructureError(
                f"namespace {self.namespace} does not exist on {kube.server}",
                "pass the namespace where the platform runs, or drop --namespace for a fresh one",
                cause="namespace-missing",
            )
        if not exists:
            kube.create(
                namespace_manifest(self.namespace, plan.run_id, plan.tier.name, pod_security)
            )
            self.namespace_created = True
            ui.step(f"created namespace {self.namespace} on {kube.server}")
        return kube

    def run_tests(self, plan: RunPlan, ui: Ui) -> TestOutcome:
        from floe_testing.jobs import results
        from floe_testing.jobs.classify import Settings
        from floe_testing.jobs.manifest import JobSpec, job_manifest, service_account_manifest
        from floe_testing.jobs.monitor import Failed, Monitor

        kube = self._prepare(plan, ui)
        spec = self.spec = JobSpec.from_plan(plan, self.namespace)
        account = service_account_manifest(spec)
        if not kube.exists("ServiceAccount", account["metadata"]["name"], self.namespace):
            kube.create(account)
            self.created.append(("ServiceAccount", account["metadata"]["name"], self.namespace))
        before = kube.list("Pod", self.namespace)  # a long-lived namespace's history
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
        monitor.judge.remember(before)
        started = time.perf_counter()
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
        self.phases["suite"] = time.perf_counter() - started
        started = time.perf_counter()
        decoded, missing = results.decode_shards(
            {i: (s.lines, s.terminated) for i, s in shards.items()}
        )
        verdict = results.write(decoded, plan.results_dir, plan.junit_path) if decoded else None
        self.phases["collect"] = time.perf_counter() - started
        pods = {i: s.pod for i, s in shards.items()}
        held = results.with_oom_kills(monitor.held, decoded, pods)
        if held:  # an OOM kill: the results it delivered are written, the cause stands
            self.failure = Failed(results.held_problem(held, decoded, plan.junit_path))
            raise self.failure
        if missing:  # written the others' results; the run fails on the first shard's cause
            self.failure = missing[0]
            raise self.failure
        assert verdict is not None  # every shard decoded
        self.verdict_detail = verdict.detail
        return TestOutcome(verdict.exit_status, verdict.detail)

    def collect(self, plan: RunPlan, ui: Ui, failed: bool) -> None:
        """On failure, the diagnostics bundle: of the Job's run, or of a platform not ready."""
        if not failed or self.kube is None or (self.spec is None and self.platform is None):
            return
        from floe_testing.jobs.diagnostics import Bundle, Context

        if self.failure is not None:
            cause, message = self.failure.cause, self.failure.message
            hint = self.failure.hint or ""
        else:
            cause, message = "tests", self.verdict_detail or "tests failed"
            hint = f"read the failures in {plan.junit_path} and the shard logs"
        job = self.spec.job_name if self.spec else NO_JOB
        folder = Bundle(self.kube, plan.results_dir / "diagnostics").write(
            Context(self.namespace, job, cause, message, hint, self.shard_logs)
        )
        ui.info(f"diagnostics: {folder} (SUMMARY.md names the likely cause)")

    def teardown(self, plan: RunPlan, ui: Ui) -> None:
        """The Job's objects newest first, the release, then the namespace this run created.

        One failure does not stop the rest; all of them are reported together.
        """
        if self.kube is None:
            return
        kube, left = self.kube, list[str]()
        started = time.perf_counter()
        try:
            for kind, name, namespace in reversed(self.created):
                attempt(left, f"{kind} {name}", partial(kube.delete, kind, name, namespace))
            if self.platform is not None:
                attempt(left, "helm uninstall", partial(self.platform.uninstall, ui))
            if self.namespace_created:
                ui.step(f"deleting namespace {self.namespace}")
                attempt(left, f"Namespace {self.namespace}", self._delete_namespace)
            if (self.created or self.namespace_created) and not left:
                ui.info(f"deleted what the run created in {self.namespace}")
        finally:
            self.created.clear()
            self.namespace_created = False
            self.disconnect()
            self.phases["teardown"] = time.perf_counter() - started
            self._write_phases(plan)
        if left:
            raise InfrastructureError(
                f"could not delete {'; '.join(left)}",
                f"delete them by hand (kubectl delete namespace {self.namespace})",
                cause="teardown",
            )

    def _write_phases(self, plan: RunPlan) -> None:
        """Seconds per cluster phase: install, platform ready, suite, collect, teardown."""
        import json

        with contextlib.suppress(OSError):
            path = plan.results_dir / "cluster-phases.json"
            path.write_text(json.dumps({k: round(v, 3) for k, v in self.phases.items()}, indent=1))

    def _delete_namespace(self) -> None:
        assert self.kube is not None
        self.kube.delete("Namespace", self.namespace)
        await_namespace_gone(self.kube, self.namespace)

    def disconnect(self) -> None:
        """Close the client without deleting anything (the kind backend deletes the cluster)."""
        if self.kube is not None:
            self.kube.close()
            self.kube = None

    def resource_usage(self, plan: RunPlan) -> dict[str, dict[str, float]]:
        """Restarts and replaced pods per service and, with a metrics API, memory (soak
        samples; the first sample is the reference for replaced pods)."""
        if self.kube is None or not self.namespace:
            return {}
        from floe_testing.backends.cluster.replacements import PodReplacements
        from floe_testing.backends.cluster.resources import platform_usage

        if self.replacements is None:
            self.replacements = PodReplacements()
        return platform_usage(self.kube, self.namespace, self.replacements)

    def keep_instructions(self, plan: RunPlan) -> str:
        from floe_testing.deploy.platform import uninstall_command

        kubeconfig = f" --kubeconfig {plan.cluster.kubeconfig}" if plan.cluster.kubeconfig else ""
        context = f" --context {plan.cluster.context}" if plan.cluster.context else ""
        kubectl = f"kubectl{kubeconfig}{context} -n {self.namespace}"
        job = self.spec.job_name if self.spec else "<job>"
        stops = []
        if self.platform is not None and self.platform.installed:
            stops.append(
                uninstall_command(self.namespace, plan.cluster.kubeconfig, plan.cluster.context)
            )
        if self.namespace_created:
            stops.append(f"kubectl{kubeconfig}{context} delete namespace {self.namespace}")
        else:
            stops.append(f"{kubectl} delete job {job}")
        return (
            f"inspect: {kubectl} get pods,jobs\nlogs:    {kubectl} logs job/{job}\n"
            f"stop:    {'; '.join(stops)}"
        )


def await_namespace_gone(kube: Kube, name: str) -> None:
    """Until the namespace controller removed ``name`` (its objects first), with a deadline."""
    from floe_testing.core.polling import WaitTimeout, wait_for

    try:
        wait_for(
            lambda: not kube.exists("Namespace", name),
            timeout=NAMESPACE_GONE_TIMEOUT,
            interval=0.5,
            description=f"namespace {name} to be deleted",
        )
    except WaitTimeout as exc:
        raise InfrastructureError(
            f"namespace {name} is still terminating after {NAMESPACE_GONE_TIMEOUT:g}s",
            f"see what holds it: kubectl get namespace {name} -o yaml (finalizers, conditions)",
            cause="namespace-terminating",
        ) from exc


def attempt(errors: list[str], what: str, action: Callable[[], object]) -> None:
    try:
        action()
    except Exception as exc:
        errors.append(f"{what}: {exc}")
