"""Start Iceberg's REST catalog server (the local full profile's catalog) and time readiness.

Run: uv run python benchmarks/catalog_startup.py [--repeat N]
For each JVM found (the pinned Debian OpenJDK 17 and the Temurin 25 JDK) and with/without the
module's JVM options, prints the median time until ``GET /v1/config`` answers, the RSS then, and
the ratio to the pinned setup. No S3 is needed: the server touches storage only for tables.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import psutil

from floe_testing.backends.local import catalog
from floe_testing.backends.local.ports import free_ports
from floe_testing.tools.processes import ProcessSupervisor

JVMS = {
    "openjdk-17 (pinned)": Path("/usr/lib/jvm/java-17-openjdk-amd64/bin/java"),
    "temurin-25": Path("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"),
}
S3 = catalog.S3Store("http://127.0.0.1:9", "bench", "bench", "bench-secret")


def once(java: Path, tuned: bool, state: Path) -> tuple[float, float]:
    (port,) = free_ports(1)
    launch = catalog.rest_catalog_launch(port, state, S3, java=java)
    if not tuned:
        argv = tuple(a for a in launch.argv if a not in catalog.JVM_OPTIONS)
        launch = replace(launch, argv=argv)
    supervisor = ProcessSupervisor(state / "logs")
    start = time.perf_counter()
    try:
        process = catalog.start_rest_catalog(supervisor, launch)
        ready = time.perf_counter() - start
        rss = psutil.Process(process.pid).memory_info().rss / 2**20
    finally:
        supervisor.stop_all(grace=10.0)
    return ready, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    baseline = None
    print(f"{'jvm':22s} {'options':8s} {'ready s':>8s} {'rss MiB':>8s} {'ratio':>6s}")
    for label, java in JVMS.items():
        if not java.exists():
            print(f"{label:22s} (not installed: {java})")
            continue
        for tuned in (True, False):
            runs = []
            for _ in range(args.repeat):
                with tempfile.TemporaryDirectory() as tmp:
                    runs.append(once(java, tuned, Path(tmp)))
            ready = statistics.median(r[0] for r in runs)
            rss = statistics.median(r[1] for r in runs)
            baseline = baseline or ready
            options = "tuned" if tuned else "default"
            print(f"{label:22s} {options:8s} {ready:8.2f} {rss:8.0f} {ready / baseline:6.2f}")


if __name__ == "__main__":
    main()
