"""``down``: remove every trace of the cluster, and nothing else; a second ``down`` does nothing.

Order matters: the kubelet first (it would restart what is removed), then the pods'
containers (through containerd, then any process left in the kubelet's ``kubepods``
cgroups), containerd and the control plane; then mounts under the cluster's own
directories, the bridge, iptables chains, ipsets and cgroups; the state directory last,
and only when nothing is mounted inside it any more. Logs stay (they are outside the state).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from floe_testing.core.errors import InfrastructureError
from floe_testing.core.polling import WaitTimeout, wait_for
from floe_testing.k8slocal import images, network, processes
from floe_testing.k8slocal.layout import Layout, Network
from floe_testing.tools.command import Tool, which
from floe_testing.tools.processes import processes_matching, signal_processes

Say = Callable[[str], None]
NODE_AGENTS = ("kubelet", "kube-router", "kube-proxy", "kube-scheduler", "kube-controller-manager")
CONTROL_PLANE = ("kube-apiserver", "etcd")


class TeardownError(InfrastructureError):
    """Something of the cluster could not be removed; the message names it."""

    def __init__(self, message: str) -> None:
        super().__init__(
            message,
            "run scripts/k8s-local down again; scripts/k8s-local status lists what is left",
            cause="teardown",
        )


def down(layout: Layout, net: Network, say: Say) -> None:
    started = time.monotonic()
    stopped = [name for name in NODE_AGENTS if processes.stop(layout, name)]
    removed = _remove_containers(layout) if processes.supervisor_pid(layout, "containerd") else 0
    killed = _kill_pod_processes()
    if processes.stop(layout, "containerd"):
        stopped.append("containerd")
    shims = _kill_shims(layout)
    stopped += [name for name in CONTROL_PLANE if processes.stop(layout, name)]
    unmounted = _unmount_under(layout.run, layout.state)
    links = network.remove_bridge(net)
    chains = network.remove_chains()
    ipsets = network.remove_ipsets()
    cgroups = _remove_cgroups()
    files = _remove_host_files(layout)
    gone = [str(d) for d in (layout.state, layout.run) if d.exists()]
    _remove_tree(layout.state)
    _remove_tree(layout.run)
    report: list[tuple[Sequence[object], str]] = [
        (stopped, "stopped"),
        ([removed] if removed else [], "containers removed"),
        ([killed] if killed else [], "pod processes killed"),
        ([shims] if shims else [], "shims ended"),
        ([len(unmounted)] if unmounted else [], "mounts unmounted"),
        (links, "links deleted"),
        ([len(chains)] if chains else [], "iptables chains deleted"),
        ([len(ipsets)] if ipsets else [], "ipsets destroyed"),
        ([cgroups] if cgroups else [], "cgroups removed"),
        ([files] if files else [], "files outside the state removed"),
        (gone, "removed"),
    ]
    done = [f"{label}: {', '.join(map(str, items))}" for items, label in report if items]
    took = f" ({time.monotonic() - started:.1f} s)"
    say("; ".join(done) + took if done else "nothing of the cluster was running or left")


def leftovers(layout: Layout, net: Network) -> list[str]:
    """What of the cluster still exists (``status`` shows it once nothing runs)."""
    pods = sum(
        len(p.read_text().split()) for r in _kubepods_cgroups() for p in r.rglob("cgroup.procs")
    )
    counts = {
        "pod processes": pods,
        "containerd shims": len(_shims(layout)),
        "mounts": len(_mounts_under(layout.run, layout.state)),
        "iptables chains": len(network.chains()),
        "ipsets": len(network.ipsets()),
        "kubepods cgroup trees": len(_kubepods_cgroups()),
    }
    found = [f"{count} {what}" for what, count in counts.items() if count]
    if network.link_exists(net.bridge):
        found.append(f"bridge {net.bridge}")
    if layout.state.exists():
        found.append(f"state {layout.state}")
    return found


def _remove_containers(layout: Layout) -> int:
    tasks = images.ctr(layout, "tasks", "list", "--quiet", check=False).stdout.split()
    for task in tasks:
        images.ctr(layout, "tasks", "delete", "--force", task, check=False)
    containers = images.ctr(layout, "containers", "list", "--quiet", check=False).stdout.split()
    for container in containers:
        images.ctr(layout, "containers", "delete", container, check=False)
    return len(containers)


def _kubepods_cgroups() -> list[Path]:
    """``kubepods`` in every hierarchy (v1 controllers and the unified one)."""
    return [p / "kubepods" for p in Path("/sys/fs/cgroup").iterdir() if (p / "kubepods").is_dir()]


def _kill_pod_processes() -> int:
    """SIGKILL whatever still runs in the kubelet's pod cgroups (only pods live there)."""
    pids: set[int] = set()
    for root in _kubepods_cgroups():
        for procs in root.rglob("cgroup.procs"):
            pids.update(int(p) for p in procs.read_text().split())
    signal_processes(pids, signal.SIGKILL)
    return len(pids)


