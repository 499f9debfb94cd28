"""What a local run leaves beside its results: start-up timings and, with ``--keep``, a stop
script (``endpoints.env`` is ``floe_testing.protocol.endpoints_file``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from floe_testing.backends.local.platform import DataPlatform

TIMINGS_FILE = "platform-start.json"
STOP_SCRIPT = "stop.sh"


def write_timings(
    results_dir: Path,
    data: DataPlatform | None,
    ready: float,
    steps: Mapping[str, float] | None = None,
) -> Path:
    """``platform-start.json``: seconds from the start until each service was healthy (and
    until each of ``steps``: Dagster imported, each Dagster service ready)."""
    timings = dict(data.timings) if data is not None else {}
    timings.update(steps or {})
    timings["dagster"] = round(ready, 2)  # webserver, daemon, code location loaded
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / TIMINGS_FILE
    path.write_text(json.dumps(timings, indent=2) + "\n")
    return path


def write_stop_script(results_dir: Path, groups: Iterable[int], workdir: Path) -> Path:
    """``stop.sh``: SIGTERM every group, wait up to 10 s each, SIGKILL what is left, then
    remove the working directory (last: SeaweedFS hangs on SIGTERM once its data is gone)."""
    pgids = " ".join(str(pgid) for pgid in groups)
    script = results_dir / STOP_SCRIPT
    results_dir.mkdir(parents=True, exist_ok=True)
    script.write_text(
        "#!/bin/sh\n# stops the platform floe-test left running with --keep\n"
        f"for g in {pgids}; do kill -TERM -$g 2>/dev/null; done\n"
        f"for g in {pgids}; do\n"
        "  for i in $(seq 50); do kill -0 -$g 2>/dev/null || break; sleep 0.2; done\n"
        "  kill -KILL -$g 2>/dev/null\n"
        f"done\nrm -rf {workdir}\n"
    )
    return script
