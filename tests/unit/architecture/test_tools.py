"""Each external tool is run by exactly one module of ``src/`` (its adapter in
``floe_testing.tools``), so a flag, a timeout or an error message has one place to live.

A module "runs" a tool when a command line starting with the tool's name is written in it: a
list or tuple literal whose first element is the name, a ``shutil.which``/``which`` lookup of
it, or a ``Tool("name")`` adapter. Mentions in strings and docstrings do not count.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[3] / "src" / "floe_testing"

ADAPTERS = {
    "docker": "tools/docker.py",
    "podman": "tools/docker.py",
    "helm": "tools/helm.py",
    "kubectl": "tools/kube.py",
    "kind": "tools/kind.py",
}


def _first_string(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def tool_names_run_by(tree: ast.AST) -> set[str]:
    """Tool names that start a command line, or are looked up or wrapped, in ``tree``."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.List | ast.Tuple) and node.elts:
            name = _first_string(node.elts[0])
            if name in ADAPTERS:
                found.add(name)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            name = _first_string(node.args[0])
            if called in {"which", "Tool", "find"} and name in ADAPTERS:
                found.add(name)
    return found


def runners() -> dict[str, set[str]]:
    by_tool: dict[str, set[str]] = {name: set() for name in ADAPTERS}
    for path in SRC.rglob("*.py"):
        for name in tool_names_run_by(ast.parse(path.read_text(encoding="utf-8"))):
            by_tool[name].add(path.relative_to(SRC).as_posix())
    return by_tool


@pytest.mark.parametrize("tool", sorted(ADAPTERS))
def test_only_the_adapter_runs_each_tool(tool: str) -> None:
    modules = runners()[tool]
    assert modules <= {ADAPTERS[tool]}, (
        f"{tool} must be run only by floe_testing/{ADAPTERS[tool]}; also in: "
        f"{sorted(modules - {ADAPTERS[tool]})}"
    )


def test_the_scan_sees_a_command_line_a_lookup_and_an_adapter() -> None:
    """The detector itself can fail: each way of running a tool is seen, prose is not."""
    tree = ast.parse(
        'import shutil\nsubprocess.run(["kubectl", "get", "pods"])\n'
        'shutil.which("helm")\nTool("kind")\n'
        'x = ("docker", "save")\n"""docker and podman in prose"""\n'
    )
    assert tool_names_run_by(tree) == {"kubectl", "helm", "kind", "docker"}
