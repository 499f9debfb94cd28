"""The e2e tier through the cluster backend on a real cluster: the full profile installed in a
fresh restricted namespace from images built here (Iceberg's REST catalog server behind the
polaris Service), the e2e suite as a Job through the contract only, JUnit back, everything
deleted; one shard and two. Every scenario passes; only the polaris_only tests are left out,
and the run says why."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from junitparser import JUnitXml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.realcluster import PodRecorder, RealCluster, floe_test, run_namespaces

TIER = "e2e"
E2E_TESTS = 18  # tests/e2e without the 2 polaris_only ones
STAND_IN = "deselected 2 test(s): the catalog is Iceberg's REST catalog server"


def _totals(junit: Path) -> tuple[int, int, int]:
    suites = list(JUnitXml.fromfile(str(junit)))
    tests = sum(int(s.tests or 0) for s in suites)
    bad = sum(int(s.failures or 0) + int(s.errors or 0) for s in suites)
    skipped = sum(int(s.skipped or 0) for s in suites)
    return tests, bad, skipped


@pytest.mark.parametrize("shards", [1, 2])
def test_e2e_tier_passes_on_the_real_cluster(
    full_profile: RealCluster, tmp_path: Path, shards: int
) -> None:
    with PodRecorder(full_profile.kubeconfig) as pods:
        run = floe_test(
            full_profile.kubeconfig,
            tmp_path,
            *full_profile.install_args(),
            "--shards",
            str(shards),
            tier=TIER,
            timeout=1500,
        )
    assert run.exit_code == 0, run.output[-4000:]
    assert _totals(run.junit) == (E2E_TESTS, 0, 0)  # every scenario ran and passed
    assert "the tests marked polaris_only do not run here" in run.output  # said on the host
    shard_logs = [(run.folder / "logs" / f"shard-{i}.log").read_text() for i in range(shards)]
    assert all(STAND_IN in log for log in shard_logs)  # and in each pod's pytest output
    namespace = f"floe-test-{TIER}-{run.summary()['run_id']}"  # the cluster is shared
    ours = {name: seen for name, seen in pods.pods.items() if seen.namespace == namespace}
    assert len(ours) == shards, pods.pods
    for name, seen in ours.items():
        assert seen.exit_codes == {0}, name
        assert all(cid.startswith("containerd://") for cid in seen.container_ids), seen
        labels = pods.namespace_labels[seen.namespace]
        assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    assert namespace not in run_namespaces(full_profile.kubeconfig, f"floe-test-{TIER}-")
    phases = run.summary()["timings_seconds"]
    assert set(phases) >= {"start platform", "run tests", "collect", "teardown"}
