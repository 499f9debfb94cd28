"""floe-test beside what a user would do instead: one run, one real cluster, one platform, the
same runner image and suites (issue 20 item 4).

    uv run python benchmarks/peers.py [--kubeconfig KC] [--runner REF --platform REF] \
        [--repeat N]

Needs a running cluster (``scripts/k8s-local up``; found through ``scripts/k8s-local status``
without --kubeconfig) with the images loaded (without --runner/--platform: ``scripts/images
build`` and ``scripts/k8s-local load``, before any timing). The minimal platform is installed
once by ``floe-test platform up`` into a namespace ``peers-<hex>`` and kept
(``WARM_PLATFORM``); then, per repetition and
case, three flows run against it:

- **floe-test warm**: ``floe-test run integration --platform NAME`` against the kept platform;
- **kubectl apply**: the seed's flow: ``kubectl apply -f tests/integration/test-job.yaml``
  (namespace, service hosts, image and suite substituted), follow ``kubectl logs -f``, the
  Job's condition; then ``kubectl cp`` of the JUnit, as a plain kubectl user would try;
- **helm test**: a chart whose only template is the seed Job's pod as a ``helm.sh/hook:
  test`` Pod (``harness.peers.hook_chart``), its own release in the namespace (installed or
  upgraded before the clock starts, as a user installs once), ``helm test`` through
  helm-python-sdk (``HelmSdk.test``), then the logs (``kubectl logs`` after a failure).

Cases: **green** (``tests/integration``), **a test fails** (``planted/test_fails.py``),
**OOM-killed** (``planted/test_oom_midway.py``: a pass, then 3 GiB under the 1 GiB limit).
For each: seconds from submit to verdict and to a JUnit on disk, and what came back. Prints
the table, floe-test warm / the fastest peer on the green case (target <= 1.2x), and which
flows brought a JUnit back every time (target: floe-test alone). The namespace is deleted at
the end, on Ctrl-C too.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from real_cluster_tier import built_images, found_kubeconfig

from floe_testing.core.polling import wait_for
from floe_testing.jobs.classify import job_finished
from floe_testing.protocol import frames
from floe_testing.report.junit import read_totals
from floe_testing.tools.command import Result
from floe_testing.tools.helm import HelmSdk
from harness.paths import FLOE_TEST
from harness.peers import (
    NO_VERDICT,
    Outcome,
    always_back,
    beyond_pytest,
    hook_chart,
    notes,
    pytest_seconds,
    ratio,
    render,
    rows,
)
from harness.realcluster import RealCluster, cli, kubectl
from harness.seedjob import seed_job

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "peers"
PLANTED = "tests/realcluster/planted"
TARGET = 1.2
FLOE, KUBECTL, HELM = "floe-test warm", "kubectl apply", "helm test"
SEED_JOB_NAME = "floe-integration-tests"
RUN_TIMEOUT = 900


@dataclass(frozen=True)
class Case:
    name: str
    suite: str


CASES = (
    Case("green", "tests/integration"),
    Case("a test fails", f"{PLANTED}/test_fails.py"),
    Case("OOM-killed", f"{PLANTED}/test_oom_midway.py"),
)


# --- the warm platform ----------------------------------------------------------------


@dataclass(frozen=True)
class Warm:
    """A platform installed once and kept: its namespace, and what attaches a run to it."""

    namespace: str
    run_args: tuple[str, ...]


@contextlib.contextmanager
def kept_platform(cluster: RealCluster, scratch: Path) -> Iterator[Warm]:
    """``floe-test platform up`` (issue 20 item 1): the platform kept under a name, runs
    attached with ``--platform NAME``, ``floe-test platform down NAME`` at the end."""
    namespace = f"{PREFIX}-{secrets.token_hex(3)}"
    up = cli(
        "platform", "up", "integration", "--backend", "cluster", "--name", namespace,
        "--namespace", namespace, "--kubeconfig", str(cluster.kubeconfig),
        "--values", "values-k8s-local.yaml", "--image", cluster.runner,
        "--platform-image", cluster.platform, "--results-dir", str(scratch),
        timeout=RUN_TIMEOUT,
    )  # fmt: skip
    named = [line for line in up.stdout.splitlines() if line.startswith("FLOE_PLATFORM=")]
    if up.returncode != 0 or not named:
        sys.exit(f"floe-test platform up exited {up.returncode}:\n{up.stderr[-3000:]}")
    name = named[-1].split("=", 1)[1]
    try:
        yield Warm(namespace, ("--platform", name))
    finally:
        cli("platform", "down", name, timeout=600)


WARM_PLATFORM = kept_platform


# --- the three flows ------------------------------------------------------------------


class Flow(Protocol):
    name: str

    def run(self, case: Case) -> Outcome: ...


def _run(flow: Flow, case: Case) -> Outcome:
    """The flow's outcome; one that broke (a pod that never started on a sick cluster) is a
    row saying so, not a traceback halfway through the table."""
    start = time.perf_counter()
    try:
        return flow.run(case)
    except Exception as exc:
        seconds = time.perf_counter() - start
        why = " ".join(str(exc).split())[:300]
        return Outcome(flow.name, case.name, NO_VERDICT, seconds, None, "", why)


def described(junit: Path, partial: bool) -> str:
    """What a JUnit file holds, pytest's way: "3 tests: 2 passed, 1 failed"."""
    totals = read_totals(junit)
    if totals is None:
        return "unreadable"
    counts = [f"{totals.passed} passed", f"{totals.failures} failed"]
    counts += [f"{totals.errors} error{'s' * (totals.errors != 1)}", f"{totals.skipped} skipped"]
    shown = [c for c in counts if not c.startswith("0 ")] or ["none run"]
    return f"{'partial, ' * partial}{totals.tests} tests: {', '.join(shown)}"


