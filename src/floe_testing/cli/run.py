"""``floe-test run TIER``: plan, then drive the chosen backend through the pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from floe_testing.cli import options
from floe_testing.cli.options import CLUSTER

if TYPE_CHECKING:
    from floe_testing.backends.base import Backend
    from floe_testing.core.ui import Ui
    from floe_testing.history.hook import RunHistory
    from floe_testing.plan import RunPlan

STAGING = "History, soak and performance"


def run(
    tier: options.Tier,
    pytest_args: options.PytestArgs = None,
    backend: Annotated[
        str | None,
        typer.Option(help="local, kind or cluster (default: the tier's first usable backend)."),
    ] = None,
    profile: options.ProfileName = None,
    suite: options.Suite = None,
    results_dir: Annotated[
        Path | None, typer.Option(help="Where <tier>/junit.xml goes (default: test-results).")
    ] = None,
    timeout: options.Timeout = None,
    keep: Annotated[
        bool, typer.Option("--keep", help="Leave the platform running and print how to stop it.")
    ] = False,
    platform: Annotated[
        str | None,
        typer.Option(
            help="Run only the suite against this kept platform (`floe-test platform up`); "
            "it is neither started nor stopped.",
        ),
    ] = None,
    shards: options.Shards = None,
    kubeconfig: Annotated[
        Path | None, typer.Option(help="kubeconfig file.", rich_help_panel=CLUSTER)
    ] = None,
    context: Annotated[
        str | None, typer.Option(help="kubeconfig context.", rich_help_panel=CLUSTER)
    ] = None,
    namespace: options.Namespace = None,
    image: options.Image = None,
    platform_image: options.PlatformImage = None,
    values: options.ChartValues = None,
    no_install: Annotated[
        bool,
        typer.Option(
            "--no-install", help="The platform is already deployed.", rich_help_panel=CLUSTER
        ),
    ] = False,
    reuse_cluster: Annotated[
        bool,
        typer.Option(
            "--reuse-cluster", help="Reuse an existing Kind cluster.", rich_help_panel=CLUSTER
        ),
    ] = False,
    env: Annotated[
        list[str] | None,
        typer.Option(
            "--env",
            metavar="KEY=VALUE",
            help="A setting for the tests (repeatable; overrides the tier's env). Plain "
            "values only: credential-like names are refused.",
        ),
    ] = None,
    scale: Annotated[
        int | None,
        typer.Option(min=1, max=10_000, help="Demo data scale (1 = 4,000 orders; 100 = 400,000)."),
    ] = None,
    history: Annotated[
        Path | None,
        typer.Option(
            help="Append this run's record to DIR/runs.jsonl (and compare performance "
            "with the baseline there).",
            rich_help_panel=STAGING,
        ),
    ] = None,
    soak: Annotated[
        str | None,
        typer.Option(
            help="Repeat the suite on one platform for this long (30m, 2m, 90s), "
            "sampling resources and failing on drift.",
            rich_help_panel=STAGING,
        ),
    ] = None,
    max_failures: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Failed soak iterations tolerated before the soak stops (default 0).",
            rich_help_panel=STAGING,
        ),
    ] = None,
) -> None:
    """Run a tier and leave JUnit at <results-dir>/<tier>/junit.xml.

    Exit codes: 0 passed, 1 tests failed, 2 usage or configuration error (nothing started),
    3 infrastructure failure, 130 interrupted (cleanup still ran).

    Examples:

      floe-test run integration --backend local

      floe-test run integration --platform local-minimal

      floe-test run integration --suite tests/integration/test_pipeline_runs.py -- -k failing

      floe-test run integration --backend cluster --kubeconfig kc.yaml --shards 3

      floe-test run integration --backend cluster --kubeconfig kc --values values-k8s-local.yaml

      floe-test run staging --backend local --scale 10 --history history/

      floe-test run staging --soak 30m --max-failures 2 --history history/
    """
    from floe_testing.core.errors import UsageError
    from floe_testing.history.hook import RunHistory
    from floe_testing.plan import ClusterOptions
    from floe_testing.staging.duration import parse_duration

    if max_failures is not None and soak is None:
        raise UsageError("--max-failures applies to a soak", "add --soak DURATION, e.g. 30m")
    soak_seconds = parse_duration(soak) if soak is not None else None
    run_history = RunHistory.open(history)
    plan_options: dict[str, Any] = {
        "profile": profile,
        "suite": suite,
        "results_dir": results_dir,
        "timeout": timeout,
        "keep": keep,
        "shards": shards,
        "pytest_args": tuple(pytest_args or ()),
    }
    settings = _settings(env, scale)
    if platform is not None:
        _refuse_with_platform(
            platform,
            {
                "--keep": keep,
                "--no-install": no_install,
                "--reuse-cluster": reuse_cluster,
                "--kubeconfig": kubeconfig,
                "--context": context,
                "--namespace": namespace,
                "--platform-image": platform_image,
                "--values": values,
            },
        )
        raise typer.Exit(
            _run_attached(
                platform, tier, backend, image, run_history, settings, plan_options,
                soak_seconds, max_failures or 0,
            )
        )  # fmt: skip
    plan = _plan(
        tier,
        backend,
        run_history,
        settings,
        cluster=ClusterOptions(
            kubeconfig=kubeconfig,
            context=context,
            namespace=namespace,
            image=image,
            platform_image=platform_image,
            values_files=tuple(values or ()),
            install=not no_install,
            reuse_cluster=reuse_cluster,
        ),
        **plan_options,
    )
    raise typer.Exit(_execute(plan, run_history, soak_seconds, max_failures or 0))


def _refuse_with_platform(name: str, given: dict[str, object]) -> None:
    """Options that describe a platform to start make no sense against a kept one."""
    from floe_testing.core.errors import UsageError

    clashing = [option for option, value in given.items() if value]
    if clashing:
        raise UsageError(
            f"{', '.join(clashing)} describe{'s' * (len(clashing) == 1)} a platform to start; "
            f"--platform {name} runs against one that is already up, with its own settings",
            f"drop {', '.join(clashing)} (or start another platform: floe-test platform up)",
        )


def _run_attached(
    name: str,
    tier: str,
    backend: str | None,
    image: str | None,
    run_history: RunHistory,
    settings: dict[str, str],
    plan_options: dict[str, Any],
    soak_seconds: float | None,
    max_failures: int,
) -> int:
    """Run the suite against kept platform ``name``, holding it (shared) until the end."""
    from floe_testing.core.errors import UsageError
    from floe_testing.core.ui import Ui
    from floe_testing.platforms.lifecycle import attached

    with attached(name, Ui()) as attachment:
        kept = attachment.kept
        if backend is not None and backend != kept.backend:
            raise UsageError(
                f"--backend {backend}: platform {name} runs on the {kept.backend} backend",
                f"drop --backend, or start a platform there: floe-test platform up {tier} "
                f"--backend {backend}",
            )
        plan = _plan(
            tier,
            kept.backend,
            run_history,
            settings,
            cluster=attachment.cluster_options(image),
            backend_reason=f"kept platform {name}",
            **plan_options,
        )
        chosen = plan.profile.name if plan.profile else "none"
        if chosen != kept.profile:
            raise UsageError(
                f"the {plan.tier.name} tier runs on the {chosen} profile; platform {name} runs "
                f"{kept.profile}",
                f"start one for it: floe-test platform up {plan.tier.name} --backend "
                f"{kept.backend} --name OTHER (or pass --profile {kept.profile})",
            )
        return _execute(plan, run_history, soak_seconds, max_failures, attachment.backend())


def _settings(env: list[str] | None, scale: int | None) -> dict[str, str]:
    """``--env KEY=VALUE`` options, with ``--scale N`` as the staging scale setting."""
    from floe_testing.config import settings as tier_env
    from floe_testing.history.record import SCALE_SETTING

    settings = tier_env.parse_options(env or [])
    if scale is not None:
        settings[SCALE_SETTING] = str(scale)
    return settings


def _plan(
    tier: str,
    backend: str | None,
    run_history: RunHistory,
    settings: dict[str, str],
    backend_reason: str | None = None,
    **plan_options: Any,
) -> RunPlan:
    """The run's plan (every usage error found here, before anything starts), with the
    history's performance baseline in its settings."""
    from floe_testing.backends import choose_backend
    from floe_testing.config import load_project
    from floe_testing.plan import build_plan, resolve_tier

    project = load_project()
    backend_name, reason = choose_backend(resolve_tier(project, tier), backend)
    reason = backend_reason or reason
    plan = build_plan(
        project, tier, backend=backend_name, backend_reason=reason, env=settings, **plan_options
    )
    return _with_baseline(plan, run_history)


