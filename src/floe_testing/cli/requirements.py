"""``floe-test requirements``: requirement coverage of the suites, and the CI gate.

Reads the requirement list (``docs/requirements.yaml``), collects the suites with pytest, and
prints which tests verify each requirement, which tests are unmarked and which requirements have
no test. ``--gate`` exits 1 when an integration or e2e test lacks a marker or names an unknown
ID, so CI fails the moment traceability slips.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from floe_testing.core.errors import EXIT_TESTS_FAILED, UsageError

if TYPE_CHECKING:
    from rich.console import Console

    from floe_testing.traceability.report import TraceabilityReport


def requirements(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Test files or directories (default: the gated tiers' suites).",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON on stdout.")
    ] = False,
    gate: Annotated[
        bool,
        typer.Option(
            "--gate",
            help="Exit 1 when a gated tier's test has no requirement marker, a marker names an "
            "unknown ID, collection fails, or coverage is below --min-coverage.",
        ),
    ] = False,
    requirements_file: Annotated[
        Path | None,
        typer.Option(
            "--requirements-file",
            help="The requirement list (default: docs/requirements.yaml in the project).",
        ),
    ] = None,
    gate_tiers: Annotated[
        list[str] | None,
        typer.Option(
            "--gate-tier",
            help="Tier whose tests must carry a marker (repeatable; default: integration and e2e).",
        ),
    ] = None,
    min_coverage: Annotated[
        float,
        typer.Option(
            "--min-coverage", min=0, max=100, help="With --gate: required % of covered IDs."
        ),
    ] = 0.0,
) -> None:
    """Map requirements to tests; with --gate, fail CI on unmarked tests or unknown IDs.

    Example: floe-test requirements --gate
    Example: floe-test requirements --json tests/e2e > trace.json
    """
    from floe_testing.config import load_project
    from floe_testing.traceability.collect import collect
    from floe_testing.traceability.report import build_report, default_gated_tiers
    from floe_testing.traceability.requirements import DEFAULT_PATH, load_requirements

    project = load_project()
    tiers = list(project.config.tiers.values())
    listed = load_requirements(requirements_file or project.root / DEFAULT_PATH)
    unknown_tiers = sorted(set(gate_tiers or ()) - {t.name for t in tiers})
    if unknown_tiers:
        raise UsageError(
            f"unknown tier {', '.join(unknown_tiers)}",
            f"use one of: {', '.join(t.name for t in tiers)}",
        )
    gated = gate_tiers if gate_tiers else default_gated_tiers(tiers)
    targets = _targets(paths, project.root, [t.path for t in tiers if t.name in gated])
    report = build_report(listed, collect(targets, cwd=project.root), tiers, gated)
    failures = report.violations()
    if gate and report.coverage_percent < min_coverage:
        failures.append(f"coverage {report.coverage_percent:.1f}% is below {min_coverage:g}%")
    if as_json:
        typer.echo(json.dumps({**report.to_json(), "violations": failures}, indent=2))
    else:
        from floe_testing.core.ui import make_console

        _render(report, failures, gate, make_console())
    if gate and failures:
        raise typer.Exit(EXIT_TESTS_FAILED)


def _targets(paths: list[Path] | None, root: Path, tier_paths: list[str]) -> list[Path]:
    if paths:
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise UsageError(f"no such test path: {', '.join(missing)}", "check the PATHS given")
        return [p.resolve() for p in paths]
    existing = [root / p for p in tier_paths if (root / p).exists()]
    if not existing:
        raise UsageError(
            f"none of the gated tiers' suites exist ({', '.join(tier_paths)})",
            "pass the test PATHS to trace",
        )
    return existing


def _render(report: TraceabilityReport, failures: list[str], gate: bool, console: Console) -> None:
    from rich.table import Table

    from floe_testing.core.ui import print_table

    covered = sum(c.covered for c in report.coverage)
    table = Table(
        title=f"requirements: {covered}/{len(report.coverage)} covered "
        f"({report.coverage_percent:.1f}%), {len(report.tests)} tests"
    )
    for column in ("requirement", "tier", "tests", "title"):
        table.add_column(column)
    for entry in report.coverage:
        count = f"[green]{len(entry.tests)}[/]" if entry.covered else "[red]0[/]"
        table.add_row(
            entry.requirement.id, entry.requirement.tier or "", count, entry.requirement.title
        )
    print_table(console, table)
    if report.uncovered:
        console.print(
            "[yellow]requirements without tests:[/] " + ", ".join(r.id for r in report.uncovered)
        )
    ungated = [t.nodeid for t in report.tests if not t.requirements and not t.gated]
    if ungated:
        console.print(f"unmarked tests outside the gated tiers: {len(ungated)}")
    for line in failures:
        console.print(f"[red]✗[/] {line}", highlight=False)
    if gate:
        gated = ", ".join(report.gated_tiers) or "none"
        if failures:
            console.print(
                f"[bold red]gate failed[/] ({len(failures)} problems; gated tiers: {gated}). "
                'Mark each test with @pytest.mark.requirement("ID") using IDs from the '
                "requirement list, or add the requirement there."
            )
        else:
            console.print(f"[bold green]gate passed[/] (gated tiers: {gated})")


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("requirements", short_help="Trace tests to requirements; --gate fails CI on gaps.")(
        requirements
    )
