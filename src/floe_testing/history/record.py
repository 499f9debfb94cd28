"""One history record: what a run (or one soak iteration) did, as one JSON object.

Fields (schema 1; every record has all of them, ``null`` when not applicable):

- ``schema`` (int), ``record_id`` (str, unique: the run id, ``<run id>-i<N>`` per iteration)
- ``kind``: ``run`` (a whole run, soak or not) or ``soak-iteration``
- ``run_id``, ``iteration`` (1-based, iterations only), ``started_at``, ``finished_at``
  (ISO 8601 UTC), ``duration_seconds``
- ``tier``, ``backend``, ``profile``, ``scale`` (the demo data scale), ``git_revision``,
  ``git_dirty``, ``host``, ``source`` (``local`` or the ``s3://`` URL it was pulled from)
- ``verdict``, ``exit_code`` (0 pass, 1 failed, 2 usage, 3 infrastructure, 130 interrupted),
  ``message``
- ``totals``: ``tests``, ``passed``, ``failures``, ``errors``, ``skipped``
- ``phases``: seconds per phase (``start platform``, ``run tests``, ``collect``, ``teardown``)
- ``tests``: list of ``name``, ``outcome`` (passed/failed/error/skipped), ``seconds``,
  ``message`` (failures and skips only)
- ``metrics``: what the performance tests measured (e.g. ``pipeline_seconds``,
  ``rows_per_second``, ``graphql_p95_seconds``)
- ``baseline``: the baseline those metrics were compared with (median of recent green runs)
- ``resources``: per service ``rss_bytes`` (local backend) or ``memory_bytes`` and
  ``restarts`` (cluster), sampled after the iteration; ``drift``: drift findings of a soak
- ``settings``: the tier's env and ``--env`` values (never secrets: those are refused)
"""

from __future__ import annotations

import os
import socket
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from floe_testing.report.cases import Case

SCHEMA = 1
SCALE_SETTING = "FLOE_STAGING_SCALE"
REVISION_ENV = "FLOE_TEST_GIT_REVISION"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def git_revision(root: Path) -> tuple[str | None, bool | None]:
    """HEAD and whether the work tree has changes; ``FLOE_TEST_GIT_REVISION`` in images."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10
        )
        if head.returncode != 0:
            raise OSError(head.stderr)
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root, capture_output=True, text=True, timeout=10,
        )  # fmt: skip
        return head.stdout.strip(), bool(status.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return os.environ.get(REVISION_ENV) or None, None


def scale_of(settings: dict[str, str]) -> int:
    try:
        return max(1, int(settings.get(SCALE_SETTING, "1")))
    except ValueError:
        return 1


def metrics_of(cases: list[Case]) -> dict[str, float]:
    merged: dict[str, float] = {}
    for case in cases:
        merged.update(case.metrics)
    return merged


def tests_of(cases: list[Case]) -> list[dict[str, Any]]:
    return [
        {
            "name": c.name,
            "outcome": c.outcome,
            "seconds": c.seconds,
            "message": c.message if c.outcome != "passed" else "",
        }
        for c in cases
    ]


def totals_of(cases: list[Case]) -> dict[str, int]:
    count = {o: sum(1 for c in cases if c.outcome == o) for o in ("failed", "error", "skipped")}
    return {
        "tests": len(cases),
        "passed": len(cases) - sum(count.values()),
        "failures": count["failed"],
        "errors": count["error"],
        "skipped": count["skipped"],
    }


def build(
    *,
    run_id: str,
    kind: str,
    context: dict[str, Any],
    verdict: str,
    exit_code: int,
    message: str,
    started_at: str,
    duration: float,
    cases: list[Case],
    phases: dict[str, float] | None = None,
    iteration: int | None = None,
    resources: dict[str, dict[str, float]] | None = None,
    drift: list[str] | None = None,
) -> dict[str, Any]:
    """A complete record; ``context`` carries the run's constant fields (see ``context_of``)."""
    return {
        "schema": SCHEMA,
        "record_id": run_id if iteration is None else f"{run_id}-i{iteration:03d}",
        "kind": kind,
        "run_id": run_id,
        "iteration": iteration,
        "started_at": started_at,
        "finished_at": now(),
        "duration_seconds": round(duration, 3),
        **context,
        "verdict": verdict,
        "exit_code": exit_code,
        "message": message,
        "totals": totals_of(cases),
        "phases": {k: round(v, 3) for k, v in (phases or {}).items()},
        "tests": tests_of(cases),
        "metrics": metrics_of(cases),
        "resources": resources or {},
        "drift": drift or [],
    }


def context_of(
    *,
    tier: str,
    backend: str,
    profile: str | None,
    settings: dict[str, str],
    root: Path,
    baseline: dict[str, float] | None = None,
) -> dict[str, Any]:
    revision, dirty = git_revision(root)
    return {
        "tier": tier,
        "backend": backend,
        "profile": profile,
        "scale": scale_of(settings),
        "git_revision": revision,
        "git_dirty": dirty,
        "host": socket.gethostname(),
        "source": "local",
        "settings": settings,
        "baseline": baseline or {},
    }
