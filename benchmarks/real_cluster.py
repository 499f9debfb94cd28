"""Time the real single-node cluster of ``scripts/k8s-local``: its builds and its start.

    uv run python benchmarks/real_cluster.py [--repeat N] [--keep] [--running-only]
        [--cold-build COMPONENT ...]

Prints a table:

* **last build**, per component: the seconds its cached build took, as recorded in
  ``<cache>/<component>/<version>/build.json`` (a rebuild with a warm Go cache is short);
* **cold build** (``--cold-build k8s etcd ...``): each named component built from nothing,
  with empty Go build and module caches in a scratch directory (downloads included), so it
  is what a brand-new machine pays; tens of minutes for ``k8s`` on 2 cores;
* **up from nothing** (after ``down``; builds cached) and **up on a running cluster** (only
  its checks), each the median of N runs, against the target of 30 s. ``--running-only``
  measures only the second, leaving a cluster others may be using in place.

Sections for the integration tier on this cluster (per phase: install, platform ready,
suite, collect, teardown, beside the local backend) belong here too; they are added by the
real-cluster suite's owner. ``--keep`` leaves the cluster up at the end (else: down).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
K8S_LOCAL = str(ROOT / "scripts" / "k8s-local")
UP_TARGET = 30.0


def timed(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run(
        [K8S_LOCAL, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def cold_build(thing: str) -> float:
    """Build one component with every cache empty; the scratch caches are removed after."""
    scratch = Path(tempfile.mkdtemp(prefix="floe-cold-build-", dir="/var/tmp"))
    env = {
        **os.environ,
        "FLOE_TEST_CACHE": str(scratch / "cache"),
        "GOCACHE": str(scratch / "gocache"),
        "GOMODCACHE": str(scratch / "gomod"),
    }
    try:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "floe_testing.k8slocal.build", thing], env=env, check=True
        )
        return time.perf_counter() - start
    finally:
        subprocess.run(["chmod", "-R", "u+w", str(scratch)], check=False)
        shutil.rmtree(scratch, ignore_errors=True)


def cold_builds() -> list[tuple[str, str, float]]:
    from floe_testing.k8slocal.build import components
    from floe_testing.k8slocal.layout import Layout, Versions

    layout = Layout.from_env()
    rows = []
    for component in components(Versions.pinned()):
        stamp = layout.build_dir(component.thing, component.version) / "build.json"
        seconds = json.loads(stamp.read_text())["seconds"] if stamp.is_file() else float("nan")
        rows.append((component.thing, component.version, seconds))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="leave the cluster up at the end")
    parser.add_argument("--cold-build", nargs="*", default=[], metavar="COMPONENT")
    parser.add_argument(
        "--running-only", action="store_true", help="never down: time up on a running cluster"
    )
    args = parser.parse_args()
    if os.geteuid() != 0:
        parser.error("run as root (scripts/k8s-local starts containerd and the kubelet)")

    colds = [(thing, cold_build(thing)) for thing in args.cold_build]
    timed("up")  # builds if needed; not measured
    cold, warm = [], []
    for _ in range(args.repeat):
        if not args.running_only:
            timed("down")
            cold.append(timed("up"))
        warm.append(timed("up"))

    print(f"{'component':<16} {'version':<20} {'last build s':>12}")
    for thing, version, seconds in cold_builds():
        print(f"{thing:<16} {version:<20} {seconds:>12.0f}")
    for thing, seconds in colds:
        print(f"{thing:<16} {'cold, empty caches':<20} {seconds:>12.0f}")
    print()
    print(f"{'step':<28} {'median s':>9} {'runs':>24} {'target':>7} {'ratio':>6}")
    for name, runs in (("up (cluster down)", cold), ("up (cluster running)", warm)):
        if not runs:
            continue
        median = statistics.median(runs)
        shown = " ".join(f"{r:.1f}" for r in runs)
        print(f"{name:<28} {median:>9.1f} {shown:>24} {UP_TARGET:>7.0f} {median / UP_TARGET:>6.2f}")
    if not args.keep and not args.running_only:
        timed("down")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
