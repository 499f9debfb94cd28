"""The soak's run-tests phase: the suite again and again on the platform that is already up.

Each iteration runs the whole suite (pipeline runs included), keeps its JUnit under
``<results>/iterations/``, samples the platform's resource use, and appends its own history
record at once, so an interrupted soak keeps every finished iteration. It stops when the
duration has passed (an iteration that started is finished) or when more iterations failed
than ``--max-failures`` allows; then the drift detectors look at all iterations. The
iterations' JUnit files are merged into the run's ``junit.xml``.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from floe_testing.backends.base import Backend, TestOutcome
from floe_testing.core.errors import EXIT_PASSED
from floe_testing.core.ui import Ui
from floe_testing.history import record
from floe_testing.history.hook import RunHistory
from floe_testing.plan import RunPlan
from floe_testing.report.cases import Case, read_cases
from floe_testing.report.junit import merge
from floe_testing.staging import drift

# the latency series the drift detectors watch (the Cube one only on the full profile)
LATENCY_METRICS = ("graphql_p95_seconds", "cube_query_p95_seconds")
MIB = 1024 * 1024


@dataclass
class SoakPhase:
    duration: float
    max_failures: int
    history: RunHistory
    iterations: int = 0
    failures: int = 0
    memory: dict[str, list[float]] = field(default_factory=dict)
    latency: dict[str, list[float]] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)
    last_resources: dict[str, dict[str, float]] = field(default_factory=dict)
    restarts: list[dict[str, float]] = field(default_factory=list)  # per sample, per service
    replaced: list[dict[str, float]] = field(default_factory=list)  # per sample, per service

    def __call__(self, plan: RunPlan, backend: Backend, ui: Ui) -> TestOutcome:
        from floe_testing.run.pipeline import verdict_of

        folder = plan.results_dir / "iterations"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        deadline = time.monotonic() + self.duration
        parts: list[Path] = []
        ui.step(
            f"soak for {self.duration:g}s (failure budget {self.max_failures}): the suite "
            "repeats on this platform"
        )
        try:
            while True:
                self.iterations += 1
                started_at, start = record.now(), time.perf_counter()
                outcome = backend.run_tests(self._iteration_plan(plan), ui)
                seconds = time.perf_counter() - start
                code, verdict, _ = verdict_of(outcome.exit_status, plan)
                part = self._keep_junit(plan, folder)
                if part is not None:
                    parts.append(part)
                cases = read_cases(part) if part is not None else []
                resources = backend.resource_usage(plan)
                self._sample(resources, cases)
                self.history.iteration(
                    plan, self.iterations, cases=cases, exit_code=code, verdict=verdict,
                    started_at=started_at, seconds=seconds, resources=resources,
                )  # fmt: skip
                self.failures += code != EXIT_PASSED
                ui.step(self._line(verdict, seconds, resources))
                if self.failures > self.max_failures:
                    ui.error(
                        f"failure budget spent: {self.failures} failed iterations "
                        f"(--max-failures {self.max_failures})"
                    )
                    break
                if time.monotonic() >= deadline:
                    break
        finally:
            if parts:
                merge(parts, plan.junit_path)
        return self._outcome(plan)

    def _iteration_plan(self, plan: RunPlan) -> RunPlan:
        """Iterations after the first get their own run id, so each Job has its own name."""
        if self.iterations == 1:
            return plan
        return replace(plan, run_id=f"{plan.run_id}-i{self.iterations}")

    def _keep_junit(self, plan: RunPlan, folder: Path) -> Path | None:
        if not plan.junit_path.is_file():
            return None
        part = folder / f"{self.iterations:03d}-junit.xml"
        shutil.move(plan.junit_path, part)
        return part

    def _sample(self, resources: dict[str, dict[str, float]], cases: list[Case]) -> None:
        self.last_resources = resources
        self.restarts.append({s: values.get("restarts", 0.0) for s, values in resources.items()})
        self.replaced.append({s: values.get("replaced", 0.0) for s, values in resources.items()})
        for service, values in resources.items():
            if "rss_bytes" in values:
                self.memory.setdefault(service, []).append(values["rss_bytes"])
            elif "memory_bytes" in values:
                self.memory.setdefault(service, []).append(values["memory_bytes"])
        for case in cases:
            for metric in LATENCY_METRICS:
                value = case.metrics.get(metric)
                if value is not None:
                    self.latency.setdefault(metric, []).append(float(value))

    def _line(self, verdict: str, seconds: float, resources: dict[str, dict[str, float]]) -> str:
        return f"soak iteration {self.iterations}: {verdict} in {seconds:.1f}s · " + usage_text(
            resources
        )

    def _outcome(self, plan: RunPlan) -> TestOutcome:
        self.findings = drift.findings(self.memory, self.latency, plan.settings)
        finding = restart_finding(self.restarts)
        if finding:
            self.findings.append(finding)
        problems = list(self.findings)
        if self.failures:
            problems.insert(0, f"{self.failures} of {self.iterations} iterations failed")
        summary = f"soak: {self.iterations} iterations"
        moved = replacement_note(self.replaced)
        tail = f"; {moved}" if moved else ""
        if self.failures > self.max_failures or self.findings:
            return TestOutcome(1, f"{summary}; " + "; ".join(problems) + tail)
        note = f" ({problems[0]}, within --max-failures {self.max_failures})" if problems else ""
        return TestOutcome(0, f"{summary}, no drift{note}{tail}")


def grown(samples: list[dict[str, float]]) -> str | None:
    """The services whose count grew between the first and the last sample, named with the
    growth (``polaris 1, seaweedfs 1``); None when none grew."""
    if len(samples) < 2:
        return None
    first, last = samples[0], samples[-1]
    grew = {s: last[s] - first.get(s, 0.0) for s in last if last[s] > first.get(s, 0.0)}
    if not grew:
        return None
    return ", ".join(f"{service} {count:.0f}" for service, count in sorted(grew.items()))


def restart_finding(samples: list[dict[str, float]]) -> str | None:
    """A finding (the soak fails): containers that restarted during the soak, which is a crash
    or an OOM kill of the platform's own."""
    named = grown(samples)
    if named is None:
        return None
    return (
        f"restarts: platform containers restarted during the soak ({named}; "
        "`kubectl describe pod` gives the last state)"
    )


def replacement_note(samples: list[dict[str, float]]) -> str | None:
    """Reported, not a finding: pods replaced during the soak (deleted, evicted, rescheduled
    by a drain or a rollout). A successor starts at restartCount 0, so only its new UID tells;
    whether the platform recovered is for the iterations after it to say."""
    named = grown(samples)
    if named is None:
        return None
    return f"pods replaced during the soak ({named}): the iterations after them judge recovery"


def usage_text(resources: dict[str, dict[str, float]]) -> str:
    """Per service: memory when it was measured, restarts when counted; says when no
    memory was measured at all (a cluster without the metrics API)."""
    parts, measured = [], False
    for name, values in resources.items():
        memory = values.get("rss_bytes", values.get("memory_bytes"))
        text = name if memory is None else f"{name} {memory / MIB:.0f} MiB"
        measured = measured or memory is not None
        if "restarts" in values:
            text += f" ({values['restarts']:.0f} restarts"
            if values.get("replaced"):
                text += f", {values['replaced']:.0f} pods replaced"
            text += ")"
        parts.append(text)
    if resources and not measured:
        parts.append("memory not measured (no metrics API: metrics-server is not installed)")
    return ", ".join(parts) if parts else "no resource samples"
