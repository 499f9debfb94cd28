"""``floe-test platform up|status|down``: a platform kept running between runs (the daily loop:
``floe-test run TIER --platform NAME`` runs only the suite against it)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from floe_testing.cli import options
from floe_testing.cli.options import CLUSTER

platform_app = typer.Typer(
    help=(
        "Keep a platform running and run tiers against it without starting it each time.\n\n"
        "Example: floe-test platform up integration && floe-test run integration "
        "--platform local-minimal"
    ),
    no_args_is_help=True,
)

PLATFORM_LINE = "FLOE_PLATFORM"


@platform_app.command("up", short_help="Start a platform and keep it running.")
def up(
    tier: Annotated[
        str | None,
        typer.Argument(help="Tier whose profile and chart values to start (floe-test tiers)."),
    ] = None,
    profile: options.ProfileName = None,
    backend: Annotated[
        str | None,
        typer.Option(help="local or cluster (default: the tier's first usable one of them)."),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(help="The platform's name (default: BACKEND-PROFILE, e.g. local-minimal)."),
    ] = None,
    results_dir: Annotated[
        Path | None,
        typer.Option(help="Where start-up timings, logs or diagnostics go (test-results)."),
    ] = None,
    kubeconfig: Annotated[
        Path | None, typer.Option(help="kubeconfig file.", rich_help_panel=CLUSTER)
    ] = None,
    context: Annotated[
        str | None, typer.Option(help="kubeconfig context.", rich_help_panel=CLUSTER)
    ] = None,
    namespace: Annotated[
        str | None,
        typer.Option(
            help="Namespace to install into, created when missing "
            "(default: <namespace-prefix>-platform-NAME).",
            rich_help_panel=CLUSTER,
        ),
    ] = None,
    image: Annotated[
        str | None,
        typer.Option(
            help="Test-runner image the runs use (a run's --image overrides it).",
            rich_help_panel=CLUSTER,
        ),
    ] = None,
    platform_image: options.PlatformImage = None,
    values: options.ChartValues = None,
) -> None:
    """Start the platform of a tier (or --profile) and keep it running; the last line printed
    on stdout is FLOE_PLATFORM=<name>. A platform of that name already up and healthy with the
    same settings is reused; one that is not healthy is started again.

    local: the profile's processes, detached. cluster: the chart in a namespace of its own.
    Exit codes: 0 up, 2 usage error (nothing started), 3 the platform did not start
    (what was started is removed), 130 interrupted.

    Examples:

      floe-test platform up integration

      eval "$(floe-test platform up integration | tail -1)"

      floe-test run integration --platform "$FLOE_PLATFORM"

      floe-test platform up integration --backend cluster --values values-k8s-local.yaml
    """
    from floe_testing.core.ui import Ui
    from floe_testing.plan import ClusterOptions
    from floe_testing.platforms.lifecycle import UpRequest
    from floe_testing.platforms.lifecycle import up as bring_up

    ui = Ui()
    request = UpRequest(
        tier=tier,
        profile=profile,
        backend=backend,
        name=name,
        results_dir=results_dir,
        cluster=ClusterOptions(
            kubeconfig=kubeconfig,
            context=context,
            namespace=namespace,
            image=image,
            platform_image=platform_image,
            values_files=tuple(values or ()),
        ),
    )
    kept = bring_up(request, ui)
    ui.step(f"platform {kept.name} is up ({kept.backend}, profile {kept.profile}): {kept.where}")
    ui.info(f"run a tier:  floe-test run {kept.tier} --platform {kept.name}")
    ui.info("status:      floe-test platform status")
    ui.info(f"take down:   floe-test platform down {kept.name}")
    typer.echo(f"{PLATFORM_LINE}={kept.name}")


@platform_app.command("status", short_help="List kept platforms with their health.")
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the kept platforms: backend, profile, endpoints or namespace, age and health
    (probed now: processes or workloads, and what they answer). Exits 0.

    Example: floe-test platform status --json
    """
    import json

    from floe_testing.core.ui import make_console, print_table
    from floe_testing.platforms.lifecycle import status as probe_all

    found = probe_all()
    if as_json:
        rows = [
            {
                "name": kept.name,
                "backend": kept.backend,
                "tier": kept.tier,
                "profile": kept.profile,
                "where": kept.where,
                "created": kept.created,
                "age": kept.age(),
                "healthy": health.healthy,
                "health": str(health),
                "restart": kept.restart_command,
            }
            for kept, health in found
        ]
        typer.echo(json.dumps(rows, indent=2))
        return
    if not found:
        typer.echo("no kept platforms (start one: floe-test platform up TIER)")
        return
    from rich.table import Table

    columns = ("platform", "backend", "profile", "where", "age", "health")
    table = Table(*columns, title="kept platforms")
    for kept, health in found:
        table.add_row(kept.name, kept.backend, kept.profile, kept.where, kept.age(), str(health))
    print_table(make_console(), table)


@platform_app.command("down", short_help="Take kept platforms down, leaving nothing.")
def down(
    name: Annotated[str | None, typer.Argument(help="The platform to take down.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Take down every kept platform.")] = False,
    forget: Annotated[
        bool,
        typer.Option(
            "--forget", help="Drop the record only, stopping nothing (when its cluster is gone)."
        ),
    ] = False,
) -> None:
    """Take a kept platform down, leaving nothing behind: its processes and working directory
    (local), or its release and the namespace it created (cluster). Waits for the runs using it.
    Exit codes: 0 down, 2 unknown platform, 3 something could not be removed.

    Examples:

      floe-test platform down local-minimal

      floe-test platform down --all
    """
    from floe_testing.core.errors import UsageError
    from floe_testing.core.ui import Ui
    from floe_testing.platforms.lifecycle import down as take_down
    from floe_testing.platforms.state import Registry

    if (name is None) == (not every):
        raise UsageError(
            "name one platform, or pass --all" if name is None else "pass a name or --all",
            "floe-test platform status lists them",
        )
    registry = Registry()
    names = registry.names() if every else [name or ""]
    ui = Ui()
    if not names:
        ui.step("no kept platforms")
        return
    take_down(names, ui, registry, forget=forget)


def register(app: typer.Typer) -> None:
    """Add ``floe-test platform`` to ``app``."""
    app.add_typer(
        platform_app,
        name="platform",
        short_help="Keep a platform up between runs: up, status, down.",
    )
