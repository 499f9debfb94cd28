"""Debian bookworm root filesystems for the kind node image, from Debian's own packages.

Two of them, each a tarball cached under ``$FLOE_TEST_CACHE/kind-node/rootfs/`` and named by
the hash of its inputs (suite, mirror, package list, recipe), so it is made once:

* ``node``: what the node container boots — systemd, dbus, containerd 1.6, runc and the CNI
  plugins from Debian, iptables and friends for the kubelet and kube-proxy's host side;
* ``net``: a minimal base for the node's own network pods (kube-proxy, kube-router) and the
  storage provisioner's helper: iptables, ipset, conntrack, iproute2, a shell.

Dockerless: ``debootstrap`` and ``tar`` only (``docker import`` of the node rootfs is done by
the assembly, through the docker adapter).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from floe_testing.core.cache import cache_dir
from floe_testing.core.errors import InfrastructureError, UsageError
from floe_testing.tools.command import Tool, which

RECIPE = "1"  # bump when the way a rootfs is made changes
DEBOOTSTRAP_TIMEOUT = 1800.0
TAR_TIMEOUT = 600.0
PRUNE = (
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
    "var/cache/apt/archives",
    "var/lib/apt/lists",
)


@dataclass(frozen=True)
class Rootfs:
    """One Debian root filesystem recipe."""

    name: str
    packages: tuple[str, ...]
    suite: str
    mirror: str

    def inputs(self) -> str:
        digest = hashlib.sha256()
        for part in (RECIPE, self.name, self.suite, self.mirror, *self.packages, *PRUNE):
            digest.update(part.encode() + b"\0")
        return digest.hexdigest()

    @property
    def archive(self) -> Path:
        name = f"{self.name}-{self.suite}-{self.inputs()[:12]}.tar"
        return cache_dir("kind-node", "rootfs") / name


def node_rootfs(pins: dict[str, str]) -> Rootfs:
    return Rootfs(
        name="node",
        suite=pins["DEBIAN_SUITE"],
        mirror=pins["DEBIAN_MIRROR"],
        packages=(
            "systemd",
            "systemd-sysv",
            "dbus",
            "containerd",
            "runc",
            "containernetworking-plugins",
            "iptables",
            "ipset",
            "conntrack",
            "ethtool",
            "socat",
            "iproute2",
            "mount",
            "util-linux",
            "procps",
            "kmod",
            "ca-certificates",
            "libseccomp2",
            "bash",
        ),
    )


def net_rootfs(pins: dict[str, str]) -> Rootfs:
    return Rootfs(
        name="net",
        suite=pins["DEBIAN_SUITE"],
        mirror=pins["DEBIAN_MIRROR"],
        packages=("iptables", "ipset", "conntrack", "iproute2", "kmod"),
    )


def ensure(rootfs: Rootfs, say: Callable[[str], None]) -> Path:
    """The rootfs tarball, made unless cached. Excludes /dev (the runtime provides it)."""
    archive = rootfs.archive
    if archive.is_file():
        return archive
    debootstrap = which("debootstrap")
    if debootstrap is None or os.geteuid() != 0:
        raise UsageError(
            "making the kind node's Debian rootfs needs root and debootstrap",
            "run as root after `scripts/images engine` (it installs debootstrap)",
        )
    archive.parent.mkdir(parents=True, exist_ok=True)
    log = archive.with_suffix(".debootstrap.log")
    say(f"debootstrap {rootfs.suite} {rootfs.name} rootfs (log: {log}; a few minutes, once)")
    with tempfile.TemporaryDirectory(prefix=f"floe-{rootfs.name}-", dir=archive.parent) as tmp:
        root = Path(tmp) / "rootfs"
        done = Tool("debootstrap", debootstrap).run(
            [
                "--variant=minbase",
                "--include=" + ",".join(rootfs.packages),
                rootfs.suite,
                str(root),
                rootfs.mirror,
            ],
            timeout=DEBOOTSTRAP_TIMEOUT,
            check=False,
        )
        log.write_text(done.stdout + done.stderr, encoding="utf-8")
        if not done.ok:
            raise InfrastructureError(
                f"debootstrap of the {rootfs.name} rootfs failed (exit {done.returncode})",
                f"read {log}; check that {rootfs.mirror} answers (`apt-get update`)",
                cause="kind-node",
            )
        for rel in PRUNE:
            target = root / rel
            if target.is_dir():
                shutil.rmtree(target)
                target.mkdir(mode=0o755)
        partial = archive.with_suffix(".partial")
        Tool("tar", which("tar") or "tar").run(
            [
                "--numeric-owner",
                "--xattrs",
                "--exclude=./dev/*",
                "--exclude=./proc/*",
                "--exclude=./sys/*",
                "-C",
                str(root),
                "-cf",
                str(partial),
                ".",
            ],
            timeout=TAR_TIMEOUT,
        )
        partial.replace(archive)
    return archive


if __name__ == "__main__":  # python -m floe_testing.kindnode.rootfs: both, in parallel
    import sys
    from concurrent.futures import ThreadPoolExecutor

    from floe_testing.config import pins as pin_file
    from floe_testing.k8slocal.layout import REPO

    values = pin_file.load(REPO)
    with ThreadPoolExecutor(2) as pool:
        for path in pool.map(
            lambda r: ensure(r, lambda m: print(m, file=sys.stderr)),
            (node_rootfs(values), net_rootfs(values)),
        ):
            print(path)
