"""What the node's components are given: containerd, kubelet and CNI configs, images."""

from __future__ import annotations

import hashlib
import json
import tarfile
import tomllib
from pathlib import Path

import pytest
import yaml

from floe_testing.k8slocal import components
from floe_testing.k8slocal.images import normalize, single_binary_image
from floe_testing.k8slocal.layout import Layout, Network
from floe_testing.k8slocal.network import _removal_script


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    layout = Layout(cache=tmp_path, state=tmp_path / "state", run=tmp_path / "run")
    layout.config.mkdir(parents=True)
    return layout


def test_containerd_is_an_instance_of_its_own_with_cgroupfs_and_the_local_pause(
    layout: Layout,
) -> None:
    config = tomllib.loads(components.containerd_config(layout, "floe.local/pause:1"))
    assert config["grpc"]["address"] == str(layout.containerd_socket)
    assert config["grpc"]["address"] != "/run/containerd/containerd.sock"  # Docker adopts that
    cri = config["plugins"]["io.containerd.grpc.v1.cri"]
    assert cri["sandbox_image"] == "floe.local/pause:1"
    assert cri["containerd"]["runtimes"]["runc"]["options"]["SystemdCgroup"] is False


def test_no_registry_pull_leaves_the_machine(layout: Layout) -> None:
    components.containerd(layout, "floe.local/pause:1")
    hosts = tomllib.loads((layout.config / "registry" / "docker.io" / "hosts.toml").read_text())
    assert hosts["server"].startswith("http://127.0.0.1:")


def test_the_kubelet_keeps_imported_images_and_rotates_logs_at_1_mib(layout: Layout) -> None:
    bins = {"kubelet": Path("/bin/kubelet")}
    component = components.kubelet(layout, bins, Network(), "192.0.2.2")
    config = yaml.safe_load((layout.config / "kubelet.yaml").read_text())
    assert config["cgroupDriver"] == "cgroupfs"
    assert config["failSwapOn"] is False
    assert config["containerLogMaxSize"] == "1Mi"
    assert config["imageGCHighThresholdPercent"] == 100
    assert config["clusterDNS"] == [Network().dns_service_ip]
    assert "--node-ip=192.0.2.2" in component.command


def test_the_pod_network_is_the_nodes_first_slash_24_without_masquerade(layout: Layout) -> None:
    components.cni_config(layout, Network())
    conflist = json.loads((layout.state / "cni" / "10-floe-k8s-local.conflist").read_text())
    bridge = conflist["plugins"][0]
    assert bridge["ipam"]["ranges"] == [[{"subnet": "10.88.0.0/24"}]]
    assert bridge["ipMasq"] is False


def test_a_single_binary_image_is_a_docker_archive_with_matching_layer_digest(
    tmp_path: Path,
) -> None:
    binary = tmp_path / "tool"
    binary.write_bytes(b"\x7fELF fake")
    archive = single_binary_image(binary, "floe.local/tool:1", ["/tool"], tmp_path / "t.tar")
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        [entry] = manifest
        layer = tar.extractfile(entry["Layers"][0]).read()  # type: ignore[union-attr]
        config = json.load(tar.extractfile(entry["Config"]))  # type: ignore[arg-type]
    assert entry["RepoTags"] == ["floe.local/tool:1"]
    assert config["rootfs"]["diff_ids"] == ["sha256:" + hashlib.sha256(layer).hexdigest()]
    assert config["config"]["Entrypoint"] == ["/tool"]
    again = single_binary_image(binary, "floe.local/tool:1", ["/tool"], tmp_path / "u.tar")
    assert again.read_bytes() == archive.read_bytes()  # same binary, same image


@pytest.mark.parametrize(
    ("ref", "name"),
    [
        ("busybox", "docker.io/library/busybox:latest"),
        ("floe-local/python:3.11", "docker.io/floe-local/python:3.11"),
        ("floe.local/k8s-local/pause:x", "floe.local/k8s-local/pause:x"),
        ("localhost:5001/runner:1", "localhost:5001/runner:1"),
    ],
)
def test_docker_short_names_become_the_names_the_kubelet_asks_for(ref: str, name: str) -> None:
    assert normalize(ref) == name


SAVED = """*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:DOCKER-USER - [0:0]
:KUBE-FORWARD - [0:0]
:FLOE-K8S-FORWARD - [0:0]
-A FORWARD -j DOCKER-USER
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A FORWARD -j FLOE-K8S-FORWARD
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A DOCKER-USER -j RETURN
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
COMMIT
"""


def test_removal_deletes_our_chains_and_jumps_and_leaves_dockers_alone() -> None:
    script, chains = _removal_script(SAVED)
    assert chains == ["filter KUBE-FORWARD", "filter FLOE-K8S-FORWARD"]
    assert script.splitlines() == [
        "*filter",
        '-D FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
        "-D FORWARD -j FLOE-K8S-FORWARD",
        "-F KUBE-FORWARD",
        "-F FLOE-K8S-FORWARD",
        "-X KUBE-FORWARD",
        "-X FLOE-K8S-FORWARD",
        "COMMIT",
    ]
