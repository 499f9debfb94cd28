"""The cluster's certificate authority, its certificates and the kubeconfigs that use them.

One CA signs every serving and client certificate (ECDSA P-256, made with the openssl CLI)
except the front-proxy client's, which has its own CA (the requestheader CA);
identities follow Kubernetes' conventions, so the built-in RBAC bindings apply (the kubelet
is ``system:node:<node>`` in ``system:nodes`` for the Node authorizer and NodeRestriction;
kube-proxy is ``system:kube-proxy``), and a separate key signs ServiceAccount tokens.
"""

from __future__ import annotations

import base64
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from floe_testing.k8slocal.layout import write_if_changed
from floe_testing.tools.command import Tool, which

CLUSTER = "floe-k8s-local"


@dataclass(frozen=True)
class Identity:
    """A certificate's subject, its use and (for servers) its names."""

    name: str
    common_name: str
    organization: str = ""
    server: bool = False
    client: bool = True
    dns: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()
    authority: str = "ca"  # which CA signs it


def identities(node: str, node_ip: str, apiserver_service_ip: str, domain: str) -> list[Identity]:
    api_dns = (
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        f"kubernetes.default.svc.{domain}",
        "localhost",
        node,
    )
    return [
        Identity(
            "apiserver",
            "kube-apiserver",
            server=True,
            client=False,
            dns=api_dns,
            ips=("127.0.0.1", node_ip, apiserver_service_ip),
        ),
        Identity("apiserver-kubelet-client", "kube-apiserver-kubelet-client"),
        Identity("apiserver-etcd-client", "kube-apiserver-etcd-client"),
        # the API server proxying to aggregated APIs; its own CA, as the requestheader CA
        Identity("front-proxy-client", "front-proxy-client", authority="front-proxy-ca"),
        Identity("etcd", "etcd", server=True, client=True, dns=("localhost",), ips=("127.0.0.1",)),
        # the metrics API's server, as the API server's aggregator reaches it (its Service)
        Identity(
            "metrics-server",
            "metrics-server",
            server=True,
            client=False,
            dns=tuple(f"metrics-server.kube-system.{s}" for s in ("svc", f"svc.{domain}")),
        ),
        Identity("admin", "floe-k8s-local:admin", organization="system:masters"),
        Identity("controller-manager", "system:kube-controller-manager"),
        Identity("scheduler", "system:kube-scheduler"),
        Identity("kube-proxy", "system:kube-proxy"),
        Identity("kube-router", "floe-k8s-local:kube-router"),
        Identity("kubelet", f"system:node:{node}", organization="system:nodes"),
        Identity(
            "kubelet-serving",
            node,
            server=True,
            client=False,
            dns=(node, "localhost"),
            ips=("127.0.0.1", node_ip),
        ),
    ]


def _openssl(*args: str) -> None:
    Tool("openssl", which("openssl") or "openssl").run(args, timeout=60)


def _key(path: Path) -> None:
    _openssl(
        "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(path)
    )
    path.chmod(0o600)


def _extensions(identity: Identity) -> str:
    usages = [
        u for u, on in (("serverAuth", identity.server), ("clientAuth", identity.client)) if on
    ]
    lines = [
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        f"extendedKeyUsage={','.join(usages)}",
    ]
    names = [f"DNS:{d}" for d in identity.dns] + [f"IP:{i}" for i in identity.ips]
    if names:
        lines.append(f"subjectAltName={','.join(names)}")
    return "\n".join(lines) + "\n"


def _issue(pki: Path, identity: Identity) -> None:
    key, crt = pki / f"{identity.name}.key", pki / f"{identity.name}.crt"
    _key(key)
    subject = (f"/O={identity.organization}" if identity.organization else "") + (
        f"/CN={identity.common_name}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        csr, ext = Path(tmp) / "req.csr", Path(tmp) / "ext.cnf"
        ext.write_text(_extensions(identity))
        _openssl("req", "-new", "-key", str(key), "-subj", subject, "-out", str(csr))
        _openssl(
            "x509",
            "-req",
            "-in",
            str(csr),
            "-CA",
            str(pki / f"{identity.authority}.crt"),
            "-CAkey",
            str(pki / f"{identity.authority}.key"),
            "-CAcreateserial",
            "-days",
            "365",
            "-sha256",
            "-extfile",
            str(ext),
            "-out",
            str(crt),
        )


def _authority(pki: Path, name: str, common_name: str) -> None:
    _key(pki / f"{name}.key")
    _openssl(
        "req",
        "-x509",
        "-new",
        "-key",
        str(pki / f"{name}.key"),
        "-subj",
        f"/CN={common_name}",
        "-days",
        "3650",
        "-sha256",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
        "-out",
        str(pki / f"{name}.crt"),
    )


def _complete(pki: Path, wanted: list[Identity]) -> bool:
    """Issue what a newer version of this module added, with the existing authorities."""
    added = False
    for name in {identity.authority for identity in wanted}:
        if not (pki / f"{name}.crt").is_file():
            _authority(pki, name, f"{CLUSTER}-{name}")
            added = True
    for identity in wanted:
        if not (pki / f"{identity.name}.crt").is_file():
            _issue(pki, identity)
            added = True
    return added


def ensure_pki(pki: Path, node: str, node_ip: str, apiserver_service_ip: str, domain: str) -> bool:
    """Make the CA, every certificate and the SA key unless they exist for these inputs.

    Returns True when it (re)generated them. A changed node address regenerates all, since
    the serving certificates name it.
    """
    inputs = {
        "node": node,
        "node_ip": node_ip,
        "service_ip": apiserver_service_ip,
        "domain": domain,
    }
    stamp = pki / "inputs.json"
    wanted = identities(node, node_ip, apiserver_service_ip, domain)
    if stamp.is_file() and json.loads(stamp.read_text()) == inputs:
        return _complete(pki, wanted)
    pki.mkdir(parents=True, exist_ok=True)
    pki.chmod(0o700)
    _authority(pki, "ca", f"{CLUSTER}-ca")
    _authority(pki, "front-proxy-ca", f"{CLUSTER}-front-proxy-ca")
    for identity in wanted:
        _issue(pki, identity)
    _key(pki / "service-account.key")
    _openssl(
        "pkey",
        "-in",
        str(pki / "service-account.key"),
        "-pubout",
        "-out",
        str(pki / "service-account.pub"),
    )
    stamp.write_text(json.dumps(inputs) + "\n")
    return True


def write_kubeconfig(path: Path, pki: Path, server: str, identity: str) -> None:
    """A kubeconfig for one identity of :func:`identities`, certificates embedded (portable)."""
    user = identity

    def data(name: str) -> str:
        return base64.b64encode((pki / name).read_bytes()).decode()

    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": CLUSTER,
                "cluster": {"server": server, "certificate-authority-data": data("ca.crt")},
            }
        ],
        "users": [
            {
                "name": user,
                "user": {
                    "client-certificate-data": data(f"{identity}.crt"),
                    "client-key-data": data(f"{identity}.key"),
                },
            }
        ],
        "contexts": [{"name": CLUSTER, "context": {"cluster": CLUSTER, "user": user}}],
        "current-context": CLUSTER,
    }
    write_if_changed(path, yaml.safe_dump(config, sort_keys=False), mode=0o600)
