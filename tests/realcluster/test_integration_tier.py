"""The integration tier through the cluster backend on a real cluster: the chart installed
with locally built images, the suite as a Job in a fresh restricted namespace, its pods in
containerd, JUnit back, everything deleted; then two shards balanced by recorded durations."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from junitparser import JUnitXml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.realcluster import PodRecorder, RealCluster, Run, floe_test, manifest, run_namespaces

MIN_TESTS = 9


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("integration-results")


def _totals(junit: Path) -> tuple[int, int]:
    suites = list(JUnitXml.fromfile(str(junit)))
    tests = sum(int(s.tests or 0) for s in suites)
    bad = sum(int(s.failures or 0) + int(s.errors or 0) for s in suites)
    return tests, bad


def _assert_ran_in_containerd_under_restricted(pods: PodRecorder, expected: int) -> None:
    # only this tier's pods: an earlier test's namespace may still be terminating (deleted
    # without waiting), and its pods' last updates reach the recorder too
    ours = {
        name: seen
        for name, seen in pods.pods.items()
        if seen.namespace.startswith("floe-test-integration-")
    }
    assert len(ours) == expected, pods.pods
    for name, seen in ours.items():
        assert seen.container_ids, name
        assert all(cid.startswith("containerd://") for cid in seen.container_ids), seen
        labels = pods.namespace_labels[seen.namespace]
        assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
        assert seen.namespace.startswith("floe-test-integration-")


def _assert_all_deleted(cluster: RealCluster, run: Run) -> None:
    assert run_namespaces(cluster.kubeconfig) == [], "a finished run left its namespace"


def test_integration_tier_passes_on_the_real_cluster(
    real_cluster: RealCluster, results: Path
) -> None:
    with PodRecorder(real_cluster.kubeconfig) as pods:
        run = floe_test(real_cluster.kubeconfig, results, *real_cluster.install_args())
    assert run.exit_code == 0, run.output
    tests, bad = _totals(run.junit)
    assert tests >= MIN_TESTS
    assert bad == 0
    _assert_ran_in_containerd_under_restricted(pods, 1)
    _assert_all_deleted(real_cluster, run)
    timings = run.summary()["timings_seconds"]
    assert set(timings) >= {"start platform", "run tests", "collect", "teardown"}
    recorded = json.loads((run.folder / "durations.json").read_text())
    assert len(recorded) >= MIN_TESTS  # what the sharded run below balances with


def test_two_shards_pass_balanced_by_the_recorded_durations(
    real_cluster: RealCluster, results: Path
) -> None:
    recorded_file = results / "integration" / "durations.json"
    if not recorded_file.is_file():
        pytest.skip("needs the durations the unsharded run recorded (run the module)")
    recorded = json.loads(recorded_file.read_text())
    # what the run below submits, from the same results folder: the durations are in the Job
    job = manifest(results, "--shards", "2")[-1]
    env = {
        e["name"]: e.get("value") for e in job["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert json.loads(env["FLOE_TEST_DURATIONS"]).keys() == recorded.keys()
    assert job["spec"]["backoffLimitPerIndex"] == 0

    with PodRecorder(real_cluster.kubeconfig) as pods:
        run = floe_test(
            real_cluster.kubeconfig, results, *real_cluster.install_args(), "--shards", "2"
        )
    assert run.exit_code == 0, run.output
    tests, bad = _totals(run.junit)
    assert tests >= MIN_TESTS
    assert bad == 0
    shard_tests = [_totals(run.folder / "shards" / f"junit-{i}.xml")[0] for i in range(2)]
    assert all(count > 0 for count in shard_tests), shard_tests
    _assert_ran_in_containerd_under_restricted(pods, 2)
    _assert_all_deleted(real_cluster, run)
