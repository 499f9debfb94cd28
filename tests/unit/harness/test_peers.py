"""The pure parts of ``benchmarks/peers.py``: the helm test chart is the seed Job's pod as a
test hook (rendered by Helm itself), and the table and ratio say what was measured."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from floe_testing.tools.helm import render_chart
from harness.peers import (
    NO_VERDICT,
    Outcome,
    always_back,
    beyond_pytest,
    hook_chart,
    hook_pod,
    notes,
    pytest_seconds,
    ratio,
    render,
    rows,
)
from harness.seedjob import seed_job


def test_the_hook_pod_has_the_seed_jobs_pod_spec() -> None:
    seed = seed_job("peers-x", "runner:1", suite="tests/realcluster/planted/test_fails.py")
    job = next(d for d in yaml.safe_load_all(seed) if d["kind"] == "Job")
    pod = hook_pod(seed)
    assert pod["spec"] == job["spec"]["template"]["spec"]
    assert pod["metadata"]["annotations"] == {"helm.sh/hook": "test"}
    assert pod["metadata"]["labels"] == job["spec"]["template"]["metadata"]["labels"]
    container = pod["spec"]["containers"][0]
    assert container["image"] == "runner:1"
    assert "tests/realcluster/planted/test_fails.py" in container["args"]
    assert container["resources"]["limits"]["memory"] == "1Gi"
    assert {"name": "DAGSTER_HOST", "value": "dagster-webserver.peers-x.svc.cluster.local"} in (
        container["env"]
    )


def test_helm_renders_the_chart_to_that_one_hook(tmp_path: Path) -> None:
    seed = seed_job("peers-x", "runner:1")
    chart = hook_chart(tmp_path / "chart", seed)
    rendered = render_chart(chart, {}, "peers-hook", "peers-x")
    assert list(rendered) == ["floe-test-hook/templates/test-pod.yaml"]
    assert yaml.safe_load(next(iter(rendered.values()))) == hook_pod(seed)


def test_a_seed_without_exactly_one_job_is_refused() -> None:
    seed = seed_job("peers-x", "runner:1")
    with pytest.raises(ValueError, match="expected one Job in the seed manifest, found 2"):
        hook_pod(seed + "\n---\n" + seed.split("---\n", 2)[2])


def _outcome(flow: str, case: str, seconds: float, to_junit: float | None, **kw: str) -> Outcome:
    return Outcome(flow, case, kw.get("verdict", "passed"), seconds, to_junit, kw.get("junit", ""))


OUTCOMES = [
    _outcome("floe-test warm", "green", 10.0, 9.8, junit="6 tests"),
    _outcome("kubectl apply", "green", 9.0, None),
    _outcome("helm test", "green", 11.0, None),
    _outcome("floe-test warm", "green", 12.0, 11.8, junit="6 tests"),
    _outcome("kubectl apply", "green", 9.4, None, verdict="Complete"),
    _outcome("helm test", "green", 13.0, None),
    _outcome("floe-test warm", "OOM-killed", 4.0, None, verdict="infrastructure failure"),
]


def test_rows_give_medians_every_run_and_none_without_a_junit() -> None:
    table = rows(OUTCOMES)
    assert table[0] == (
        "floe-test warm", "green", "passed", "11.0", "10.8", "yes: 6 tests", "none", "10.0, 12.0"
    )  # fmt: skip
    assert table[1][2:] == ("passed / Complete", "9.2", "none", "no", "none", "9.0, 9.4")
    assert [row[:2] for row in table] == [
        ("floe-test warm", "green"),
        ("kubectl apply", "green"),
        ("helm test", "green"),
        ("floe-test warm", "OOM-killed"),
    ]


def test_render_aligns_columns_under_a_rule() -> None:
    text = render([("a", "long cell"), ("bbb", "c")], header=("x", "y"))
    assert text.splitlines() == ["x    y", "---  ---------", "a    long cell", "bbb  c"]


def test_ratio_is_over_the_fastest_peer_of_that_case() -> None:
    found = ratio(OUTCOMES, "floe-test warm", "green")
    assert found.fastest == "kubectl apply"
    assert found.value == pytest.approx(11.0 / 9.2)
    with pytest.raises(ValueError, match="no OOM-killed runs of floe-test warm and of a peer"):
        ratio(OUTCOMES, "floe-test warm", "OOM-killed")
    broken = Outcome("kubectl apply", "green", NO_VERDICT, 0.5, None)
    assert ratio([*OUTCOMES, broken, broken], "floe-test warm", "green") == found


def test_always_back_needs_a_junit_from_every_run() -> None:
    assert always_back(OUTCOMES) == {
        "floe-test warm": False,
        "kubectl apply": False,
        "helm test": False,
    }
    assert always_back(OUTCOMES[:1]) == {"floe-test warm": True}


def test_notes_show_each_distinct_note_once_and_which_runs_had_it() -> None:
    same = Outcome("kubectl apply", "green", "Job succeeded", 9.0, None, "", "pod log")
    first = Outcome("floe-test warm", "green", "exit 3", 12.0, None, "", "cannot be scheduled")
    second = Outcome("floe-test warm", "green", "exit 0", 9.0, 8.9, "6 tests", "junit.xml")
    assert notes([same, first, same, second]) == [
        "kubectl apply / green: pod log",
        "floe-test warm / green (run 1): cannot be scheduled",
        "floe-test warm / green (run 2): junit.xml",
    ]


def test_pytest_seconds_come_from_its_last_summary_line() -> None:
    log = (
        "tests/a.py::test_x PASSED [100%]\n"
        "=== 1 failed, 1 passed, 1 warning in 0.26s ===\n"
        "[shard 0] ========== 9 passed, 1 warning in 6.81s ==========\n"
        "floe-test: shard 0 done\n"
    )
    assert pytest_seconds(log) == 6.81
    assert pytest_seconds("===== 2 passed in 75.02s (0:01:15) =====") == 75.02
    assert pytest_seconds("tests/a.py::test_x \nfloe-test: shard 0 done (pytest status -9)") is None


def test_rows_give_the_median_pytest_seconds() -> None:
    runs = [
        Outcome("helm test", "green", "passed", 9.0, None, suite=6.5),
        Outcome("helm test", "green", "passed", 10.0, None, suite=6.9),
    ]
    assert rows(runs)[0][6] == "6.7"


def test_beyond_pytest_is_the_median_of_verdict_less_suite() -> None:
    runs = [
        Outcome("floe-test warm", "green", "exit 0", 12.0, 11.9, suite=9.0),
        Outcome("floe-test warm", "green", "exit 0", 14.0, 13.9, suite=9.0),
        Outcome("helm test", "green", "passed", 9.0, None, suite=6.5),
        Outcome("helm test", "OOM-killed", "failed", 4.0, None),
    ]
    assert beyond_pytest(runs, "green") == {"floe-test warm": 4.0, "helm test": 2.5}
    assert beyond_pytest(runs, "OOM-killed") == {}
