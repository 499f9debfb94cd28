"""Time the local tiers: the whole tier, the platform start per service, the suite alone.

    uv run python benchmarks/local_tier.py [--tier integration|e2e|all] [--repeat N]

Per tier and repetition: the whole tier (`floe-test run <tier> --backend local`, wall clock
from the shell's view), the platform start of each service (the run's platform-start.json:
seconds from the start until the service was healthy), and the suite alone against a platform
started beforehand; then medians and the ratio to the target. Targets on an idle 2-core
machine: integration <= 15 s whole (overhead beyond the suite <= 4 s), e2e <= 90 s whole.
The load average is printed beside the figures: on a shared machine they are only comparable
at a similar load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOE_TEST = str(Path(sys.executable).with_name("floe-test"))
TARGETS = {"integration": 15.0, "e2e": 90.0}
OVERHEAD_TARGETS = {"integration": 4.0}


def whole_tier(tier: str, results: Path) -> tuple[float, dict[str, float]]:
    """(seconds, platform start per service) of one whole run of the tier."""
    start = time.perf_counter()
    subprocess.run(
        [FLOE_TEST, "run", tier, "--backend", "local", "--results-dir", str(results)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    took = time.perf_counter() - start
    timings = results / tier / "platform-start.json"
    return took, json.loads(timings.read_text()) if timings.is_file() else {}


def suite_on_running_platform(tier_name: str, results: Path) -> tuple[float, float]:
    """(platform start seconds, suite seconds) with the platform started outside the timing."""
    from floe_testing.backends.local.backend import LocalBackend
    from floe_testing.config import load_project
    from floe_testing.core.ui import Ui
    from floe_testing.plan import RunPlan, new_run_id

    project = load_project(ROOT / "pyproject.toml")
    tier = project.config.tiers[tier_name]
    profile = tier.profile or "minimal"
    plan = RunPlan(
        run_id=new_run_id(),
        project=project,
        tier=tier,
        profile=project.config.profiles[profile],
        services=project.config.profile_services(profile),
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
        env = {**backend.test_environment(plan), **backend.contract_env(plan)}
        env.pop("FLOE_TEST_PLATFORM_GATE", None)
        begin = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "pytest", tier.path, "-q", "-p", "no:cacheprovider",
             *plan.pytest_args],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        return ready, time.perf_counter() - begin
    finally:
        backend.teardown(plan, ui)


def bench(tier: str, repeat: int, tmp: Path) -> None:
    whole_tier(tier, tmp / f"{tier}-warmup")  # storage template, npm/jar caches, page cache
    wholes, suites, starts = [], [], []
    services: dict[str, list[float]] = {}
    for index in range(repeat):
        whole, per_service = whole_tier(tier, tmp / f"{tier}-whole-{index}")
        ready, suite = suite_on_running_platform(tier, tmp / f"{tier}-suite-{index}")
        wholes.append(whole)
        suites.append(suite)
        starts.append(ready)
        for name, seconds in per_service.items():
            services.setdefault(name, []).append(seconds)
        print(
            f"{tier} run {index + 1}: whole tier {whole:6.2f} s | suite on running platform "
            f"{suite:6.2f} s | overhead {whole - suite:5.2f} s | platform start {ready:5.2f} s"
        )
    whole, suite = statistics.median(wholes), statistics.median(suites)
    target = TARGETS[tier]
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\n{tier} (medians of {repeat}; load average now {load})")
    print(
        f"  {'whole tier':<44} {whole:7.2f} s   target <= {target:g} s, ratio {whole / target:.2f}"
    )
    print(f"  {'suite alone (platform already up)':<44} {suite:7.2f} s")
    overhead = whole - suite
    limit = OVERHEAD_TARGETS.get(tier)
    versus = f"   target <= {limit:g} s, ratio {overhead / limit:.2f}" if limit else ""
    print(f"  {'overhead (start, pytest, collect, teardown)':<44} {overhead:7.2f} s{versus}")
    print(f"  {'platform start':<44} {statistics.median(starts):7.2f} s")
    for name, seconds in services.items():
        print(f"    {name + ' healthy after':<42} {statistics.median(seconds):7.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--tier", choices=["integration", "e2e", "all"], default="all")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.chdir(ROOT)
    tiers = ["integration", "e2e"] if args.tier == "all" else [args.tier]
    with tempfile.TemporaryDirectory() as tmp:
        for tier in tiers:
            bench(tier, args.repeat, Path(tmp))


if __name__ == "__main__":
    main()
