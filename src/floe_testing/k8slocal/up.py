"""``up``: from a bare machine (or a running cluster) to a Ready node with working DNS and
a default StorageClass whose claims bind.

Every step is idempotent: what exists is kept, what runs is left running, so a second ``up``
only checks. Steps that do not depend on each other overlap (containerd starts beside
etcd; images import while the API server starts) to keep a warm ``up`` short.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from floe_testing.core.errors import UsageError
from floe_testing.k8slocal import addons, components, images, network, pki, processes, storage
from floe_testing.k8slocal.build import build_all, node_tools_version, source_version
from floe_testing.k8slocal.down import down
from floe_testing.k8slocal.health import NotReady, healthy, kubectl, wait
from floe_testing.k8slocal.layout import Layout, Network, Versions
from floe_testing.k8slocal.packages import ensure_packages
from floe_testing.k8slocal.preflight import check_machine, check_ports

Say = Callable[[str], None]
DNS_TARGET = "kubernetes.default.svc.cluster.local"


def image_refs(versions: Versions) -> dict[str, str]:
    tools = node_tools_version()
    return {
        "pause": f"floe.local/k8s-local/pause:{tools}",
        "probe": f"floe.local/k8s-local/probe:{tools}",
        "coredns": f"floe.local/k8s-local/coredns:{versions.coredns}",
        "metrics-server": f"floe.local/k8s-local/metrics-server:{versions.metrics_server}",
        "local-path-provisioner": (
            f"floe.local/k8s-local/local-path-provisioner:{versions.local_path_provisioner}"
        ),
        "volume-helper": f"floe.local/k8s-local/volume-helper:{source_version('volumehelper')}",
    }


def up(layout: Layout, versions: Versions, net: Network, say: Say) -> Path:
    started = time.monotonic()
    check_machine()
    if layout.state.exists() and not any(
        processes.supervisor_pid(layout, n) for n in components.NAMES
    ):
        say("removing the leftovers of a cluster that stopped without down (e.g. a reboot)")
        down(layout, net, say)
    ensure_packages(versions.debian_packages, say)
    bins = build_all(layout, versions, say)
    check_ports(layout)
    node_ip = os.environ.get("FLOE_K8S_LOCAL_NODE_IP") or network.node_ip()
    _prepare_state(layout, net, bins, node_ip, say)
    node = _Node(layout, bins, net, node_ip, image_refs(versions), say)
    _start_control_plane(node)
    _start_node(node)
    say(
        f"cluster ready in {time.monotonic() - started:.1f} s "
        f"(server {versions.kubernetes}, node {components.NODE} at {node_ip})"
    )
    return layout.admin_kubeconfig


@dataclass(frozen=True)
class _Node:
    """What the steps after the preparation share: where things are, the binaries, the
    addresses, the images and where progress goes."""

    layout: Layout
    bins: dict[str, Path]
    net: Network
    ip: str
    refs: dict[str, str]
    say: Say


def _start_control_plane(node: _Node) -> None:
    """etcd, containerd (its images imported) and the API server answering, the host's
    network switched on and guarded, and the RBAC host agents need applied."""
    layout, bins, net, say = node.layout, node.bins, node.net, node.say
    _start(layout, components.etcd(layout, bins), say)
    _start(layout, components.containerd(layout, node.refs["pause"]), say)
    _wait_up(layout, components.etcd(layout, bins), 30)
    api = components.apiserver(layout, bins, net, node.ip)
    _start(layout, api, say)
    _wait_socket(layout)
    _import_images(layout, bins, node.refs, say)
    changed = network.enable_kernel_switches()
    if changed:
        say(f"switched on {', '.join(changed)}")
    network.install_guard_chains(net)
    components.cni_config(layout, net)
    _wait_up(layout, api, 60)
    _apply(layout, addons.rbac())


def _start_node(node: _Node) -> None:
    """The node's agents and the add-ons on it, until the node is Ready and a pod resolves
    names; the metrics APIService is registered last."""
    layout, bins, net, say = node.layout, node.bins, node.net, node.say
    for component in (
        components.controller_manager(layout, bins, net),
        components.scheduler(layout, bins),
        components.kubelet(layout, bins, net, node.ip),
        components.kube_proxy(layout, bins, net),
    ):
        _start(layout, component, say)
    _apply(layout, addons.coredns(net, node.refs["coredns"]))
    early, late = _metrics_server(layout, node.refs["metrics-server"])
    _apply(layout, early)
    _wait_node_ready(layout, say)
    router = components.kube_router(layout, bins)  # it needs the Node object to start
    _start(layout, router, say)
    _wait_dns(layout, node.refs["probe"], say)
    # Registered only now that kube-proxy has long had the Service's rules: a connection the
    # aggregator opened to the bare ClusterIP before them would be answered by whatever
    # answers unrouted addresses on this machine, and be kept (HTTP/2) for good.
    _apply(layout, late)
    _wait_up(layout, router, 30)
    _storage(node)


def _storage(node: _Node) -> None:
    """The storage add-on (``storage.py``), applied until its provisioner is available."""
    refs = node.refs
    manifests = storage.local_path(
        refs["local-path-provisioner"], refs["volume-helper"], node.layout.state
    )
    _apply(node.layout, manifests)
    kubectl(
        node.layout,
        "-n",
        storage.NAMESPACE,
        "rollout",
        "status",
        f"deployment/{storage.NAME}",
        "--timeout=90s",
        timeout=100,
    )
    node.say(f"default StorageClass {storage.STORAGE_CLASS}: {storage.PROVISIONER} is available")


def ensure_addons(layout: Layout, versions: Versions, net: Network, say: Say) -> None:
    """The add-ons of ``up`` applied to the cluster that runs, through ``up``'s own steps:
    missing images built (from the cache when there) and imported, every manifest applied.
    Idempotent; restarts no component and no pod whose manifest did not change."""
    running = processes.supervisor_pid(layout, "kube-apiserver") is not None
    if not running or not healthy(layout, f"https://127.0.0.1:{components.API_PORT}/readyz"):
        raise UsageError(
            "the cluster's API server does not answer", "start the cluster: scripts/k8s-local up"
        )
    bins = build_all(layout, versions, say)
    node_ip = os.environ.get("FLOE_K8S_LOCAL_NODE_IP") or network.node_ip()
    node = _Node(layout, bins, net, node_ip, image_refs(versions), say)
    _import_images(layout, bins, node.refs, say)
    _apply(layout, addons.rbac())
    _apply(layout, addons.coredns(net, node.refs["coredns"]))
    early, late = _metrics_server(layout, node.refs["metrics-server"])
    _apply(layout, early + late)
    _storage(node)


def _apply(layout: Layout, manifests: list[addons.Manifest]) -> None:
    kubectl(layout, "apply", "-f", "-", stdin=yaml.safe_dump_all(manifests))


def _metrics_server(
    layout: Layout, image: str
) -> tuple[list[addons.Manifest], list[addons.Manifest]]:
    """metrics-server's manifests with the cluster's CA and its serving certificate: what
    can be applied at once, and its APIService."""
    pem = {name: (layout.pki / name).read_text() for name in ("ca.crt", "metrics-server.crt")}
    metrics = addons.metrics_server(
        image,
        pem["ca.crt"],
        pem["metrics-server.crt"],
        (layout.pki / "metrics-server.key").read_text(),
    )
    early = [m for m in metrics if m["kind"] != "APIService"]
    late = [m for m in metrics if m["kind"] == "APIService"]
    return early, late


def _prepare_state(
    layout: Layout, net: Network, bins: dict[str, Path], node_ip: str, say: Say
) -> None:
    for directory in (layout.state, layout.config, layout.logs, layout.pids, layout.run):
        directory.mkdir(parents=True, exist_ok=True)
    layout.state.chmod(0o700)
    if pki.ensure_pki(
        layout.pki, components.NODE, node_ip, net.apiserver_service_ip, net.cluster_domain
    ):
        say(f"made certificates in {layout.pki}")
    server = components.api_url(node_ip)
    pki.write_kubeconfig(layout.admin_kubeconfig, layout.pki, server, "admin")
    for identity in ("controller-manager", "scheduler", "kubelet", "kube-proxy", "kube-router"):
        pki.write_kubeconfig(layout.config / f"{identity}.kubeconfig", layout.pki, server, identity)
    links = layout.state / "bin"
    links.mkdir(exist_ok=True)
    for name, path in bins.items():
        link = links / name
        if not link.is_symlink() or link.resolve() != path:
            link.unlink(missing_ok=True)
            link.symlink_to(path)


def _fingerprint(layout: Layout, component: components.Component) -> str:
    """The CA, the command line and every configuration file it names: a change of any means
    a restart."""
    digest = hashlib.sha256()
    authority = layout.pki / "ca.crt"  # new certificates everywhere: every component restarts
    if authority.is_file():
        digest.update(authority.read_bytes())
    for arg in component.command:
        digest.update(arg.encode() + b"\0")
        path = Path(arg.split("=", 1)[-1])
        if path.is_relative_to(layout.config) and path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _start(layout: Layout, component: components.Component, say: Say) -> None:
    done = processes.start(
        layout, component.name, component.command, _fingerprint(layout, component)
    )
    if done == "restarted":
        say(f"restarted {component.name}: its configuration changed")
    elif done:
        say(f"started {component.name} (log: {layout.logs / (component.name + '.log')})")


def _wait_up(layout: Layout, component: components.Component, timeout: float) -> None:
    log = layout.logs / f"{component.name}.log"

    def check() -> bool:
        if processes.supervisor_pid(layout, component.name) is None:
            raise NotReady(f"{component.name} is not running; see {log}")
        return healthy(layout, component.health)

    wait(component.name, check, timeout, log)


def _wait_socket(layout: Layout) -> None:
    def answers() -> bool:
        return (
            layout.containerd_socket.exists()
            and images.ctr(layout, "version", check=False).returncode == 0
        )

    wait("containerd", answers, 30, layout.logs / "containerd.log")


def _import_images(layout: Layout, bins: dict[str, Path], refs: dict[str, str], say: Say) -> None:
    have = images.present(layout)
    archives = layout.state / "images"
    wanted = {
        "pause": (bins["nodetools"], ["/nodetools", "pause"]),
        "probe": (bins["nodetools"], ["/nodetools"]),
        "coredns": (bins["coredns"], ["/coredns"]),
        "metrics-server": (bins["metrics-server"], ["/metrics-server"]),
        "local-path-provisioner": (bins["local-path-provisioner"], ["/local-path-provisioner"]),
        "volume-helper": (bins["volumehelper"], [storage.HELPER]),
    }
    for key, (binary, entrypoint) in wanted.items():
        if refs[key] in have:
            continue
        archive = images.single_binary_image(binary, refs[key], entrypoint, archives / f"{key}.tar")
        images.import_archive(layout, archive)
        say(f"imported {refs[key]}")


def _wait_node_ready(layout: Layout, say: Say) -> None:
    def ready() -> bool:
        result = kubectl(
            layout,
            "get",
            "node",
            components.NODE,
            "-o",
            'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
            check=False,
        )
        return result.stdout.strip() == "True"

    wait(f"node {components.NODE} Ready", ready, 90, layout.logs / "kubelet.log")
    say(f"node {components.NODE} is Ready")


def _wait_dns(layout: Layout, image: str, say: Say) -> None:
    """A pod resolves the API server's Service name through CoreDNS."""
    kubectl(
        layout,
        "-n",
        "kube-system",
        "rollout",
        "status",
        "deployment/coredns",
        "--timeout=90s",
        timeout=100,
    )
    name = f"floe-k8s-local-dns-probe-{os.getpid()}"
    probe = yaml.safe_dump(addons.dns_probe(image, name, DNS_TARGET))
    try:
        wait(
            f"DNS lookup of {DNS_TARGET} from a pod",
            lambda: _probe_resolved(layout, name, probe),
            90,
            layout.logs / "kubelet.log",
            interval=0.5,
        )
        answer = kubectl(layout, "-n", "kube-system", "logs", name, check=False).stdout.split()
        say(f"a pod resolved {DNS_TARGET} to {', '.join(answer) or '?'}")
    finally:
        kubectl(
            layout,
            "-n",
            "kube-system",
            "delete",
            "pod",
            name,
            "--ignore-not-found",
            "--wait=false",
            check=False,
        )


def _probe_resolved(layout: Layout, name: str, probe: str) -> bool:
    """One look at the probe pod ``name``: created when missing, made again when it failed."""
    phase = kubectl(
        layout,
        "-n",
        "kube-system",
        "get",
        "pod",
        name,
        "-o",
        "jsonpath={.status.phase}",
        check=False,
    ).stdout.strip()
    if phase == "Failed":  # CoreDNS may have become ready a moment later: try again
        kubectl(layout, "-n", "kube-system", "delete", "pod", name, "--wait=true")
        phase = ""
    if not phase:
        kubectl(layout, "create", "-f", "-", stdin=probe, check=False)
    return phase == "Succeeded"
