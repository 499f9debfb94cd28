"""The scheduled form of the staging tier: a CronJob around the very Job a run submits."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from floe_testing.config import load_project
from floe_testing.deploy.chart.schemas import schema_problems
from floe_testing.jobs.manifest import CHECKED_IN_NAMESPACE, JobSpec, job_manifest
from floe_testing.jobs.schedule import SCHEDULED_RUN_ID, scheduled_yaml
from floe_testing.plan import build_plan
from harness.paths import FLOE_TEST

ROOT = Path(__file__).resolve().parents[3]
CHECKED_IN = ROOT / "tests" / "staging" / "cronjob.yaml"
SCHEDULE = "*/5 * * * *"


def _run_plan(run_id: str = SCHEDULED_RUN_ID):  # type: ignore[no-untyped-def]
    """The plan `floe-test run staging --backend cluster` builds."""
    return build_plan(
        load_project(), "staging", backend="cluster", backend_reason="test", run_id=run_id
    )


def _docs(text: str) -> list[dict]:  # type: ignore[type-arg]
    return [d for d in yaml.safe_load_all(text) if d]


def test_checked_in_cronjob_matches_the_generator() -> None:
    generated = scheduled_yaml(JobSpec.from_plan(_run_plan(), CHECKED_IN_NAMESPACE), SCHEDULE)
    assert CHECKED_IN.read_text() == generated, (
        "tests/staging/cronjob.yaml drifted: regenerate with `floe-test manifest staging "
        f"--schedule '{SCHEDULE}' --output tests/staging/cronjob.yaml`"
    )


def test_cli_prints_the_checked_in_cronjob() -> None:
    printed = subprocess.run(
        [FLOE_TEST, "manifest", "staging", "--schedule", SCHEDULE],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert printed == CHECKED_IN.read_text()


def test_job_template_is_the_job_a_run_submits() -> None:
    cronjob = _docs(CHECKED_IN.read_text())[1]
    submitted = job_manifest(JobSpec.from_plan(_run_plan(), CHECKED_IN_NAMESPACE))
    assert cronjob["spec"]["jobTemplate"]["spec"] == submitted["spec"]
    # a run with its own id differs only in the run-id label and env value
    other = job_manifest(JobSpec.from_plan(_run_plan("abcd1234"), CHECKED_IN_NAMESPACE))
    pod, other_pod = (
        cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"],
        other["spec"]["template"]["spec"],
    )
    assert pod["securityContext"] == other_pod["securityContext"]
    assert pod["containers"][0]["command"] == other_pod["containers"][0]["command"]


def test_cronjob_forbids_overlap_keeps_history_and_stays_restricted() -> None:
    cronjob = _docs(CHECKED_IN.read_text())[1]
    spec = cronjob["spec"]
    assert spec["schedule"] == SCHEDULE
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["successfulJobsHistoryLimit"] >= 1
    assert spec["failedJobsHistoryLimit"] >= 1
    job = spec["jobTemplate"]["spec"]
    # no retries: a sharded Job limits each index (a Job-wide limit would stop the other shards)
    assert job.get("backoffLimitPerIndex", job.get("backoffLimit")) == 0
    pod = job["template"]["spec"]
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    container = pod["containers"][0]["securityContext"]
    assert container["allowPrivilegeEscalation"] is False
    assert container["readOnlyRootFilesystem"] is True
    assert container["capabilities"] == {"drop": ["ALL"]}
    env = {e["name"]: e.get("value") for e in pod["containers"][0]["env"]}
    assert env["FLOE_TEST_RUN_ID"] == SCHEDULED_RUN_ID
    assert env["FLOE_HISTORY_S3_URL"].startswith("s3://")


def test_cronjob_validates_against_kubernetes_1_34() -> None:
    assert schema_problems(_docs(CHECKED_IN.read_text()), "1.34.0") == []


def test_bad_schedule_is_a_usage_error() -> None:
    result = subprocess.run(
        [FLOE_TEST, "manifest", "staging", "--schedule", "every five minutes"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "not a cron schedule" in result.stderr + result.stdout
