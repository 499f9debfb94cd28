"""``floe-test run TIER``: plan, then drive the chosen backend through the pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

CLUSTER = "Cluster and kind backends"


def run(
    tier: Annotated[str, typer.Argument(help="Tier to run: see `floe-test tiers`.")],
    pytest_args: Annotated[
        list[str] | None,
        typer.Argument(help="Extra pytest arguments, after --.", show_default=False),
    ] = None,
    backend: Annotated[
        str | None,
        typer.Option(help="local, kind or cluster (default: the tier's first usable backend)."),
    ] = None,
    profile: Annotated[
        str | None, typer.Option(help="Platform profile (default: the tier's).")
    ] = None,
    suite: Annotated[
        Path | None, typer.Option(help="Test path to run instead of the tier's own suite.")
    ] = None,
    results_dir: Annotated[
        Path | None, typer.Option(help="Where <tier>/junit.xml goes (default: test-results).")
    ] = None,
    timeout: Annotated[
        int | None, typer.Option(min=1, help="Seconds for the tests (default: the tier's).")
    ] = None,
    keep: Annotated[
        bool, typer.Option("--keep", help="Leave the platform running and print how to stop it.")
    ] = False,
    shards: Annotated[
        int | None,
        typer.Option(
            min=1, max=64, help="Pods to split the suite across.", rich_help_panel=CLUSTER
        ),
    ] = None,
    kubeconfig: Annotated[
        Path | None, typer.Option(help="kubeconfig file.", rich_help_panel=CLUSTER)
    ] = None,
    context: Annotated[
        str | None, typer.Option(help="kubeconfig context.", rich_help_panel=CLUSTER)
    ] = None,
    namespace: Annotated[
        str | None,
        typer.Option(help="Existing namespace (default: a fresh one).", rich_help_panel=CLUSTER),
    ] = None,
    image: Annotated[
        str | None, typer.Option(help="Test-runner image reference.", rich_help_panel=CLUSTER)
    ] = None,
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
) -> None:
    """Run a tier and leave JUnit at <results-dir>/<tier>/junit.xml.

    Exit codes: 0 passed, 1 tests failed, 2 usage or configuration error (nothing started),
    3 infrastructure failure.

    Examples:

      floe-test run integration --backend local

      floe-test run integration --suite tests/integration/test_runs.py -- -k failing

      floe-test run integration --backend cluster --kubeconfig kc.yaml --shards 3
    """
    from floe_testing.backends import backend_class, choose_backend
    from floe_testing.config import load_project
    from floe_testing.pipeline import execute
    from floe_testing.plan import (
        ClusterOptions,
        RunPlan,
        new_run_id,
        resolve_profile,
        resolve_results,
        resolve_suite,
        resolve_tier,
    )
    from floe_testing.ui import Ui

    project = load_project()
    chosen_tier = resolve_tier(project, tier)
    chosen_profile = resolve_profile(project, chosen_tier, profile)
    suite_path = resolve_suite(project, chosen_tier, suite)
    backend_name, reason = choose_backend(chosen_tier, backend)
    plan = RunPlan(
        run_id=new_run_id(),
        project=project,
        tier=chosen_tier,
        profile=chosen_profile,
        services=project.config.profile_services(chosen_profile.name if chosen_profile else None),
        backend=backend_name,
        backend_reason=reason,
        suite=suite_path,
        results_root=resolve_results(project, results_dir),
        timeout=timeout or chosen_tier.timeout,
        keep=keep,
        shards=shards or chosen_tier.shards,
        pytest_args=tuple(pytest_args or ()),
        cluster=ClusterOptions(
            kubeconfig=kubeconfig,
            context=context,
            namespace=namespace,
            image=image,
            install=not no_install,
            reuse_cluster=reuse_cluster,
        ),
    )
    runner = backend_class(backend_name)()
    runner.check(plan)
    ui = Ui()
    ui.step(
        f"{plan.tier.name} tier · profile {plan.profile.name if plan.profile else 'none'} · "
        f"backend [bold]{backend_name}[/] ({reason}) · run {plan.run_id}"
    )
    summary = execute(plan, runner, ui)
    raise typer.Exit(summary.exit_code)


def register(app: typer.Typer) -> None:
    app.command("run")(run)
