"""Time rendering the floe-platform chart per profile (helm-python-sdk, Helm v4 engine).

Run: uv run python benchmarks/chart_render.py [--repeat N]
Prints the first (cold: chart load) and the median warm render, Helm's own render vs our
parse, and the ratio to the 1 s budget ("well under a second" per profile).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from floe_testing.config import load_project
from floe_testing.deploy.chart import engine
from floe_testing.tools.helm import render_chart

ROOT = Path(__file__).resolve().parents[1]
CHART = ROOT / "charts" / "floe-platform"
BUDGET_S = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    profiles = tuple(load_project(ROOT / "pyproject.toml").config.profiles)
    for values in ([], [CHART / "values-test.yaml"]):
        for profile in profiles:
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                rendered = engine.render(profile, values, chart=CHART)
                times.append(time.perf_counter() - start)
            composed = engine.compose_values(profile, values, chart=CHART)
            start = time.perf_counter()
            documents = render_chart(CHART, composed, engine.RELEASE, "bench")
            helm_only = time.perf_counter() - start
            start = time.perf_counter()
            engine.parse_manifests(documents)
            parse_only = time.perf_counter() - start
            warm = statistics.median(times[1:]) if len(times) > 1 else times[0]
            label = f"{profile:8s} {values[0].name if values else 'values.yaml':18s}"
            print(
                f"{label} objects={len(rendered.manifests):3d} first={times[0] * 1000:7.1f} ms "
                f"warm={warm * 1000:6.1f} ms (helm {helm_only * 1000:5.1f} ms, "
                f"parse {parse_only * 1000:5.1f} ms) budget ratio={warm / BUDGET_S:.3f}"
            )


if __name__ == "__main__":
    main()
