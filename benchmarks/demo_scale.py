"""Demo data at scale: generation and load time, and peak memory, per scale.

Each scale runs in its own process (peak RSS is per process), loading into a DuckDB file,
as the pipeline's raw assets do. Bounded memory shows as a peak that barely moves while the
row count grows 10x and 100x.

    uv run python benchmarks/demo_scale.py [SCALE ...]     # default: 1 10 100
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile

CHILD = """
import json, resource, sys, time, duckdb
from floe_demo import data, transforms
scale = int(sys.argv[1])
start = time.perf_counter()
expected = data.expected_row_counts(scale=scale)
counted = time.perf_counter() - start
with duckdb.connect(sys.argv[2]) as conn:
    start = time.perf_counter()
    rows = transforms.load_raw_customers(conn, data.customer_batches(scale=scale))
    rows += transforms.load_raw_orders(conn, data.order_batches(scale=scale))
    loaded = time.perf_counter() - start
print(json.dumps({"scale": scale, "rows": rows, "expected_s": counted, "load_s": loaded,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def main() -> None:
    scales = [int(a) for a in sys.argv[1:]] or [1, 10, 100]
    print(
        f"{'scale':>6} {'rows':>9} {'expected s':>11} {'load s':>8} {'rows/s':>9} {'peak MiB':>9}"
    )
    for scale in scales:
        with tempfile.TemporaryDirectory() as folder:
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(scale), f"{folder}/demo.duckdb"],
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
        r = json.loads(out)
        print(
            f"{r['scale']:>6} {r['rows']:>9} {r['expected_s']:>11.2f} {r['load_s']:>8.2f} "
            f"{r['rows'] / r['load_s']:>9.0f} {r['peak_mib']:>9.0f}"
        )


if __name__ == "__main__":
    main()
