"""The project's own suite runs on every core: pytest-xdist, ``-n auto --dist loadgroup``.

``uv run pytest`` (the testpaths: tests/unit, tests/local, tests/emulated) and any selection
inside them get those options unless the command line chose otherwise (``-n``, ``-p no:xdist``,
``--pdb``, ``--collect-only``). Tests that must not share the machine with each other carry
``@pytest.mark.xdist_group(...)``: one worker runs a group, one test after another.

This file is a parent of every suite under tests/, so it decides per command line. Not in
``addopts``: the same ``pyproject.toml`` configures the tiers' suites, which floe-test runs in
one pytest process (the local backend's platform gate, the in-pod runner), often where xdist is
not installed (the runner image, ``uv tool install``) and ``-n`` would be an unknown option.
A selection outside the testpaths (tests/realcluster, tests/images, a tier's suite) stays in
one process as before.
"""

from __future__ import annotations

from pathlib import Path

import pytest


def own_suite(config: pytest.Config) -> bool:
    """True when every path on the command line lies inside the configured testpaths."""
    root = config.rootpath
    testpaths = [(root / path).resolve() for path in config.getini("testpaths")]
    for arg in config.args:
        path = Path(arg.split("::", 1)[0])
        path = (path if path.is_absolute() else config.invocation_params.dir / path).resolve()
        if not any(path == top or top in path.parents for top in testpaths):
            return False
    return True


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Before xdist turns ``-n`` into workers: choose it when the command line did not."""
    if hasattr(config, "workerinput") or not config.pluginmanager.hasplugin("xdist"):
        return
    option = config.option
    if option.numprocesses is not None or option.dist != "no":
        return  # chosen on the command line
    if option.usepdb or option.collectonly or not own_suite(config):
        return
    option.numprocesses = "auto"
    option.dist = "loadgroup"
