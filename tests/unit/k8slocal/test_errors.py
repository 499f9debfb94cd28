"""k8s-local fails with the product's errors: exit 2 or 3, and the command to run next."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest

from floe_testing.core.errors import EXIT_INFRASTRUCTURE, EXIT_USAGE, FloeTestError
from floe_testing.k8slocal import down, network, preflight
from floe_testing.k8slocal.layout import Layout
from floe_testing.tools.command import Result


@pytest.fixture
def layout(tmp_path: Path) -> Layout:
    return Layout(cache=tmp_path / "cache", state=tmp_path / "state", run=tmp_path / "run")


def test_not_root_is_a_usage_error_naming_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(preflight.os, "geteuid", lambda: 1000)
    with pytest.raises(FloeTestError) as caught:
        preflight.check_machine()
    assert caught.value.exit_code == EXIT_USAGE
    assert "must run as root" in caught.value.message
    assert caught.value.hint == "run: sudo scripts/k8s-local up"


def test_a_port_held_by_a_stranger_is_an_infrastructure_error(
    monkeypatch: pytest.MonkeyPatch, layout: Layout
) -> None:
    held = SimpleNamespace(laddr=SimpleNamespace(port=6443), status=psutil.CONN_LISTEN, pid=None)
    monkeypatch.setattr(preflight.psutil, "net_connections", lambda kind: [held])
    with pytest.raises(FloeTestError) as caught:
        preflight.check_ports(layout)
    assert caught.value.exit_code == EXIT_INFRASTRUCTURE
    assert "port 6443 (needed by kube-apiserver) is held by another process" in str(caught.value)
    assert "scripts/k8s-local down" in str(caught.value.hint)


def test_no_default_route_says_how_to_name_the_node_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(network, "_run", lambda *args, **kw: Result(tuple(args), 0, "[]", ""))
    with pytest.raises(FloeTestError) as caught:
        network.node_ip()
    assert caught.value.exit_code == EXIT_USAGE
    assert "FLOE_K8S_LOCAL_NODE_IP" in str(caught.value.hint)


class _BusyDirectory:
    """A cgroup whose last process leaves after ``busy`` attempts to remove it."""

    def __init__(self, busy: int) -> None:
        self.busy = busy
        self.attempts = 0

    def rmdir(self) -> None:
        self.attempts += 1
        if self.attempts <= self.busy:
            raise OSError(16, "Device or resource busy")


def test_a_busy_cgroup_is_removed_once_its_processes_have_left() -> None:
    busy = _BusyDirectory(busy=2)
    assert down._remove_cgroup(busy) == 1  # type: ignore[arg-type]
    assert busy.attempts == 3


def test_a_cgroup_gone_already_counts_as_nothing_removed(tmp_path: Path) -> None:
    assert down._remove_cgroup(tmp_path / "gone") == 0
    (tmp_path / "empty").mkdir()
    assert down._remove_cgroup(tmp_path / "empty") == 1
    assert not (tmp_path / "empty").exists()
