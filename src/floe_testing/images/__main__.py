"""``python -m floe_testing.images build|smoke`` (what ``scripts/images`` runs)."""

from __future__ import annotations

import sys

from floe_testing.images.cli import main

sys.exit(main())
