"""A runc wrapper for Docker engines whose host lacks ``CAP_SYS_RESOURCE`` in its bounding set.

Some machines (the Firecracker VMs this project's CI runs on) drop ``CAP_SYS_RESOURCE`` from
every process's capability bounding set. Docker 20.10 asks for *all* capabilities it knows
for a ``--privileged`` container, runc cannot grant one the host does not have, and every
privileged container (a Kind node is one) fails with "unable to apply caps: operation not
permitted".

Installed as dockerd's default runtime (``scripts/images engine``), this program does one
thing and hands over to the real runc with the same arguments:

* ``create`` and ``run``: remove ``CAP_SYS_RESOURCE`` from ``process.capabilities`` of the
  bundle's ``config.json``;
* ``exec --process FILE``: remove it from the capabilities of that process spec.

Nothing else is changed, and a spec without that capability is not rewritten. The module uses
only the standard library: the installed copy runs on the system's Python, outside any
virtual environment, for every container the engine starts.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CAPABILITY = "CAP_SYS_RESOURCE"
CAP_SYS_RESOURCE_BIT = 24
REAL_RUNC = "/usr/sbin/runc"  # replaced by the installer with the runc it found
CAPABILITY_SETS = ("bounding", "effective", "inheritable", "permitted", "ambient")
# runc's global options that take a value (``runc --root DIR create …``)
GLOBAL_WITH_VALUE = frozenset({"--root", "--log", "--log-format", "--criu", "--rootless"})


def strip_capability(process: dict[str, Any]) -> bool:
    """Remove the capability from every set of an OCI ``process``; True when one was there."""
    capabilities = process.get("capabilities")
    if not isinstance(capabilities, dict):
        return False
    changed = False
    for name in CAPABILITY_SETS:
        values = capabilities.get(name)
        if isinstance(values, list) and CAPABILITY in values:
            capabilities[name] = [value for value in values if value != CAPABILITY]
            changed = True
    return changed


def subcommand(argv: Sequence[str]) -> tuple[str | None, list[str]]:
    """The runc subcommand and the arguments after it, global options skipped."""
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg in GLOBAL_WITH_VALUE:
            index += 2
            continue
        if arg.startswith("-"):
            index += 1
            continue
        return arg, list(argv[index + 1 :])
    return None, []


def option_value(args: Sequence[str], *names: str) -> str | None:
    """The value of ``--name VALUE`` or ``--name=VALUE`` (first of ``names`` found)."""
    for index, arg in enumerate(args):
        if arg == "--":
            break
        for name in names:
            if arg == name and index + 1 < len(args):
                return args[index + 1]
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def spec_to_fix(argv: Sequence[str], cwd: Path) -> tuple[Path, bool] | None:
    """The file this call's capabilities live in, and whether it is a whole bundle config
    (``config.json``: capabilities under ``process``) or an exec process spec."""
    command, args = subcommand(argv)
    if command in ("create", "run"):
        bundle = option_value(args, "--bundle", "-b")
        return (cwd / (bundle or ".") / "config.json", True)
    if command == "exec":
        process = option_value(args, "--process", "-p")
        return (cwd / process, False) if process else None
    return None


def fix_file(path: Path, bundle_config: bool) -> bool:
    """Rewrite ``path`` without the capability (same mode, atomically); True when changed."""
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False  # runc reports a missing or broken spec itself
    process = spec.get("process") if bundle_config else spec
    if not isinstance(process, dict) or not strip_capability(process):
        return False
    temporary = path.with_name(f".{path.name}.floe-runc")
    temporary.write_text(json.dumps(spec), encoding="utf-8")
    os.chmod(temporary, path.stat().st_mode & 0o7777)
    os.replace(temporary, path)
    return True


def main(argv: Sequence[str]) -> None:
    target = spec_to_fix(argv, Path.cwd())
    if target is not None:
        fix_file(*target)
    os.execv(REAL_RUNC, [REAL_RUNC, *argv])  # noqa: S606 (runc itself, same arguments)


if __name__ == "__main__":
    main(sys.argv[1:])
