"""Is the Dagster daemon live? The daemon pod's startup and liveness probe.

It asks what ``dagster-daemon liveness-check`` asks, of the same table: every daemon thread of
the running daemon process has written a heartbeat to ``daemon_heartbeats`` within the
tolerance (Dagster's default, 1800 s, or ``DAGSTER_DAEMON_HEARTBEAT_TOLERANCE`` as Dagster
reads it). ``liveness-check`` imports Dagster first: ~10 s of CPU per probe, which a daemon
container limited to half a core on a busy node could not finish within the probe's timeout
(the kind e2e tier's daemon never became ready). This script imports psycopg2 only (the
driver dagster.yaml names): well under a second.

The running process is the one that wrote the newest heartbeat (one daemon id per process,
shared by its threads); rows another process left behind (an earlier pod, a daemon type no
longer configured) are not its threads and are not judged. Stored timestamps are UTC, as
Dagster writes and reads them.

Usage: daemon_live.py HOST PORT DATABASE, with DAGSTER_PG_USERNAME and DAGSTER_PG_PASSWORD
in the environment (the daemon container's own). Exit 0: live; 1: not (one line says why).
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone

DEFAULT_TOLERANCE = 1800.0  # dagster._daemon.controller.DEFAULT_DAEMON_HEARTBEAT_TOLERANCE_SECONDS
QUERY = "SELECT daemon_type, daemon_id, timestamp FROM daemon_heartbeats"

Heartbeat = tuple[str, str, datetime]  # daemon_type, daemon_id, timestamp (naive UTC)


def verdict(heartbeats: list[Heartbeat], now: datetime, tolerance: float) -> tuple[bool, str]:
    """(live, why): every heartbeat of the newest heartbeat's process is within tolerance."""
    if not heartbeats:
        return False, "no daemon heartbeat yet"
    newest = max(heartbeats, key=lambda beat: beat[2])
    own = sorted(beat for beat in heartbeats if beat[1] == newest[1])
    stale = [
        f"{kind} ({age:.0f} s ago)"
        for kind, _, at in own
        if (age := (now - at.replace(tzinfo=timezone.utc)).total_seconds()) > tolerance
    ]
    if stale:
        return False, f"stale heartbeats (tolerance {tolerance:g} s): {', '.join(stale)}"
    return True, f"Daemon live: {', '.join(kind for kind, _, _ in own)}"


def read_heartbeats(host: str, port: str, database: str) -> list[Heartbeat]:
    import psycopg2

    connection = psycopg2.connect(
        host=host,
        port=int(port),
        dbname=database,
        user=os.environ["DAGSTER_PG_USERNAME"],
        password=os.environ["DAGSTER_PG_PASSWORD"],
        connect_timeout=5,
    )
    try:
        with connection.cursor() as cursor:
            cursor.execute(QUERY)
            return [(str(kind), str(ident), at) for kind, ident, at in cursor.fetchall()]
    finally:
        connection.close()


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: daemon_live.py HOST PORT DATABASE", file=sys.stderr)
        return 2
    tolerance = float(os.environ.get("DAGSTER_DAEMON_HEARTBEAT_TOLERANCE", DEFAULT_TOLERANCE))
    try:
        heartbeats = read_heartbeats(*argv)
    except Exception as error:  # any failure to read is "not live", said in one line
        print(f"daemon heartbeats unreadable: {type(error).__name__}: {error}".splitlines()[0])
        return 1
    live, why = verdict(heartbeats, datetime.now(timezone.utc), tolerance)
    print(why)
    return 0 if live else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
