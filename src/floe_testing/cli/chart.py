"""``floe-test chart``: render, lint and check the floe-platform chart with Helm's own engine
(helm-python-sdk, offline; no helm binary or cluster needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

chart_app = typer.Typer(
    name="chart",
    help=(
        "The floe-platform Helm chart (charts/floe-platform): render, lint, check.\n\n"
        "Example: floe-test chart render --profile minimal --values values-test.yaml"
    ),
    no_args_is_help=True,
)

ValuesOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--values",
        "-f",
        help="Values file (repeatable, later wins); a bare name is looked up in the chart.",
    ),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="Helm --set expression, e.g. dagster.image.tag=abc (repeatable)."),
]
ProfileOption = Annotated[
    str | None,
    typer.Option("--profile", "-p", help="minimal or full (default: what the values say, full)."),
]
NamespaceOption = Annotated[
    str, typer.Option("--namespace", "-n", help="Namespace the release goes to.")
]


@chart_app.command("render")
def render_command(
    profile: ProfileOption = None,
    values: ValuesOption = None,
    set_values: SetOption = None,
    namespace: NamespaceOption = "floe-test",
    notes: Annotated[bool, typer.Option(help="Print NOTES.txt after the objects.")] = False,
) -> None:
    """Print the rendered manifests as YAML (like `helm template`; Secrets freshly generated).

    Example: floe-test chart render -p minimal -f values-test.yaml --set dagster.image.tag=dev
    """
    from floe_testing.deploy.chart import render

    rendered = render(profile, values or [], set_values or [], namespace=namespace)
    typer.echo(rendered.to_yaml(), nl=False)
    if notes:
        commented = "".join(f"# {line}\n" for line in rendered.notes.splitlines())
        typer.echo("---\n# NOTES.txt\n" + commented, nl=False)


@chart_app.command("lint")
def lint_command(
    values: ValuesOption = None,
    set_values: SetOption = None,
    strict: Annotated[bool, typer.Option(help="Treat warnings as errors.")] = True,
) -> None:
    """Run Helm's linter on the chart (exit 2 on errors, or warnings with --strict).

    Example: floe-test chart lint --values values-test.yaml
    """
    from floe_testing.core.errors import UsageError
    from floe_testing.deploy.chart import lint

    report = lint(values or [], set_values or [], strict=strict)
    for message in report.messages:
        typer.echo(f"[{message.severity}] {message.path}: {message.message}")
    failing = report.errors + (report.warnings if strict else [])
    if failing:
        raise UsageError(
            f"helm lint found {len(failing)} problem(s) in the chart",
            "fix the findings above; `floe-test chart render` shows the manifests",
        )
    typer.echo("lint: no errors")


@chart_app.command("check")
def check_command(
    profile: ProfileOption = None,
    values: ValuesOption = None,
    set_values: SetOption = None,
) -> None:
    """Check contract Services and Secrets, restricted pods, probes and Kubernetes schemas.

    Renders like `render`, then exits 2 listing every problem found.

    Example: floe-test chart check --profile full --values values-test.yaml
    """
    from floe_testing.config import load_project
    from floe_testing.core.errors import UsageError
    from floe_testing.deploy.chart import contract, render, schemas, security

    config = load_project().config
    rendered = render(profile, values or [], set_values or [])
    problems = (
        contract.service_problems(rendered, config)
        + contract.secret_problems(rendered, config)
        + contract.notes_problems(rendered)
    )
    for pod in security.pod_templates(rendered.manifests):
        problems += security.restricted_problems(pod) + security.hardening_problems(pod)
        problems += security.probe_problems(pod)
    for version in schemas.kubernetes_versions():
        problems += schemas.schema_problems(rendered.manifests, version)
    for problem in problems:
        typer.echo(f"- {problem}")
    if problems:
        raise UsageError(
            f"{len(problems)} problem(s) in the {rendered.profile} profile", "fix them above"
        )
    typer.echo(f"{rendered.profile}: {len(rendered.manifests)} objects, all checks passed")


@chart_app.command("generate")
def generate_command(
    check: Annotated[
        bool, typer.Option("--check", help="Only report stale files; exit 2 if any.")
    ] = False,
) -> None:
    """Write the chart's generated parts from the contract and pins/versions.env.

    The values.yaml region with Service names, ports, Secret names and image pins, and
    files/cube (Cube's configuration and model, copied from platform/cube).

    Example: floe-test chart generate --check
    """
    from floe_testing.config import load_project, pins
    from floe_testing.core.errors import UsageError
    from floe_testing.deploy.chart import generate

    project = load_project()
    values = pins.all_pins()
    if check:
        stale = generate.stale(project.root, project.config, values)
        for path in stale:
            typer.echo(f"- {path} is stale")
        if stale:
            raise UsageError("generated chart files are stale", "run: floe-test chart generate")
        typer.echo("generated chart files are up to date")
        return
    changed = generate.write(project.root, project.config, values)
    typer.echo("\n".join(f"wrote {path}" for path in changed) or "nothing to change")


def register(app: typer.Typer) -> None:
    """Add ``floe-test chart ...`` to ``app``."""
    app.add_typer(chart_app, name="chart", short_help="Render, lint, check and generate the chart.")
