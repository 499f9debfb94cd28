"""The integration tier on the real cluster, per phase, beside the local backend in the same run.

    uv run python benchmarks/real_cluster_tier.py [--kubeconfig KC] [--runner REF] \
        [--platform REF] [--shards N] [--repeat N]

Needs a running cluster (``scripts/k8s-local up``; its kubeconfig is found through
``scripts/k8s-local status`` when --kubeconfig is not given) with the images loaded
(without --runner/--platform: ``scripts/images build`` makes them and ``scripts/k8s-local
load`` imports them, before any timing). For each
repetition it runs ``floe-test run integration --backend cluster`` (the chart installed with
values-k8s-local.yaml) and ``floe-test run integration --backend local``, and prints the phases
of each (the cluster backend's ``cluster-phases.json``: install, platform ready, suite,
collect, teardown; the pipeline's ``summary.json`` for both) and the ratio of the totals.
Target (issue 10): the integration tier on a warm cluster <= 90 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOE_TEST = str(Path(sys.executable).with_name("floe-test"))
CLUSTER_PHASES = ("install", "platform ready", "suite", "collect", "teardown")
PIPELINE_PHASES = ("start platform", "run tests", "collect", "teardown")


def _last_values(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def found_kubeconfig() -> str:
    done = subprocess.run(
        [str(ROOT / "scripts" / "k8s-local"), "status"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit("no running cluster: scripts/k8s-local up (or pass --kubeconfig)")
    return _last_values(done.stdout)["KUBECONFIG"]


def built_images() -> dict[str, str]:
    """``scripts/images build``'s images, imported into the node (not timed)."""
    done = subprocess.run(
        [str(ROOT / "scripts" / "images"), "build"], capture_output=True, text=True, check=True
    )
    refs = _last_values(done.stdout)
    subprocess.run([str(ROOT / "scripts" / "k8s-local"), "load", *refs.values()], check=True)
    return refs


def timed(argv: list[str], results: Path) -> tuple[float, dict[str, float], dict[str, float]]:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        sys.exit(f"{' '.join(argv[:4])} exited {done.returncode}")
    folder = results / "integration"
    summary = json.loads((folder / "summary.json").read_text())["timings_seconds"]
    phases_file = folder / "cluster-phases.json"
    phases = json.loads(phases_file.read_text()) if phases_file.is_file() else {}
    return seconds, summary, phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kubeconfig")
    parser.add_argument("--runner")
    parser.add_argument("--platform")
    parser.add_argument("--shards", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    kubeconfig = args.kubeconfig or found_kubeconfig()
    images = {} if args.runner and args.platform else built_images()
    runner, platform = args.runner or images["RUNNER"], args.platform or images["PLATFORM"]
    rows: dict[str, list[float]] = {}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as folder:
            results = Path(folder)
            cluster_argv = [
                FLOE_TEST, "run", "integration", "--backend", "cluster",
                "--kubeconfig", kubeconfig, "--values", "values-k8s-local.yaml",
                "--image", runner, "--platform-image", platform,
                "--shards", str(args.shards), "--results-dir", str(results / "cluster"),
            ]  # fmt: skip
            total, summary, phases = timed(cluster_argv, results / "cluster")
            rows.setdefault("cluster: total", []).append(total)
            for name in CLUSTER_PHASES:
                rows.setdefault(f"cluster: {name}", []).append(phases.get(name, float("nan")))
            local_argv = [FLOE_TEST, "run", "integration", "--backend", "local",
                          "--results-dir", str(results / "local")]  # fmt: skip
            total, summary, _ = timed(local_argv, results / "local")
            rows.setdefault("local: total", []).append(total)
            for name in PIPELINE_PHASES:
                rows.setdefault(f"local: {name}", []).append(summary.get(name, float("nan")))
    print(f"{'phase':32} {'median s':>9}  runs")
    for name, values in rows.items():
        print(
            f"{name:32} {statistics.median(values):9.1f}  {', '.join(f'{v:.1f}' for v in values)}"
        )
    ratio = statistics.median(rows["cluster: total"]) / statistics.median(rows["local: total"])
    print(f"cluster / local (total): {ratio:.1f}x; target: cluster total <= 90 s on a warm cluster")


if __name__ == "__main__":
    main()