def _execute(
    plan: RunPlan,
    run_history: RunHistory,
    soak_seconds: float | None,
    max_failures: int,
    runner: Backend | None = None,
) -> int:
    """Announce the run, drive it through its backend (as a soak when asked) and record it;
    the run's exit code."""
    from floe_testing.backends import backend_class
    from floe_testing.core.ui import Ui
    from floe_testing.run.results_folder import claimed

    runner = runner or backend_class(plan.backend)()
    runner.check(plan)
    ui = Ui()
    with claimed(plan, ui) as own:  # overlapping runs never share a results folder
        return _drive(own, runner, ui, run_history, soak_seconds, max_failures)


def _drive(
    plan: RunPlan,
    runner: Backend,
    ui: Ui,
    run_history: RunHistory,
    soak_seconds: float | None,
    max_failures: int,
) -> int:
    from floe_testing.run.pipeline import execute

    ui.step(
        f"{plan.tier.name} tier · profile {plan.profile.name if plan.profile else 'none'} · "
        f"backend [bold]{plan.backend}[/] ({plan.backend_reason}) · run {plan.run_id}"
    )
    if plan.env:  # names only: values stay out of logs
        ui.info(f"settings: {', '.join(name for name, _ in plan.env)}")
    if soak_seconds is None:
        summary = execute(plan, runner, ui)
        run_history.finish(plan, summary)
    else:
        from floe_testing.staging.soak import SoakPhase

        phase = SoakPhase(soak_seconds, max_failures, run_history)
        summary = execute(plan, runner, ui, run_phase=phase)
        run_history.finish(plan, summary, resources=phase.last_resources, drift=phase.findings)
    if run_history.history is not None:
        ui.info(f"history: {run_history.history.path}")
    return summary.exit_code


def _with_baseline(plan: RunPlan, run_history: RunHistory) -> RunPlan:
    """Give the performance tests the history's baseline for this backend and scale."""
    from dataclasses import replace

    from floe_testing.history.baseline import as_setting
    from floe_testing.history.record import scale_of

    run_history.begin(plan, {})
    values = run_history.baseline_for(plan.tier.name, plan.backend, scale_of(plan.settings))
    if not values:
        return plan
    run_history.begin(plan, values)
    return replace(plan, env=tuple(sorted({**plan.settings, **as_setting(values)}.items())))


def register(app: typer.Typer) -> None:
    app.command("run", short_help="Run a tier; JUnit lands in <results-dir>/<tier>/.")(run)
