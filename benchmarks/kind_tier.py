"""Kind on this machine, step by step, beside the real cluster and the local backend in one run.

    uv run python benchmarks/kind_tier.py [--repeat N] [--no-real-cluster]

Needs root and what ``scripts/images engine`` sets up (Docker with the runc wrapper). Makes
its inputs first, untimed except where a row says so: the kind CLI, the node image and the
project's images. Rows:
- ``node image rebuild``: ``scripts/kind-node --force`` (base rootfs and binaries cached;
  the final ``kind build node-image`` and its commit run again); ``node image warm``: nothing
  changed, the content tag answers;
- ``cluster up (create)`` and ``cluster up (reuse)``: ``floe-test cluster up`` twice;
- ``kind: integration (first)``: ``floe-test run integration --backend kind --reuse-cluster``
  on the fresh cluster (images loaded); ``kind: integration (warm)`` the same again (the node
  has the images); each with the run's own steps (``kind-steps.json``);
- ``real cluster: integration``: the same tier on ``scripts/k8s-local`` when one is running
  (``--no-real-cluster`` skips it); ``local: integration``: the local backend;
- ``cluster down``.
The cluster is created and deleted by the benchmark; a floe-dev cluster that already exists
stops it (nothing of a developer's is touched).
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
DEBIAN_DOCKER = "/usr/bin/docker"
KIND_STEPS = ("cluster up", "build images", "cluster ready", "load images", "deploy platform")


def _values(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def script(name: str, *args: str) -> dict[str, str]:
    done = subprocess.run(
        [str(ROOT / "scripts" / name), *args], cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-3000:])
        sys.exit(f"scripts/{name} {' '.join(args)} exited {done.returncode}")
    return _values(done.stdout)


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        sys.exit(f"{' '.join(argv[:5])} exited {done.returncode}")
    return seconds


def steps(results: Path) -> dict[str, float]:
    path = results / "integration" / "kind-steps.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def real_cluster_kubeconfig() -> str | None:
    done = subprocess.run(
        [str(ROOT / "scripts" / "k8s-local"), "status"], capture_output=True, text=True
    )
    return _values(done.stdout).get("KUBECONFIG") if done.returncode == 0 else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--no-real-cluster", action="store_true")
    args = parser.parse_args()
    script("images", "engine")
    node = script("kind-node")
    images = script("images", "build")
    real = None if args.no_real_cluster else real_cluster_kubeconfig()
    if real:
        subprocess.run([str(ROOT / "scripts" / "k8s-local"), "load", *images.values()], check=True)
    rows: dict[str, list[float]] = {}

    def row(name: str, seconds: float) -> None:
        rows.setdefault(name, []).append(seconds)
        print(f"  {name}: {seconds:.1f} s", file=sys.stderr, flush=True)

    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="floe-kind-bench-") as folder:
            env = {
                **os.environ,
                "PATH": f"{Path(node['KIND']).parent}{os.pathsep}{os.environ['PATH']}",
                "FLOE_TEST_KIND_NODE_IMAGE": node["KIND_NODE_IMAGE"],
                "FLOE_TEST_BASE": "local",
                "FLOE_TEST_STATE_DIR": folder,
            }
            if Path(DEBIAN_DOCKER).is_file():
                env["FLOE_TEST_DOCKER"] = DEBIAN_DOCKER
            status = subprocess.run([FLOE_TEST, "cluster", "status"], env=env, capture_output=True)
            if status.returncode == 0:
                sys.exit("a Kind cluster floe-dev exists; delete it first (floe-test cluster down)")
            row("node image rebuild", timed([str(ROOT / "scripts" / "kind-node"), "--force"], env))
            row("node image warm", timed([str(ROOT / "scripts" / "kind-node")], env))
            row("cluster up (create)", timed([FLOE_TEST, "cluster", "up"], env))
            row("cluster up (reuse)", timed([FLOE_TEST, "cluster", "up"], env))
            try:
                for label in ("first", "warm"):
                    results = Path(folder) / f"kind-{label}"
                    argv = [FLOE_TEST, "run", "integration", "--backend", "kind",
                            "--reuse-cluster", "--values", "values-kind-local.yaml",
                            "--results-dir", str(results)]  # fmt: skip
                    row(f"kind: integration ({label})", timed(argv, env))
                    for step, seconds in steps(results).items():
                        if step in KIND_STEPS:
                            row(f"  kind {label}: {step}", seconds)
            finally:
                row("cluster down", timed([FLOE_TEST, "cluster", "down"], env))
            if real:
                argv = [FLOE_TEST, "run", "integration", "--backend", "cluster",
                        "--kubeconfig", real, "--values", "values-k8s-local.yaml",
                        "--image", images["RUNNER"], "--platform-image", images["PLATFORM"],
                        "--results-dir", str(Path(folder) / "real")]  # fmt: skip
                row("real cluster: integration", timed(argv, env))
            argv = [FLOE_TEST, "run", "integration", "--backend", "local",
                    "--results-dir", str(Path(folder) / "local")]  # fmt: skip
            row("local: integration", timed(argv, env))
    print(f"{'step':36} {'median s':>9}  runs")
    for name, values in rows.items():
        runs = ", ".join(f"{v:.1f}" for v in values)
        print(f"{name:36} {statistics.median(values):9.1f}  {runs}")
    kind_warm = statistics.median(rows["kind: integration (warm)"])
    local = statistics.median(rows["local: integration"])
    print(f"kind (warm) / local: {kind_warm / local:.1f}x", end="")
    if "real cluster: integration" in rows:
        real_median = statistics.median(rows["real cluster: integration"])
        print(f"; kind (warm) / real cluster: {kind_warm / real_median:.1f}x", end="")
    print()


if __name__ == "__main__":
    main()