class FloeTestWarm:
    """``floe-test run integration`` attached to the kept platform: the verdict is its exit
    code, the JUnit is ``<results>/integration/junit.xml``."""

    name = FLOE

    def __init__(self, warm: Warm, scratch: Path) -> None:
        self.warm, self.scratch = warm, scratch

    def run(self, case: Case) -> Outcome:
        results = Path(tempfile.mkdtemp(prefix="floe-test-", dir=self.scratch))
        argv = [FLOE_TEST, "run", "integration", *self.warm.run_args]
        argv += ["--results-dir", str(results), "--suite", case.suite]
        wall, start = time.time(), time.perf_counter()
        done = subprocess.run(
            argv, cwd=ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False,
            env={**os.environ, "COLUMNS": "200"},
        )  # fmt: skip
        seconds = time.perf_counter() - start
        folder = results / "integration"
        summary_file, junit = folder / "summary.json", folder / "junit.xml"
        summary = json.loads(summary_file.read_text()) if summary_file.is_file() else {}
        verdict = f"exit {done.returncode}: {summary.get('verdict', 'no summary')}"
        if "OOMKilled" in summary.get("message", ""):
            verdict += " (OOMKilled)"
        back = junit.is_file()
        return Outcome(
            FLOE,
            case.name,
            verdict,
            seconds,
            junit.stat().st_mtime - wall if back else None,
            described(junit, partial=done.returncode == 3) if back else "",
            _kept(folder, seconds, summary) if back else _why(summary, done.stderr),
            pytest_seconds(done.stdout),
        )


def _kept(folder: Path, seconds: float, summary: dict[str, Any]) -> str:
    """What the run left, and its seconds outside its phases (Python's start-up and imports,
    the plan, the summary, the exit): what a process in another language would not pay."""
    kept = ", ".join(sorted(p.name + "/" * p.is_dir() for p in folder.iterdir()))
    phases = sum((summary.get("timings_seconds") or {}).values())
    return f"{folder.name}/: {kept}; outside its phases: {seconds - phases:.1f} s"


def _why(summary: dict[str, Any], stderr: str) -> str:
    """Why a run brought no JUnit back: its summary's message, else its last words."""
    return " ".join((summary.get("message") or stderr.strip()[-300:]).split())


