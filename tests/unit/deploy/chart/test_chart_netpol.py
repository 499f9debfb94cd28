"""NetworkPolicies of the test values, evaluated: the test runner reaches exactly the contract's
ports, platform pods reach each other, DNS works, and nothing else gets into the namespace."""

from __future__ import annotations

import pytest

from floe_testing.config.labels import RUNNER_SELECTOR, runner_labels
from floe_testing.config.models import FloeTestConfig
from harness.netpol import (
    External,
    Pod,
    connection_allowed,
    platform_pods,
    reachable,
    selector_matches,
)

from .renders import NAMESPACE, PROFILES, rendered

PROBE_PORTS = (22, 53, 80, 443, 3000, 3030, 4000, 5432, 8080, 8181, 8182, 9000, 9001)
DNS = Pod("coredns", "kube-system", {"k8s-app": "kube-dns"}, {"dns": 53})


def _setup(profile: str, values_file: str = "values-test.yaml") -> tuple[list[dict], list[Pod]]:
    result = rendered(profile, values_file)
    policies = result.of_kind("NetworkPolicy")
    assert policies, "NetworkPolicies must be on in this values file"
    pods = platform_pods(result.manifests, NAMESPACE)
    return policies, pods


def _runner(namespace: str = NAMESPACE) -> Pod:
    return Pod("runner", namespace, runner_labels("run1", "integration"))


def _expected(config: FloeTestConfig, profile: str, pods: list[Pod]) -> dict[str, list[int]]:
    """Pods named after a contract service accept its ports from the runner; others nothing."""
    ports = {s.name: sorted(p.port for p in s.ports) for s in config.profile_services(profile)}
    return {pod.name: ports.get(pod.name, []) for pod in pods}


def test_runner_labels_match_the_chart_runner_selector() -> None:
    values_selector = rendered("minimal").get("NetworkPolicy", "runner-egress")
    assert values_selector is not None
    assert values_selector["spec"]["podSelector"]["matchLabels"] == RUNNER_SELECTOR


@pytest.mark.parametrize("values_file", ["values-test.yaml", "values-staging.yaml"])
@pytest.mark.parametrize("profile", PROFILES)
def test_runner_reaches_exactly_the_contract_ports(
    config: FloeTestConfig, profile: str, values_file: str
) -> None:
    policies, pods = _setup(profile, values_file)
    assert reachable(policies, _runner(), pods, PROBE_PORTS) == _expected(config, profile, pods)


@pytest.mark.parametrize("profile", PROFILES)
def test_nothing_else_is_admitted_into_the_namespace(profile: str) -> None:
    policies, pods = _setup(profile)
    platform = pods[0].labels
    outsiders = [
        _runner("other-namespace"),  # runner labels, wrong namespace
        Pod("impostor", "other-namespace", dict(platform)),  # platform labels elsewhere
        Pod("stranger", NAMESPACE, {"app": "debug"}),  # unlabelled pod in the namespace
        External("203.0.113.7"),
        External("10.1.2.3"),
    ]
    for outsider in outsiders:
        admitted = {k: v for k, v in reachable(policies, outsider, pods, PROBE_PORTS).items() if v}
        assert admitted == {}, f"{outsider} admitted to {admitted}"


@pytest.mark.parametrize("profile", PROFILES)
def test_platform_pods_reach_each_other_and_dns(profile: str) -> None:
    policies, pods = _setup(profile)
    by_name = {p.name: p for p in pods}
    assert connection_allowed(
        policies, by_name["dagster-webserver"], by_name["dagster-user-code"], 3030
    )
    assert connection_allowed(policies, by_name["dagster-daemon"], by_name["postgresql"], 5432)
    # values-test.yaml lets Cube (only) download DuckDB's httpfs extension over TCP 443
    may_leave = {"cube", "cube-refresh-worker"}
    for pod in [*pods, _runner()]:
        assert connection_allowed(policies, pod, DNS, 53, "UDP"), pod.name
        outside = connection_allowed(policies, pod, External("1.1.1.1"), 443)
        assert outside == (pod.name in may_leave), pod.name
        assert not connection_allowed(policies, pod, External("1.1.1.1"), 80), pod.name
    if profile == "full":
        assert connection_allowed(policies, by_name["polaris-bootstrap"], by_name["polaris"], 8181)
        assert connection_allowed(policies, by_name["polaris"], by_name["seaweedfs"], 8333)
        assert connection_allowed(policies, by_name["cube"], by_name["seaweedfs"], 8333)
        assert connection_allowed(
            policies, by_name["polaris-bootstrap"], by_name["seaweedfs"], 8333
        )


