"""The project's non-Python version pins (``pins/versions.env``): one place for each version.

Shell scripts source the file; Python reads it here; the chart generator copies image tags
from it. Python packages are pinned by ``uv.lock`` instead.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

PINS_FILE = Path("pins") / "versions.env"
_LINE = re.compile(r"^([A-Z][A-Z0-9_]*)=(\S*)\s*(?:#.*)?$")


def parse(text: str) -> dict[str, str]:
    """``KEY=VALUE`` lines (comments and blank lines ignored); a malformed line is an error."""
    pins: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError(f"{PINS_FILE}:{number}: expected KEY=VALUE, got {raw!r}")
        pins[match.group(1)] = match.group(2)
    return pins


@cache
def load(root: Path | None = None) -> dict[str, str]:
    """The pins of the project at ``root`` (default: this checkout)."""
    base = root or Path(__file__).resolve().parents[2]
    return parse((base / PINS_FILE).read_text(encoding="utf-8"))


def pin(name: str, root: Path | None = None) -> str:
    pins = load(root)
    if name not in pins:
        raise KeyError(f"{name} is not pinned in {PINS_FILE}; known: {', '.join(sorted(pins))}")
    return pins[name]
