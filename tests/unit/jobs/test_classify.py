"""Fail-fast rules: each infrastructure cause is recognised, and healthy states are not."""

from __future__ import annotations

from typing import Any

import pytest

from floe_testing.config.labels import LABEL_RUN_ID
from floe_testing.jobs.classify import Judge, Settings, job_finished, job_problem, pod_problem

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


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _platform(waiting: str | None = None, restarts: int = 0, **status: Any) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": "c",
        "image": "i",
        "restartCount": restarts,
        "state": {"waiting": {"reason": waiting}} if waiting else {"running": {}},
    }
    meta = {"name": "dagster-0", "uid": "u-1", "labels": {"app": "dagster"}}
    return {"metadata": meta, "status": {"containerStatuses": [container], **status}}


def test_one_judge_applies_graces_for_the_monitor_and_for_readiness() -> None:
    for run_id, pod in (("r1", _pod(_waiting("ErrImagePull"))), (None, _platform("ErrImagePull"))):
        clock = Clock()
        judge = Judge(SETTINGS, run_id, clock=clock)
        assert judge.fatal(pod) is None  # within the grace: the kubelet retries
        clock.now = SETTINGS.transient_grace
        found = judge.fatal(pod)
        assert found is not None
        assert found.cause == "image-pull"


def test_a_recovered_pod_starts_a_fresh_grace() -> None:
    clock = Clock()
    judge = Judge(SETTINGS, clock=clock)
    assert judge.fatal(_platform("ErrImagePull")) is None
    clock.now = 2.0
    assert judge.fatal(_platform()) is None  # pulled after all
    clock.now = 4.0
    assert judge.fatal(_platform("ErrImagePull")) is None


@pytest.mark.parametrize(
    ("pod", "cause"),
    [
        (_platform("InvalidImageName"), "image-pull"),
        (_platform("CrashLoopBackOff", restarts=1), "restarts"),
        (_platform(restarts=3), "restarts"),
        (_platform(reason="Evicted", phase="Failed"), "evicted"),
        (_platform(phase="Failed", message="bootstrap failed"), "pod-failed"),
    ],
)
def test_readiness_view_judges_every_pod_as_a_platform_pod(pod: dict[str, Any], cause: str) -> None:
    found = Judge(SETTINGS).fatal(pod)
    assert found is not None
    assert found.cause == cause
    assert "platform pod dagster-0" in found.message


def test_a_test_pods_failed_phase_is_a_verdict_not_a_problem() -> None:
    failed = _pod({"phase": "Failed", "containerStatuses": []})
    assert Judge(SETTINGS, "r1").fatal(failed) is None


def test_a_long_lived_namespaces_history_is_ignored() -> None:
    old_failed = {**_platform(phase="Failed"), "metadata": {"name": "old", "uid": "u-old"}}
    evicted = {
        **_platform(reason="Evicted", phase="Failed"),
        "metadata": {"name": "ev", "uid": "u-ev"},
    }
    restarted = _platform(restarts=7)
    restarted["status"]["containerStatuses"][0]["lastState"] = {
        "terminated": {"reason": "OOMKilled", "exitCode": 137}
    }
    judge = Judge(SETTINGS)
    judge.remember([old_failed, evicted, restarted])
    for pod in (old_failed, evicted, restarted):
        assert judge.fatal(pod) is None, pod["metadata"]["name"]
    # what happens during the run still counts: three more restarts
    restarted["status"]["containerStatuses"][0]["restartCount"] = 10
    found = judge.fatal(restarted)
    assert found is not None
    assert "restarted 3 times" in found.message
    # and a new pod's OOM kill from this run is fatal
    fresh = _platform()
    fresh["metadata"] = {"name": "new", "uid": "u-new"}
    fresh["status"]["containerStatuses"][0]["lastState"] = {"terminated": {"reason": "OOMKilled"}}
    found = judge.fatal(fresh)
    assert found is not None
    assert found.cause == "oom-killed"
