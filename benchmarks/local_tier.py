"""Time the local integration tier against the same suite on an already running platform.

    uv run python benchmarks/local_tier.py [--repeat N]

Prints, per repetition and as medians: the whole tier (`floe-test run integration --backend
local`, wall clock from the shell's view), the suite alone against a platform started
beforehand, and their difference: the tier's own overhead (start platform, pytest start-up,
collect, teardown). Targets on a 2-core machine: whole tier <= 25 s, overhead <= 6 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOE_TEST = str(Path(sys.executable).with_name("floe-test"))


def whole_tier(results: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [FLOE_TEST, "run", "integration", "--backend", "local", "--results-dir", str(results)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def suite_on_running_platform(results: Path) -> tuple[float, float]:
    """(platform start seconds, suite seconds) with the platform started outside the timing."""
    from floe_testing.backends.local import LocalBackend
    from floe_testing.config import load_project
    from floe_testing.plan import RunPlan, new_run_id
    from floe_testing.ui import Ui

    project = load_project(ROOT / "pyproject.toml")
    tier = project.config.tiers["integration"]
    plan = RunPlan(
        run_id=new_run_id(),
        project=project,
        tier=tier,
        profile=project.config.profiles["minimal"],
        services=project.config.profile_services("minimal"),
        backend="local",
        backend_reason="benchmark",
        suite=ROOT / tier.path,
        results_root=results,
        timeout=tier.timeout,
        keep=False,
        shards=1,
    )
    backend = LocalBackend()
    ui = Ui(quiet=True)
    started = time.perf_counter()
    try:
        backend.start_platform(plan, ui)
        ready = time.perf_counter() - started
        backend._stop_pytest()  # the tier's own early-started suite: only ours runs below
        begin = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "pytest", tier.path, "-q", "-p", "no:cacheprovider"],
            cwd=ROOT,
            env=backend.test_environment(plan),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return ready, time.perf_counter() - begin
    finally:
        backend.teardown(plan, ui)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.chdir(ROOT)
    wholes, suites, starts = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        whole_tier(Path(tmp) / "warmup")  # builds the storage template and warms caches
        for index in range(args.repeat):
            whole = whole_tier(Path(tmp) / f"whole-{index}")
            ready, suite = suite_on_running_platform(Path(tmp) / f"suite-{index}")
            wholes.append(whole)
            suites.append(suite)
            starts.append(ready)
            print(
                f"run {index + 1}: whole tier {whole:6.2f} s | suite on running platform "
                f"{suite:6.2f} s | overhead {whole - suite:5.2f} s | platform start {ready:5.2f} s"
            )
    whole, suite = statistics.median(wholes), statistics.median(suites)
    print(
        f"median: whole tier {whole:.2f} s (target <= 25 s, ratio {whole / 25:.2f}); "
        f"suite alone {suite:.2f} s; overhead {whole - suite:.2f} s "
        f"(target <= 6 s, ratio {(whole - suite) / 6:.2f}); "
        f"platform start {statistics.median(starts):.2f} s"
    )


if __name__ == "__main__":
    main()
