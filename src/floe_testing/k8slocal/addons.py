"""What the cluster runs on itself once the API answers: RBAC for host agents, CoreDNS,
metrics-server.

The manifests are this project's own. CoreDNS runs under the restricted Pod Security
profile (non-root, no capabilities: it listens on 1053 and the ``kube-dns`` Service maps
53 to it) from the locally built image, which is never pulled. metrics-server serves the
metrics API (``metrics.k8s.io``: what soak samples read memory from) under the same profile,
with a serving certificate from the cluster's CA (the APIService trusts exactly that CA) and
the kubelets' serving certificates verified against it too.
"""

from __future__ import annotations

import base64
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


def _deployment(meta: Manifest, labels: dict[str, str], pod: Manifest) -> Manifest:
    """One replica of ``pod``, selected by ``labels``."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {**meta, "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": pod},
        },
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


def _coredns_pod(image: str) -> Manifest:
    """CoreDNS on an unprivileged port (1053; the Service maps 53), restricted."""
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
    return {
        "serviceAccountName": "coredns",
        "priorityClassName": "system-cluster-critical",
        "dnsPolicy": "Default",
        "securityContext": RESTRICTED_POD,
        "containers": [container],
        "volumes": [{"name": "config", "configMap": {"name": "coredns"}}],
    }


def coredns(net: Network, image: str) -> list[Manifest]:
    ns, labels = "kube-system", {"k8s-app": "kube-dns"}
    meta = {"name": "coredns", "namespace": ns}
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
        _deployment(meta, labels, _coredns_pod(image)),
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


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


METRICS_PORT = 4443
METRICS_RESOLUTION = "10s"  # the shortest metrics-server accepts, above the kubelet timeout


def _metrics_server_pod(image: str) -> Manifest:
    """The metrics-server pod: serving certificate from a Secret, kubelets verified with the
    cluster CA (kube-root-ca.crt), restricted."""
    tls, authority = "/etc/metrics-server/tls", "/etc/metrics-server/ca"
    container = {
        "name": "metrics-server",
        "image": image,
        "imagePullPolicy": "Never",
        "args": [
            f"--secure-port={METRICS_PORT}",
            f"--tls-cert-file={tls}/tls.crt",
            f"--tls-private-key-file={tls}/tls.key",
            f"--kubelet-certificate-authority={authority}/ca.crt",
            "--kubelet-preferred-address-types=InternalIP",
            "--kubelet-use-node-status-port",
            f"--metric-resolution={METRICS_RESOLUTION}",
            "--kubelet-request-timeout=5s",
        ],
        "ports": [{"name": "https", "containerPort": METRICS_PORT, "protocol": "TCP"}],
        "readinessProbe": {
            "httpGet": {"path": "/readyz", "port": "https", "scheme": "HTTPS"},
            "periodSeconds": 2,
        },
        "livenessProbe": {
            "httpGet": {"path": "/livez", "port": "https", "scheme": "HTTPS"},
            "periodSeconds": 10,
        },
        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "200Mi"}},
        "securityContext": RESTRICTED_CONTAINER,
        "volumeMounts": [
            {"name": "tls", "mountPath": tls, "readOnly": True},
            {"name": "ca", "mountPath": authority, "readOnly": True},
        ],
    }
    return {
        "serviceAccountName": "metrics-server",
        "priorityClassName": "system-cluster-critical",
        "securityContext": RESTRICTED_POD,
        "containers": [container],
        "volumes": [
            {"name": "tls", "secret": {"secretName": "metrics-server-tls"}},
            {"name": "ca", "configMap": {"name": "kube-root-ca.crt"}},
        ],
    }


def _metrics_server_access(ns: str, sa: Manifest) -> list[Manifest]:
    """Its ServiceAccount's rights: kubelet metrics, pods and nodes, delegated authn/authz."""
    reader = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "floe-k8s-local:metrics-server-auth-reader", "namespace": ns},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": "extension-apiserver-authentication-reader",
        },
        "subjects": [sa],
    }
    return [
        _role(
            "floe-k8s-local:metrics-server",
            [
                {"apiGroups": [""], "resources": ["nodes/metrics"], "verbs": ["get"]},
                {
                    "apiGroups": [""],
                    "resources": ["pods", "nodes"],
                    "verbs": ["get", "list", "watch"],
                },
            ],
        ),
        _binding("floe-k8s-local:metrics-server", "floe-k8s-local:metrics-server", sa),
        _binding("floe-k8s-local:metrics-server-auth-delegator", "system:auth-delegator", sa),
        reader,
    ]


def metrics_server(image: str, ca_pem: str, cert_pem: str, key_pem: str) -> list[Manifest]:
    """metrics-server in kube-system and the ``v1beta1.metrics.k8s.io`` APIService."""
    ns, labels = "kube-system", {"k8s-app": "metrics-server"}
    meta = {"name": "metrics-server", "namespace": ns}
    sa = {"kind": "ServiceAccount", "name": "metrics-server", "namespace": ns}
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta},
        *_metrics_server_access(ns, sa),
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "metrics-server-tls", "namespace": ns},
            "type": "kubernetes.io/tls",
            "data": {"tls.crt": _b64(cert_pem), "tls.key": _b64(key_pem)},
        },
        _deployment(meta, labels, _metrics_server_pod(image)),
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {**meta, "labels": labels},
            "spec": {
                "selector": labels,
                "ports": [{"name": "https", "port": 443, "targetPort": "https"}],
            },
        },
        {
            "apiVersion": "apiregistration.k8s.io/v1",
            "kind": "APIService",
            "metadata": {"name": "v1beta1.metrics.k8s.io", "labels": labels},
            "spec": {
                "group": "metrics.k8s.io",
                "version": "v1beta1",
                "service": {"name": "metrics-server", "namespace": ns, "port": 443},
                "caBundle": _b64(ca_pem),
                "groupPriorityMinimum": 100,
                "versionPriority": 100,
            },
        },
    ]
