"""Scheduled runs' records through an S3 bucket (moto's S3 server on loopback): the pod's
delivery, then `floe-test history pull` merging them into a local history without duplicates."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from floe_testing.history.deliver import deliver_scheduled
from floe_testing.history.store import History
from harness.paths import FLOE_TEST

ROOT = Path(__file__).resolve().parents[3]
BUCKET = "floe-results"
JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="shard-0" tests="2" failures="1" errors="0" skipped="0">
<testcase classname="t.test_soak" name="test_a" time="1.5"/>
<testcase classname="t.test_soak" name="test_b" time="2.5"><failure message="boom"/></testcase>
</testsuite></testsuites>
"""
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing-key-id",
    "AWS_SECRET_ACCESS_KEY": "testing-secret-value",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server._server.server_port}"
    httpx.post(f"{endpoint}/moto-api/reset")  # moto's state outlives a server in-process
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=BUCKET)
    monkeypatch.setenv("FLOE_HISTORY_S3_ENDPOINT", endpoint)
    yield endpoint
    server.stop()


def test_scheduled_pods_deliver_and_pull_merges_once(
    s3: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOE_HISTORY_S3_URL", f"s3://{BUCKET}/history")
    monkeypatch.setenv("FLOE_TEST_RUN_ID", "scheduled")
    monkeypatch.setenv("FLOE_TEST_TIER", "staging")
    for pod in (
        "floe-staging-tests-scheduled-2961-0-abcde",
        "floe-staging-tests-scheduled-2962-0-fghij",
    ):
        monkeypatch.setenv("HOSTNAME", pod)
        assert deliver_scheduled(JUNIT, 1, 4.0) == f"s3://{BUCKET}/history/scheduled-{pod}.json"

    history = tmp_path / "history"
    command = [FLOE_TEST, "history", "pull", "--from", f"s3://{BUCKET}/history",
               "--history", str(history), "--endpoint-url", s3]  # fmt: skip
    env = {**os.environ, "COLUMNS": "200"}
    first = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stderr
    assert "2 records, 2 new" in first.stdout + first.stderr
    assert FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"] not in first.stdout + first.stderr
    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert "2 records, 0 new" in again.stdout + again.stderr

    records = History(history).records()
    assert len(records) == 2
    record = records[0]
    assert record["kind"] == "run"
    assert record["backend"] == "cluster"
    assert record["exit_code"] == 1
    assert record["source"].startswith(f"s3://{BUCKET}/history/scheduled-")
    assert [t["outcome"] for t in record["tests"]] == ["passed", "failed"]
    json.dumps(records)  # plain JSON all the way


def test_runs_submitted_by_the_host_are_not_delivered(
    s3: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOE_HISTORY_S3_URL", f"s3://{BUCKET}/history")
    monkeypatch.setenv("FLOE_TEST_RUN_ID", "1a2b3c4d")  # the host records this one itself
    assert deliver_scheduled(JUNIT, 0, 1.0) is None
    listed = boto3.client("s3", endpoint_url=s3).list_objects_v2(Bucket=BUCKET)
    assert listed.get("KeyCount", 0) == 0


def test_a_bad_location_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [FLOE_TEST, "history", "pull", "--from", "http://nope", "--history", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "not an S3 location" in result.stderr + result.stdout


def test_pull_without_credentials_exits_2_before_any_request(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") and k != "FLOE_HISTORY_S3_ENDPOINT"
    }
    env.update(
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    history = tmp_path / "history"
    result = subprocess.run(
        [FLOE_TEST, "history", "pull", "--from", "s3://floe-results/history",
         "--history", str(history), "--endpoint-url", "http://127.0.0.1:9"],
        capture_output=True, text=True, env=env, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "no S3 credentials are set" in result.stderr
    assert "AWS_ACCESS_KEY_ID" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (history / "runs.jsonl").exists()
