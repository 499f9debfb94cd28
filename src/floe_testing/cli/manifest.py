"""``floe-test manifest TIER``: print exactly what ``run --backend cluster`` would submit."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from floe_testing.cli import options

if TYPE_CHECKING:
    from floe_testing.config import Project
    from floe_testing.plan import RunPlan


def manifest(
    tier: options.Tier,
    pytest_args: options.PytestArgs = None,
    shards: options.Shards = None,
    profile: options.ProfileName = None,
    suite: options.Suite = None,
    timeout: options.Timeout = None,
    namespace: options.Namespace = None,
    image: options.Image = None,
    run_id: Annotated[str | None, typer.Option(help="Run id (default: a new random one).")] = None,
    results_dir: Annotated[
        Path | None,
        typer.Option(
            help="Results folder whose <tier>/durations.json balances the shards, as in a run "
            "(default: test-results)."
        ),
    ] = None,
    checked_in: Annotated[
        bool,
        typer.Option("--checked-in", help="Print the form committed as <tier path>/test-job.yaml."),
    ] = False,
    output: Annotated[
        Path | None, typer.Option(help="Write to this file instead of standard output.")
    ] = None,
    schedule: Annotated[
        str | None,
        typer.Option(
            help="Print a CronJob on this cron schedule (UTC) whose Job template is the Job "
            "a run submits, into --namespace (default floe-test)."
        ),
    ] = None,
    env: Annotated[
        list[str] | None,
        typer.Option("--env", metavar="KEY=VALUE", help="A setting for the tests (repeatable)."),
    ] = None,
) -> None:
    """Print the Namespace, ServiceAccount and Job a cluster run submits, as YAML.

    Examples:

      floe-test manifest integration --shards 3

      floe-test manifest e2e --namespace floe-test --image ghcr.io/floe/test-runner:dev -- -k smoke

      floe-test manifest integration --checked-in --output tests/integration/test-job.yaml

      floe-test manifest staging --schedule '*/5 * * * *' --output tests/staging/cronjob.yaml
    """
    from floe_testing.config import load_project
    from floe_testing.config import settings as tier_env
    from floe_testing.jobs.manifest import checked_in_yaml
    from floe_testing.plan import ClusterOptions, resolve_tier

    project = load_project()
    chosen = resolve_tier(project, tier)
    plan_options: dict[str, Any] = {
        "profile": profile,
        "suite": suite,
        "timeout": timeout,
        "shards": shards,
        "pytest_args": tuple(pytest_args or ()),
        "cluster": ClusterOptions(namespace=namespace, image=image),
        "env": tier_env.parse_options(env or []),
    }
    if schedule is not None:
        text = _scheduled_yaml(project, tier, schedule, namespace, plan_options)
    elif checked_in:
        text = checked_in_yaml(project, chosen.name)
    else:
        plan_options.update(results_dir=results_dir, run_id=run_id)
        text = _run_yaml(project, tier, namespace, plan_options)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text)


def _cluster_plan(project: Project, tier: str, plan_options: dict[str, Any]) -> RunPlan:
    """The plan a cluster run of ``tier`` would have (what the manifests describe)."""
    from floe_testing.backends.cluster.backend import ClusterBackend
    from floe_testing.plan import build_plan

    return build_plan(
        project, tier, backend=ClusterBackend.name, backend_reason="manifest", **plan_options
    )


def _scheduled_yaml(
    project: Project,
    tier: str,
    schedule: str,
    namespace: str | None,
    plan_options: dict[str, Any],
) -> str:
    """A CronJob whose Job template is the Job a run submits."""
    from floe_testing.jobs.manifest import CHECKED_IN_NAMESPACE, JobSpec
    from floe_testing.jobs.schedule import SCHEDULED_RUN_ID, check_schedule, scheduled_yaml

    check_schedule(schedule)
    plan = _cluster_plan(project, tier, {**plan_options, "run_id": SCHEDULED_RUN_ID})
    return scheduled_yaml(JobSpec.from_plan(plan, namespace or CHECKED_IN_NAMESPACE), schedule)


def _run_yaml(
    project: Project, tier: str, namespace: str | None, plan_options: dict[str, Any]
) -> str:
    """The Namespace (unless given), ServiceAccount and Job of one run."""
    from floe_testing.backends.cluster.backend import pod_security_level, run_namespace
    from floe_testing.jobs.manifest import JobSpec, run_manifests, to_yaml

    plan = _cluster_plan(project, tier, plan_options)
    spec = JobSpec.from_plan(plan, run_namespace(plan))
    return to_yaml(
        run_manifests(
            spec, create_namespace=namespace is None, pod_security=pod_security_level(plan)
        )
    )


def register(app: typer.Typer) -> None:
    app.command("manifest", short_help="Print the Job (or CronJob) a cluster run submits.")(
        manifest
    )
