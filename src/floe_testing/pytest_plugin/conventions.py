"""Checks of suite conventions that a linter does not know, run as ordinary tests.

``time.sleep`` in a test is a guess about how long the platform takes: too short and the test
is flaky, too long and the suite is slow. Tests poll with ``floe_testing.core.polling.wait_for``
instead. The scan reads the syntax tree, so aliases (``import time as t``,
``from time import sleep as pause``) are caught and comments or strings are not.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SleepCall:
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: time.sleep"


def _aliases(tree: ast.AST) -> tuple[set[str], set[str]]:
    """Names bound to the ``time`` module and to ``time.sleep`` in this module."""
    modules: set[str] = set()
    functions: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(a.asname or a.name for a in node.names if a.name == "time")
        elif isinstance(node, ast.ImportFrom) and node.module == "time":
            functions.update(a.asname or a.name for a in node.names if a.name == "sleep")
    return modules, functions


def sleep_calls(source: str, path: Path) -> list[SleepCall]:
    tree = ast.parse(source, filename=str(path))
    modules, functions = _aliases(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        by_module = (
            isinstance(func, ast.Attribute)
            and func.attr == "sleep"
            and isinstance(func.value, ast.Name)
            and func.value.id in modules
        )
        by_name = isinstance(func, ast.Name) and func.id in functions
        if by_module or by_name:
            found.append(SleepCall(path, node.lineno))
    return found


def find_sleep_calls(roots: Iterable[Path]) -> list[SleepCall]:
    """Every ``time.sleep`` call in the Python files under ``roots``."""
    found: list[SleepCall] = []
    for root in roots:
        files = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for path in files:
            found.extend(sleep_calls(path.read_text(encoding="utf-8"), path))
    return found
