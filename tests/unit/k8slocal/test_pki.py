"""The cluster's certificates: the names servers answer to, and a completed set kept as it is."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from floe_testing.k8slocal.pki import ensure_pki

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")


def _text(cert: Path) -> str:
    return subprocess.run(
        ["openssl", "x509", "-in", str(cert), "-noout", "-text"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _verifies(pki: Path, name: str, authority: str = "ca") -> bool:
    result = subprocess.run(
        ["openssl", "verify", "-CAfile", str(pki / f"{authority}.crt"), str(pki / f"{name}.crt")],
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def test_certificates_name_their_servers_and_chain_to_their_authority(tmp_path: Path) -> None:
    pki = tmp_path / "pki"
    assert ensure_pki(pki, "floe-node", "192.0.2.2", "10.96.0.1", "cluster.local")
    apiserver = _text(pki / "apiserver.crt")
    for name in (
        "DNS:kubernetes.default.svc.cluster.local",
        "IP Address:10.96.0.1",
        "IP Address:192.0.2.2",
        "IP Address:127.0.0.1",
    ):
        assert name in apiserver
    assert "O = system:nodes, CN = system:node:floe-node" in _text(pki / "kubelet.crt")
    assert _verifies(pki, "kubelet")
    assert _verifies(pki, "front-proxy-client", "front-proxy-ca")
    assert not _verifies(pki, "front-proxy-client")  # not by the cluster CA


def test_a_complete_set_is_kept_and_a_missing_certificate_is_issued_alone(tmp_path: Path) -> None:
    pki = tmp_path / "pki"
    ensure_pki(pki, "floe-node", "192.0.2.2", "10.96.0.1", "cluster.local")
    authority = (pki / "ca.crt").read_bytes()
    assert not ensure_pki(pki, "floe-node", "192.0.2.2", "10.96.0.1", "cluster.local")
    (pki / "kube-router.crt").unlink()
    assert ensure_pki(pki, "floe-node", "192.0.2.2", "10.96.0.1", "cluster.local")
    assert (pki / "ca.crt").read_bytes() == authority
    assert _verifies(pki, "kube-router")
    assert ensure_pki(pki, "floe-node", "192.0.2.9", "10.96.0.1", "cluster.local")  # new address
    assert (pki / "ca.crt").read_bytes() != authority
