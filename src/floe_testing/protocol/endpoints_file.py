"""``endpoints.env``: the contract's environment of a running platform, secrets included.

Written by the local backend (mode 0600) so that ``set -a; . endpoints.env`` lets a person
run tests by hand against a ``--keep`` platform, and read by the pytest plugin when the
platform gate opens (the suite starts before the platform's ports and secrets are known).
Values are shell-quoted, one ``KEY=VALUE`` a line.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping
from pathlib import Path

ENDPOINTS_FILE_ENV = "FLOE_TEST_ENDPOINTS_FILE"
_KEY = re.compile(r"^[A-Z_][A-Z0-9_]*$")


def write(path: Path, env: Mapping[str, str], header: str = "") -> None:
    """Write atomically with mode 0600 (it holds secrets)."""
    lines = [f"# {line}" for line in header.splitlines()]
    lines += [f"{key}={shlex.quote(value)}" for key, value in sorted(env.items())]
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    os.chmod(partial, 0o600)
    os.replace(partial, path)


def read(path: Path) -> dict[str, str]:
    env: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not _KEY.match(key):
            raise ValueError(f"{path}:{number}: expected KEY=VALUE")
        words = shlex.split(value)
        env[key] = words[0] if words else ""
    return env
