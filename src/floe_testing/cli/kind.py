"""``floe-test cluster up|down|status``: the local Kind cluster the kind backend runs on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from floe_testing.backends.kind.cluster import KindCluster

cluster_app = typer.Typer(
    help=(
        "The Kind cluster of the kind backend (default name floe-dev, private kubeconfig).\n\n"
        "Example: floe-test cluster up && floe-test run integration --backend kind "
        "--reuse-cluster"
    ),
    no_args_is_help=True,
)

NameOption = Annotated[
    str | None,
    typer.Option("--name", help="Cluster name (default: $FLOE_TEST_KIND_CLUSTER or floe-dev)."),
]


def _cluster(name: str | None, *, need_daemon: bool = True) -> KindCluster:
    from floe_testing.backends.kind.cluster import CONFIG_PATH, KindCluster, cluster_name
    from floe_testing.backends.kind.preflight import check_engine, find_tools
    from floe_testing.config import load_project

    project = load_project()
    engine, kind = find_tools()
    if need_daemon:
        check_engine(engine, kind)
    return KindCluster(kind, name or cluster_name(), project.root / CONFIG_PATH, engine=engine)


@cluster_app.command("up")
def up(name: NameOption = None) -> None:
    """Create the Kind cluster from kind/kind-config.yaml, or reuse it when it exists; wait
    until it serves the default ServiceAccount; print its private kubeconfig.

    Example: floe-test cluster up && export KUBECONFIG=$(floe-test cluster status --kubeconfig)
    """
    from floe_testing.core.ui import Ui

    ui = Ui()
    cluster = _cluster(name)
    with ui.status(f"Kind cluster {cluster.name}: up"):
        created = cluster.up()
        cluster.wait_ready()
    ui.step(f"Kind cluster {cluster.name} {'created' if created else 'reused'} and ready")
    ui.info(f"kubeconfig: {cluster.kubeconfig}")
    typer.echo(str(cluster.kubeconfig))


@cluster_app.command("down")
def down(
    name: NameOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Delete it even if floe-test did not create it.")
    ] = False,
) -> None:
    """Delete the Kind cluster, only if floe-test created it (unless --force).

    Example: floe-test cluster down
    """
    from floe_testing.core.ui import Ui

    ui = Ui()
    cluster = _cluster(name)
    if cluster.down(force=force):
        ui.step(f"Kind cluster {cluster.name} deleted")
    else:
        ui.step(f"Kind cluster {cluster.name} does not exist; nothing to delete")


@cluster_app.command("status")
def status(
    name: NameOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    kubeconfig_only: Annotated[
        bool, typer.Option("--kubeconfig", help="Print only the kubeconfig path.")
    ] = False,
) -> None:
    """Whether the Kind cluster exists, whether floe-test created it, and its kubeconfig.
    Exits 1 when it does not exist.

    Example: floe-test cluster status --json
    """
    import json

    cluster = _cluster(name)
    state = cluster.status()
    if kubeconfig_only:
        typer.echo(str(state.kubeconfig))
    elif as_json:
        typer.echo(json.dumps(state.as_dict(), indent=2))
    else:
        owner = "created by floe-test" if state.created_by_floe_test else "not created by floe-test"
        typer.echo(f"{state.name}: {'exists, ' + owner if state.exists else 'does not exist'}")
        typer.echo(f"kubeconfig: {state.kubeconfig}")
    raise typer.Exit(0 if state.exists else 1)


def register(app: typer.Typer) -> None:
    """Add ``floe-test cluster`` to ``app``."""
    app.add_typer(
        cluster_app, name="cluster", short_help="Create, inspect and delete the Kind cluster."
    )
