"""The integration and e2e tiers on the real cluster, per phase, beside the local backend.

    uv run python benchmarks/real_cluster_tier.py [--tier integration|e2e|all] \
        [--kubeconfig KC] [--runner REF] [--platform REF] [--shards N] [--repeat N]

Needs a running cluster (``scripts/k8s-local up``; its kubeconfig is found through
``scripts/k8s-local status`` when --kubeconfig is not given) with the images loaded
(without --runner/--platform: ``scripts/images build`` makes every image, the full profile's
Cube, SeaweedFS and catalog included, and ``scripts/k8s-local load`` imports them, before any
timing); the local e2e needs ``scripts/catalog build`` and ``scripts/full-profile-setup``
once. For each tier and repetition it runs ``floe-test run TIER --backend cluster`` (the chart
installed with values-k8s-local.yaml) and ``floe-test run TIER --backend local`` in the same
run, and prints the phases of each (the cluster backend's ``cluster-phases.json``: install,
platform ready, suite, collect, teardown; the pipeline's ``summary.json`` for both) and the
ratio of the totals. Targets on a warm cluster: the integration tier <= 90 s (issue 10); for
e2e (issue 17) the full profile ready (install + platform ready) <= 60 s and the whole tier
<= 150 s.
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
TIERS = ("integration", "e2e")
TOTAL_TARGET = {"integration": 90.0, "e2e": 150.0}
READY_TARGET = {"e2e": 60.0}  # install + platform ready (the full profile)
Rows = dict[str, float]


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


def timed(
    argv: list[str], results: Path, tier: str
) -> tuple[float, dict[str, float], dict[str, float]]:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        sys.exit(f"{' '.join(argv[:4])} exited {done.returncode}")
    folder = results / tier
    summary = json.loads((folder / "summary.json").read_text())["timings_seconds"]
    phases_file = folder / "cluster-phases.json"
    phases = json.loads(phases_file.read_text()) if phases_file.is_file() else {}
    return seconds, summary, phases


def measure(tier: str, kubeconfig: str, runner: str, platform: str, shards: int) -> Rows:
    """One repetition of ``tier``: the cluster backend, then the local backend."""
    rows: Rows = {}
    with tempfile.TemporaryDirectory() as folder:
        results = Path(folder)
        cluster_argv = [
            FLOE_TEST, "run", tier, "--backend", "cluster",
            "--kubeconfig", kubeconfig, "--values", "values-k8s-local.yaml",
            "--image", runner, "--platform-image", platform,
            "--shards", str(shards), "--results-dir", str(results / "cluster"),
        ]  # fmt: skip
        total, _, phases = timed(cluster_argv, results / "cluster", tier)
        rows["cluster: total"] = total
        for name in CLUSTER_PHASES:
            rows[f"cluster: {name}"] = phases.get(name, float("nan"))
        rows["cluster: install + ready"] = phases["install"] + phases["platform ready"]
        local_argv = [FLOE_TEST, "run", tier, "--backend", "local",
                      "--results-dir", str(results / "local")]  # fmt: skip
        total, summary, _ = timed(local_argv, results / "local", tier)
        rows["local: total"] = total
        for name in PIPELINE_PHASES:
            rows[f"local: {name}"] = summary.get(name, float("nan"))
    return rows


def report(tier: str, runs: list[Rows]) -> None:
    print(f"\n{tier} tier ({len(runs)} run{'s' * (len(runs) > 1)})")
    print(f"{'phase':32} {'median s':>9}  runs")
    for name in runs[0]:
        values = [run[name] for run in runs]
        print(
            f"{name:32} {statistics.median(values):9.1f}  {', '.join(f'{v:.1f}' for v in values)}"
        )
    cluster = statistics.median(run["cluster: total"] for run in runs)
    local = statistics.median(run["local: total"] for run in runs)
    targets = [f"cluster total <= {TOTAL_TARGET[tier]:g} s"]
    if tier in READY_TARGET:
        ready = statistics.median(run["cluster: install + ready"] for run in runs)
        targets.append(
            f"full profile ready <= {READY_TARGET[tier]:g} s "
            f"({'met' if ready <= READY_TARGET[tier] else 'MISSED'}: {ready:.1f} s)"
        )
    met = "met" if cluster <= TOTAL_TARGET[tier] else "MISSED"
    print(f"cluster / local (total): {cluster / local:.1f}x; targets on a warm cluster: "
          f"{'; '.join(targets)} (total {met}: {cluster:.1f} s)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tier", choices=[*TIERS, "all"], default="all")
    parser.add_argument("--kubeconfig")
    parser.add_argument("--runner")
    parser.add_argument("--platform")
    parser.add_argument("--shards", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    kubeconfig = args.kubeconfig or found_kubeconfig()
    images = {} if args.runner and args.platform else built_images()
    runner, platform = args.runner or images["RUNNER"], args.platform or images["PLATFORM"]
    tiers = TIERS if args.tier == "all" else (args.tier,)
    for tier in tiers:
        runs = [
            measure(tier, kubeconfig, runner, platform, args.shards) for _ in range(args.repeat)
        ]
        report(tier, runs)


if __name__ == "__main__":
    main()
