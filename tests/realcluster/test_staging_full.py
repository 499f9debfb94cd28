"""The staging tier at the full profile on a real cluster, with a soak that survives a pod.

``floe-test run staging --profile full`` installs the chart with values-staging.yaml (every
store on a PersistentVolumeClaim, bound by ``scripts/k8s-local``'s storage add-on),
values-k8s-local.yaml (the local images, the catalog stand-in) and
values-k8s-local-staging.yaml (requests that fit a 2-core node; the stand-in's metastore on a
claim), and soaks: the suite (pipeline at scale, GraphQL and Cube query latency, back-to-back
runs) repeats as one Job per iteration. Once the first iteration is in the history, the test
deletes the S3 store's pod and the catalog's pod. Their controllers start new pods on the same
claims: every object and every table that existed before the deletion is there afterwards, a
later iteration passes, and the soak reports both replaced pods (by UID: a successor starts at
restartCount 0) and passes: a pod deleted, evicted or drained is the platform's weather, the
iterations after it say whether the platform recovered; a container restart (a crash, an OOM
kill) would be a finding that fails the soak (tests/unit/staging/test_soak_line.py).
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from floe_testing.core.polling import wait_for
from harness.platform_data import catalog_tables, pod_of, store_objects
from harness.realcluster import RealCluster, floe_test, kubectl, run_namespaces

PREFIX = "floe-test-staging-"
DELETED = ("seaweedfs", "polaris")  # the S3 store and the catalog (the contract's names)
FULL_SERVICES = {
    "dagster-webserver", "dagster-daemon", "dagster-user-code", "postgresql",
    "polaris", "seaweedfs", "cube",
}  # fmt: skip
REPUBLISHED = "/buckets/floe/cube/"  # the mart's Parquet hand-off, rewritten by every run
SOAK = "110s"  # a third iteration starts after the one the deletion may hit (~40 s each)


def _records(history: Path) -> list[dict[str, Any]]:
    runs = history / "runs.jsonl"
    if not runs.is_file():
        return []
    return [json.loads(line) for line in runs.read_text().splitlines() if line.strip()]


def _iterations(history: Path) -> list[dict[str, Any]]:
    return [r for r in _records(history) if r["kind"] == "soak-iteration"]


def test_full_profile_staging_soak_keeps_the_data_of_deleted_pods(
    full_profile: RealCluster, tmp_path: Path
) -> None:
    kc, history = full_profile.kubeconfig, tmp_path / "history"
    args = (
        "--profile", "full", *full_profile.install_args(),
        "--values", "values-k8s-local-staging.yaml",
        "--soak", SOAK, "--max-failures", "1", "--shards", "1", "--history", str(history),
    )  # fmt: skip
    with ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(floe_test, kc, tmp_path / "results", *args, tier="staging")
        wait_for(
            lambda: running.done() or bool(_iterations(history)),
            timeout=600,
            interval=1,
            description="the soak's first iteration in the history",
        )
        assert not running.done(), running.result().output
        (namespace,) = run_namespaces(kc, PREFIX)
        pods = {service: pod_of(kc, namespace, service) for service in DELETED}
        assert all(pods.values()), pods
        store_before = store_objects(kc, namespace, pods["seaweedfs"][0])  # type: ignore[index]
        tables_before = catalog_tables(kc, namespace, pods["polaris"][0])  # type: ignore[index]
        assert store_before, "the first iteration wrote nothing to the S3 store"
        assert tables_before, "the first iteration created no table in the catalog"
        names = [pod[0] for pod in pods.values() if pod]
        done = kubectl(kc, "-n", namespace, "delete", "pod", *names, "--wait=false")
        assert done.returncode == 0, done.stderr

        def replaced() -> dict[str, tuple[str, str]] | None:
            now = {service: pod_of(kc, namespace, service) for service in DELETED}
            fresh = all(now[s] and now[s][1] != pods[s][1] for s in DELETED)  # type: ignore[index]
            return {s: p for s, p in now.items() if p} if fresh else None

        new = wait_for(replaced, timeout=180, interval=1, description="the pods' successors")
        store_after = store_objects(kc, namespace, new["seaweedfs"][0])
        tables_after = catalog_tables(kc, namespace, new["polaris"][0])
        run = running.result()

    # every object is still there, unchanged, except the mart hand-off each iteration's
    # pipeline publishes again (present, but rewritten by the iteration after the deletion)
    lost = {
        path
        for path, digest in store_before.items()
        if path not in store_after
        or (store_after[path] != digest and not path.startswith(REPUBLISHED))
    }
    assert not lost, f"objects gone or changed after the store's pod was deleted: {sorted(lost)}"
    assert set(tables_before) <= set(tables_after), (tables_before, tables_after)
    iterations = _iterations(history)
    # how many iterations fit the soak depends on the machine's speed (2 on a slow 2-core VM);
    # the last one ran after the successors (replaced == 1 below) and passed: that is recovery
    assert len(iterations) >= 2, [r["exit_code"] for r in iterations]
    assert iterations[0]["exit_code"] == 0, iterations[0]["tests"]
    assert iterations[-1]["exit_code"] == 0, iterations[-1]["tests"]  # the platform recovered
    assert set(iterations[0]["resources"]) >= FULL_SERVICES, iterations[0]["resources"]
    for service in DELETED:
        assert iterations[-1]["resources"][service]["replaced"] == 1, iterations[-1]["resources"]
    measured = set(iterations[-1]["metrics"])
    assert {"cube_query_p95_seconds", "graphql_p95_seconds", "pipeline_seconds"} <= measured
    whole = [r for r in _records(history) if r["kind"] == "run"]
    assert [(r["backend"], r["profile"]) for r in whole] == [("cluster", "full")]
    assert run.exit_code == 0, run.output  # recovered: a replaced pod is reported, not failed
    assert "pods replaced during the soak (polaris 1, seaweedfs 1)" in run.output
    assert run_namespaces(kc, PREFIX) == []
