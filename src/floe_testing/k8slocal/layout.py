"""Where everything lives: the pinned versions, the build cache and the cluster's state.

Builds are cached by version under ``${FLOE_TEST_CACHE:-~/.cache/floe-test}/<thing>/<version>``
so a warm machine rebuilds nothing; the running cluster's files (certificates, configs, logs,
pidfiles, etcd data, containerd and kubelet roots) live under one state directory that
``down`` removes, and its runtime sockets under one directory in /run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from floe_testing.config import pins
from floe_testing.core.cache import cache_root

REPO = Path(__file__).resolve().parents[3]
GO_SOURCES = Path(__file__).resolve().parent / "go"


def write_if_changed(path: Path, text: str, mode: int | None = None) -> bool:
    """Write ``text`` unless the file holds it already: components watching their config
    (kube-proxy exits when its file changes) must not see a second ``up`` as a change."""
    if path.is_file() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mode is not None:
        path.chmod(mode)
    return True


@dataclass(frozen=True)
class Versions:
    kubernetes: str
    etcd: str
    coredns: str
    metrics_server: str
    kube_router: str
    kube_router_upgrades: tuple[str, ...]
    local_path_provisioner: str
    debian_packages: dict[str, str]

    @classmethod
    def pinned(cls) -> Versions:
        """The versions in this checkout's pins/versions.env."""
        return cls.from_pins(pins.load(REPO))

    @classmethod
    def from_pins(cls, values: dict[str, str]) -> Versions:
        packages = {
            "containerd": values["CONTAINERD_PACKAGE_VERSION"],
            "runc": values["RUNC_PACKAGE_VERSION"],
            "containernetworking-plugins": values["CNI_PLUGINS_PACKAGE_VERSION"],
            "iptables": values["IPTABLES_PACKAGE_VERSION"],
            "ipset": values["IPSET_PACKAGE_VERSION"],
            "conntrack": values["CONNTRACK_PACKAGE_VERSION"],
            "openssl": values["OPENSSL_PACKAGE_VERSION"],  # the certificates
        }
        return cls(
            kubernetes=values["KUBERNETES_VERSION"],
            etcd=values["ETCD_VERSION"],
            coredns=values["COREDNS_VERSION"],
            metrics_server=values["METRICS_SERVER_VERSION"],
            kube_router=values["KUBE_ROUTER_VERSION"],
            kube_router_upgrades=tuple(values["KUBE_ROUTER_DEPENDENCY_UPGRADES"].split(",")),
            local_path_provisioner=values["LOCAL_PATH_PROVISIONER_VERSION"],
            debian_packages=packages,
        )


@dataclass(frozen=True)
class Network:
    """Addresses of the cluster. The pod range must not overlap the machine's own networks."""

    pod_cidr: str = "10.88.0.0/16"
    service_cidr: str = "10.96.0.0/16"
    apiserver_service_ip: str = "10.96.0.1"
    dns_service_ip: str = "10.96.0.10"
    cluster_domain: str = "cluster.local"
    bridge: str = "floe-cni0"


@dataclass(frozen=True)
class Layout:
    cache: Path
    state: Path
    run: Path

    @classmethod
    def from_env(cls) -> Layout:
        cache = cache_root()
        state = Path(os.environ.get("FLOE_K8S_LOCAL_STATE") or cache / "k8s-local" / "state")
        return cls(cache=cache, state=state, run=Path("/run/floe-k8s-local"))

    def build_dir(self, thing: str, version: str) -> Path:
        return self.cache / thing / version

    @cached_property
    def pki(self) -> Path:
        return self.state / "pki"

    @cached_property
    def config(self) -> Path:
        return self.state / "config"

    @cached_property
    def logs(self) -> Path:
        """Outside the state: ``down`` keeps them for a post-mortem."""
        return self.cache / "k8s-local" / "logs"

    @cached_property
    def pids(self) -> Path:
        return self.state / "pids"

    @cached_property
    def admin_kubeconfig(self) -> Path:
        return self.state / "admin.kubeconfig"

    @cached_property
    def containerd_socket(self) -> Path:
        return self.run / "containerd" / "containerd.sock"

    @cached_property
    def kubelet_root(self) -> Path:
        return self.state / "kubelet"
