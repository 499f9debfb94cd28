"""Every pod of the test values meets the restricted Pod Security Standard and our hardening,
has probes, and the profiles fit the seed's CI runners with the test Job on top."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from floe_testing.config.models import FloeTestConfig
from floe_testing.deploy.chart.security import (
    PodTemplate,
    footprint,
    hardening_problems,
    parse_quantity,
    pod_templates,
    probe_problems,
    restricted_problems,
)

from .renders import PROFILES, rendered

# Kind's node (kubelet, etcd, API server, CoreDNS) plus the runner's OS and Docker.
CLUSTER_OVERHEAD = parse_quantity("2560Mi")
WITH_OPTIONALS = ("cube.cubeStore.enabled=true",)


def _pods(profile: str) -> list[PodTemplate]:
    return pod_templates(rendered(profile, "values-test.yaml", *WITH_OPTIONALS).manifests)


@pytest.mark.parametrize("profile", PROFILES)
def test_every_pod_template_meets_the_restricted_profile(profile: str) -> None:
    pods = _pods(profile)
    assert len(pods) >= 4
    assert [p for pod in pods for p in restricted_problems(pod)] == []


@pytest.mark.parametrize("profile", PROFILES)
def test_every_pod_template_is_hardened(profile: str) -> None:
    assert [p for pod in _pods(profile) for p in hardening_problems(pod)] == []


@pytest.mark.parametrize("profile", PROFILES)
def test_every_long_running_container_has_probes(profile: str) -> None:
    assert [p for pod in _pods(profile) for p in probe_problems(pod)] == []


def test_restricted_checks_catch_each_violation() -> None:
    pod = next(p for p in _pods("minimal") if p.name == "dagster-webserver")
    spec = copy.deepcopy(pod.spec)
    container = spec["containers"][0]
    container["securityContext"] = {"privileged": True, "capabilities": {"add": ["SYS_ADMIN"]}}
    spec["securityContext"] = {"runAsUser": 0}
    spec["hostNetwork"] = True
    spec["volumes"].append({"name": "host", "hostPath": {"path": "/"}})
    broken = PodTemplate(pod.kind, pod.name, pod.labels, spec, 1, False)
    problems = " | ".join(restricted_problems(broken))
    for expected in (
        "privileged",
        "allowPrivilegeEscalation is not false",
        "lacks ALL",
        "adds capabilities",
        "runAsNonRoot is not true",
        "runAsUser is 0",
        "seccompProfile",
        "hostNetwork",
        "hostPath",
    ):
        assert expected in problems
    assert "readOnlyRootFilesystem is not true" in " ".join(hardening_problems(broken))


def test_test_values_probe_quickly() -> None:
    deployment = rendered("minimal").get("Deployment", "dagster-webserver")
    assert deployment is not None
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["periodSeconds"] <= 2
    assert container["startupProbe"]["periodSeconds"] <= 2
    production = rendered("minimal", "values.yaml").get("Deployment", "dagster-webserver")
    assert production is not None
    assert (
        production["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["periodSeconds"]
        >= 10
    )


@pytest.mark.parametrize(("profile", "tier"), [("minimal", "integration"), ("full", "e2e")])
def test_profile_fits_its_ci_runner_with_the_test_job(
    config: FloeTestConfig, profile: str, tier: str
) -> None:
    runner = config.tier(tier)
    assert runner.ci is not None
    assert runner.profile == profile
    platform = footprint(rendered(profile).manifests, "limits", "memory")
    job = parse_quantity(runner.resources.limits.memory) * runner.shards
    budget = parse_quantity(runner.ci.memory.replace("GB", "Gi"))
    assert platform + job + CLUSTER_OVERHEAD <= budget, (
        f"{profile}: platform {platform / 2**30:.2f}Gi + job {job / 2**30:.2f}Gi + "
        f"cluster {CLUSTER_OVERHEAD / 2**30:.2f}Gi > {runner.ci.memory}"
    )


def test_footprint_counts_replicas_init_containers_and_one_hook() -> None:
    pods = _pods("full")
    hooks = [p for p in pods if p.hook]
    assert {p.name for p in hooks} == {"polaris-bootstrap"}
    total = footprint(rendered("full", "values-test.yaml", *WITH_OPTIONALS).manifests)
    assert total > footprint(rendered("minimal").manifests) > Decimal(0)


def test_quantities_parse_like_kubernetes() -> None:
    assert parse_quantity("512Mi") == 512 * 2**20
    assert parse_quantity("1.5Gi") == Decimal("1.5") * 2**30
    assert parse_quantity("250m") == Decimal("0.25")
    assert parse_quantity(2) == 2
    with pytest.raises(ValueError, match="not a Kubernetes quantity"):
        parse_quantity("lots")
