"""What each host process of the cluster is: its command line and the files it reads.

The flags follow the components' own documentation; the choices that matter here:
etcd on loopback with client-certificate TLS; the API server with Node and RBAC
authorization, NodeRestriction and PodSecurity admission and signed ServiceAccount tokens;
containerd as an instance of its own (socket, root and state separate from Docker's) with
cgroupfs and a locally built sandbox image; the kubelet with image GC and eviction that
never remove imported images, and 1 MiB log files so rotation can be tested; kube-proxy
in iptables mode leaving conntrack sysctls alone; kube-router as NetworkPolicy firewall only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from floe_testing.k8slocal.layout import Layout, Network, write_if_changed

NODE = "floe-node"
NAMES = (
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "containerd",
    "kubelet",
    "kube-proxy",
    "kube-router",
)
API_PORT = 6443
REGISTRIES = ("docker.io", "registry.k8s.io", "ghcr.io", "quay.io", "gcr.io", "floe.local")


@dataclass(frozen=True)
class Component:
    name: str
    command: list[str]
    health: str  # a URL answered when the component is up, or "" (checked otherwise)


def api_url(node_ip: str) -> str:
    del node_ip  # host processes reach the API on loopback; pods on the node address
    return f"https://127.0.0.1:{API_PORT}"


def etcd(layout: Layout, bins: dict[str, Path]) -> Component:
    pki = layout.pki
    return Component(
        "etcd",
        [
            str(bins["etcd"]),
            "--name",
            NODE,
            "--data-dir",
            str(layout.state / "etcd"),
            "--listen-client-urls",
            "https://127.0.0.1:2379",
            "--advertise-client-urls",
            "https://127.0.0.1:2379",
            "--listen-peer-urls",
            "http://127.0.0.1:2380",
            "--initial-advertise-peer-urls",
            "http://127.0.0.1:2380",
            "--initial-cluster",
            f"{NODE}=http://127.0.0.1:2380",
            "--listen-metrics-urls",
            "http://127.0.0.1:2381",
            "--cert-file",
            str(pki / "etcd.crt"),
            "--key-file",
            str(pki / "etcd.key"),
            "--trusted-ca-file",
            str(pki / "ca.crt"),
            "--client-cert-auth",
            "--unsafe-no-fsync",
            "--log-level",
            "warn",
        ],
        "http://127.0.0.1:2381/health",
    )


def apiserver(layout: Layout, bins: dict[str, Path], net: Network, node_ip: str) -> Component:
    pki = layout.pki
    return Component(
        "kube-apiserver",
        [
            str(bins["kube-apiserver"]),
            f"--advertise-address={node_ip}",
            f"--secure-port={API_PORT}",
            "--etcd-servers=https://127.0.0.1:2379",
            f"--etcd-cafile={pki / 'ca.crt'}",
            f"--etcd-certfile={pki / 'apiserver-etcd-client.crt'}",
            f"--etcd-keyfile={pki / 'apiserver-etcd-client.key'}",
            f"--tls-cert-file={pki / 'apiserver.crt'}",
            f"--tls-private-key-file={pki / 'apiserver.key'}",
            f"--client-ca-file={pki / 'ca.crt'}",
            f"--requestheader-client-ca-file={pki / 'front-proxy-ca.crt'}",
            "--requestheader-allowed-names=front-proxy-client",
            "--requestheader-username-headers=X-Remote-User",
            "--requestheader-group-headers=X-Remote-Group",
            "--requestheader-extra-headers-prefix=X-Remote-Extra-",
            f"--proxy-client-cert-file={pki / 'front-proxy-client.crt'}",
            f"--proxy-client-key-file={pki / 'front-proxy-client.key'}",
            f"--kubelet-certificate-authority={pki / 'ca.crt'}",
            f"--kubelet-client-certificate={pki / 'apiserver-kubelet-client.crt'}",
            f"--kubelet-client-key={pki / 'apiserver-kubelet-client.key'}",
            "--kubelet-preferred-address-types=InternalIP",
            f"--service-account-key-file={pki / 'service-account.pub'}",
            f"--service-account-signing-key-file={pki / 'service-account.key'}",
            f"--service-account-issuer=https://kubernetes.default.svc.{net.cluster_domain}",
            f"--service-cluster-ip-range={net.service_cidr}",
            "--authorization-mode=Node,RBAC",
            "--enable-admission-plugins=NodeRestriction,PodSecurity",
            # PodSecurity, not API validation, is what rejects a privileged pod
            "--allow-privileged=true",
            "--profiling=false",
            "--event-ttl=1h",
        ],
        f"https://127.0.0.1:{API_PORT}/readyz",
    )


def controller_manager(layout: Layout, bins: dict[str, Path], net: Network) -> Component:
    pki, kubeconfig = layout.pki, layout.config / "controller-manager.kubeconfig"
    return Component(
        "kube-controller-manager",
        [
            str(bins["kube-controller-manager"]),
            f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            "--bind-address=127.0.0.1",
            f"--service-account-private-key-file={pki / 'service-account.key'}",
            f"--root-ca-file={pki / 'ca.crt'}",
            "--use-service-account-credentials=true",
            f"--cluster-signing-cert-file={pki / 'ca.crt'}",
            f"--cluster-signing-key-file={pki / 'ca.key'}",
            "--allocate-node-cidrs=true",
            f"--cluster-cidr={net.pod_cidr}",
            "--node-cidr-mask-size=24",
            f"--service-cluster-ip-range={net.service_cidr}",
            "--leader-elect=false",
            "--profiling=false",
        ],
        "https://127.0.0.1:10257/healthz",
    )


def scheduler(layout: Layout, bins: dict[str, Path]) -> Component:
    kubeconfig = layout.config / "scheduler.kubeconfig"
    return Component(
        "kube-scheduler",
        [
            str(bins["kube-scheduler"]),
            f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            "--bind-address=127.0.0.1",
            "--leader-elect=false",
            "--profiling=false",
        ],
        "https://127.0.0.1:10259/healthz",
    )


def containerd(layout: Layout, pause_image: str) -> Component:
    config = layout.config / "containerd.toml"
    write_if_changed(config, containerd_config(layout, pause_image))
    write_registry_hosts(layout.config / "registry")
    return Component("containerd", ["containerd", "--config", str(config)], "")


def containerd_config(layout: Layout, pause_image: str) -> str:
    sock, run = layout.containerd_socket, layout.run / "containerd"
    cri = 'plugins."io.containerd.grpc.v1.cri"'
    disabled = [f"io.containerd.snapshotter.v1.{s}" for s in ("aufs", "btrfs", "devmapper", "zfs")]
    return "\n".join(
        [
            "version = 2",
            f'root = "{layout.state / "containerd"}"',
            f'state = "{run / "state"}"',
            f"disabled_plugins = {json.dumps(disabled)}",
            "[grpc]",
            f'  address = "{sock}"',
            "[ttrpc]",
            f'  address = "{sock}.ttrpc"',
            f'[plugins."io.containerd.internal.v1.opt"]\n  path = "{layout.state / "opt"}"',
            f"[{cri}]",
            f'  sandbox_image = "{pause_image}"',
            "  netns_mounts_under_state_dir = true",
            "  enable_unprivileged_ports = false",
            # this VM lacks CAP_SYS_RESOURCE: a negative oom_score_adj (the sandbox asks for -998)
            # cannot be written, so keep every container at or above containerd's own
            "  restrict_oom_score_adj = true",
            f"[{cri}.containerd]",
            '  snapshotter = "overlayfs"',
            '  default_runtime_name = "runc"',
            f"[{cri}.containerd.runtimes.runc]",
            '  runtime_type = "io.containerd.runc.v2"',
            f"[{cri}.containerd.runtimes.runc.options]",
            "  SystemdCgroup = false",
            '  BinaryName = "/usr/sbin/runc"',
            f'  Root = "{run / "runc"}"',  # not runc's default /run/containerd/runc
            f"[{cri}.cni]",
            '  bin_dir = "/usr/lib/cni"',
            f'  conf_dir = "{layout.state / "cni"}"',
            f"[{cri}.registry]",
            f'  config_path = "{layout.config / "registry"}"',
            "",
        ]
    )


def write_registry_hosts(root: Path) -> None:
    """Point every well-known registry at a closed loopback port: no pull leaves this machine.

    Images come only from ``scripts/k8s-local load``; a missing image fails fast as
    ErrImagePull instead of reaching out.
    """
    for registry in REGISTRIES:
        (root / registry).mkdir(parents=True, exist_ok=True)
        write_if_changed(
            root / registry / "hosts.toml",
            'server = "http://127.0.0.1:9"\n\n[host."http://127.0.0.1:9"]\n'
            '  capabilities = ["pull", "resolve"]\n',
        )


def cni_config(layout: Layout, net: Network) -> None:
    subnet = net.pod_cidr.rsplit(".", 2)[0] + ".0.0/24"  # the node's podCIDR (first /24)
    conflist = {
        "cniVersion": "1.0.0",
        "name": "floe-k8s-local",
        "plugins": [
            {
                "type": "bridge",
                "bridge": net.bridge,
                "isGateway": True,
                "ipMasq": False,
                "hairpinMode": True,
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": subnet}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                    "dataDir": str(layout.state / "ipam"),
                },
            },
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }
    (layout.state / "cni").mkdir(parents=True, exist_ok=True)
    write_if_changed(
        layout.state / "cni" / "10-floe-k8s-local.conflist", json.dumps(conflist, indent=2)
    )


def kubelet(layout: Layout, bins: dict[str, Path], net: Network, node_ip: str) -> Component:
    pki, config = layout.pki, layout.config / "kubelet.yaml"
    write_if_changed(layout.config / "resolv.conf", "# pods resolve cluster names only\n")
    settings = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": True},
            "x509": {"clientCAFile": str(pki / "ca.crt")},
        },
        "authorization": {"mode": "Webhook"},
        "tlsCertFile": str(pki / "kubelet-serving.crt"),
        "tlsPrivateKeyFile": str(pki / "kubelet-serving.key"),
        "cgroupDriver": "cgroupfs",
        "containerRuntimeEndpoint": f"unix://{layout.containerd_socket}",
        "failSwapOn": False,
        "clusterDNS": [net.dns_service_ip],
        "clusterDomain": net.cluster_domain,
        "resolvConf": str(layout.config / "resolv.conf"),
        "readOnlyPort": 0,
        "healthzBindAddress": "127.0.0.1",
        "healthzPort": 10248,
        "podLogsDir": str(layout.state / "pod-logs"),  # not /var/log/pods
        "containerLogMaxSize": "1Mi",
        "containerLogMaxFiles": 2,
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        "evictionHard": {
            "memory.available": "100Mi",
            "nodefs.available": "1%",
            "nodefs.inodesFree": "1%",
            "imagefs.available": "1%",
            "imagefs.inodesFree": "1%",
        },
        "serializeImagePulls": False,
        "rotateCertificates": False,
        "serverTLSBootstrap": False,
    }
    write_if_changed(config, yaml.safe_dump(settings, sort_keys=False))
    return Component(
        "kubelet",
        [
            str(bins["kubelet"]),
            f"--config={config}",
            f"--kubeconfig={layout.config / 'kubelet.kubeconfig'}",
            f"--hostname-override={NODE}",
            f"--node-ip={node_ip}",
            f"--root-dir={layout.kubelet_root}",
        ],
        "http://127.0.0.1:10248/healthz",
    )


def kube_proxy(layout: Layout, bins: dict[str, Path], net: Network) -> Component:
    config = layout.config / "kube-proxy.yaml"
    settings = {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "clientConnection": {"kubeconfig": str(layout.config / "kube-proxy.kubeconfig")},
        "hostnameOverride": NODE,
        "mode": "iptables",
        "clusterCIDR": net.pod_cidr,
        "healthzBindAddress": "127.0.0.1:10256",
        "metricsBindAddress": "127.0.0.1:10249",
        "iptables": {"localhostNodePorts": False},
        "nodePortAddresses": ["primary"],
        "conntrack": {
            "maxPerCore": 0,
            "min": 0,
            "tcpEstablishedTimeout": "0s",
            "tcpCloseWaitTimeout": "0s",
        },
    }
    write_if_changed(config, yaml.safe_dump(settings, sort_keys=False))
    return Component(
        "kube-proxy",
        [str(bins["kube-proxy"]), f"--config={config}"],
        "http://127.0.0.1:10256/healthz",
    )


def kube_router(layout: Layout, bins: dict[str, Path]) -> Component:
    return Component(
        "kube-router",
        [
            str(bins["kube-router"]),
            f"--kubeconfig={layout.config / 'kube-router.kubeconfig'}",
            "--run-firewall=true",
            "--run-router=false",
            "--run-service-proxy=false",
            "--run-loadbalancer=false",
            f"--hostname-override={NODE}",
            "--enable-ipv4=true",
            "--enable-ipv6=false",
            "--metrics-port=0",
            "--health-port=20244",
        ],
        "http://127.0.0.1:20244/healthz",
    )