def test_runner_cannot_reach_platform_pods_outside_the_contract(config: FloeTestConfig) -> None:
    policies, pods = _setup("full")
    by_name = {p.name: p for p in pods}
    for name in ("dagster-daemon", "cube-refresh-worker", "polaris-bootstrap"):
        assert reachable(policies, _runner(), [by_name[name]], PROBE_PORTS) == {name: []}


def test_internet_egress_is_opt_in_per_component() -> None:
    result = rendered("full", "values-test.yaml", "networkPolicy.internetEgress[0]=cube")
    policies = result.of_kind("NetworkPolicy")
    pods = {p.name: p for p in platform_pods(result.manifests, NAMESPACE)}
    assert connection_allowed(policies, pods["cube"], External("151.101.1.1"), 443)
    assert not connection_allowed(policies, pods["cube"], External("151.101.1.1"), 80)
    assert not connection_allowed(policies, pods["cube"], External("10.0.0.5"), 443)
    assert not connection_allowed(policies, pods["polaris"], External("151.101.1.1"), 443)


def test_without_policies_everything_is_open() -> None:
    result = rendered("minimal", "values.yaml")
    assert result.of_kind("NetworkPolicy") == []
    pods = platform_pods(result.manifests, NAMESPACE)
    assert connection_allowed([], External("203.0.113.7"), pods[0], 22)


# --- the evaluator itself ---------------------------------------------------------------


def test_selector_semantics() -> None:
    labels = {"app": "x", "tier": "db"}
    assert selector_matches({}, labels)
    assert not selector_matches(None, labels)
    assert selector_matches({"matchLabels": {"app": "x"}}, labels)
    assert not selector_matches({"matchLabels": {"app": "y"}}, labels)
    expressions = [
        ({"key": "tier", "operator": "In", "values": ["db", "cache"]}, True),
        ({"key": "tier", "operator": "NotIn", "values": ["db"]}, False),
        ({"key": "app", "operator": "Exists"}, True),
        ({"key": "gone", "operator": "DoesNotExist"}, True),
        ({"key": "gone", "operator": "In", "values": ["a"]}, False),
    ]
    for expression, expected in expressions:
        assert selector_matches({"matchExpressions": [expression]}, labels) is expected


def _policy(spec: dict) -> dict:
    return {"metadata": {"name": "p", "namespace": "ns"}, "spec": spec}


def test_named_ports_ranges_and_protocols() -> None:
    target = Pod("t", "ns", {"app": "t"}, {"web": 8080})
    source = Pod("s", "ns", {"app": "s"})
    policy = _policy(
        {
            "podSelector": {"matchLabels": {"app": "t"}},
            "ingress": [
                {
                    "ports": [
                        {"port": "web"},
                        {"port": 9000, "endPort": 9002},
                        {"port": 53, "protocol": "UDP"},
                    ]
                }
            ],
        }
    )
    assert connection_allowed([policy], source, target, 8080)
    assert connection_allowed([policy], source, target, 9001)
    assert not connection_allowed([policy], source, target, 9003)
    assert connection_allowed([policy], source, target, 53, "UDP")
    assert not connection_allowed([policy], source, target, 53)


def test_namespace_and_pod_selectors_combine() -> None:
    target = Pod("t", "ns", {"app": "t"})
    policy = _policy(
        {
            "podSelector": {},
            "ingress": [
                {
                    "from": [
                        {
                            "namespaceSelector": {"matchLabels": {"team": "a"}},
                            "podSelector": {"matchLabels": {"role": "client"}},
                        }
                    ]
                }
            ],
        }
    )
    good = Pod("c", "other", {"role": "client"}, namespace_labels={"team": "a"})
    wrong_ns = Pod("c", "other", {"role": "client"}, namespace_labels={"team": "b"})
    wrong_pod = Pod("c", "other", {"role": "server"}, namespace_labels={"team": "a"})
    assert connection_allowed([policy], good, target, 1)
    assert not connection_allowed([policy], wrong_ns, target, 1)
    assert not connection_allowed([policy], wrong_pod, target, 1)
