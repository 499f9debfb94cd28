"""An OOM-killed test container is held until its log was read: the kernel killed pytest,
the runner framed what it had, and the run writes that before failing with the cause."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from floe_testing.config.labels import LABEL_RUN_ID
from floe_testing.core.ui import Ui
from floe_testing.jobs.classify import Settings
from floe_testing.jobs.monitor import INDEX_ANNOTATION, Failed, Monitor


def _monitor(tmp_path: Path) -> Monitor:
    monitor = Monitor(
        object(),  # type: ignore[arg-type]  # no call reaches the API: the shard is followed
        "ns",
        "job",
        "run",
        1,
        Ui(quiet=True),
        tmp_path,
        Settings(),
        60,
    )
    monitor.shards[0].pod, monitor.shards[0].started = "job-0-abc", True
    return monitor


def _runner_pod(terminated: dict[str, Any], status: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "kind": "Pod",
        "metadata": {
            "name": "job-0-abc",
            "uid": "u1",
            "labels": {LABEL_RUN_ID: "run"},
            "annotations": {INDEX_ANNOTATION: "0"},
        },
        "status": {
            "phase": "Failed",
            "containerStatuses": [
                {"name": "test-runner", "restartCount": 0, "state": {"terminated": terminated}}
            ],
            **(status or {}),
        },
    }


def test_an_oom_killed_test_container_is_held_until_its_log_is_read(tmp_path: Path) -> None:
    monitor = _monitor(tmp_path)
    pod = _runner_pod({"reason": "OOMKilled", "exitCode": 3})
    monitor._handle("Pod", ("MODIFIED", pod))
    monitor._check_graces()
    assert not monitor.shards[0].done
    monitor._handle("log-done", 0)
    assert monitor.shards[0].done
    assert monitor.shards[0].terminated == {"reason": "OOMKilled", "exitCode": 3}
    assert list(monitor.held) == [0]
    assert monitor.held[0].cause == "oom-killed"
    assert "job-0-abc was OOMKilled" in monitor.held[0].message


def test_other_causes_of_a_test_pod_still_end_the_run_at_once(tmp_path: Path) -> None:
    monitor = _monitor(tmp_path)
    evicted = _runner_pod(
        {"reason": "Error", "exitCode": 137}, {"reason": "Evicted", "message": "low on memory"}
    )
    with pytest.raises(Failed) as raised:
        monitor._handle("Pod", ("MODIFIED", evicted))
    assert raised.value.cause == "evicted"
    assert monitor.held == {}
