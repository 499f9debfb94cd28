"""The end-of-run summary: a table on the console and ``summary.json`` beside the JUnit."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from floe_testing.core.ui import Ui, print_table
from floe_testing.report.junit import Totals


@dataclass
class RunSummary:
    run_id: str
    tier: str
    profile: str | None
    backend: str
    exit_code: int = 0
    verdict: str = ""
    message: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    totals: Totals | None = None
    junit: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "run_id": self.run_id,
            "tier": self.tier,
            "profile": self.profile,
            "backend": self.backend,
            "exit_code": self.exit_code,
            "verdict": self.verdict,
            "message": self.message,
            "timings_seconds": {k: round(v, 3) for k, v in self.timings.items()},
            "tests": self.totals.as_dict() if self.totals else None,
            "junit": self.junit,
        }

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_dict(), indent=2) + "\n", encoding="utf-8")


def print_summary(ui: Ui, summary: RunSummary) -> None:
    from rich.table import Table

    table = Table(
        title=f"floe-test {summary.tier} · {summary.backend} backend · run {summary.run_id}"
    )
    table.add_column("phase")
    table.add_column("seconds", justify="right")
    for phase, seconds in summary.timings.items():
        table.add_row(phase, f"{seconds:.2f}")
    table.add_row("[bold]total[/]", f"[bold]{sum(summary.timings.values()):.2f}[/]")
    print_table(ui.console, table)
    totals = summary.totals
    if totals is not None:
        ui.console.print(
            f"tests: {totals.tests}  passed: {totals.passed}  failed: {totals.failures}  "
            f"errors: {totals.errors}  skipped: {totals.skipped}  ->  {summary.junit}",
            markup=False,
        )
    colour = {0: "green", 1: "red"}.get(summary.exit_code, "magenta")
    ui.console.print(f"[bold {colour}]{summary.verdict}[/] (exit {summary.exit_code})")