class _Kubectl:
    """kubectl in the platform's namespace, and what a user reads of a finished pod."""

    def __init__(self, cluster: RealCluster, namespace: str, scratch: Path) -> None:
        self.cluster, self.namespace, self.scratch = cluster, namespace, scratch

    def __call__(self, *args: str, stdin: str | None = None, timeout: float = 120) -> Result:
        return kubectl(self.cluster.kubeconfig, "-n", self.namespace, *args, stdin=stdin,
                       timeout=timeout)  # fmt: skip

    def ended(self, selector: str) -> tuple[str, str]:
        """The pod's name and its container's terminated reason (Completed, Error, OOMKilled)."""
        found = json.loads(self("get", "pods", "-l", selector, "-o", "json").stdout or "{}")
        for pod in found.get("items") or []:
            for status in pod["status"].get("containerStatuses") or []:
                terminated = (status.get("state") or {}).get("terminated") or {}
                return pod["metadata"]["name"], str(terminated.get("reason") or "running")
        return "", "gone"

    def copy_junit(self, pod: str) -> tuple[bool, str]:
        """``kubectl cp POD:/results/junit-0.xml``: the JUnit's emptyDir, as a user tries."""
        target = Path(tempfile.mkdtemp(prefix="cp-", dir=self.scratch)) / "junit.xml"
        copied = self("cp", f"{pod}:/results/junit-0.xml", str(target))
        if copied.returncode == 0 and target.is_file() and target.stat().st_size:
            return True, f"kubectl cp brought {target.stat().st_size} bytes"
        lines = (copied.stderr or copied.stdout or "no output").strip().splitlines()
        return False, f"kubectl cp: {lines[-1] if lines else 'nothing copied'}"


def _log_note(log: str, copy_note: str) -> str:
    framed = frames.decode(log.splitlines()) is not None
    inside = ", with floe-test's framed JUnit (only floe-test decodes it)" * framed
    return f"pod log ({len(log.splitlines())} lines{inside}); {copy_note}"


class KubectlApply:
    """The seed's flow: apply the checked-in Job, follow its log, read its condition."""

    name = KUBECTL

    def __init__(self, cluster: RealCluster, namespace: str, scratch: Path) -> None:
        self.cluster, self.namespace = cluster, namespace
        self.kubectl = _Kubectl(cluster, namespace, scratch)
        self.selector = f"job-name={SEED_JOB_NAME}"

    def _started(self) -> bool:
        """``kubectl logs`` refuses a container still being created."""
        pods = self.kubectl("get", "pods", "-l", self.selector, "-o", "json")
        items = json.loads(pods.stdout or "{}").get("items") or [] if pods.returncode == 0 else []
        return any(i["status"].get("phase") in ("Running", "Succeeded", "Failed") for i in items)

    def run(self, case: Case) -> Outcome:
        job = f"job/{SEED_JOB_NAME}"
        self.kubectl("delete", job, "--ignore-not-found", "--cascade=foreground", "--wait",
                     timeout=300)  # the last case's Job, before the clock  # fmt: skip
        text = seed_job(self.namespace, self.cluster.runner, suite=case.suite)
        start = time.perf_counter()
        applied = self.kubectl("apply", "-f", "-", stdin=text)
        if applied.returncode != 0:
            sys.exit(f"kubectl apply failed: {applied.stderr}")
        wait_for(self._started, timeout=120, interval=0.2, description="the seed Job's pod")
        log = self.kubectl("logs", "-f", job, timeout=RUN_TIMEOUT).stdout
        self.kubectl("wait", "--for=jsonpath={.status.conditions[0].status}=True", job,
                     "--timeout=300s", timeout=330)  # fmt: skip
        state = json.loads(self.kubectl("get", job, "-o", "json").stdout or "{}")
        seconds = time.perf_counter() - start
        pod, reason = self.kubectl.ended(self.selector)
        copied, copy_note = self.kubectl.copy_junit(pod)
        verdict = f"Job {job_finished(state) or 'unfinished'}"
        verdict += f" ({reason})" if reason == "OOMKilled" else ""
        return Outcome(
            KUBECTL, case.name, verdict, seconds,
            time.perf_counter() - start if copied else None,
            "kubectl cp" if copied else "", _log_note(log, copy_note), pytest_seconds(log),
        )  # fmt: skip


