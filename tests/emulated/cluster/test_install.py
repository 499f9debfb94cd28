"""The cluster backend installs the chart itself: helm upgrade --install into the run's
namespace, fail-fast readiness, the Job run, then uninstall and namespace deletion.

A stand-in ``helm`` on PATH creates (and on uninstall deletes) the platform's Deployments in
the emulator through the kubeconfig it is handed, as the real chart install would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kmock
import pytest

from harness.cli import assert_nothing_left, run_cli, write_suite
from harness.cluster import REPO_ROOT, EmulatedCluster
from harness.emulator import NAMESPACES
from harness.standins import StandIns, install

SUITE = {"test_a.py": "def test_one():\n    assert True\n\ndef test_two():\n    assert True\n"}
DEPLOYMENTS = kmock.resource("apps", "v1", "deployments")


@pytest.fixture
def helm(tmp_path: Path) -> StandIns:
    return install(tmp_path / "standins")


def _run(
    cluster: EmulatedCluster,
    helm: StandIns,
    suite: Path,
    results: Path,
    *options: str,
    env: dict[str, str] | None = None,
) -> tuple[int, str]:
    run = run_cli(
        cluster,
        suite,
        results,
        *options,
        env={**helm.env(tools=("helm",)), **(env or {})},
        install=True,
    )
    return run.exit_code, "\n".join(run.stdout) + "\n" + run.stderr


def _deployments(cluster: EmulatedCluster) -> list[str]:
    assert cluster.api is not None
    api = cluster.api

    async def names() -> list[str]:
        return [o["metadata"]["name"] for o in api.items(DEPLOYMENTS)]

    return cluster.call(names())


def _helm_calls(helm: StandIns) -> list[list[str]]:
    return [call[1:] for call in helm.calls("helm")]


def _opt(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_installs_runs_and_leaves_nothing(
    cluster: EmulatedCluster, helm: StandIns, suite_dir: Path, tmp_path: Path
) -> None:
    suite = write_suite(suite_dir, SUITE)
    code, output = _run(
        cluster,
        helm,
        suite,
        tmp_path / "results",
        env={"FLOE_TEST_PLATFORM_IMAGE": "registry.example/floe-platform:v7"},
    )
    assert code == 0, output
    upgrade, uninstall = _helm_calls(helm)
    assert upgrade[:4] == [
        "upgrade",
        "--install",
        "floe-platform",
        str(REPO_ROOT / "charts" / "floe-platform"),
    ]
    namespace = _opt(upgrade, "--namespace")
    assert namespace.startswith("floe-test-integration-")
    assert _opt(upgrade, "--kubeconfig") == str(cluster.kubeconfig)
    assert "--wait" not in upgrade  # readiness is watched with fail-fast instead
    values_files = [upgrade[i + 1] for i, a in enumerate(upgrade) if a == "--values"]
    assert Path(values_files[0]).name == "values-test.yaml"
    overrides = helm.helm_values()[-1]
    assert overrides["profile"] == "minimal"
    assert overrides["minimal"] is True
    assert overrides["dagster"]["image"]["repository"] == "registry.example/floe-platform"
    assert overrides["dagster"]["image"]["tag"] == "v7"
    assert uninstall[:2] == ["uninstall", "floe-platform"]
    assert _opt(uninstall, "--namespace") == namespace
    # the platform was ready before the Job was submitted
    assert output.index("platform ready") < output.index("submitted Job")
    assert (tmp_path / "results" / "integration" / "junit.xml").is_file()
    assert _deployments(cluster) == []
    assert_nothing_left(cluster)


def test_given_namespace_keeps_the_namespace_but_not_the_release(
    cluster: EmulatedCluster, helm: StandIns, suite_dir: Path, tmp_path: Path
) -> None:
    assert cluster.api is not None
    cluster.call(
        cluster.api.put(
            NAMESPACES,
            {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": "team-ns"},
                "status": {"phase": "Active"},
            },
        )
    )
    code, output = _run(
        cluster, helm, write_suite(suite_dir, SUITE), tmp_path / "results", "--namespace", "team-ns"
    )
    assert code == 0, output
    assert [_opt(call, "--namespace") for call in _helm_calls(helm)] == ["team-ns", "team-ns"]
    assert _deployments(cluster) == []  # uninstalled
    assert cluster.namespaces() == ["default", "team-ns"]  # not ours: stays
    assert cluster.objects("jobs") == []
    assert cluster.objects("serviceaccounts") == []


@pytest.mark.parametrize(
    ("state", "cause"),
    [
        pytest.param({"fail": ["helm"], "workloads": []}, "INSTALLATION FAILED", id="helm-fails"),
        pytest.param({"broken_pod": "InvalidImageName"}, "InvalidImageName", id="broken-pod"),
    ],
)
def test_failing_install_exits_3_with_diagnostics_and_cleans_up(
    cluster: EmulatedCluster,
    helm: StandIns,
    suite_dir: Path,
    tmp_path: Path,
    state: dict[str, Any],
    cause: str,
) -> None:
    helm.set(**state)
    results = tmp_path / "results"
    code, output = _run(cluster, helm, write_suite(suite_dir, SUITE), results)
    assert code == 3, output
    assert cause in output
    assert "submitted Job" not in output
    summary = results / "integration" / "diagnostics" / "SUMMARY.md"
    assert summary.is_file(), output
    assert cause in summary.read_text()
    assert [call[0] for call in _helm_calls(helm)] == ["upgrade", "uninstall"]
    assert _deployments(cluster) == []
    assert_nothing_left(cluster)


def test_bad_platform_image_is_a_usage_error_before_anything_is_created(
    cluster: EmulatedCluster, helm: StandIns, suite_dir: Path, tmp_path: Path
) -> None:
    code, output = _run(
        cluster,
        helm,
        write_suite(suite_dir, SUITE),
        tmp_path / "results",
        env={"FLOE_TEST_PLATFORM_IMAGE": "registry.example/floe-platform"},
    )
    assert code == 2, output
    assert "has no tag" in output
    assert helm.calls() == []
    assert cluster.namespaces() == ["default"]
