"""The pure parts of ``benchmarks/peers.py``: the ``helm test`` chart made from the seed Job,
one measured outcome per flow and case, and the table and ratio printed from them.

Kept apart from the benchmark (which drives a real cluster) so that they are unit-tested
(``tests/unit/harness/test_peers.py``).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HOOK_ANNOTATION = {"helm.sh/hook": "test"}
NO_VERDICT = "no verdict"  # the flow broke before it had one: left out of the ratio


def hook_pod(seed: str) -> dict[str, Any]:
    """A ``helm.sh/hook: test`` Pod with the pod spec of the Job in ``seed`` (the checked-in
    ``test-job.yaml`` as applied): same image, command, env, security context, resources,
    service account and labels (the platform's NetworkPolicies admit the test runner by
    them). Helm puts it in the release's namespace."""
    jobs = [d for d in yaml.safe_load_all(seed) if d and d.get("kind") == "Job"]
    if len(jobs) != 1:
        raise ValueError(f"expected one Job in the seed manifest, found {len(jobs)}")
    job = jobs[0]
    template = job["spec"]["template"]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"{job['metadata']['name']}-hook",
            "labels": dict(template["metadata"].get("labels") or {}),
            "annotations": dict(HOOK_ANNOTATION),
        },
        "spec": template["spec"],
    }


def hook_chart(folder: Path, seed: str, name: str = "floe-test-hook") -> Path:
    """Write a chart whose only template is ``hook_pod(seed)`` into ``folder``; its path."""
    text = yaml.safe_dump(hook_pod(seed), sort_keys=False)
    if "{{" in text:
        raise ValueError("the pod spec holds '{{', which Helm would read as a template")
    (folder / "templates").mkdir(parents=True, exist_ok=True)
    chart = {
        "apiVersion": "v2",
        "name": name,
        "version": "0.1.0",
        "description": "The seed test Job's pod as a helm test hook (benchmarks/peers.py)",
    }
    (folder / "Chart.yaml").write_text(yaml.safe_dump(chart, sort_keys=False))
    (folder / "templates" / "test-pod.yaml").write_text(text)
    return folder


@dataclass(frozen=True)
class Outcome:
    """One flow run on one case: what it said, when, and what came back.

    ``to_verdict``: seconds from submit to the verdict in the user's hands (an exit code, a
    Job condition, ``helm test``'s answer); ``to_junit``: to a JUnit file on disk, None
    when none came back; ``junit``: what that JUnit holds ("" when none); ``note``: what
    else came back, or why no JUnit did.
    """

    flow: str
    case: str
    verdict: str
    to_verdict: float
    to_junit: float | None
    junit: str = ""
    note: str = ""
    suite: float | None = None  # pytest's own seconds, from its last line in the log


HEADER = (
    "flow", "case", "verdict", "to verdict s", "to JUnit s", "JUnit back?", "pytest s", "runs s"
)  # fmt: skip
_PYTEST_END = re.compile(r"=+ [^=]* in (?P<seconds>[0-9.]+)s(?: \([0-9:]+\))? =+$")


def pytest_seconds(log: str) -> float | None:
    """The seconds pytest reported on its last line ("=== 9 passed in 6.81s ==="), so the
    table shows what of a flow's time the suite itself took; None when pytest never got
    there (an OOM kill). floe-test's live view prefixes the line with ``[shard N]``."""
    found = [m for m in map(_PYTEST_END.search, log.splitlines()) if m]
    return float(found[-1]["seconds"]) if found else None


def _seconds(values: Sequence[float | None]) -> str:
    if not values or any(v is None for v in values):
        return "none"
    return f"{statistics.median(v for v in values if v is not None):.1f}"


def _one(values: Iterable[str]) -> str:
    """The distinct values in first-seen order ("passed" or "passed / failed")."""
    return " / ".join(dict.fromkeys(v for v in values if v)) or "-"


def grouped(outcomes: Iterable[Outcome]) -> dict[tuple[str, str], list[Outcome]]:
    """Outcomes by (flow, case), in the order they were first run."""
    groups: dict[tuple[str, str], list[Outcome]] = {}
    for outcome in outcomes:
        groups.setdefault((outcome.flow, outcome.case), []).append(outcome)
    return groups


def rows(outcomes: Iterable[Outcome]) -> list[tuple[str, ...]]:
    """One row per flow and case: medians over repetitions, every run's seconds listed."""
    table: list[tuple[str, ...]] = []
    for (flow, case), runs in grouped(outcomes).items():
        back = [f"yes: {r.junit}" if r.to_junit is not None else "no" for r in runs]
        table.append(
            (
                flow,
                case,
                _one(r.verdict for r in runs),
                _seconds([r.to_verdict for r in runs]),
                _seconds([r.to_junit for r in runs]),
                _one(back),
                _seconds([r.suite for r in runs]),
                ", ".join(f"{r.to_verdict:.1f}" for r in runs),
            )
        )
    return table


def render(table: Sequence[Sequence[str]], header: Sequence[str] = HEADER) -> str:
    """A plain text table, columns as wide as their content (CI logs cut nothing)."""
    widths = [max(len(str(row[i])) for row in [header, *table]) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
             for row in [header, *table]]  # fmt: skip
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def notes(outcomes: Iterable[Outcome]) -> list[str]:
    """What else came back, per flow and case: each distinct note once, run numbers first
    when the runs differ (a run that failed for another cause shows up)."""
    lines = []
    for (flow, case), runs in grouped(outcomes).items():
        seen: dict[str, list[int]] = {}
        for number, run in enumerate(runs, 1):
            if run.note:
                seen.setdefault(run.note, []).append(number)
        for note, numbers in seen.items():
            which = "" if len(seen) == 1 else f" (run {', '.join(map(str, numbers))})"
            lines.append(f"{flow} / {case}{which}: {note}")
    return lines


@dataclass(frozen=True)
class Ratio:
    value: float
    fastest: str


def ratio(outcomes: Iterable[Outcome], flow: str, case: str) -> Ratio:
    """``flow``'s median seconds to verdict on ``case`` over the fastest other flow's (runs
    without a verdict left out)."""
    judged = (r for r in outcomes if r.verdict != NO_VERDICT)
    medians = {
        name: statistics.median(r.to_verdict for r in runs)
        for (name, kind), runs in grouped(judged).items()
        if kind == case
    }
    peers = {name: seconds for name, seconds in medians.items() if name != flow}
    if flow not in medians or not peers:
        raise ValueError(f"no {case} runs of {flow} and of a peer to compare")
    fastest = min(peers, key=lambda name: peers[name])
    return Ratio(medians[flow] / peers[fastest], fastest)


def always_back(outcomes: Iterable[Outcome]) -> dict[str, bool]:
    """Per flow: whether every one of its runs brought a JUnit back."""
    back: dict[str, bool] = {}
    for outcome in outcomes:
        back[outcome.flow] = back.get(outcome.flow, True) and outcome.to_junit is not None
    return back


def beyond_pytest(outcomes: Iterable[Outcome], case: str) -> dict[str, float]:
    """Per flow, the median seconds to verdict beyond pytest's own time on ``case``: what
    the flow itself costs (start-up, scheduling, the pod's start, reading the verdict), less
    at the mercy of a busy machine's pace for the suite. Flows without pytest's time left out."""
    spans: dict[str, list[float]] = {}
    for outcome in outcomes:
        if outcome.case == case and outcome.suite is not None:
            spans.setdefault(outcome.flow, []).append(outcome.to_verdict - outcome.suite)
    return {flow: statistics.median(values) for flow, values in spans.items()}
