"""``floe-test run TIER``: plan, then drive the chosen backend through the pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from floe_testing.cli import options
from floe_testing.cli.options import CLUSTER


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
) -> None:
    """Run a tier and leave JUnit at <results-dir>/<tier>/junit.xml.

    Exit codes: 0 passed, 1 tests failed, 2 usage or configuration error (nothing started),
    3 infrastructure failure.

    Examples:

      floe-test run integration --backend local

      floe-test run integration --suite tests/integration/test_runs.py -- -k failing

      floe-test run integration --backend cluster --kubeconfig kc.yaml --shards 3

      floe-test run integration --backend cluster --kubeconfig kc --values values-k8s-local.yaml
    """
    from floe_testing.backends import backend_class, choose_backend
    from floe_testing.config import load_project
    from floe_testing.pipeline import execute
    from floe_testing.plan import ClusterOptions, build_plan, resolve_tier
    from floe_testing.ui import Ui

    project = load_project()
    backend_name, reason = choose_backend(resolve_tier(project, tier), backend)
    plan = build_plan(
        project,
        tier,
        backend=backend_name,
        backend_reason=reason,
        profile=profile,
        suite=suite,
        results_dir=results_dir,
        timeout=timeout,
        keep=keep,
        shards=shards,
        pytest_args=tuple(pytest_args or ()),
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
