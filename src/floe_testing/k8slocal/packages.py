"""The Debian packages a node needs (containerd, runc, CNI plugins, iptables, ipset, conntrack).

Missing ones are installed at their pinned version. One already installed at another
version is kept (with a warning): Docker depends on the same containerd and runc, and
``up`` never changes what other programs on the machine run on.
"""

from __future__ import annotations

from collections.abc import Callable

from floe_testing.core.errors import InfrastructureError
from floe_testing.tools.command import Tool, which

APT_TIMEOUT = 1800.0


class PackageError(InfrastructureError):
    """apt-get could not install a pinned package."""

    def __init__(self, message: str) -> None:
        super().__init__(
            message,
            "check that Debian's mirror answers (`apt-get update`) and that pins/versions.env "
            "names versions it serves",
            cause="packages",
        )


def installed_version(package: str) -> str | None:
    query = Tool("dpkg-query", which("dpkg-query") or "dpkg-query")
    result = query.run(["-W", "-f", "${Status}\t${Version}", package], timeout=60, check=False)
    status, _, version = result.stdout.partition("\t")
    return version if result.ok and status.endswith(" installed") else None


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
    apt = Tool("apt-get", which("apt-get") or "apt-get", {"DEBIAN_FRONTEND": "noninteractive"})
    lock = ["-o", "DPkg::Lock::Timeout=600"]
    for command in (
        [*lock, "update", "-q"],
        [*lock, "install", "-y", "-q", "--no-install-recommends", *missing],
    ):
        result = apt.run(command, timeout=APT_TIMEOUT, check=False)
        if not result.ok:
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-5:])
            raise PackageError(
                f"{apt.describe(command[:3])} failed:\n{tail}\n"
                "(a pinned version may have left the archive: update pins/versions.env)"
            )
