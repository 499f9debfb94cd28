"""Where things are, for every test helper: the checkout and the ``floe-test`` executable of
the interpreter running the tests (the project's own venv, wherever the checkout lives)."""

from __future__ import annotations

import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
FLOE_TEST = str(Path(sys.executable).parent / "floe-test")
