"""Durations as people write them: ``30m``, ``2m``, ``90s``, ``1h30m``, or plain seconds."""

from __future__ import annotations

import re

from floe_testing.core.errors import UsageError

_PART = re.compile(r"(\d+(?:\.\d+)?)([hms])")
_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0}


def parse_duration(text: str, option: str = "--soak") -> float:
    cleaned = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", cleaned):
        seconds = float(cleaned)
    elif cleaned and _PART.sub("", cleaned) == "":
        seconds = sum(float(n) * _UNITS[u] for n, u in _PART.findall(cleaned))
    else:
        raise UsageError(f"{option} {text!r} is not a duration", "write e.g. 30m, 2m, 90s or 1h30m")
    if seconds <= 0:
        raise UsageError(f"{option} {text!r} must be longer than zero", "e.g. --soak 30m")
    return seconds
