"""The one Job generator: schema-valid, restricted, sharded, and the checked-in files in sync."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from typer.testing import CliRunner

from floe_testing.cli.app import app
from floe_testing.config import load_project
from floe_testing.config.labels import LABEL_RUN_ID, RUNNER_UID
from floe_testing.jobs.manifest import (
    JobSpec,
    checked_in_yaml,
    job_manifest,
    namespace_name,
    run_manifests,
)

PROJECT = load_project()
VERSIONS = ["1.29.0", kubernetes_validate.latest_version()]


def _spec(tier: str = "integration", shards: int = 1, **extra: Any) -> JobSpec:
    base = JobSpec.checked_in(PROJECT, tier)
    fields = {
        **base.__dict__,
        "shards": shards,
        "run_id": "abc123",
        "namespace": "floe-test-x",
        "job_name": "floe-integration-tests-abc123",
        **extra,
    }
    return JobSpec(**fields)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize(("tier", "shards"), [("integration", 1), ("integration", 3), ("e2e", 2)])
def test_every_generated_manifest_validates(version: str, tier: str, shards: int) -> None:
    for doc in run_manifests(_spec(tier, shards), create_namespace=True):
        kubernetes_validate.validate(doc, version, strict=True)


@pytest.mark.parametrize("tier", ["integration", "e2e"])
def test_checked_in_files_match_the_generator(tier: str) -> None:
    path = PROJECT.root / "tests" / tier / "test-job.yaml"
    assert path.read_text() == checked_in_yaml(PROJECT, tier), (
        f"{path} drifted: regenerate with `floe-test manifest {tier} --checked-in --output {path}`"
    )
    for doc in yaml.safe_load_all(path.read_text()):
        for version in VERSIONS:
            kubernetes_validate.validate(doc, version, strict=True)


def test_seed_semantics_and_restricted_security() -> None:
    job = job_manifest(_spec())
    spec = job["spec"]
    assert (spec["backoffLimit"], spec["ttlSecondsAfterFinished"]) == (0, 3600)
    assert spec["activeDeadlineSeconds"] == PROJECT.config.tiers["integration"].timeout
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == RUNNER_UID
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    container = pod["containers"][0]
    security = container["securityContext"]
    assert security["allowPrivilegeEscalation"] is False
    assert security["readOnlyRootFilesystem"] is True
    assert security["capabilities"] == {"drop": ["ALL"]}
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert mounts == {"/results", "/tmp"}
    assert container["resources"]["limits"]["memory"] == "1Gi"
    assert job["metadata"]["labels"][LABEL_RUN_ID] == "abc123"


def test_command_names_no_absolute_image_path() -> None:
    container = job_manifest(_spec())["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["python", "-m", "floe_testing.runner.pod_runner"]
    absolute = [a for a in container["args"] if a.startswith("/")]
    assert absolute == ["/results"]  # the emptyDir mount, not a path inside the image


def test_shards_make_an_indexed_job() -> None:
    spec = job_manifest(_spec(shards=3))["spec"]
    assert (spec["completionMode"], spec["completions"], spec["parallelism"]) == ("Indexed", 3, 3)
    assert "completionMode" not in job_manifest(_spec(shards=1))["spec"]


def test_env_comes_from_the_contract_with_cluster_dns_and_secret_refs() -> None:
    env = job_manifest(_spec("e2e"))["spec"]["template"]["spec"]["containers"][0]["env"]
    values = {e["name"]: e.get("value") for e in env}
    assert values["DAGSTER_HOST"] == "dagster-webserver.floe-test-x.svc.cluster.local"
    assert values["POLARIS_PORT"] == "8181"
    refs = {e["name"]: e["valueFrom"] for e in env if "valueFrom" in e}
    assert refs["POLARIS_CLIENT_SECRET"] == {
        "secretKeyRef": {"name": "polaris-credentials", "key": "client-secret"}
    }


def test_catalog_settings_come_from_the_charts_config_map_and_may_be_absent() -> None:
    env = job_manifest(_spec("e2e"))["spec"]["template"]["spec"]["containers"][0]["env"]
    refs = {e["name"]: e["valueFrom"] for e in env if "valueFrom" in e}
    for name, key in (
        ("POLARIS_API_PATH", "api-path"),
        ("FLOE_TEST_CATALOG_AUTH", "auth"),
        ("FLOE_CATALOG_IMPLEMENTATION", "implementation"),
    ):
        assert refs[name] == {
            "configMapKeyRef": {"name": "catalog-client", "key": key, "optional": True}
        }
    minimal = job_manifest(_spec("integration"))["spec"]["template"]["spec"]["containers"][0]
    assert not any("configMapKeyRef" in e.get("valueFrom", {}) for e in minimal["env"])


def test_namespace_names_fit_a_dns_label_and_keep_the_run_id() -> None:
    assert (
        namespace_name("floe-test", "integration", "ab12cd34") == "floe-test-integration-ab12cd34"
    )
    long = namespace_name("p" * 50, "tier-with-a-long-name", "ab12cd34")
    assert len(long) <= 63
    assert long.endswith("-ab12cd34")
    assert not long.startswith("-")


def test_manifest_command_prints_what_a_run_submits(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["manifest", "integration", "--shards", "3", "--run-id", "r1", "--", "-k", "smoke"]
    )
    assert result.exit_code == 0, result.output
    docs = list(yaml.safe_load_all(result.output))
    assert [d["kind"] for d in docs] == ["Namespace", "ServiceAccount", "Job"]
    assert docs[0]["metadata"]["name"] == "floe-test-integration-r1"
    args = docs[2]["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[-2:] == ["-k", "smoke"]
    assert "--shards" in args
    given = CliRunner().invoke(app, ["manifest", "integration", "--namespace", "platform"])
    assert [d["kind"] for d in yaml.safe_load_all(given.output)] == ["ServiceAccount", "Job"]


def test_sharded_jobs_never_retry_but_let_every_shard_finish() -> None:
    sharded = job_manifest(_spec(shards=3))["spec"]
    assert sharded["backoffLimitPerIndex"] == 0
    # a Job-wide backoffLimit of 0 would stop the other shards at the first failing one
    assert "backoffLimit" not in sharded
    assert job_manifest(_spec(shards=1))["spec"]["backoffLimit"] == 0


def test_manifest_namespace_is_labelled_like_a_run_labels_it() -> None:
    from floe_testing.backends.cluster.backend import pod_security_level
    from floe_testing.plan import build_plan

    result = CliRunner().invoke(app, ["manifest", "integration", "--run-id", "r2"])
    labels = next(yaml.safe_load_all(result.output))["metadata"]["labels"]
    plan = build_plan(PROJECT, "integration", backend="cluster", backend_reason="t", run_id="r2")
    level = pod_security_level(plan)
    assert level == "restricted"
    for mode in ("enforce", "audit", "warn"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == level


def test_recorded_durations_of_the_previous_run_go_into_a_sharded_job(tmp_path: Path) -> None:
    import json

    recorded = {"tests/integration/test_a.py::test_slow": 12.5, "t::fast": 0.01}
    (tmp_path / "integration").mkdir()
    (tmp_path / "integration" / "durations.json").write_text(json.dumps(recorded))

    def env_of(*options: str) -> dict[str, str]:
        result = CliRunner().invoke(
            app, ["manifest", "integration", "--results-dir", str(tmp_path), *options]
        )
        assert result.exit_code == 0, result.output
        job = list(yaml.safe_load_all(result.output))[-1]
        container = job["spec"]["template"]["spec"]["containers"][0]
        return {e["name"]: e.get("value", "") for e in container["env"]}

    assert json.loads(env_of("--shards", "2")["FLOE_TEST_DURATIONS"]) == recorded
    assert "FLOE_TEST_DURATIONS" not in env_of("--shards", "1")  # nothing to balance
