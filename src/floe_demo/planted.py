"""Planted faults the staging tier's own tests switch on to prove its detectors fire.

``FLOE_DEMO_LEAK_MB=N`` adds a run-status sensor that keeps N MiB more memory in the code
server after every successful run (a leak that grows with each soak iteration). Unset, the
code location has no sensors and nothing here runs.
"""

from __future__ import annotations

import os

import dagster as dg

LEAK_ENV = "FLOE_DEMO_LEAK_MB"
_retained: list[bytearray] = []


def sensors() -> list[dg.RunStatusSensorDefinition]:
    megabytes = int(os.environ.get(LEAK_ENV, "0") or 0)
    if megabytes <= 0:
        return []

    @dg.run_status_sensor(
        run_status=dg.DagsterRunStatus.SUCCESS,
        minimum_interval_seconds=1,
        default_status=dg.DefaultSensorStatus.RUNNING,
        monitor_all_code_locations=False,
        description=f"planted leak: keeps {megabytes} MiB per successful run",
    )
    def planted_leak(context: dg.RunStatusSensorContext) -> None:
        block = bytearray(megabytes * 1024 * 1024)
        block[::4096] = b"\x01" * len(block[::4096])  # touch every page: resident, not virtual
        _retained.append(block)
        context.log.info(f"planted leak: {len(_retained) * megabytes} MiB retained")

    return [planted_leak]
