"""``floe-test manifest TIER``: print exactly what ``run --backend cluster`` would submit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def manifest(
    tier: Annotated[str, typer.Argument(help="Tier whose test Job to print (`floe-test tiers`).")],
    pytest_args: Annotated[
        list[str] | None,
        typer.Argument(help="Extra pytest arguments, after --.", show_default=False),
    ] = None,
    shards: Annotated[
        int | None, typer.Option(min=1, max=64, help="Pods to split the suite across.")
    ] = None,
    profile: Annotated[
        str | None, typer.Option(help="Platform profile (default: the tier's).")
    ] = None,
    suite: Annotated[
        Path | None, typer.Option(help="Test path instead of the tier's suite.")
    ] = None,
    timeout: Annotated[
        int | None, typer.Option(min=1, help="Seconds for the tests (activeDeadlineSeconds).")
    ] = None,
    namespace: Annotated[
        str | None, typer.Option(help="Existing namespace (default: a fresh one is created).")
    ] = None,
    image: Annotated[str | None, typer.Option(help="Test-runner image reference.")] = None,
    run_id: Annotated[str | None, typer.Option(help="Run id (default: a new random one).")] = None,
    checked_in: Annotated[
        bool,
        typer.Option("--checked-in", help="Print the form committed as <tier path>/test-job.yaml."),
    ] = False,
    output: Annotated[
        Path | None, typer.Option(help="Write to this file instead of standard output.")
    ] = None,
) -> None:
    """Print the Namespace, ServiceAccount and Job a cluster run submits, as YAML.

    Examples:

      floe-test manifest integration --shards 3

      floe-test manifest e2e --namespace floe-test --image ghcr.io/floe/test-runner:dev -- -k smoke

      floe-test manifest integration --checked-in --output tests/integration/test-job.yaml
    """
    from floe_testing.cluster.manifest import JobSpec, checked_in_yaml, run_manifests, to_yaml
    from floe_testing.config import load_project
    from floe_testing.plan import (
        ClusterOptions,
        RunPlan,
        new_run_id,
        resolve_profile,
        resolve_results,
        resolve_suite,
        resolve_tier,
    )

    project = load_project()
    chosen = resolve_tier(project, tier)
    if checked_in:
        text = checked_in_yaml(project, chosen.name)
    else:
        chosen_profile = resolve_profile(project, chosen, profile)
        plan = RunPlan(
            run_id=run_id or new_run_id(),
            project=project,
            tier=chosen,
            profile=chosen_profile,
            services=project.config.profile_services(
                chosen_profile.name if chosen_profile else None
            ),
            backend="cluster",
            backend_reason="manifest",
            suite=resolve_suite(project, chosen, suite),
            results_root=resolve_results(project, None),
            timeout=timeout or chosen.timeout,
            keep=False,
            shards=shards or chosen.shards,
            pytest_args=tuple(pytest_args or ()),
            cluster=ClusterOptions(namespace=namespace, image=image),
        )
        from floe_testing.backends.cluster import run_namespace

        spec = JobSpec.from_plan(plan, run_namespace(plan))
        text = to_yaml(run_manifests(spec, create_namespace=namespace is None))
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)


def register(app: typer.Typer) -> None:
    app.command("manifest")(manifest)
