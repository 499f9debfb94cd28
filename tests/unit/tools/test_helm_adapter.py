"""``floe_testing.tools.helm`` is the only module that runs Helm: the only importer of
helm-python-sdk, its SDK install composes values files with the one Helm merge, and its
``helm test`` tells a failing hook (a verdict) from Helm unable to run (an error)."""

from __future__ import annotations

import ast
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from floe_testing.core.errors import InfrastructureError, UsageError
from floe_testing.tools.helm import ChartRenderError, ChartValuesError, HelmSdk, HelmTestRun

SRC = Path(__file__).resolve().parents[3] / "src" / "floe_testing"


def _imports_helm_python(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(alias.name.split(".")[0] == "helm_python" for alias in node.names):
                return True
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == (
            "helm_python"
        ):
            return True
    return False


def test_only_the_adapter_imports_helm_python() -> None:
    importers = {
        path.relative_to(SRC).as_posix()
        for path in SRC.rglob("*.py")
        if _imports_helm_python(ast.parse(path.read_text(encoding="utf-8")))
    }
    assert importers == {"tools/helm.py"}


def test_the_import_scan_sees_both_forms() -> None:
    assert _imports_helm_python(ast.parse("def f():\n    import helm_python\n"))
    assert _imports_helm_python(ast.parse("from helm_python import Chart\n"))
    assert not _imports_helm_python(ast.parse('"""import helm_python"""\n'))


def test_chart_errors_are_the_products_with_a_next_step() -> None:
    for error in (ChartValuesError("bad"), ChartRenderError("bad")):
        assert isinstance(error, UsageError)
        assert error.message == "bad"
        assert error.hint


class _FakeSdk(types.ModuleType):
    """The few names of helm_python an SDK install uses; records what it was handed."""

    def __init__(self) -> None:
        super().__init__("helm_python")
        self.installed: list[dict[str, Any]] = []
        self.tested: list[tuple[str, dict[str, Any]]] = []
        self.test_answer: dict[str, Any] | Exception = {}
        sdk = self

        class HelmError(Exception):
            pass

        class HelmNotFoundError(HelmError):
            pass

        class HelmReleaseError(HelmError):
            pass

        class HelmContext:
            def cancel(self) -> None:
                pass

        class Config:
            def __init__(self, **_: object) -> None:
                pass

            def status(self, release: str) -> None:
                raise HelmNotFoundError(release)

            def install(
                self, chart: Path, release: str, values: dict[str, Any], **_: object
            ) -> None:
                sdk.installed.append(values)

            def test(self, release: str, **options: Any) -> dict[str, Any]:
                sdk.tested.append((release, options))
                if isinstance(sdk.test_answer, Exception):
                    raise sdk.test_answer
                return sdk.test_answer

        self.HelmError = HelmError
        self.HelmNotFoundError = HelmNotFoundError
        self.HelmReleaseError = HelmReleaseError
        self.HelmContext = HelmContext
        self.Config = Config


def test_an_sdk_install_merges_its_values_files_as_helm_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = _FakeSdk()
    monkeypatch.setitem(sys.modules, "helm_python", fake)
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text("keep: 1\ndrop: 2\nargs: [a, b]\nnested: {x: 1, y: 2}\n")
    second.write_text("drop: null\nargs: [c]\nnested: {y: 3}\n")
    install = HelmSdk(None).upgrade_install(
        "rel", tmp_path, "ns", [first, second], {"nested": {"x": None}}
    )
    install.result()
    assert install.done()
    assert fake.installed == [{"keep": 1, "args": ["c"], "nested": {"y": 3}}]


def test_helm_test_passes_with_the_hooks_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _FakeSdk()
    fake.test_answer = {"logs": "POD LOGS: hook\n3 passed\n", "release": {"name": "rel"}}
    monkeypatch.setitem(sys.modules, "helm_python", fake)
    run = HelmSdk(None).test("rel", "ns", timeout=42)
    assert run == HelmTestRun(True, "POD LOGS: hook\n3 passed\n")
    assert fake.tested == [("rel", {"timeout": 42, "logs": True})]


def test_a_failing_hook_is_a_verdict_not_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _FakeSdk()
    fake.test_answer = fake.HelmReleaseError("pod rel-hook failed")
    monkeypatch.setitem(sys.modules, "helm_python", fake)
    assert HelmSdk(None).test("rel", "ns") == HelmTestRun(False, "", "pod rel-hook failed")


def test_helm_unable_to_test_is_an_infrastructure_error(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _FakeSdk()
    fake.test_answer = fake.HelmNotFoundError("release: not found")
    monkeypatch.setitem(sys.modules, "helm_python", fake)
    with pytest.raises(InfrastructureError) as raised:
        HelmSdk(None).test("rel", "ns")
    assert "helm test rel could not run: release: not found" in raised.value.message
    assert raised.value.cause == "helm-test"
    assert "--namespace ns" in (raised.value.hint or "")
