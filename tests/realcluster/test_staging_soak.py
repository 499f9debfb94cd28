"""The staging tier's soak on a real cluster: one platform installed, the suite repeated as
one Job per iteration until the duration ends, every iteration in the history with the
platform's restarts (pod status) and memory (the metrics API: ``scripts/k8s-local`` runs
metrics-server) sampled, and nothing left behind.

The minimal profile (all the staging suite uses) with ``values-k8s-local.yaml``: the staging
values' claims bind on the cluster's storage add-on (tests/realcluster/test_storage.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from floe_testing.core.polling import wait_for
from harness.realcluster import RealCluster, floe_test, kubectl, run_namespaces

PLATFORM_SERVICES = {"dagster-webserver", "dagster-daemon", "dagster-user-code", "postgresql"}


def test_a_soak_repeats_the_suite_as_jobs_and_records_every_iteration(
    real_cluster: RealCluster, tmp_path: Path
) -> None:
    def metrics_api() -> bool:
        got = kubectl(
            real_cluster.kubeconfig,
            "get",
            "apiservice",
            "v1beta1.metrics.k8s.io",
            "-o",
            "jsonpath={.status.conditions[?(@.type=='Available')].status}",
        )
        return got.stdout.strip() == "True"

    wait_for(metrics_api, timeout=120, interval=2, description="the metrics API to be available")
    history = tmp_path / "history"
    run = floe_test(
        real_cluster.kubeconfig,
        tmp_path / "results",
        "--profile",
        "minimal",
        *real_cluster.install_args(),
        "--soak",
        "45s",
        "--shards",
        "1",
        "--history",
        str(history),
        tier="staging",
        timeout=900,
    )
    assert run.exit_code == 0, run.output
    records = [json.loads(line) for line in (history / "runs.jsonl").read_text().splitlines()]
    iterations = [r for r in records if r["kind"] == "soak-iteration"]
    whole = [r for r in records if r["kind"] == "run"]
    assert len(iterations) >= 2, [r["record_id"] for r in records]
    assert len(whole) == 1
    assert whole[0]["backend"] == "cluster"
    assert whole[0]["profile"] == "minimal"
    for iteration in iterations:
        assert iteration["exit_code"] == 0, iteration["tests"]
        assert iteration["totals"]["tests"] >= 3, iteration["totals"]
        assert set(iteration["resources"]) == PLATFORM_SERVICES, iteration["resources"]
        assert all(v["restarts"] == 0 for v in iteration["resources"].values())
    last = iterations[-1]["resources"]
    assert all(v.get("memory_bytes", 0) > 0 for v in last.values()), last
    assert f"soak: {len(iterations)} iterations, no drift" in run.output
    assert "memory not measured" not in run.output
    assert run_namespaces(real_cluster.kubeconfig, "floe-test-staging-") == []
