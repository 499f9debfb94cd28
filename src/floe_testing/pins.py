"""The version pins outside ``uv.lock``: ``pins/versions.env`` at the repository root.

One file, ``KEY=VALUE`` lines, so shell scripts source it (``. pins/versions.env``), the
Dockerfiles receive it as build args (their ARG defaults must agree, a test checks) and
Python reads it here.
"""

from __future__ import annotations

import re
from pathlib import Path

from floe_testing.errors import UsageError

PINS_PATH = Path("pins") / "versions.env"
_LINE = re.compile(r"^(?P<key>[A-Z][A-Z0-9_]*)=(?P<value>\S*)$")


def load(root: Path) -> dict[str, str]:
    """Every pin in ``<root>/pins/versions.env``; a malformed line is a usage error."""
    path = root / PINS_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"cannot read the version pins {path}: {exc}", "run from a floe-test checkout"
        ) from None
    pins: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise UsageError(
                f"{path}:{number}: not a KEY=VALUE pin: {raw!r}",
                "one pin per line, e.g. UV_VERSION=0.13.9 (no spaces, no quotes)",
            )
        pins[match["key"]] = match["value"]
    return pins


def find_root(start: Path | None = None) -> Path:
    """The checkout holding ``pins/versions.env``, from ``start`` (default: cwd) upwards."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / PINS_PATH).is_file():
            return candidate
    raise UsageError(f"no {PINS_PATH} in {here} or its parents", "run from a floe-test checkout")
