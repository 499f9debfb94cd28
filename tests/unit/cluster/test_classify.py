"""Fail-fast rules: each infrastructure cause is recognised, and healthy states are not."""

from __future__ import annotations

from typing import Any

import pytest

from floe_testing.cluster.classify import Settings, job_finished, job_problem, pod_problem
from floe_testing.labels import LABEL_RUN_ID

SETTINGS = Settings()


def _pod(status: dict[str, Any], runner: bool = True) -> dict[str, Any]:
    labels = {LABEL_RUN_ID: "r1"} if runner else {"app": "dagster"}
    return {"metadata": {"name": "p", "labels": labels}, "status": status}


def _waiting(reason: str, **extra: Any) -> dict[str, Any]:
    return {
        "containerStatuses": [
            {
                "name": "c",
                "image": "img:1",
                "restartCount": 0,
                "state": {"waiting": {"reason": reason, "message": "m"}},
                **extra,
            }
        ]
    }


@pytest.mark.parametrize(
    ("status", "cause", "grace"),
    [
        (_waiting("ImagePullBackOff"), "image-pull", 0),
        (_waiting("InvalidImageName"), "image-pull", 0),
        (_waiting("ErrImagePull"), "image-pull", SETTINGS.transient_grace),
        (_waiting("CreateContainerConfigError"), "container-config", SETTINGS.transient_grace),
        (_waiting("CrashLoopBackOff", restartCount=1), "restarts", 0),
        (
            {
                "containerStatuses": [
                    {
                        "name": "c",
                        "restartCount": 0,
                        "state": {"terminated": {"reason": "OOMKilled", "exitCode": 137}},
                    }
                ]
            },
            "oom-killed",
            0,
        ),
        ({"phase": "Failed", "reason": "Evicted", "message": "low on memory"}, "evicted", 0),
        (
            {
                "conditions": [
                    {
                        "type": "PodScheduled",
                        "status": "False",
                        "reason": "Unschedulable",
                        "message": "0/1 nodes",
                    }
                ]
            },
            "unschedulable",
            SETTINGS.unschedulable_grace,
        ),
    ],
)
def test_runner_pod_problems(status: dict[str, Any], cause: str, grace: float) -> None:
    problem = pod_problem(_pod(status), "r1", SETTINGS)
    assert problem is not None
    assert (problem.cause, problem.grace) == (cause, grace)
    assert problem.hint


@pytest.mark.parametrize(
    "status",
    [
        {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "True"}]},
        _waiting("ContainerCreating"),
        {"containerStatuses": [{"name": "c", "restartCount": 0, "state": {"running": {}}}]},
        {
            "containerStatuses": [
                {
                    "name": "c",
                    "restartCount": 0,
                    "state": {"terminated": {"reason": "Completed", "exitCode": 0}},
                }
            ]
        },
    ],
)
def test_healthy_states_are_not_problems(status: dict[str, Any]) -> None:
    assert pod_problem(_pod(status), "r1", SETTINGS) is None


def test_platform_pods_count_only_for_crash_loops() -> None:
    assert pod_problem(_pod(_waiting("ImagePullBackOff"), runner=False), "r1", SETTINGS) is None
    looping = _waiting("Running", restartCount=SETTINGS.restart_limit)
    problem = pod_problem(_pod(looping, runner=False), "r1", SETTINGS)
    assert problem is not None
    assert problem.cause == "restarts"


def test_job_conditions_new_and_classic() -> None:
    def job(*conditions: tuple[str, str]) -> dict[str, Any]:
        return {
            "status": {
                "conditions": [{"type": t, "status": "True", "reason": r} for t, r in conditions]
            }
        }

    assert job_finished(job(("SuccessCriteriaMet", "CompletionsReached"))) == "succeeded"
    assert job_finished(job(("Complete", ""))) == "succeeded"
    assert job_finished(job(("FailureTarget", "DeadlineExceeded"))) == "failed"
    assert job_finished(job(("Failed", "BackoffLimitExceeded"))) == "failed"
    assert job_finished({"status": {}}) is None
    deadline = job_problem(job(("FailureTarget", "DeadlineExceeded")), 600)
    assert deadline is not None
    assert deadline.cause == "deadline"
    assert "600s" in deadline.message
    failed = job_problem(job(("Failed", "BackoffLimitExceeded")), 600)
    assert failed is not None
    assert failed.cause == "job-failed"


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOE_TEST_UNSCHEDULABLE_GRACE", "2.5")
    assert Settings.from_env().unschedulable_grace == 2.5
