"""Ask pytest which tests a suite has and which requirements each is marked with.

Collection runs in a subprocess (``pytest --collect-only`` with the plugin's
``--floe-collect-json`` option) so the suite's conftests and modules are imported exactly as in
a real run, without polluting the caller's interpreter. Collection errors are returned, not
swallowed: a test module that does not import cannot be traced and must fail the gate.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from floe_testing.core.errors import InfrastructureError
from floe_testing.protocol.collection import COLLECT_OPTION, CollectedTest, Collection

__all__ = ["COLLECT_OPTION", "CollectedTest", "Collection", "collect", "rootdir_for"]

COLLECT_TIMEOUT = 300.0


def rootdir_for(paths: Sequence[Path], cwd: Path) -> Path:
    """The rootdir test ids are relative to: the project root when every path is inside it,
    else the paths' common folder.

    Left to itself pytest takes the common ancestor of the paths *and* the working directory,
    so a suite outside the project got ids relative to ``/tmp`` when the project itself lived
    under ``/tmp``, and relative to the suite when it did not: ids must not depend on where
    the checkout is.
    """
    project = cwd.resolve()
    resolved = [p.resolve() for p in paths]
    if not resolved or all(p.is_relative_to(project) for p in resolved):
        return project
    folders = [p if p.is_dir() else p.parent for p in resolved]
    return Path(os.path.commonpath(folders))


def collect(paths: Sequence[Path], cwd: Path, timeout: float = COLLECT_TIMEOUT) -> Collection:
    """Collect ``paths`` with pytest in a subprocess started in ``cwd`` (the project root)."""
    with tempfile.TemporaryDirectory(prefix="floe-collect-") as scratch:
        output = Path(scratch) / "collection.json"
        argv = [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            f"--rootdir={rootdir_for(paths, cwd)}",
            f"{COLLECT_OPTION}={output}",
            *(str(p) for p in paths),
        ]
        try:
            finished = subprocess.run(
                argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise InfrastructureError(
                f"collecting {', '.join(map(str, paths))} took longer than {timeout:g}s",
                "look for a test module doing work at import time",
            ) from None
        if not output.is_file():
            detail = (finished.stderr or finished.stdout).strip()[-2000:]
            raise InfrastructureError(
                f"pytest could not collect {', '.join(map(str, paths))} "
                f"(exit {finished.returncode}):\n{detail}",
                "run the same paths with `pytest --collect-only` to see the problem",
            )
        return Collection.from_json(json.loads(output.read_text(encoding="utf-8")))
