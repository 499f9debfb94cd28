"""Kind backend: an ephemeral (or reused) Kind cluster, the project's images, the chart, Jobs.

start platform: cluster up (or reuse) while both images build -> load the images into the
nodes -> the run's namespace -> ``helm upgrade --install`` while the platform's pods are
watched with fail-fast. run tests: the cluster backend's Job runner against the private
kubeconfig with the platform already installed. teardown: the Job runner's objects, the
release, the namespace, and the cluster only if this run created it (and ``--keep`` and
``--reuse-cluster`` are not set).
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

from floe_testing.backends.base import Availability, Backend, TestOutcome
from floe_testing.errors import FloeTestError, UsageError
from floe_testing.plan import RunPlan
from floe_testing.ui import Ui

if TYPE_CHECKING:
    from floe_testing.backends.cluster import ClusterBackend
    from floe_testing.kind.cluster import KindCluster
    from floe_testing.kind.images import BuiltImage
    from floe_testing.kind.preflight import Toolchain

T = TypeVar("T")
PLATFORM_TIMEOUT = 600.0
AVAILABILITY_TIMEOUT = 2.0


class KindBackend(Backend):
    name = "kind"
    summary = "ephemeral Kind cluster: images built and loaded, chart installed, tests as Jobs"

    def __init__(self) -> None:
        self.tools: Toolchain | None = None
        self.cluster: KindCluster | None = None
        self.cluster_existed = True
        self.namespace: str | None = None
        self.namespace_created = False
        self.installed = False
        self.images: list[BuiltImage] = []
        self.inner: ClusterBackend | None = None
        self.inner_plan: RunPlan | None = None
        self.steps: dict[str, float] = {}
        self.failure: FloeTestError | None = None

    @classmethod
    def availability(cls) -> Availability:
        """PATH lookups, then one ``version`` call with a short timeout: no network."""
        from floe_testing.kind.preflight import find_tools

        try:
            engine, _ = find_tools()
            version = engine.server_version(timeout=AVAILABILITY_TIMEOUT)
        except FloeTestError as exc:
            return Availability(False, exc.message.splitlines()[0])
        return Availability(True, f"kind and {engine.name} {version} are ready")

    def check(self, plan: RunPlan) -> None:
        if plan.profile is None:
            raise UsageError(f"the {plan.tier.name} tier has no platform profile to deploy",
                             "run it with --backend local, or pick a profile with --profile")
        from floe_testing.kind.preflight import preflight

        self.tools = preflight(plan)

    # --- start platform ---------------------------------------------------------------

    def start_platform(self, plan: RunPlan, ui: Ui) -> None:
        from floe_testing.kind import images
        from floe_testing.kind.cluster import CONFIG_PATH, KindCluster, cluster_name

        tools = self.tools or self._preflight(plan)
        cluster = KindCluster(tools.kind, cluster_name(), plan.project.root / CONFIG_PATH)
        self.cluster = cluster
        self.cluster_existed = cluster.exists()
        registry = images.registry()
        specs = [s for s in images.IMAGES if not (s is images.RUNNER and plan.cluster.image)]
        ui.step(f"{'reusing' if self.cluster_existed else 'creating'} Kind cluster "
                f"{cluster.name} while building {', '.join(s.role for s in specs)} images "
                f"with {tools.engine.name}")
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="floe-kind") as pool:
            up = pool.submit(self._timed, ui, "cluster up", lambda: cluster.up(plan.run_id))
            built = pool.submit(self._timed, ui, "build images", lambda: images.build_images(
                tools.engine, plan.project.root, specs, registry))
            self.images = _both(up, built)
        for image in self.images:
            ui.info(f"{image.spec.role}: {image.ref} ({'built' if image.built else 'cached'})")
        self._timed(ui, "cluster ready", cluster.wait_ready)
        how = self._timed(ui, "load images", lambda: images.load_images(
            tools.engine, tools.info, tools.kind, cluster.name, [i.ref for i in self.images],
            registry))
        ui.info(f"images reach the nodes by {how}")
        try:
            self._deploy(plan, ui)
        except FloeTestError as exc:
            self.failure = exc
            raise

    def _deploy(self, plan: RunPlan, ui: Ui) -> None:
        from floe_testing.backends.cluster import run_namespace
        from floe_testing.cluster.manifest import namespace_manifest
        from floe_testing.kind import deploy, images
        from floe_testing.kind.helm import find_helm
        from floe_testing.kind.readiness import wait_platform_ready

        assert self.cluster is not None
        client = deploy.client_for(self.cluster.kubeconfig)
        namespace = run_namespace(plan)
        self.namespace = namespace
        release = deploy.Release.for_plan(plan, self._image_ref(images.PLATFORM.name))
        if not plan.cluster.namespace:
            deploy.create_namespace(client, namespace_manifest(namespace, plan.run_id,
                                                               plan.tier.name),
                                    release.pod_security_level())
            self.namespace_created = True
        if not plan.cluster.install:
            ui.info("--no-install: the platform is expected to be deployed already")
            return
        helm = find_helm(self.cluster.kubeconfig)
        ui.step(f"helm upgrade --install {deploy.RELEASE} ({helm.name}) into {namespace}, "
                f"profile {release.values['profile']}; watching the platform's pods")
        self.installed = True
        install = release.install(helm, namespace)
        self._timed(ui, "deploy platform", lambda: wait_platform_ready(
            lambda: deploy.observe(client, namespace), install, timeout=PLATFORM_TIMEOUT))

    # --- run tests, collect, teardown -------------------------------------------------------

    def run_tests(self, plan: RunPlan, ui: Ui) -> TestOutcome:
        from floe_testing.backends.cluster import ClusterBackend
        from floe_testing.kind import images

        assert self.cluster is not None
        assert self.namespace is not None
        options = dataclasses.replace(
            plan.cluster, kubeconfig=self.cluster.kubeconfig, context=None,
            namespace=self.namespace, image=plan.cluster.image or self._image_ref(
                images.RUNNER.name), install=False)
        self.inner_plan = dataclasses.replace(plan, cluster=options)
        self.inner = ClusterBackend()
        self.inner.start_platform(self.inner_plan, ui)
        return self.inner.run_tests(self.inner_plan, ui)

    def collect(self, plan: RunPlan, ui: Ui, failed: bool) -> None:
        plan.results_dir.mkdir(parents=True, exist_ok=True)
        (plan.results_dir / "kind-steps.json").write_text(
            json.dumps({k: round(v, 3) for k, v in self.steps.items()}, indent=2) + "\n",
            encoding="utf-8")
        if self.inner is not None and self.inner_plan is not None:
            self.inner.collect(self.inner_plan, ui, failed)
        elif failed and self.cluster is not None and self.namespace is not None:
            self._platform_diagnostics(plan, ui)

    def _platform_diagnostics(self, plan: RunPlan, ui: Ui) -> None:
        """The Job runner's diagnostics bundle for a platform that never became ready."""
        from floe_testing.cluster.diagnostics import Bundle, Context
        from floe_testing.cluster.kube import Kube, Target

        assert self.cluster is not None
        assert self.namespace is not None
        error = self.failure
        cause = getattr(error, "cause", "platform") if error else "platform"
        kube = Kube(Target(self.cluster.kubeconfig, None))
        try:
            folder = Bundle(kube, plan.results_dir / "diagnostics").write(Context(
                self.namespace, "(none: the platform was not ready)", cause,
                error.message if error else "the platform was not ready",
                (error.hint or "") if error else ""))
        finally:
            kube.close()
        ui.info(f"diagnostics: {folder} (SUMMARY.md names the likely cause)")

    def teardown(self, plan: RunPlan, ui: Ui) -> None:
        from floe_testing.kind import deploy
        from floe_testing.kind.helm import find_helm

        errors: list[str] = []
        inner, inner_plan = self.inner, self.inner_plan
        if inner is not None and inner_plan is not None:
            _attempt(errors, "test Job cleanup", lambda: inner.teardown(inner_plan, ui))
        cluster, namespace = self.cluster, self.namespace
        delete_cluster = (cluster is not None and not self.cluster_existed
                          and not plan.cluster.reuse_cluster)
        if cluster is not None and namespace is not None and not delete_cluster:
            if self.installed:
                ui.step(f"helm uninstall {deploy.RELEASE} from {namespace}")
                _attempt(errors, "helm uninstall",
                         lambda: find_helm(cluster.kubeconfig).uninstall(deploy.RELEASE, namespace))
            if self.namespace_created:
                ui.step(f"deleting namespace {namespace}")
                _attempt(errors, "namespace deletion", lambda: deploy.delete_namespace(
                    deploy.client_for(cluster.kubeconfig), namespace))
        if delete_cluster and cluster is not None and cluster.exists():
            ui.step(f"deleting Kind cluster {cluster.name} (created by this run)")
            _attempt(errors, "cluster deletion", cluster.down)
        elif cluster is not None:
            ui.info(f"Kind cluster {cluster.name} stays for the next run "
                    f"(`floe-test cluster down` deletes it)")
        if errors:
            from floe_testing.errors import InfrastructureError

            raise InfrastructureError("; ".join(errors), "see the messages above")

    def keep_instructions(self, plan: RunPlan) -> str:
        if self.cluster is None:
            return ""
        kubeconfig, namespace = self.cluster.kubeconfig, self.namespace or "<namespace>"
        return "\n".join([
            f"Kind cluster {self.cluster.name}, namespace {namespace}:",
            f"  export KUBECONFIG={kubeconfig}",
            f"  kubectl -n {namespace} get pods",
            f"  kubectl -n {namespace} port-forward svc/dagster-webserver 3000:3000",
            "stop it:",
            f"  helm uninstall floe-platform -n {namespace} --kubeconfig {kubeconfig}; "
            f"kubectl delete namespace {namespace}",
            f"  floe-test cluster down --name {self.cluster.name}",
        ])

    # --- helpers ------------------------------------------------------------------------

    def _preflight(self, plan: RunPlan) -> Toolchain:
        from floe_testing.kind.preflight import preflight

        self.tools = preflight(plan)
        return self.tools

    def _image_ref(self, name: str) -> str | None:
        return next((i.ref for i in self.images if i.spec.name == name), None)

    def _timed(self, ui: Ui, step: str, action: Callable[[], T]) -> T:
        """Finer steps than the pipeline's phases, shown as they end and kept for collect."""
        start = time.perf_counter()
        try:
            return action()
        finally:
            self.steps[step] = time.perf_counter() - start
            ui.info(f"{step}: {self.steps[step]:.1f}s")


def _both(up: Future[bool], built: Future[list[BuiltImage]]) -> list[BuiltImage]:
    """Both results; if either failed, wait for the other first so nothing is left running."""
    errors = []
    for future in (up, built):
        exception = future.exception()
        if exception is not None:
            errors.append(exception)
    if errors:
        raise errors[0]
    return built.result()


def _attempt(errors: list[str], what: str, action: Callable[[], object]) -> None:
    try:
        action()
    except Exception as exc:
        errors.append(f"{what} failed: {exc}")
