"""Replaced platform pods seen by UID: a deleted pod's successor starts at restartCount 0."""

from __future__ import annotations

from typing import Any

from floe_testing.backends.cluster.replacements import PodReplacements
from floe_testing.backends.cluster.resources import add_replaced, restarts


def _pod(service: str, uid: str, *, job: bool = False, component: str = "") -> dict[str, Any]:
    labels = {"app.kubernetes.io/name": service}
    if component:
        labels["app.kubernetes.io/component"] = component
    owners = [{"kind": "Job", "name": "x"}] if job else [{"kind": "StatefulSet", "name": service}]
    return {
        "metadata": {
            "name": f"{service}-0",
            "uid": uid,
            "labels": labels,
            "ownerReferences": owners,
        }
    }


def test_the_first_look_counts_nothing_replaced() -> None:
    seen = PodReplacements()
    assert seen.observe([_pod("seaweedfs", "a"), _pod("polaris", "b")]) == {
        "seaweedfs": 0.0,
        "polaris": 0.0,
    }


def test_a_pod_with_the_same_name_and_a_new_uid_is_one_replacement() -> None:
    seen = PodReplacements()
    seen.observe([_pod("seaweedfs", "a"), _pod("polaris", "b")])
    assert seen.observe([_pod("seaweedfs", "a2"), _pod("polaris", "b")]) == {
        "seaweedfs": 1.0,
        "polaris": 0.0,
    }
    # replaced again: both gone UIDs count, the current one does not
    assert seen.observe([_pod("seaweedfs", "a3"), _pod("polaris", "b")])["seaweedfs"] == 2.0


def test_a_service_without_a_pod_right_now_still_shows_its_gone_pod() -> None:
    seen = PodReplacements()
    seen.observe([_pod("polaris", "b")])
    assert seen.observe([]) == {"polaris": 1.0}


def test_job_pods_and_test_runners_are_left_out() -> None:
    seen = PodReplacements()
    seen.observe(
        [_pod("bootstrap", "j", job=True), _pod("floe-test", "r", component="test-runner")]
    )
    assert seen.observe([]) == {}


def test_replaced_joins_the_restart_counts() -> None:
    pod = _pod("seaweedfs", "a2")
    pod["status"] = {"containerStatuses": [{"restartCount": 0}]}
    usage = restarts([pod])
    add_replaced(usage, {"seaweedfs": 1.0, "polaris": 1.0})
    assert usage == {
        "seaweedfs": {"restarts": 0.0, "replaced": 1.0},
        "polaris": {"restarts": 0.0, "replaced": 1.0},
    }
