"""What Kind's node image waits for on a cold machine: every binary it carries, and not
k8s-local's own add-ons (its CoreDNS and metrics-server), which build on behind it."""

from __future__ import annotations

from pathlib import Path

import pytest

from floe_testing.k8slocal import build as k8s_build
from floe_testing.k8slocal.layout import Layout
from floe_testing.kindnode import gobuild

NODE_IMAGE_BINARIES = {
    "kubeadm", "kubelet", "kubectl", "kube-apiserver", "kube-controller-manager",
    "kube-scheduler", "kube-proxy", "etcd", "coredns-kind", "kube-router",
    "local-path-provisioner", "nodetools", "crictl",
}  # fmt: skip


def _built(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, node_only: bool) -> set[str]:
    things: list[tuple[str, str]] = []
    monkeypatch.setattr(
        k8s_build, "build", lambda _layout, c, _log: things.append((c.thing, c.version))
    )
    layout = Layout(cache=tmp_path, state=tmp_path / "state", run=tmp_path / "run")
    paths = gobuild.build_all(gobuild.KindVersions.pinned(), print, layout, node_only=node_only)
    assert len(things) == len(set(things)), things  # each component (and version) once
    return set(paths)


def test_the_node_part_has_what_the_node_image_carries_and_no_k8s_local_add_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    node = _built(monkeypatch, tmp_path, node_only=True)
    assert node >= NODE_IMAGE_BINARIES
    assert "metrics-server" not in node
    assert "coredns" not in node
    everything = _built(monkeypatch, tmp_path, node_only=False)
    assert everything - node == {"metrics-server", "coredns"}
