"""How fast `floe-test run integration --backend kind` refuses on a machine it cannot use.

Target: under one second, exit 2, nothing created. Prints the wall time of N runs.
Run: uv run python benchmarks/kind_preflight.py [N]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOE_TEST = Path(sys.executable).parent / "floe-test"


def main(runs: int) -> None:
    times, codes = [], set()
    with tempfile.TemporaryDirectory() as tmp:
        results = Path(tmp) / "results"
        for _ in range(runs):
            start = time.perf_counter()
            done = subprocess.run(
                [
                    str(FLOE_TEST),
                    "run",
                    "integration",
                    "--backend",
                    "kind",
                    "--results-dir",
                    str(results),
                ],
                capture_output=True,
                check=False,
            )
            times.append(time.perf_counter() - start)
            codes.add(done.returncode)
        created = results.exists()
    print(f"runs: {runs}  exit codes: {sorted(codes)}  results dir created: {created}")
    print(f"median {statistics.median(times):.3f}s  max {max(times):.3f}s  (target < 1.0s)")
    print(f"first line: {done.stderr.decode().splitlines()[0] if done.stderr else ''}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
