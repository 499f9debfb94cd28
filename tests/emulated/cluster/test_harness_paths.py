"""The emulated kubelet maps a pod's mount paths per pod, but never the harness' own PATH."""

from __future__ import annotations

from harness.kubelet import container_env


def test_a_checkout_under_a_mount_path_keeps_its_venv_on_path() -> None:
    mounts = {"/tmp": "/work/pods/ns/pod/tmp", "/results": "/work/pods/ns/pod/results"}
    env = {
        "PATH": "/tmp/checkout/.venv/bin:/usr/bin",
        "TMPDIR": "/tmp",
        "FLOE_RESULTS": "/results/junit.xml",
    }

    rewritten = container_env(env, mounts)

    assert rewritten["PATH"] == "/tmp/checkout/.venv/bin:/usr/bin"
    assert rewritten["TMPDIR"] == "/work/pods/ns/pod/tmp"
    assert rewritten["FLOE_RESULTS"] == "/work/pods/ns/pod/results/junit.xml"
