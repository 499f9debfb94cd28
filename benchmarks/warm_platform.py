"""The daily loop: a cold run of the integration tier against reruns on a kept platform.

    uv run python benchmarks/warm_platform.py [--backend local|cluster|both] [--repeat N]
        [--kubeconfig KC --image RUNNER --platform-image PLATFORM [--values FILE]]

Per backend: the cold run (`floe-test run integration --backend B`: start the platform, run,
tear down), `floe-test platform up` once, then N warm reruns (`floe-test run integration
--platform NAME`), each wall clock from the shell's view; then medians, the warm/cold ratio
and after how many runs the kept platform has paid for its start. The cluster backend needs
a kubeconfig and images the node already holds (scripts/images build, scripts/k8s-local
load). Platforms are kept in a private registry and taken down at the end.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FLOE_TEST = str(Path(sys.executable).with_name("floe-test"))
TIER = "integration"


@dataclass
class Measured:
    backend: str
    cold: list[float]
    up: float
    warm: list[float]


def _timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    took = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return took


def measure(backend: str, backend_args: list[str], repeat: int, tmp: Path) -> Measured:
    env = {**os.environ, "FLOE_TEST_PLATFORMS": str(tmp / "platforms")}
    name = f"bench-{backend}"
    results = str(tmp / backend)
    run = [FLOE_TEST, "run", TIER, "--results-dir", results]
    cold = [
        _timed([*run, "--backend", backend, *backend_args], env) for _ in range(repeat)
    ]  # the first also fills caches; the median shrugs it off
    up = [FLOE_TEST, "platform", "up", TIER, "--backend", backend, "--name", name]
    up_seconds = _timed([*up, "--results-dir", results, *backend_args], env)
    try:
        warm = [_timed([*run, "--platform", name], env) for _ in range(repeat)]
    finally:
        subprocess.run([FLOE_TEST, "platform", "down", name], cwd=ROOT, env=env, check=False)
    for index, (c, w) in enumerate(zip(cold, warm, strict=True)):
        print(f"{backend} {index + 1}: cold run {c:6.2f} s | warm rerun {w:6.2f} s")
    return Measured(backend, cold, up_seconds, warm)


def table(rows: list[Measured]) -> str:
    head = ("backend", "cold run", "platform up (once)", "warm rerun", "warm / cold", "pays off")
    lines = [head]
    for row in rows:
        cold, warm = statistics.median(row.cold), statistics.median(row.warm)
        saved = cold - warm
        pays = f"run {math.ceil(row.up / saved)}" if saved > 0 else "never"
        lines.append(
            (
                row.backend,
                f"{cold:.1f} s",
                f"{row.up:.1f} s",
                f"{warm:.1f} s",
                f"{warm / cold:.2f}",
                pays,
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    out = [
        " | ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        for line in lines
    ]
    out.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["local", "cluster", "both"], default="local")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--kubeconfig")
    parser.add_argument("--image")
    parser.add_argument("--platform-image")
    parser.add_argument("--values", default="values-k8s-local.yaml")
    args = parser.parse_args()
    backends = ["local", "cluster"] if args.backend == "both" else [args.backend]
    cluster_args: list[str] = []
    if "cluster" in backends:
        if not (args.kubeconfig and args.image and args.platform_image):
            parser.error("the cluster backend needs --kubeconfig, --image and --platform-image")
        cluster_args = ["--kubeconfig", args.kubeconfig, "--image", args.image]
        cluster_args += ["--platform-image", args.platform_image, "--values", args.values]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            extra = cluster_args if backend == "cluster" else []
            rows.append(measure(backend, extra, args.repeat, Path(tmp)))
    print(f"\n{TIER} tier, medians of {args.repeat}: cold run vs warm rerun on a kept platform")
    print(table(rows))


if __name__ == "__main__":
    main()
