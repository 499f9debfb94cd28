"""What ``up`` checks before it changes anything: root, kernel features, free ports."""

from __future__ import annotations

import os
from pathlib import Path

import psutil

from floe_testing.core.errors import InfrastructureError, UsageError
from floe_testing.k8slocal import processes
from floe_testing.k8slocal.build import GO
from floe_testing.k8slocal.layout import Layout

AGAIN = "fix what the message names, then run scripts/k8s-local up again"


def unfit(message: str, hint: str = AGAIN) -> InfrastructureError:
    """The machine cannot run the node (a kernel feature, a held port); nothing was changed."""
    return InfrastructureError(message, hint, cause="preflight")


# which of our components listens on each port it needs
PORTS = {
    2379: "etcd",
    2380: "etcd",
    2381: "etcd",
    6443: "kube-apiserver",
    10257: "kube-controller-manager",
    10259: "kube-scheduler",
    10248: "kubelet",
    10250: "kubelet",
    10249: "kube-proxy",
    10256: "kube-proxy",
    20244: "kube-router",
}
KERNEL = {
    "/dev/kmsg": "the kubelet's OOM watcher reads /dev/kmsg",
    "/proc/sys/net/bridge/bridge-nf-call-iptables": "br_netfilter (bridged traffic in iptables)",
    "/sys/fs/cgroup/memory": "the cgroup v1 memory controller",
    "/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes": (
        "swap accounting (containerd 1.6 sets memsw limits on each pod with a memory limit)"
    ),
}


def check_machine() -> None:
    if os.geteuid() != 0:
        raise UsageError(
            "must run as root: it starts containerd, the kubelet and iptables rules",
            "run: sudo scripts/k8s-local up",
        )
    if not Path(GO).exists():  # PATH's go, else the default install
        raise UsageError(
            "Go is not installed: the cluster's binaries are built with it",
            "install Go >= 1.24 at /usr/local/go, then run scripts/k8s-local up again",
        )
    for path, why in KERNEL.items():
        if not Path(path).exists():
            raise unfit(f"{path} is missing, needed for {why}")


def check_ports(layout: Layout) -> None:
    """Every port is free, or held by our own running component."""
    ours = {name: processes.component_pid(layout, name) for name in set(PORTS.values())}
    for conn in psutil.net_connections(kind="tcp"):
        port = getattr(conn.laddr, "port", None)
        if conn.status != psutil.CONN_LISTEN or port not in PORTS:
            continue
        owner = PORTS[port]
        if conn.pid is not None and conn.pid == ours.get(owner):
            continue
        holder = f"pid {conn.pid} ({_name(conn.pid)})" if conn.pid else "another process"
        raise unfit(
            f"port {port} (needed by {owner}) is held by {holder}",
            "stop it, or run scripts/k8s-local down if it is a leftover of this cluster; "
            "then run scripts/k8s-local up again",
        )


def _name(pid: int) -> str:
    try:
        return psutil.Process(pid).name()
    except psutil.Error:
        return "?"
