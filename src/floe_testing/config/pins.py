"""The version pins outside ``uv.lock``, read from ``pins/versions.env`` at the repository root.

One file pins every Maven, Java, Go, npm, Debian and image version so that a shell script
(``. pins/versions.env``), a Dockerfile (build args) and Python read the same value. The
format is the shell's: ``KEY=VALUE`` lines, ``#`` comments, no quoting or expansion.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

from floe_testing.core.errors import UsageError

PINS_ENV = "FLOE_TEST_PINS"


def pins_file() -> Path:
    """``$FLOE_TEST_PINS``, else ``pins/versions.env`` of the source tree this package is in."""
    override = os.environ.get(PINS_ENV)
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[3] / "pins" / "versions.env"


def parse_pins(text: str, source: str = "pins/versions.env") -> dict[str, str]:
    pins: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.isidentifier():
            raise UsageError(
                f"{source}:{number}: expected KEY=VALUE, got {raw!r}",
                "fix that line: one pin a line, comments start with #",
            )
        pins[key] = value
    return pins


@cache
def _load(path: Path) -> dict[str, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"cannot read the pins file {path}: {exc.strerror}",
            f"run from a floe-test checkout or set {PINS_ENV} to its pins/versions.env",
        ) from exc
    return parse_pins(text, str(path))


def pin(key: str) -> str:
    """The pinned value of ``key``; a missing key is a usage error naming the file."""
    path = pins_file()
    pins = _load(path)
    if key not in pins:
        raise UsageError(f"{path} has no pin {key}", f"add a line {key}=<value> to {path}")
    return pins[key]


def all_pins() -> dict[str, str]:
    """Every pin of the pins file (e.g. for generators that copy several)."""
    return dict(_load(pins_file()))


# --- by checkout root (the image scripts and tests) -------------------------------------
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
