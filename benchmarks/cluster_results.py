"""Time from the last test pod's exit to the merged JUnit on disk (target <= 0.5 s).

Runs `floe-test run integration --backend cluster --no-install --shards 3` against the
emulated cluster of tests/harness (pods are local processes) and compares the kubelet's
record of the last process exit with the merged junit.xml's modification time.

    uv run python benchmarks/cluster_results.py [RUNS]
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from harness.cli import run_cli, write_suite
from harness.cluster import EmulatedCluster

TARGET = 0.5
SUITE = {
    f"test_{m}.py": "".join(f"def test_{i}():\n    assert True\n" for i in range(20))
    for m in range(6)
}


def main(runs: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="floe-bench-"))
    suite = Path(tempfile.mkdtemp(prefix="floe-bench-suite-", dir="/var/tmp"))
    write_suite(suite, SUITE)
    samples: list[float] = []
    try:
        with EmulatedCluster(work / "cluster") as cluster:
            for index in range(runs):
                run = run_cli(cluster, suite, work / f"results-{index}", "--shards", "3")
                if run.exit_code != 0:
                    raise SystemExit(f"run {index} exited {run.exit_code}:\n{run.stderr}")
                samples.append(run.junit.stat().st_mtime - cluster.last_exit)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(suite, ignore_errors=True)
    median = statistics.median(samples)
    print(
        f"last pod exit -> merged junit.xml: median {median:.3f}s, max {max(samples):.3f}s "
        f"over {runs} runs of 3 shards x 40 tests"
    )
    print(f"target {TARGET}s: ratio {median / TARGET:.2f} ({'ok' if median <= TARGET else 'SLOW'})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
