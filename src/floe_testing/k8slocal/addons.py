"""What the cluster runs on itself once the API answers: RBAC for host agents, CoreDNS.

The manifests are this project's own. CoreDNS runs under the restricted Pod Security
profile (non-root, no capabilities: it listens on 1053 and the ``kube-dns`` Service maps
53 to it) from the locally built image, which is never pulled.
"""

from __future__ import annotations

from typing import Any

from floe_testing.k8slocal.layout import Network

Manifest = dict[str, Any]
RESTRICTED_CONTAINER = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}
RESTRICTED_POD = {
    "runAsNonRoot": True,
    "runAsUser": 65532,
    "runAsGroup": 65532,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def _role(name: str, rules: list[Manifest]) -> Manifest:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": name},
        "rules": rules,
    }


def _binding(name: str, role: str, subject: Manifest) -> Manifest:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [subject],
    }


def _user(name: str) -> Manifest:
    return {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": name}


def rbac() -> list[Manifest]:
    """The API server reaching kubelets, and kube-router reading what it enforces."""
    watch = ["get", "list", "watch"]
    return [
        _binding(
            "floe-k8s-local:apiserver-kubelet",
            "system:kubelet-api-admin",
            _user("kube-apiserver-kubelet-client"),
        ),
        _role(
            "floe-k8s-local:kube-router",
            [
                {
                    "apiGroups": [""],
                    "resources": ["namespaces", "pods", "nodes", "services", "endpoints"],
                    "verbs": watch,
                },
                {
                    "apiGroups": ["networking.k8s.io"],
                    "resources": ["networkpolicies"],
                    "verbs": watch,
                },
                {
                    "apiGroups": ["discovery.k8s.io"],
                    "resources": ["endpointslices"],
                    "verbs": watch,
                },
                {
                    "apiGroups": ["", "events.k8s.io"],
                    "resources": ["events"],
                    "verbs": ["create", "patch", "update"],
                },
            ],
        ),
        _binding(
            "floe-k8s-local:kube-router",
            "floe-k8s-local:kube-router",
            _user("floe-k8s-local:kube-router"),
        ),
    ]


def corefile(net: Network) -> str:
    return f""".:1053 {{
    errors
    health :8080
    ready :8181
    kubernetes {net.cluster_domain} in-addr.arpa ip6.arpa {{
        pods insecure
        ttl 30
    }}
    cache 30
    loadbalance
    reload
}}
"""


def coredns(net: Network, image: str) -> list[Manifest]:
    ns, labels = "kube-system", {"k8s-app": "kube-dns"}
    meta = {"name": "coredns", "namespace": ns}
    container = {
        "name": "coredns",
        "image": image,
        "imagePullPolicy": "Never",
        "args": ["-conf", "/etc/coredns/Corefile"],
        "ports": [
            {"name": "dns", "containerPort": 1053, "protocol": "UDP"},
            {"name": "dns-tcp", "containerPort": 1053, "protocol": "TCP"},
        ],
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8181}, "periodSeconds": 2},
        "livenessProbe": {"httpGet": {"path": "/health", "port": 8080}, "periodSeconds": 10},
        "resources": {"requests": {"cpu": "50m", "memory": "40Mi"}, "limits": {"memory": "170Mi"}},
        "securityContext": RESTRICTED_CONTAINER,
        "volumeMounts": [{"name": "config", "mountPath": "/etc/coredns", "readOnly": True}],
    }
    pod = {
        "serviceAccountName": "coredns",
        "priorityClassName": "system-cluster-critical",
        "dnsPolicy": "Default",
        "securityContext": RESTRICTED_POD,
        "containers": [container],
        "volumes": [{"name": "config", "configMap": {"name": "coredns"}}],
    }
    watch = ["list", "watch"]
    return [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": meta,
            "automountServiceAccountToken": True,
        },
        _role(
            "floe-k8s-local:coredns",
            [
                {
                    "apiGroups": [""],
                    "resources": ["endpoints", "services", "pods", "namespaces"],
                    "verbs": watch,
                },
                {
                    "apiGroups": ["discovery.k8s.io"],
                    "resources": ["endpointslices"],
                    "verbs": watch,
                },
            ],
        ),
        _binding(
            "floe-k8s-local:coredns",
            "floe-k8s-local:coredns",
            {"kind": "ServiceAccount", "name": "coredns", "namespace": ns},
        ),
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta,
            "data": {"Corefile": corefile(net)},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {**meta, "labels": labels},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {"metadata": {"labels": labels}, "spec": pod},
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "kube-dns", "namespace": ns, "labels": labels},
            "spec": {
                "selector": labels,
                "clusterIP": net.dns_service_ip,
                "ports": [
                    {"name": "dns", "port": 53, "targetPort": 1053, "protocol": "UDP"},
                    {"name": "dns-tcp", "port": 53, "targetPort": 1053, "protocol": "TCP"},
                ],
            },
        },
    ]


def dns_probe(image: str, name: str, target: str) -> Manifest:
    """A one-shot pod resolving ``target`` through cluster DNS (the readiness proof of ``up``)."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "kube-system",
            "labels": {"app.kubernetes.io/name": "floe-k8s-local-dns-probe"},
        },
        "spec": {
            "restartPolicy": "Never",
            "automountServiceAccountToken": False,
            "securityContext": RESTRICTED_POD,
            "containers": [
                {
                    "name": "lookup",
                    "image": image,
                    "imagePullPolicy": "Never",
                    "args": ["lookup", target],
                    "securityContext": RESTRICTED_CONTAINER,
                    "resources": {"limits": {"memory": "32Mi"}},
                }
            ],
        },
    }
