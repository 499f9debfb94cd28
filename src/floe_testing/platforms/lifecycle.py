"""``platform up``, ``status``, ``down`` and a run's attachment, through each backend's Keeper.

Up plans like a run (every usage error before anything starts), then, holding the platform's
lock exclusively, starts it and records it; a failed or interrupted start is collected and
removed like a run's (the removal shielded from a second Ctrl-C). A platform of that name that
is up and healthy with the same settings is reused; one that is not healthy is taken down and
started again, which makes the ``platform up ...`` a record keeps its restart command.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from floe_testing.backends import availability, backend_class, keeper, keeping_backends
from floe_testing.backends.base import Backend
from floe_testing.backends.kept import Health, Keeper, KeptRef
from floe_testing.config import Project, Tier, load_project
from floe_testing.core.errors import InfrastructureError, UsageError
from floe_testing.core.ui import Ui
from floe_testing.plan import ClusterOptions, RunPlan, build_plan, resolve_profile, resolve_tier
from floe_testing.platforms.state import KeptPlatform, Registry, check_name
from floe_testing.run.pipeline import interruptible, shielded

COMMAND = ("floe-test", "platform", "up")


@dataclass(frozen=True)
class UpRequest:
    """What ``platform up`` was asked for (None: the default)."""

    tier: str | None = None
    profile: str | None = None
    backend: str | None = None
    name: str | None = None
    results_dir: Path | None = None
    cluster: ClusterOptions = field(default_factory=ClusterOptions)


@dataclass(frozen=True)
class Attachment:
    """A run's hold on a kept platform (the shared lock is held while it exists)."""

    kept: KeptPlatform
    keeper: Keeper

    def cluster_options(self, image: str | None) -> ClusterOptions:
        return self.keeper.run_options(self.kept.details, image)

    def backend(self) -> Backend:
        ref = KeptRef(self.kept.name, self.kept.restart_command)
        return self.keeper.attach(self.kept.details, ref)


# --- up ---------------------------------------------------------------------------------------
def _tier(project: Project, tier: str | None, profile: str | None) -> Tier:
    """The tier given, else the first one whose profile is ``profile``."""
    if tier is not None:
        return resolve_tier(project, tier)
    if profile is None:
        raise UsageError(
            "platform up needs a tier or a profile",
            "pass one, e.g. floe-test platform up integration (or --profile minimal)",
        )
    for candidate in project.config.tiers.values():
        if candidate.profile == profile:
            return candidate
    resolve_profile(project, next(iter(project.config.tiers.values())), profile)  # unknown?
    raise UsageError(
        f"no tier runs the {profile} profile, so there is no chart values file to install it with",
        "pass a tier as well: floe-test platform up TIER --profile " + profile,
    )


def _backend(tier: Tier, requested: str | None) -> str:
    """``--backend``, else the tier's first usable backend that keeps platforms."""
    if requested is not None:
        keeper(requested)  # exit 2 for a backend that does not keep platforms
        return requested
    for name in tier.backends:
        if name in keeping_backends() and availability(name).usable:
            return name
    raise UsageError(
        f"none of the {tier.name} tier's backends ({', '.join(tier.backends)}) keeps platforms "
        "here",
        f"pass --backend {' or '.join(keeping_backends())}",
    )


def _command(plan: RunPlan, name: str, request: UpRequest) -> tuple[str, ...]:
    """The normalized ``platform up`` that (re)starts this platform: its identity."""
    assert plan.profile is not None
    words = [*COMMAND, plan.tier.name, "--profile", plan.profile.name, "--backend", plan.backend]
    words += ["--name", name]
    cluster = request.cluster
    if cluster.kubeconfig is not None:
        words += ["--kubeconfig", str(cluster.kubeconfig.resolve())]
    for option, value in (
        ("--context", cluster.context),
        ("--namespace", cluster.namespace),
        ("--image", cluster.image),
        ("--platform-image", cluster.platform_image),
    ):
        if value:
            words += [option, value]
    for values in cluster.values_files:
        words += ["--values", str(values.resolve()) if values.is_file() else str(values)]
    return tuple(words)


def plan_up(project: Project, request: UpRequest) -> tuple[RunPlan, str, tuple[str, ...]]:
    """The start's plan, the platform's name and its command; UsageError before anything."""
    tier = _tier(project, request.tier, request.profile)
    backend = _backend(tier, request.backend)
    profile = resolve_profile(project, tier, request.profile, backend)
    if profile is None:
        raise UsageError(
            f"the {tier.name} tier has no platform profile, so there is nothing to keep",
            "pass a tier that has one (floe-test tiers lists them), or --profile NAME",
        )
    name = check_name(request.name or f"{backend}-{profile.name}")
    namespace = request.cluster.namespace or f"{project.config.namespace_prefix}-platform-{name}"
    plan = build_plan(
        project,
        tier.name,
        backend=backend,
        backend_reason="platform up",
        profile=profile.name,
        results_dir=request.results_dir,
        keep=True,  # nothing it starts dies with this command
        cluster=replace(request.cluster, namespace=namespace, create_namespace=True),
    )
    return plan, name, _command(plan, name, request)


