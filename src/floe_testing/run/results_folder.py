"""One results folder per run, also when runs overlap (several against one kept platform).

A run holds an exclusive ``flock`` on ``<results-dir>/<tier>/`` (the folder itself: no lock
file is left behind) while it writes there. A run that finds it held writes to
``<results-dir>/<tier>-<run id>/`` instead and says so, so two runs never mix their JUnit,
summary or logs.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from floe_testing.core.ui import Ui
from floe_testing.plan import RunPlan


@contextmanager
def claimed(plan: RunPlan, ui: Ui) -> Iterator[RunPlan]:
    """The plan with a results folder no other run is writing to, held until the block ends."""
    folder = plan.results_dir
    folder.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            plan = replace(plan, results_folder=f"{plan.tier.name}-{plan.run_id}")
            ui.info(f"{folder} is in use by another run; this run's results: {plan.results_dir}")
        yield plan
    finally:
        os.close(descriptor)
