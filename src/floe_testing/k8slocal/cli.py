"""``scripts/k8s-local up|load IMAGE...|addons|down|status``: a real single-node cluster here.

Progress goes to stderr; ``up``'s last line on stdout is exactly ``KUBECONFIG=<path>``.
Exit codes: 0 done, 2 usage error (nothing changed), 3 infrastructure failure, 130 interrupted.
"""

from __future__ import annotations

import argparse
import fcntl
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from floe_testing.core.errors import (
    EXIT_INFRASTRUCTURE,
    EXIT_INTERRUPTED,
    FloeTestError,
    UsageError,
)
from floe_testing.k8slocal import components, processes
from floe_testing.k8slocal.down import down, leftovers
from floe_testing.k8slocal.health import healthy, kubectl
from floe_testing.k8slocal.images import load_from_docker
from floe_testing.k8slocal.layout import Layout, Network, Versions
from floe_testing.tools.docker import ContainerEngine

EPILOG = """examples:
  scripts/k8s-local up                      # build once (cold: ~1 h on 2 cores), then start
  export $(scripts/k8s-local up | tail -1)  # KUBECONFIG=... for kubectl and floe-test
  scripts/k8s-local load floe-runner:git-abc123 floe-platform:git-abc123
  scripts/k8s-local addons                  # add-ons (DNS, metrics, storage) on the running cluster
  scripts/k8s-local status
  scripts/k8s-local down                    # removes everything up made; safe to repeat
"""
HEALTH = {
    "etcd": "http://127.0.0.1:2381/health",
    "kube-apiserver": "https://127.0.0.1:6443/readyz",
    "kube-controller-manager": "https://127.0.0.1:10257/healthz",
    "kube-scheduler": "https://127.0.0.1:10259/healthz",
    "kubelet": "http://127.0.0.1:10248/healthz",
    "kube-proxy": "http://127.0.0.1:10256/healthz",
    "kube-router": "http://127.0.0.1:20244/healthz",
}


def say(message: str) -> None:
    print(f"k8s-local: {message}", file=sys.stderr, flush=True)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="scripts/k8s-local",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="A real single-node Kubernetes (built from upstream sources) on this machine.",
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("up", help="build (once) and start the cluster; prints KUBECONFIG=...")
    load = commands.add_parser("load", help="import local Docker images into the node")
    load.add_argument("images", nargs="+", metavar="IMAGE")
    commands.add_parser(
        "addons",
        help="apply up's add-ons (CoreDNS, metrics-server, storage) to the running cluster",
    )
    commands.add_parser("down", help="stop and remove everything up made")
    commands.add_parser("status", help="what runs (exit 0 all up, 3 otherwise)")
    return top


def status(layout: Layout) -> int:
    up = 0
    for name in components.NAMES:
        pid = processes.component_pid(layout, name)
        if pid is None:
            state = "not running"
        elif name == "containerd" or healthy(layout, HEALTH[name]):
            state, up = f"running (pid {pid})", up + 1
        else:
            state = f"running (pid {pid}), not healthy"
        print(f"{name:24} {state}")
    if up == len(components.NAMES):
        pods = kubectl(layout, "get", "pods", "-A", "--no-headers", check=False).stdout
        print(f"{'pods':24} {len(pods.splitlines())}")
        print(f"KUBECONFIG={layout.admin_kubeconfig}")
        return 0
    if up == 0:  # down: is anything of it left?
        left = leftovers(layout, Network())
        print(f"{'left over':24} {'; '.join(left) if left else 'nothing'}")
    return EXIT_INFRASTRUCTURE


def load(layout: Layout, refs: list[str]) -> int:
    if processes.supervisor_pid(layout, "containerd") is None:
        raise UsageError("the node's containerd is not running", "run scripts/k8s-local up first")
    docker = ContainerEngine.local_docker()  # raises, with the next step, when it is not up
    for ref in refs:
        started = time.monotonic()
        name = load_from_docker(layout, docker, ref)
        say(f"loaded {ref} as {name} in {time.monotonic() - started:.1f} s")
    return 0


@contextmanager
def exclusive(layout: Layout) -> Iterator[None]:
    """One ``up``/``load``/``down`` at a time (a CI stage and a test fixture may race)."""
    lock = layout.cache / "k8s-local" / "lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("waiting for another scripts/k8s-local to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    layout = Layout.from_env()
    if args.command == "status":
        return status(layout)
    try:
        with exclusive(layout):
            return run(args, layout)
    except KeyboardInterrupt:
        say("interrupted; what started keeps running: scripts/k8s-local down removes it")
        return EXIT_INTERRUPTED


def run(args: argparse.Namespace, layout: Layout) -> int:
    try:
        if args.command == "up":
            from floe_testing.k8slocal.up import up

            kubeconfig = up(layout, Versions.pinned(), Network(), say)
            print(f"KUBECONFIG={kubeconfig}", flush=True)
            return 0
        if args.command == "load":
            return load(layout, args.images)
        if args.command == "addons":
            from floe_testing.k8slocal.up import ensure_addons

            ensure_addons(layout, Versions.pinned(), Network(), say)
            return 0
        down(layout, Network(), say)
        return 0
    except FloeTestError as error:  # preflight, builds, packages, waits, teardown, pins
        say(f"error: {error}")
        return error.exit_code
    except (RuntimeError, OSError) as error:  # files, sockets, a library's own failure
        say(f"error: {error}")
        if args.command == "up":
            say(
                "logs: "
                + str(layout.logs)
                + "; remove a half-started cluster: scripts/k8s-local down"
            )
        return EXIT_INFRASTRUCTURE
