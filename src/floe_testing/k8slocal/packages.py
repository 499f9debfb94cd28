"""The Debian packages a node needs (containerd, runc, CNI plugins, iptables, ipset, conntrack).

Missing ones are installed at their pinned version. One already installed at another
version is kept (with a warning): Docker depends on the same containerd and runc, and
``up`` never changes what other programs on the machine run on.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable


class PackageError(RuntimeError):
    """apt-get could not install a pinned package."""


def installed_version(package: str) -> str | None:
    result = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Status}\t${Version}", package],
        capture_output=True,
        text=True,
        check=False,
    )
    status, _, version = result.stdout.partition("\t")
    return version if result.returncode == 0 and status.endswith(" installed") else None


def ensure_packages(pins: dict[str, str], say: Callable[[str], None]) -> None:
    missing = []
    for package, version in pins.items():
        have = installed_version(package)
        if have is None:
            missing.append(f"{package}={version}")
        elif have != version:
            say(f"warning: {package} {have} is installed (pinned {version}); keeping it")
    if not missing:
        return
    say(f"installing {' '.join(missing)} (apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock = ["-o", "DPkg::Lock::Timeout=600"]
    for command in (
        ["apt-get", *lock, "update", "-q"],
        ["apt-get", *lock, "install", "-y", "-q", "--no-install-recommends", *missing],
    ):
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-5:])
            raise PackageError(
                f"{' '.join(command[:3])} failed:\n{tail}\n"
                "(a pinned version may have left the archive: update pins/versions.env)"
            )