class HelmTest:
    """The seed Job's pod as a test hook of its own release, run by ``helm test``."""

    name = HELM
    RELEASE = "peers-hook"

    def __init__(self, cluster: RealCluster, namespace: str, scratch: Path) -> None:
        self.cluster, self.namespace, self.scratch = cluster, namespace, scratch
        self.kubectl = _Kubectl(cluster, namespace, scratch)
        self.helm = HelmSdk(cluster.kubeconfig)

    def run(self, case: Case) -> Outcome:
        folder = Path(tempfile.mkdtemp(prefix="chart-", dir=self.scratch))
        chart = hook_chart(folder, seed_job(self.namespace, self.cluster.runner, suite=case.suite))
        # the chart is installed before the clock starts: a helm test user installs once
        self.helm.upgrade_install(self.RELEASE, chart, self.namespace, [], {}).result()
        start = time.perf_counter()
        answer = self.helm.test(self.RELEASE, self.namespace, timeout=RUN_TIMEOUT)
        seconds = time.perf_counter() - start
        pod = f"{SEED_JOB_NAME}-hook"
        log = answer.logs or self.kubectl("logs", pod).stdout  # after a failure: kubectl logs
        _, reason = self.kubectl.ended(f"floe.dev/run-id=checked-in,job-name!={SEED_JOB_NAME}")
        copied, copy_note = self.kubectl.copy_junit(pod)
        verdict = "passed" if answer.passed else "failed"
        verdict += f" ({reason})" if reason == "OOMKilled" else ""
        source = "helm's --logs" if answer.passed else "kubectl logs"
        note = _log_note(log, copy_note).replace("pod log", f"pod log by {source}", 1)
        return Outcome(
            HELM, case.name, verdict, seconds,
            time.perf_counter() - start if copied else None,
            "kubectl cp" if copied else "", note, pytest_seconds(log),
        )  # fmt: skip


# --- the run --------------------------------------------------------------------------


def report(outcomes: list[Outcome]) -> None:
    print()
    print(render(rows(outcomes)))
    print()
    for line in notes(outcomes):
        print(f"  {line}")
    print()
    for case in CASES:
        found = ratio(outcomes, FLOE, case.name)
        judged = ""
        if case is CASES[0]:
            judged = f" (target <= {TARGET}x: {'met' if found.value <= TARGET else 'missed'})"
        print(f"floe-test warm / fastest peer ({found.fastest}), {case.name}: "
              f"{found.value:.2f}x{judged}")  # fmt: skip
    for case in CASES:
        spans = beyond_pytest(outcomes, case.name)
        if spans:
            listed = ", ".join(f"{flow} {seconds:.1f} s" for flow, seconds in spans.items())
            print(f"beyond pytest's own time, {case.name} (median): {listed}")
    back = always_back(outcomes)
    alone = back.get(FLOE, False) and not any(ok for flow, ok in back.items() if flow != FLOE)
    listed = ", ".join(f"{flow} {'yes' if ok else 'no'}" for flow, ok in back.items())
    print(f"a JUnit back in every case: {listed} "
          f"(target: floe-test alone: {'met' if alone else 'missed'})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kubeconfig")
    parser.add_argument("--runner")
    parser.add_argument("--platform")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    kubeconfig = Path(args.kubeconfig or found_kubeconfig())
    images = {} if args.runner and args.platform else built_images()
    runner, platform = args.runner or images["RUNNER"], args.platform or images["PLATFORM"]
    cluster = RealCluster(kubeconfig, runner, platform, images.get("POSTGRESQL", ""))
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="floe-peers-") as folder:
        scratch = Path(folder)
        print("installing the platform once (not timed) ...", flush=True)
        with WARM_PLATFORM(cluster, scratch) as warm:
            print(f"kept in {warm.namespace}; floe-test runs with {' '.join(warm.run_args)}")
            account = seed_job(warm.namespace, runner).split("\n---\n")[1]  # the runner's SA
            kubectl(kubeconfig, "apply", "-f", "-", stdin=account)
            flows: list[Flow] = [
                FloeTestWarm(warm, scratch),
                KubectlApply(cluster, warm.namespace, scratch),
                HelmTest(cluster, warm.namespace, scratch),
            ]
            for repetition in range(args.repeat):
                turn = repetition % len(flows)  # each flow goes first in some repetition
                for case in CASES:
                    for flow in flows[turn:] + flows[:turn]:
                        outcome = _run(flow, case)
                        outcomes.append(outcome)
                        print(f"[{repetition + 1}/{args.repeat}] {outcome.flow:<14} "
                              f"{case.name:<12} {outcome.verdict} in {outcome.to_verdict:.1f} s",
                              flush=True)  # fmt: skip
    report(outcomes)


if __name__ == "__main__":
    main()
