"""The host side's documented permissions, exactly: docs/rbac/floe-test-host.yaml applied, the
integration tier run with its ServiceAccount's token; then a copy of the Role without
`create jobs`, whose denial must exit 3 naming the verb and the resource."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.realcluster import REPO_ROOT, RealCluster, floe_test, kubectl, run_namespaces

RBAC = REPO_ROOT / "docs" / "rbac" / "floe-test-host.yaml"
ACCOUNT, ACCOUNT_NS = "floe-test-host", "floe-test-ci"


def _kubeconfig_for_token(admin: Path, token: str, target: Path) -> Path:
    config = yaml.safe_load(admin.read_text())
    context = next(c for c in config["contexts"] if c["name"] == config["current-context"])
    cluster = next(c for c in config["clusters"] if c["name"] == context["context"]["cluster"])
    target.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [cluster],
                "users": [{"name": ACCOUNT, "user": {"token": token}}],
                "contexts": [
                    {"name": ACCOUNT, "context": {"cluster": cluster["name"], "user": ACCOUNT}}
                ],
                "current-context": ACCOUNT,
            }
        )
    )
    return target


def _apply(admin: Path, text: str) -> None:
    done = kubectl(admin, "apply", "-f", "-", stdin=text)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def host_kubeconfig(
    real_cluster: RealCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    admin = real_cluster.kubeconfig
    # an earlier session's namespace may still be terminating
    kubectl(admin, "wait", "--for=delete", f"namespace/{ACCOUNT_NS}", "--timeout=180s")
    _apply(admin, RBAC.read_text())
    token = kubectl(admin, "-n", ACCOUNT_NS, "create", "token", ACCOUNT, "--duration", "1h")
    assert token.returncode == 0, token.stderr
    folder = tmp_path_factory.mktemp("rbac")
    yield _kubeconfig_for_token(admin, token.stdout.strip(), folder / "host.kubeconfig")
    kubectl(admin, "delete", "-f", str(RBAC), "--ignore-not-found", "--wait=false")


def test_the_documented_role_is_enough_for_a_whole_run(
    real_cluster: RealCluster, host_kubeconfig: Path, tmp_path: Path
) -> None:
    run = floe_test(host_kubeconfig, tmp_path / "results", *real_cluster.install_args())
    assert run.exit_code == 0, run.output
    assert run_namespaces(real_cluster.kubeconfig) == []


def test_a_missing_permission_exits_3_naming_verb_and_resource(
    real_cluster: RealCluster, host_kubeconfig: Path, tmp_path: Path
) -> None:
    docs = list(yaml.safe_load_all(RBAC.read_text()))
    role = next(d for d in docs if d["kind"] == "ClusterRole")
    for rule in role["rules"]:
        if rule["resources"] == ["jobs"]:
            rule["verbs"] = [v for v in rule["verbs"] if v != "create"]
    _apply(real_cluster.kubeconfig, yaml.safe_dump(role))
    try:
        run = floe_test(
            host_kubeconfig,
            tmp_path / "results",
            "--no-install",
            "--image",
            real_cluster.runner,
            "--suite",
            "tests/realcluster/planted/test_fails.py",
        )
    finally:
        _apply(real_cluster.kubeconfig, RBAC.read_text())  # the documented Role again
    assert run.exit_code == 3, run.output
    assert "may not create jobs.batch in namespace floe-test-integration-" in run.output
    assert "docs/rbac/floe-test-host.yaml" in run.output
    assert "Traceback" not in run.output
    assert run_namespaces(real_cluster.kubeconfig) == []
