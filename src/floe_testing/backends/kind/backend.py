"""Kind backend: an ephemeral (or reused) Kind cluster, the project's images, the chart, Jobs.

What is Kind's own: preflight, cluster up (or reuse) while both images build, loading them
and the chart's images the engine has (``chart_images``) into the nodes, and deleting the
cluster if this run created it (unless ``--keep`` or ``--reuse-cluster``). Everything after —
the run's namespace, ``helm upgrade --install`` watched with fail-fast, the Job run,
diagnostics, uninstall and namespace deletion — is the cluster backend driven against the
private kubeconfig, with the images just built.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

from floe_testing.backends.base import Availability, Backend, TestOutcome
from floe_testing.backends.kind.chart_images import ChartImages
from floe_testing.core.errors import FloeTestError, InfrastructureError, UsageError
from floe_testing.core.ui import Ui
from floe_testing.plan import RunPlan

if TYPE_CHECKING:
    from floe_testing.backends.cluster.backend import ClusterBackend
    from floe_testing.backends.kind.cluster import KindCluster
    from floe_testing.backends.kind.preflight import Toolchain
    from floe_testing.images.build import BuiltImage
    from floe_testing.tools.docker import ContainerEngine

T = TypeVar("T")
AVAILABILITY_TIMEOUT = 2.0


class KindBackend(Backend):
    name = "kind"
    summary = "ephemeral Kind cluster: images built and loaded, chart installed, tests as Jobs"

    def __init__(self) -> None:
        self.tools: Toolchain | None = None
        self.cluster: KindCluster | None = None
        self.cluster_existed = True
        self.images: list[BuiltImage] = []
        self.chart_images = ChartImages(load=(), pulled=())
        self.inner: ClusterBackend | None = None
        self.inner_plan: RunPlan | None = None
        self.steps: dict[str, float] = {}

    @classmethod
    def availability(cls) -> Availability:
        """PATH lookups, then one ``version`` call with a short timeout: no network."""
        from floe_testing.backends.kind.preflight import find_tools

        try:
            engine, _ = find_tools()
            version = engine.server_version(timeout=AVAILABILITY_TIMEOUT)
        except FloeTestError as exc:
            return Availability(False, exc.message.splitlines()[0])
        return Availability(True, f"kind and {engine.name} {version} are ready")

    def check(self, plan: RunPlan) -> None:
        if plan.profile is None:
            raise UsageError(
                f"the {plan.tier.name} tier has no platform profile to deploy",
                "run it with --backend local, or pick a profile with --profile",
            )
        self._preflight(plan)

    # --- start platform ---------------------------------------------------------------

    def start_platform(self, plan: RunPlan, ui: Ui) -> None:
        from floe_testing.backends.kind.cluster import CONFIG_PATH, KindCluster, cluster_name
        from floe_testing.images import build as images
        from floe_testing.images.base import build_args_from_env

        tools = self.tools or self._preflight(plan)
        cluster = KindCluster(
            tools.kind, cluster_name(), plan.project.root / CONFIG_PATH, engine=tools.engine
        )
        self.cluster = cluster
        self.cluster_existed = cluster.exists()
        registry = images.registry()
        specs = [s for s in images.IMAGES if not (s is images.RUNNER and plan.cluster.image)]
        ui.step(
            f"{'reusing' if self.cluster_existed else 'creating'} Kind cluster "
            f"{cluster.name} while building {', '.join(s.role for s in specs)} images "
            f"with {tools.engine.name}"
        )
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="floe-kind") as pool:
            up = pool.submit(self._timed, ui, "cluster up", lambda: cluster.up(plan.run_id))
            built = pool.submit(
                self._timed,
                ui,
                "build images",
                lambda: images.build_images(
                    tools.engine,
                    plan.project.root,
                    specs,
                    registry,
                    build_args=build_args_from_env(tools.engine, plan.project.root, ui.info),
                ),
            )
            self.images = _both(up, built)
        for image in self.images:
            ui.info(f"{image.spec.role}: {image.ref} ({'built' if image.built else 'cached'})")
        self._timed(ui, "cluster ready", cluster.wait_ready)
        refs = [i.ref for i in self.images] + list(self.chart_images.load)
        if self.chart_images.load:
            ui.info(
                f"the chart's images from {tools.engine.name}: {', '.join(self.chart_images.load)}"
            )
        if self.chart_images.pulled:
            ui.info(
                f"the node pulls {', '.join(self.chart_images.pulled)} (not in {tools.engine.name})"
            )
        given = plan.cluster.image
        if given and tools.engine.image_exists(given):
            refs.append(given)  # --image of the engine's store: the nodes need it too
        elif given:
            ui.info(f"{given} is not in {tools.engine.name}'s store: the nodes must pull it")
        how = self._timed(
            ui,
            "load images",
            lambda: images.load_images(
                tools.engine, tools.info, tools.kind, cluster.name, refs, registry
            ),
        )
        ui.info(f"images reach the nodes by {how}")
        self._deploy(plan, ui)

    def _deploy(self, plan: RunPlan, ui: Ui) -> None:
        """The cluster backend from here on, pointed at Kind with the images just built."""
        from floe_testing.backends.cluster.backend import ClusterBackend
        from floe_testing.images import build as images

        assert self.cluster is not None
        options = dataclasses.replace(
            plan.cluster,
            kubeconfig=self.cluster.kubeconfig,
            context=None,
            image=plan.cluster.image or self._image_ref(images.RUNNER.name),
        )
        inner_plan = self.inner_plan = dataclasses.replace(plan, cluster=options)
        inner = self.inner = ClusterBackend(platform_image=self._image_ref(images.PLATFORM.name))
        with self._image_pull_hint():
            self._timed(ui, "deploy platform", lambda: inner.start_platform(inner_plan, ui))

    @contextlib.contextmanager
    def _image_pull_hint(self) -> Iterator[None]:
        """An image the node lacks (not loaded, not pullable): say which `kind load` fixes it."""
        try:
            yield
        except InfrastructureError as exc:
            if exc.cause == "image-pull" and self.cluster is not None:
                found = re.search(r"cannot pull image (\S+?):?(?:\s|$)", exc.message)
                image = found.group(1) if found else "IMAGE"
                exc.hint = (
                    f"the node has no image {image} and cannot pull it: build it, then "
                    f"`kind load docker-image {image} --name {self.cluster.name}` "
                    "(floe-test loads the images it builds, the chart's images the engine has, "
                    "and --image when the engine has it)"
                )
            raise

    # --- run tests, collect, teardown -------------------------------------------------------

    def run_tests(self, plan: RunPlan, ui: Ui) -> TestOutcome:
        assert self.inner is not None
        assert self.inner_plan is not None
        with self._image_pull_hint():
            return self.inner.run_tests(self.inner_plan, ui)

    def collect(self, plan: RunPlan, ui: Ui, failed: bool) -> None:
        plan.results_dir.mkdir(parents=True, exist_ok=True)
        (plan.results_dir / "kind-steps.json").write_text(
            json.dumps({k: round(v, 3) for k, v in self.steps.items()}, indent=2) + "\n",
            encoding="utf-8",
        )
        if self.inner is not None and self.inner_plan is not None:
            self.inner.collect(self.inner_plan, ui, failed)

    def teardown(self, plan: RunPlan, ui: Ui) -> None:
        """A cluster this run created goes whole; otherwise the cluster backend cleans up."""
        errors: list[str] = []
        inner, inner_plan, cluster = self.inner, self.inner_plan, self.cluster
        delete_cluster = (
            cluster is not None and not self.cluster_existed and not plan.cluster.reuse_cluster
        )
        if inner is not None and inner_plan is not None:
            if delete_cluster:
                inner.disconnect()
            else:
                _attempt(errors, "cleanup", lambda: inner.teardown(inner_plan, ui))
        if delete_cluster and cluster is not None and cluster.exists():
            ui.step(f"deleting Kind cluster {cluster.name} (created by this run)")
            _attempt(errors, "cluster deletion", cluster.down)
        elif cluster is not None:
            ui.info(
                f"Kind cluster {cluster.name} stays for the next run "
                f"(`floe-test cluster down` deletes it)"
            )
        if errors:
            from floe_testing.core.errors import InfrastructureError

            raise InfrastructureError("; ".join(errors), "see the messages above")

    def keep_instructions(self, plan: RunPlan) -> str:
        from floe_testing.deploy.platform import uninstall_command

        if self.cluster is None:
            return ""
        kubeconfig = self.cluster.kubeconfig
        namespace = self.inner.namespace if self.inner and self.inner.namespace else "<namespace>"
        return "\n".join(
            [
                f"Kind cluster {self.cluster.name}, namespace {namespace}:",
                f"  export KUBECONFIG={kubeconfig}",
                f"  kubectl -n {namespace} get pods",
                f"  kubectl -n {namespace} port-forward svc/dagster-webserver 3000:3000",
                "stop it:",
                f"  {uninstall_command(namespace, kubeconfig, None)}; "
                f"kubectl delete namespace {namespace}",
                f"  floe-test cluster down --name {self.cluster.name}",
            ]
        )

    # --- helpers ------------------------------------------------------------------------

    def _preflight(self, plan: RunPlan) -> Toolchain:
        """Tools, engine and resources; then, when the chart is installed, which of its
        images the node gets from the engine (a local-only one missing is exit 2 here,
        before any cluster or build starts)."""
        from floe_testing.backends.kind.preflight import preflight
        from floe_testing.deploy.release import Release

        if plan.cluster.install:
            Release.for_plan(plan)  # the chart and the tier's values file exist
        tools = self.tools = preflight(plan)
        if plan.cluster.install:
            self.chart_images = _chart_images(tools.engine, plan)
        return tools

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


def _chart_images(engine: ContainerEngine, plan: RunPlan) -> ChartImages:
    """The chart rendered with the run's values and the platform image this run builds (its
    content tag is known before the build), split by ``chart_images.split_chart_images``."""
    from floe_testing.backends.kind.chart_images import local_only, split_chart_images
    from floe_testing.config import pins
    from floe_testing.deploy.release import Release
    from floe_testing.images import build as images

    root = plan.project.root
    platform = images.PLATFORM.ref(
        images.content_tag(root, images.PLATFORM.paths), images.registry()
    )
    try:
        local = local_only(pins.load(root))
    except UsageError:  # a checkout without pins/versions.env builds no local images
        local = {}
    return split_chart_images(
        Release.for_plan(plan, platform).images(),
        engine.image_exists,
        local,
        skip=frozenset({platform}),
        engine=engine.name,
        values_files=tuple(str(path) for path in plan.cluster.values_files),
    )


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
