"""`floe-test --help` start-up time (target <= 0.1 s): heavy imports stay inside commands, and
the top-level help is printed from its cache without importing typer (cli/entry.py).

uv run python benchmarks/cluster_startup.py [RUNS]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET = 0.1
FLOE_TEST = str(Path(sys.executable).parent / "floe-test")


def main(runs: int) -> None:
    subprocess.run([FLOE_TEST, "--help"], capture_output=True, check=True)  # warm the caches
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([FLOE_TEST, "--help"], capture_output=True, check=True)
        samples.append(time.perf_counter() - start)
    median = statistics.median(samples)
    print(f"floe-test --help: median {median:.3f}s, min {min(samples):.3f}s over {runs} runs")
    print(f"target {TARGET}s: ratio {median / TARGET:.2f} ({'ok' if median <= TARGET else 'SLOW'})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
