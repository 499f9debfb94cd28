"""``up``'s steps run in the order the cluster needs (no machine touched: every step that
acts on it is replaced by a recorder)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from floe_testing.k8slocal import up as up_module
from floe_testing.k8slocal.layout import Layout, Network, Versions

EXPECTED = [
    "check_machine",
    "ensure_packages",
    "build_all",
    "check_ports",
    "prepare_state",
    "start etcd",
    "start containerd",
    "wait etcd",
    "start kube-apiserver",
    "wait containerd socket",
    "import images",
    "kernel switches",
    "guard chains",
    "cni config",
    "wait kube-apiserver",
    "apply ClusterRoleBinding,ClusterRole,ClusterRoleBinding",
    "start kube-controller-manager",
    "start kube-scheduler",
    "start kubelet",
    "start kube-proxy",
    "apply ServiceAccount,ClusterRole,ClusterRoleBinding,ConfigMap,Deployment,Service",
    "apply ServiceAccount,ClusterRole,ClusterRoleBinding,ClusterRoleBinding,RoleBinding,"
    "Secret,Deployment,Service",
    "wait node Ready",
    "start kube-router",
    "wait DNS",
    "apply APIService",
    "wait kube-router",
    "apply Namespace,ServiceAccount,ClusterRole,ClusterRoleBinding,Role,RoleBinding,ConfigMap,"
    "Deployment,StorageClass",
    "rollout status deployment/local-path-provisioner",
]


def test_up_runs_its_steps_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pins: dict[str, str]
) -> None:
    layout = Layout(cache=tmp_path / "cache", state=tmp_path / "state", run=tmp_path / "run")
    steps: list[str] = []

    def prepare_state(*_args: Any) -> None:
        steps.append("prepare_state")
        layout.pki.mkdir(parents=True)
        for name in ("ca.crt", "metrics-server.crt", "metrics-server.key"):
            (layout.pki / name).write_text(f"{name}\n")

    def kubectl(_layout: Layout, *args: str, stdin: str = "", **_kwargs: Any) -> None:
        if args[2:4] == ("rollout", "status"):
            steps.append(f"rollout status {args[4]}")
            return
        assert args == ("apply", "-f", "-")
        steps.append("apply " + ",".join(m["kind"] for m in yaml.safe_load_all(stdin)))

    def record(step: str, result: Any = None) -> Any:
        def recorder(*_args: Any, **_kwargs: Any) -> Any:
            steps.append(step)
            return result

        return recorder

    bins = {name: tmp_path / "bin" / name for name in _BINARIES}
    monkeypatch.setenv("FLOE_K8S_LOCAL_NODE_IP", "192.0.2.10")
    monkeypatch.setattr(up_module, "check_machine", record("check_machine"))
    monkeypatch.setattr(up_module, "ensure_packages", record("ensure_packages"))
    monkeypatch.setattr(up_module, "build_all", record("build_all", bins))
    monkeypatch.setattr(up_module, "check_ports", record("check_ports"))
    monkeypatch.setattr(up_module, "_prepare_state", prepare_state)
    monkeypatch.setattr(
        up_module, "_start", lambda _l, component, _say: steps.append(f"start {component.name}")
    )
    monkeypatch.setattr(
        up_module, "_wait_up", lambda _l, component, _t: steps.append(f"wait {component.name}")
    )
    monkeypatch.setattr(up_module, "_wait_socket", record("wait containerd socket"))
    monkeypatch.setattr(up_module, "_import_images", record("import images"))
    monkeypatch.setattr(up_module.network, "enable_kernel_switches", record("kernel switches", []))
    monkeypatch.setattr(up_module.network, "install_guard_chains", record("guard chains"))
    monkeypatch.setattr(up_module.components, "cni_config", record("cni config"))
    monkeypatch.setattr(up_module, "_wait_node_ready", record("wait node Ready"))
    monkeypatch.setattr(up_module, "_wait_dns", record("wait DNS"))
    monkeypatch.setattr(up_module, "kubectl", kubectl)
    said: list[str] = []
    assert up_module.up(layout, Versions.from_pins(pins), Network(), said.append) == (
        layout.admin_kubeconfig
    )
    assert steps == EXPECTED
    assert said[-1].startswith("cluster ready in ")


_BINARIES = (
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubelet",
    "kube-proxy",
    "kube-router",
    "kubectl",
    "coredns",
    "metrics-server",
    "nodetools",
    "local-path-provisioner",
    "volumehelper",
)


@pytest.fixture
def pins() -> dict[str, str]:
    from floe_testing.config import pins as pins_module
    from floe_testing.k8slocal.layout import REPO

    return pins_module.load(REPO)


def test_addons_applies_ups_add_ons_to_the_running_cluster_and_starts_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pins: dict[str, str]
) -> None:
    layout = Layout(cache=tmp_path / "cache", state=tmp_path / "state", run=tmp_path / "run")
    layout.pki.mkdir(parents=True)
    for name in ("ca.crt", "metrics-server.crt", "metrics-server.key"):
        (layout.pki / name).write_text(f"{name}\n")
    steps: list[str] = []

    def kubectl(_layout: Layout, *args: str, stdin: str = "", **_kwargs: Any) -> None:
        if args[2:4] == ("rollout", "status"):
            steps.append(f"rollout status {args[4]}")
            return
        steps.append("apply " + ",".join(m["kind"] for m in yaml.safe_load_all(stdin)))

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("addons must not start or restart a component")

    monkeypatch.setenv("FLOE_K8S_LOCAL_NODE_IP", "192.0.2.10")
    monkeypatch.setattr(up_module.processes, "supervisor_pid", lambda _l, _n: 4242)
    monkeypatch.setattr(up_module, "healthy", lambda _l, _url: True)
    monkeypatch.setattr(up_module, "build_all", lambda *_a: steps.append("build_all") or {})
    monkeypatch.setattr(up_module, "_import_images", lambda *_a: steps.append("import images"))
    monkeypatch.setattr(up_module, "_start", refuse)
    monkeypatch.setattr(up_module, "kubectl", kubectl)
    up_module.ensure_addons(layout, Versions.from_pins(pins), Network(), lambda _m: None)
    assert steps == [
        "build_all",
        "import images",
        "apply ClusterRoleBinding,ClusterRole,ClusterRoleBinding",
        "apply ServiceAccount,ClusterRole,ClusterRoleBinding,ConfigMap,Deployment,Service",
        "apply ServiceAccount,ClusterRole,ClusterRoleBinding,ClusterRoleBinding,RoleBinding,"
        "Secret,Deployment,Service,APIService",
        EXPECTED[-2],
        EXPECTED[-1],
    ]