def up(request: UpRequest, ui: Ui, registry: Registry | None = None) -> KeptPlatform:
    """Start (or reuse) the platform and record it; its record."""
    registry = registry or Registry()
    plan, name, command = plan_up(load_project(), request)
    backend_class(plan.backend)().check(plan)  # the backend's own usage errors, still first
    with registry.lock(name, exclusive=False, on_wait=_waiting(ui, name)):
        current = registry.load(name)
        reused = _reusable(current, command, ui) if current is not None else None
        if reused is not None:
            return reused
    with registry.lock(name, exclusive=True, on_wait=_waiting(ui, name)):
        current = registry.load(name)
        if current is not None:
            reused = _reusable(current, command, ui)
            if reused is not None:
                return reused
            _take_down(current, registry, ui)
        return _start(plan, name, command, registry, ui)


def _waiting(ui: Ui, name: str) -> Callable[[], None]:
    return lambda: ui.step(f"platform {name} is in use by another floe-test; waiting for it")


def _reusable(current: KeptPlatform, command: tuple[str, ...], ui: Ui) -> KeptPlatform | None:
    """``current`` when it is what was asked for and healthy; None when it must be replaced."""
    health = keeper(current.backend).health(current.details)
    if not health.healthy:
        ui.warn(f"platform {current.name} is not healthy ({health.detail}): starting it again")
        return None
    if current.command != command:
        raise UsageError(
            f"platform {current.name} is already up, started by: {current.restart_command}",
            f"run against it (floe-test run {current.tier} --platform {current.name}), pick "
            f"another --name, or take it down first: floe-test platform down {current.name}",
        )
    ui.step(f"platform {current.name} is already up and healthy: reusing it")
    return current


def _start(
    plan: RunPlan, name: str, command: tuple[str, ...], registry: Registry, ui: Ui
) -> KeptPlatform:
    starter = keeper(plan.backend)
    late: list[str] = []
    with shielded(late):  # between the start and its record, a signal must not lose it
        try:
            with interruptible():
                details = starter.up(plan, ui)
        except BaseException:
            ui.step(f"platform {name} did not start: removing what was started")
            _guarded(ui, lambda: starter.abandon(plan, ui))
            registry.remove(name, lock_file=True)  # no record was written: nothing is kept
            raise
        assert plan.profile is not None
        kept = KeptPlatform(
            name=name,
            backend=plan.backend,
            tier=plan.tier.name,
            profile=plan.profile.name,
            command=command,
            where=starter.where(details),
            details=details,
        )
        registry.save(kept)
    if late:
        ui.warn(f"ignored {', '.join(late)} while the platform was recorded")
    return kept


def _guarded(ui: Ui, action: Callable[[], None]) -> None:
    """Cleanup reports its own failure without hiding the error that caused it."""
    try:
        action()
    except Exception as exc:
        ui.error(f"cleanup failed: {exc}")


# --- status, attach, down ---------------------------------------------------------------------
def status(registry: Registry | None = None) -> list[tuple[KeptPlatform, Health]]:
    """Every kept platform with its health, probed now."""
    registry = registry or Registry()
    return [(kept, keeper(kept.backend).health(kept.details)) for kept in registry.all()]


@contextmanager
def attached(name: str, ui: Ui, registry: Registry | None = None) -> Iterator[Attachment]:
    """Hold platform ``name`` for a run (shared: other runs may too); exit 2 when unknown."""
    registry = registry or Registry()
    registry.get(name)
    with registry.lock(name, exclusive=False, on_wait=_waiting(ui, name)):
        kept = registry.get(name)  # it may have been taken down meanwhile
        yield Attachment(kept, keeper(kept.backend))


def down(names: list[str], ui: Ui, registry: Registry | None = None, forget: bool = False) -> None:
    """Remove each platform and its record (``forget``: the record only); exit 3 naming what
    could not be removed, whose records stay."""
    registry = registry or Registry()
    for name in names:
        registry.get(name)  # every name known before anything is removed
    failed: list[str] = []
    for name in names:
        with registry.lock(name, exclusive=True, on_wait=_waiting(ui, name)):
            kept = registry.load(name)
            if kept is None:
                ui.step(f"platform {name} was taken down meanwhile")
                continue
            if forget:
                registry.remove(name, lock_file=True)
                ui.step(f"platform {name} forgotten (nothing was stopped)")
                continue
            try:
                _take_down(kept, registry, ui, final=True)
            except InfrastructureError as exc:
                ui.error(f"platform {name}: {exc.message}")
                failed.append(name)
    if failed:
        raise InfrastructureError(
            f"could not take down {', '.join(failed)} (see above); their records stay",
            "fix the cause and run the command again, or drop the records alone: "
            f"floe-test platform down {shlex.join(failed)} --forget",
            cause="teardown",
        )


def _take_down(kept: KeptPlatform, registry: Registry, ui: Ui, *, final: bool = False) -> None:
    """Holding the exclusive lock: remove the platform, then its record (``final``: its lock
    file too, as nothing follows under this lock)."""
    late: list[str] = []
    ui.step(f"taking down platform {kept.name} ({kept.backend}, {kept.where})")
    with shielded(late):
        keeper(kept.backend).down(kept.details, ui)
        registry.remove(kept.name, lock_file=final)
    if late:
        ui.warn(f"ignored {', '.join(late)} so that the take-down could finish")
    ui.step(f"platform {kept.name} is down")