def _shims(layout: Layout) -> list[int]:
    """Shims of our containerd (their command line names its socket)."""
    marker = str(layout.containerd_socket)

    def ours(argv: list[str]) -> bool:
        return argv[0].endswith("containerd-shim-runc-v2") and marker in " ".join(argv)

    return processes_matching(ours)


def _kill_shims(layout: Layout) -> int:
    """Shims that outlived our containerd."""
    shims = _shims(layout)
    signal_processes(shims, signal.SIGKILL)
    return len(shims)


def _mounts_under(*roots: Path) -> list[str]:
    prefixes = [str(r.resolve()) + "/" for r in roots] + [str(r.resolve()) for r in roots]
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4].replace("\\040", " ")
        if any(point == p or point.startswith(p) for p in prefixes):
            points.append(point)
    return sorted(set(points), key=len, reverse=True)


def _unmount_under(*roots: Path) -> list[str]:
    umount = Tool("umount", which("umount") or "umount")
    unmounted = []
    for _attempt in range(3):
        points = _mounts_under(*roots)
        if not points:
            break
        for point in points:
            if not umount.run([point], timeout=60, check=False).ok:
                umount.run(["-l", point], timeout=60, check=False)
            unmounted.append(point)
    return unmounted


def _remove_cgroups() -> int:
    count = 0
    for root in _kubepods_cgroups():
        for directory in [
            *sorted(
                (p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True
            ),
            root,
        ]:
            count += _remove_cgroup(directory)
    return count


def _remove_cgroup(directory: Path) -> int:
    """1 when ``directory`` was removed; a killed process leaves its cgroup a moment later,
    so a busy one is tried again for a second, then left (``status`` lists what is left)."""

    def removed() -> int | None:
        try:
            directory.rmdir()
        except FileNotFoundError:
            return 0
        return 1

    try:
        return wait_for(
            removed,
            until=lambda _done: True,
            timeout=1.0,
            interval=0.05,
            retry_on=(OSError,),
            description=f"{directory} to be removed",
        )
    except WaitTimeout:
        return 0


CNI_CACHE = Path("/var/lib/cni/results")
LOG_LINKS = Path("/var/log/containers")
DEVICE_PLUGINS = Path("/var/lib/kubelet/device-plugins")
SHIM_SOCKETS = Path("/run/containerd")  # containerd 1.6 puts shim sockets here, whatever its state


def _remove_host_files(layout: Layout) -> int:
    """What the components write at fixed paths outside the state: the kubelet's log links
    into our pod-logs and its device-plugin socket, CNI's cached results for our network,
    and the (by then empty) shim socket directories. Directories go only when empty."""
    removed = []
    if LOG_LINKS.is_dir():
        state = str(layout.state) + "/"
        removed += [
            p for p in LOG_LINKS.iterdir() if p.is_symlink() and os.readlink(p).startswith(state)
        ]
    if CNI_CACHE.is_dir():
        ours = [p for p in CNI_CACHE.iterdir() if p.name.startswith("floe-k8s-local-")]
        ids = {p.name.removeprefix("floe-k8s-local-").rsplit("-", 1)[0] for p in ours}
        removed += ours + [CNI_CACHE / f"cni-loopback-{i}-lo" for i in ids]
    removed.append(DEVICE_PLUGINS / "kubelet.sock")
    count = 0
    for path in removed:
        if path.is_symlink() or path.exists():
            path.unlink()
            count += 1
    for directory in (
        DEVICE_PLUGINS,
        DEVICE_PLUGINS.parent,
        LOG_LINKS,
        SHIM_SOCKETS / "s",
        SHIM_SOCKETS / "runc" / "k8s.io",
        SHIM_SOCKETS / "runc",
        SHIM_SOCKETS,
    ):
        with contextlib.suppress(OSError):  # not there, or not empty: left alone
            directory.rmdir()
    return count


def _remove_tree(root: Path) -> None:
    if not root.exists():
        return
    left = _mounts_under(root)
    if left:
        raise TeardownError(
            f"still mounted under {root}: {', '.join(left[:5])}; "
            "unmount them (umount -l PATH), then run down again"
        )
    shutil.rmtree(root)
