"""Tier settings reach the Job (tier env, then --env), validated, never echoing a value."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from floe_testing.config import load_project
from floe_testing.config import settings as tier_env
from floe_testing.core.errors import UsageError
from floe_testing.jobs.manifest import JobSpec, job_manifest
from floe_testing.plan import build_plan
from harness.paths import FLOE_TEST

ROOT = Path(__file__).resolve().parents[3]


def _env_of(settings: dict[str, str]) -> dict[str, str]:
    plan = build_plan(
        load_project(), "staging", backend="cluster", backend_reason="t", env=settings
    )
    job = job_manifest(JobSpec.from_plan(plan, "ns"))
    return {
        e["name"]: e.get("value", "")
        for e in job["spec"]["template"]["spec"]["containers"][0]["env"]
    }


def test_tier_env_and_cli_env_reach_the_job_and_cli_wins() -> None:
    env = _env_of({"FLOE_STAGING_SCALE": "100", "MY_KNOB": "x"})
    assert env["FLOE_STAGING_SCALE"] == "100"  # the tier says 1; --env wins
    assert env["MY_KNOB"] == "x"
    assert env["FLOE_PERF_TOLERANCE"] == "1.0"  # from the tier


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("NOEQUALS", "expected KEY=VALUE"),
        ("lower=some-value", "not an environment variable name"),
        ("DB_PASSWORD=hunter2", "looks like a credential"),
        ("FLOE_TEST_TIER=other-tier", "set by floe-test itself"),
        ("DAGSTER_HOST=evil", "set by floe-test itself"),
    ],
)
def test_bad_settings_are_refused_without_echoing_values(raw: str, problem: str) -> None:
    with pytest.raises(UsageError) as info:
        _env_of(tier_env.parse_options([raw]))
    assert problem in str(info.value)
    value = raw.partition("=")[2]
    if value:
        assert value not in str(info.value)


def test_run_refuses_a_secret_before_starting_anything() -> None:
    result = subprocess.run(
        [FLOE_TEST, "run", "staging", "--backend", "local", "--env", "API_TOKEN=s3cr3t-value"],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "looks like a credential" in result.stderr + result.stdout
    assert "s3cr3t-value" not in result.stderr + result.stdout


def test_staging_on_local_uses_the_minimal_profile() -> None:
    plan = build_plan(load_project(), "staging", backend="local", backend_reason="t")
    assert plan.profile is not None
    assert plan.profile.name == "minimal"
    assert plan.shards == 1
    cluster = build_plan(load_project(), "staging", backend="cluster", backend_reason="t")
    assert cluster.profile is not None
    assert cluster.profile.name == "full"
