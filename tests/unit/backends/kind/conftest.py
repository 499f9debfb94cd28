"""Fixtures of the kind backend's unit tests: stand-in tools on PATH (no server runs here;
the emulator-backed scenarios are in tests/emulated/kind)."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[3]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from harness.kind_fixtures import standins, suite  # noqa: E402, F401
