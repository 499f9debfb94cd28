"""Plan a run: resolve tier, profile, backend, suite and results location before anything starts.

Every problem found here is a usage error (exit 2) and nothing has been created yet.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from floe_testing.config import SINGLE_PROCESS_BACKENDS, Profile, Project, Service, Tier
from floe_testing.core.errors import BadValueError, UsageError


@dataclass(frozen=True)
class ClusterOptions:
    """Options of the kind and cluster backends (ignored by the local backend)."""

    kubeconfig: Path | None = None
    context: str | None = None
    namespace: str | None = None
    image: str | None = None
    platform_image: str | None = None
    values_files: tuple[Path, ...] = ()  # chart values layered over the tier's values file
    install: bool = True
    reuse_cluster: bool = False
    create_namespace: bool = False  # a --namespace that does not exist yet is created


@dataclass(frozen=True)
class RunPlan:
    run_id: str
    project: Project
    tier: Tier
    profile: Profile | None
    services: tuple[Service, ...]
    backend: str
    backend_reason: str
    suite: Path
    results_root: Path
    timeout: int
    keep: bool
    shards: int
    pytest_args: tuple[str, ...] = ()
    cluster: ClusterOptions = field(default_factory=ClusterOptions)
    env: tuple[tuple[str, str], ...] = ()
    results_folder: str | None = None  # instead of <tier>/ while another run writes there

    @property
    def results_dir(self) -> Path:
        """``<results-dir>/<tier>``: junit.xml, summary.json, logs/ and diagnostics/."""
        return self.results_root / (self.results_folder or self.tier.name)

    @property
    def settings(self) -> dict[str, str]:
        """The tier's settings for its tests (tier env overlaid with ``--env``)."""
        return dict(self.env)

    @property
    def junit_path(self) -> Path:
        return self.results_dir / "junit.xml"

    @property
    def suite_arg(self) -> str:
        """The suite as pytest sees it from the project root (relative when inside it)."""
        try:
            return str(self.suite.relative_to(self.project.root))
        except ValueError:
            return str(self.suite)


def new_run_id() -> str:
    return secrets.token_hex(4)


def resolve_tier(project: Project, name: str) -> Tier:
    tiers = project.config.tiers
    if name not in tiers:
        raise BadValueError(
            "tier", name, tiers, "run `floe-test tiers` to list tiers, profiles and backends"
        )
    return tiers[name]


def resolve_profile(
    project: Project, tier: Tier, name: str | None, backend: str | None = None
) -> Profile | None:
    """``--profile``, else the tier's profile for this backend, else the tier's profile."""
    chosen = name
    if chosen is None:
        by_backend: dict[str, str] = {str(k): v for k, v in tier.backend_profiles.items()}
        chosen = by_backend.get(backend or "", tier.profile)
    if chosen is None:
        return None
    profiles = project.config.profiles
    if chosen not in profiles:
        raise BadValueError(
            "profile", chosen, profiles, "pick one of the profiles above with --profile"
        )
    return profiles[chosen]


def resolve_suite(project: Project, tier: Tier, suite: Path | None) -> Path:
    path = suite if suite is not None else Path(tier.path)
    if not path.is_absolute():
        path = (Path.cwd() if suite is not None else project.root) / path
    path = path.resolve()
    if not path.exists():
        raise UsageError(
            f"test suite {path} does not exist",
            f"pass an existing directory or file with --suite (the {tier.name} tier uses "
            f"{tier.path})",
        )
    return path


def resolve_results(project: Project, results_dir: Path | None) -> Path:
    if results_dir is not None:
        return results_dir.resolve()
    return (Path.cwd() / project.config.results_dir).resolve()


def build_plan(
    project: Project,
    tier_name: str,
    *,
    backend: str,
    backend_reason: str,
    profile: str | None = None,
    suite: Path | None = None,
    results_dir: Path | None = None,
    timeout: int | None = None,
    keep: bool = False,
    shards: int | None = None,
    pytest_args: tuple[str, ...] = (),
    cluster: ClusterOptions | None = None,
    run_id: str | None = None,
    env: dict[str, str] | None = None,
) -> RunPlan:
    """Resolve everything a run needs; raises UsageError before anything is created."""
    from floe_testing.config import settings as tier_env

    tier = resolve_tier(project, tier_name)
    chosen_profile = resolve_profile(project, tier, profile, backend)
    reserved = {
        name
        for service in project.config.services.values()
        for name in (
            service.host_env,
            *(p.env for p in service.ports),
            *(s.env for s in service.secrets),
            *(s.env for s in service.settings),
        )
        if name
    }
    return RunPlan(
        run_id=run_id or new_run_id(),
        project=project,
        tier=tier,
        profile=chosen_profile,
        services=project.config.profile_services(chosen_profile.name if chosen_profile else None),
        backend=backend,
        backend_reason=backend_reason,
        suite=resolve_suite(project, tier, suite),
        results_root=resolve_results(project, results_dir),
        timeout=timeout or tier.timeout,
        keep=keep,
        # the tier's shard count spreads pods; a single-process backend runs one pytest
        shards=shards or (1 if backend in SINGLE_PROCESS_BACKENDS else tier.shards),
        pytest_args=pytest_args,
        cluster=cluster or ClusterOptions(),
        env=tier_env.resolve(tier.env, env or {}, reserved),
    )
