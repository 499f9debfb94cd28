"""A small NetworkPolicy evaluator: would a connection be admitted by the rendered policies?

Implements the ``networking.k8s.io/v1`` semantics that matter for the chart: policies select
pods of their own namespace; a pod is isolated for a direction when any selecting policy has
that policyType, and then a connection needs one rule of one selecting policy whose peers
(podSelector, namespaceSelector, both, or ipBlock) and ports (number, name, endPort, protocol)
match. A connection between pods needs the source's egress AND the target's ingress.
Simplification: ipBlock peers match only endpoints given as IP addresses, never pods.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Policy = Mapping[str, Any]


@dataclass(frozen=True)
class Pod:
    """A pod as policies see it: namespace (and its labels), labels and named ports."""

    name: str
    namespace: str
    labels: Mapping[str, str]
    ports: Mapping[str, int] = field(default_factory=dict)
    namespace_labels: Mapping[str, str] = field(default_factory=dict)

    def ns_labels(self) -> dict[str, str]:
        """Namespaces always carry kubernetes.io/metadata.name."""
        return {"kubernetes.io/metadata.name": self.namespace, **self.namespace_labels}


@dataclass(frozen=True)
class External:
    """An endpoint outside the cluster's pods (matched only by ipBlock)."""

    ip: str


Endpoint = Pod | External


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """A LabelSelector: ``{}`` matches everything; matchLabels and matchExpressions AND-ed."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression["key"], expression["operator"]
        values = set(expression.get("values") or [])
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def _policy_types(policy: Policy) -> set[str]:
    spec = policy["spec"]
    if spec.get("policyTypes"):
        return set(spec["policyTypes"])
    return {"Ingress"} | ({"Egress"} if spec.get("egress") else set())


def _selecting(policies: Iterable[Policy], pod: Pod, direction: str) -> list[Policy]:
    return [
        p
        for p in policies
        if p["metadata"].get("namespace", pod.namespace) == pod.namespace
        and selector_matches(p["spec"].get("podSelector", {}), pod.labels)
        and direction in _policy_types(p)
    ]


def _peer_matches(peer: Mapping[str, Any], other: Endpoint, policy_namespace: str) -> bool:
    if isinstance(other, External):
        block = peer.get("ipBlock")
        if not block:
            return False
        address = ipaddress.ip_address(other.ip)
        if address not in ipaddress.ip_network(block["cidr"]):
            return False
        return not any(address in ipaddress.ip_network(e) for e in block.get("except") or [])
    if "ipBlock" in peer:
        return False
    pod_selector = peer.get("podSelector")
    namespace_selector = peer.get("namespaceSelector")
    if namespace_selector is None:
        namespace_ok = other.namespace == policy_namespace
    else:
        namespace_ok = selector_matches(namespace_selector, other.ns_labels())
    pod_ok = pod_selector is None or selector_matches(pod_selector, other.labels)
    return namespace_ok and pod_ok


def _port_matches(
    rule_ports: list[Mapping[str, Any]] | None, port: int, protocol: str, target: Endpoint
) -> bool:
    if not rule_ports:
        return True
    for entry in rule_ports:
        if entry.get("protocol", "TCP") != protocol:
            continue
        wanted = entry.get("port")
        if wanted is None:
            return True
        if isinstance(wanted, str):
            if isinstance(target, Pod) and target.ports.get(wanted) == port:
                return True
            continue
        if int(wanted) <= port <= int(entry.get("endPort", wanted)):
            return True
    return False


def _direction_allows(
    policies: list[Policy],
    direction: str,
    local: Pod,
    remote: Endpoint,
    port: int,
    protocol: str,
    target: Endpoint,
) -> bool:
    selecting = _selecting(policies, local, direction)
    if not selecting:
        return True  # not isolated for this direction
    rules_key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    for policy in selecting:
        namespace = policy["metadata"].get("namespace", local.namespace)
        for rule in policy["spec"].get(rules_key) or []:
            peers = rule.get(peers_key)
            peer_ok = not peers or any(_peer_matches(p, remote, namespace) for p in peers)
            if peer_ok and _port_matches(rule.get("ports"), port, protocol, target):
                return True
    return False


def ingress_allowed(
    policies: list[Policy], target: Pod, source: Endpoint, port: int, protocol: str = "TCP"
) -> bool:
    return _direction_allows(policies, "Ingress", target, source, port, protocol, target)


def egress_allowed(
    policies: list[Policy], source: Pod, target: Endpoint, port: int, protocol: str = "TCP"
) -> bool:
    return _direction_allows(policies, "Egress", source, target, port, protocol, target)


def connection_allowed(
    policies: list[Policy], source: Endpoint, target: Endpoint, port: int, protocol: str = "TCP"
) -> bool:
    """Both ends agree: the source may send (egress) and the target may receive (ingress)."""
    sends = isinstance(source, External) or egress_allowed(policies, source, target, port, protocol)
    receives = isinstance(target, External) or ingress_allowed(
        policies, target, source, port, protocol
    )
    return sends and receives


def platform_pods(manifests: list[Mapping[str, Any]], namespace: str) -> list[Pod]:
    """The pods the rendered workloads would create (one per template), with named ports."""
    pods = []
    for manifest in manifests:
        if manifest.get("kind") not in {"Deployment", "StatefulSet", "DaemonSet", "Job"}:
            continue
        template = manifest["spec"]["template"]
        ports = {
            p["name"]: int(p["containerPort"])
            for c in template["spec"].get("containers") or []
            for p in c.get("ports") or []
            if "name" in p
        }
        pods.append(
            Pod(
                manifest["metadata"]["name"],
                namespace,
                dict(template["metadata"].get("labels") or {}),
                ports,
            )
        )
    return pods


def reachable(
    policies: list[Policy], source: Endpoint, pods: Iterable[Pod], ports: Iterable[int]
) -> dict[str, list[int]]:
    """For each pod, the ports (of ``ports`` and its own) ``source`` may connect to over TCP."""
    candidates = set(ports)
    return {
        pod.name: sorted(
            port
            for port in candidates | set(pod.ports.values())
            if connection_allowed(policies, source, pod, port)
        )
        for pod in pods
    }
