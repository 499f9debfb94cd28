"""What ``run --history DIR`` adds to a run: the baseline before it, the records after it.

Kept out of the pipeline: the pipeline hands over its summary, this module turns it into
history records (one per run; the soak loop adds one per iteration through ``iteration``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from floe_testing.history import baseline as baselines
from floe_testing.history import record
from floe_testing.history.store import History
from floe_testing.plan import RunPlan
from floe_testing.report.cases import Case, read_cases
from floe_testing.report.summary import RunSummary


@dataclass
class RunHistory:
    """The history of one run; ``history`` None means ``--history`` was not given."""

    history: History | None
    started_at: str = field(default_factory=record.now)
    started: float = field(default_factory=time.perf_counter)
    context: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def open(cls, directory: Path | None) -> RunHistory:
        history = History(directory.resolve()) if directory is not None else None
        if history is not None:
            history.prepare()
        return cls(history)

    def baseline_for(self, tier: str, backend: str, scale: int) -> dict[str, float]:
        if self.history is None:
            return {}
        return baselines.baseline(self.history.records(), tier=tier, backend=backend, scale=scale)

    def begin(self, plan: RunPlan, baseline: dict[str, float]) -> None:
        settings = {k: v for k, v in plan.settings.items() if k != baselines.BASELINE_ENV}
        self.context = record.context_of(
            tier=plan.tier.name,
            backend=plan.backend,
            profile=plan.profile.name if plan.profile else None,
            settings=settings,
            root=plan.project.root,
            baseline=baseline,
        )

    def iteration(
        self,
        plan: RunPlan,
        number: int,
        *,
        cases: list[Case],
        exit_code: int,
        verdict: str,
        started_at: str,
        seconds: float,
        resources: dict[str, dict[str, float]],
    ) -> None:
        if self.history is None:
            return
        self.history.append(
            record.build(
                run_id=plan.run_id,
                kind="soak-iteration",
                context=self.context,
                verdict=verdict,
                exit_code=exit_code,
                message="",
                started_at=started_at,
                duration=seconds,
                cases=cases,
                iteration=number,
                resources=resources,
            )
        )

    def finish(
        self,
        plan: RunPlan,
        summary: RunSummary,
        *,
        resources: dict[str, dict[str, float]] | None = None,
        drift: list[str] | None = None,
    ) -> dict[str, Any] | None:
        if self.history is None:
            return None
        entry = record.build(
            run_id=plan.run_id,
            kind="run",
            context=self.context,
            verdict=summary.verdict,
            exit_code=summary.exit_code,
            message=summary.message,
            started_at=self.started_at,
            duration=time.perf_counter() - self.started,
            cases=read_cases(plan.junit_path),
            phases=summary.timings,
            resources=resources,
            drift=drift,
        )
        self.history.append(entry)
        return entry
