"""Time the real single-node cluster of ``scripts/k8s-local``: its builds and its start.

    uv run python benchmarks/real_cluster.py [--repeat N] [--keep]

Prints a table:

* **cold build**, per component: the seconds each build took when it last ran from nothing,
  as recorded in ``<cache>/<component>/<version>/build.json`` (a cold build cannot be
  repeated cheaply: it needs empty Go caches; see docs/real-cluster.md for the measured run);
* **cold up** (a down cluster, warm build cache) and **warm up** (``up`` on a running
  cluster: only its checks), each the median of N runs, against the target of 30 s;
* **load**: one small image (the node's own DNS probe archive) imported into containerd.

Sections for the integration tier on this cluster (per phase: install, platform ready,
suite, collect, teardown, beside the local backend) belong here too; they are added by the
real-cluster suite's owner. ``--keep`` leaves the cluster up at the end (else: down).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
K8S_LOCAL = str(ROOT / "scripts" / "k8s-local")
UP_TARGET = 30.0


def timed(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([K8S_LOCAL, *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def cold_builds() -> list[tuple[str, str, float]]:
    from floe_testing.k8slocal.build import components
    from floe_testing.k8slocal.layout import Layout, Versions, read_pins

    layout = Layout.from_env()
    rows = []
    for component in components(Versions.from_pins(read_pins())):
        stamp = layout.build_dir(component.thing, component.version) / "build.json"
        seconds = json.loads(stamp.read_text())["seconds"] if stamp.is_file() else float("nan")
        rows.append((component.thing, component.version, seconds))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="leave the cluster up at the end")
    args = parser.parse_args()
    if os.geteuid() != 0:
        parser.error("run as root (scripts/k8s-local starts containerd and the kubelet)")

    timed("up")  # builds if needed; not measured
    cold, warm = [], []
    for _ in range(args.repeat):
        timed("down")
        cold.append(timed("up"))
        warm.append(timed("up"))

    print(f"{'component':<16} {'version':<20} {'cold build s':>12}")
    for thing, version, seconds in cold_builds():
        print(f"{thing:<16} {version:<20} {seconds:>12.0f}")
    print()
    print(f"{'step':<28} {'median s':>9} {'runs':>24} {'target':>7} {'ratio':>6}")
    for name, runs in (("up (cluster down)", cold), ("up (cluster running)", warm)):
        median = statistics.median(runs)
        shown = " ".join(f"{r:.1f}" for r in runs)
        print(f"{name:<28} {median:>9.1f} {shown:>24} {UP_TARGET:>7.0f} {median / UP_TARGET:>6.2f}")
    if not args.keep:
        timed("down")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
