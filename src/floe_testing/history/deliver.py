"""The in-pod end of a scheduled run's history: its record goes to the S3 results bucket.

A CronJob's pods have no host to report to: when the run id is ``scheduled`` (what
``floe-test manifest --schedule`` gives the Job template) and ``FLOE_HISTORY_S3_URL`` is set
(the staging tier's env), the runner builds this shard's record from its JUnit and puts it
at ``<url>/scheduled-<pod name>.json``. Runs submitted by ``floe-test run`` are recorded by
the host instead (``--history``), so they are never counted twice. A delivery failure is
printed and never fails the pod: its results still travel through the log.
"""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

from floe_testing.config.models import SCHEDULED_BACKEND
from floe_testing.history import record
from floe_testing.history.s3 import URL_ENV, deliver
from floe_testing.report.cases import read_cases

SCHEDULED_RUN_ID = "scheduled"
TIER_ENV = "FLOE_TEST_TIER"  # set by the Job manifest on every test pod


def _verdict(status: int, cases_failed: bool) -> tuple[int, str]:
    if status == 0 and not cases_failed:
        return 0, "all tests passed"
    if status in (1, 2) or cases_failed:
        return 1, "tests failed"
    return 3, f"pytest ended with status {status}"


def scheduled_record(junit_xml: str, status: int, seconds: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "junit.xml"
        path.write_text(junit_xml, encoding="utf-8")
        cases = read_cases(path)
    exit_code, verdict = _verdict(status, any(c.outcome in ("failed", "error") for c in cases))
    pod = os.environ.get("HOSTNAME") or socket.gethostname()
    settings = {k: v for k, v in os.environ.items() if k.startswith("FLOE_STAGING_")}
    tier = os.environ.get(TIER_ENV)
    if not tier:
        raise ValueError(f"{TIER_ENV} is not set (floe-test's Job manifests set it on every pod)")
    context = record.context_of(
        tier=tier,
        backend=SCHEDULED_BACKEND,
        profile=os.environ.get("FLOE_TEST_PROFILE"),
        settings=settings,
        root=Path.cwd(),
    )
    entry = record.build(
        run_id=f"{SCHEDULED_RUN_ID}-{pod}",
        kind="run",
        context=context,
        verdict=verdict,
        exit_code=exit_code,
        message="scheduled in-cluster run",
        started_at=record.now(),
        duration=seconds,
        cases=cases,
        phases={"run tests": seconds},
    )
    return entry


def deliver_scheduled(junit_xml: str, status: int, seconds: float) -> str | None:
    """Deliver this pod's record when it belongs to a scheduled run; the URL, else None."""
    url = os.environ.get(URL_ENV)
    if os.environ.get("FLOE_TEST_RUN_ID") != SCHEDULED_RUN_ID or not url:
        return None
    try:
        where = deliver(scheduled_record(junit_xml, status, seconds), url)
    except Exception as exc:  # never fail the pod over its history
        print(f"floe-test: history record not delivered: {exc}", flush=True)
        return None
    print(f"floe-test: history record delivered to {where}", flush=True)
    return where
