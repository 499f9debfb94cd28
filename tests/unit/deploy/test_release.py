"""What the cluster and kind backends install: values file per tier, profile, platform image."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from floe_testing.config import load_project
from floe_testing.core.errors import UsageError
from floe_testing.deploy.chart.engine import render
from floe_testing.deploy.release import PLATFORM_IMAGE_ENV, Release
from floe_testing.jobs.manifest import namespace_manifest
from floe_testing.plan import ClusterOptions, RunPlan, resolve_profile, resolve_tier

PROJECT = load_project()


def _plan(tier: str, profile: str | None = None) -> RunPlan:
    chosen = resolve_tier(PROJECT, tier)
    return RunPlan(
        run_id="abc123",
        project=PROJECT,
        tier=chosen,
        profile=resolve_profile(PROJECT, chosen, profile),
        services=(),
        backend="cluster",
        backend_reason="test",
        suite=PROJECT.root,
        results_root=PROJECT.root / "test-results",
        timeout=60,
        keep=False,
        shards=1,
    )


@pytest.mark.parametrize(
    ("tier", "values_file", "profile"),
    [
        ("integration", "values-test.yaml", "minimal"),
        ("e2e", "values-test.yaml", "full"),
        ("staging", "values-staging.yaml", "full"),
    ],
)
def test_values_file_and_profile_follow_the_tier(
    tier: str, values_file: str, profile: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PLATFORM_IMAGE_ENV, raising=False)
    release = Release.for_plan(_plan(tier))
    assert [p.name for p in release.values_files] == [values_file]
    assert release.values == {"profile": profile, "minimal": profile == "minimal"}
    # the chart accepts exactly these values and deploys the tier's profile
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text(yaml.safe_dump(release.values))
    rendered = render(values_files=[*release.values_files, overrides])
    assert rendered.profile == profile
    assert release.pod_security_level() == "restricted"


def test_profile_option_wins_over_the_tier(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PLATFORM_IMAGE_ENV, raising=False)
    release = Release.for_plan(_plan("integration", "full"))
    assert release.values == {"profile": "full", "minimal": False}


def test_platform_image_from_argument_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PLATFORM_IMAGE_ENV, "registry.example:5000/team/floe-platform:v7")
    from_env = Release.for_plan(_plan("integration")).values["dagster"]["image"]
    assert from_env == {
        "repository": "registry.example:5000/team/floe-platform",
        "tag": "v7",
        "pullPolicy": "IfNotPresent",
    }
    given = Release.for_plan(_plan("integration"), "floe-platform:git-abc").values
    assert given["dagster"]["image"]["tag"] == "git-abc"


def test_platform_image_option_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PLATFORM_IMAGE_ENV, "floe-platform:from-env")
    plan = dataclasses.replace(
        _plan("integration"),
        cluster=ClusterOptions(platform_image="floe-platform:from-option"),
    )
    assert Release.for_plan(plan).values["dagster"]["image"]["tag"] == "from-option"


def test_platform_image_without_tag_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PLATFORM_IMAGE_ENV, "registry.example:5000/floe-platform")
    with pytest.raises(UsageError, match="has no tag"):
        Release.for_plan(_plan("integration"))


def test_namespace_is_labelled_for_pod_security() -> None:
    manifest = namespace_manifest("ns", "abc", "integration", "baseline")
    labels = manifest["metadata"]["labels"]
    assert labels["floe.dev/run-id"] == "abc"
    assert {labels[f"pod-security.kubernetes.io/{m}"] for m in ("enforce", "audit", "warn")} == {
        "baseline"
    }


def test_a_tier_without_a_profile_has_nothing_to_install() -> None:
    with pytest.raises(UsageError) as caught:
        Release.for_plan(_plan("unit"))
    assert caught.value.hint == "pick a profile with --profile"


def test_images_are_what_the_rendered_pods_run_with_their_pull_policy() -> None:
    """The images a node must be given: every pod's (hook and init containers included)."""
    plan = dataclasses.replace(
        _plan("e2e"),
        cluster=ClusterOptions(values_files=(Path("values-kind-local.yaml"),)),
    )
    images = Release.for_plan(plan, "floe-platform:git-abc").images()
    assert images == {
        "floe-platform:git-abc": "IfNotPresent",  # Dagster's three and the bootstrap hook
        "floe-local/postgresql:15-bookworm": "IfNotPresent",
        "floe-local/seaweedfs:4.48": "IfNotPresent",
        "floe-local/iceberg-rest:1.10.1": "IfNotPresent",
        "floe-local/cube:0.35.81": "IfNotPresent",
    }
    upstream = Release.for_plan(_plan("integration"), "floe-platform:git-abc").images()
    assert set(upstream) == {"floe-platform:git-abc", "docker.io/library/postgres:16.9-alpine"}
