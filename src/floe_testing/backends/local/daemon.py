"""``python -m floe_testing.backends.local.daemon HOST PORT -- ARGS``: dagster-daemon, started
early but connecting late.

Importing Dagster takes most of the daemon's start-up (~3 s on 2 cores), so it overlaps the code
server's own start; the daemon itself runs only once the code server's port answers, so its
first workspace load succeeds instead of logging ``DagsterUserCodeUnreachableError ...
Connection refused`` on every run (a misleading line for anyone reading the daemon's log).
"""

from __future__ import annotations

import sys

from dagster._daemon.cli import main as daemon_main

from floe_testing.core.polling import wait_for_tcp

CODE_SERVER_TIMEOUT = 120.0


def main(argv: list[str]) -> int:
    host, port, separator, *daemon_args = argv
    if separator != "--":
        print("usage: daemon HOST PORT -- DAGSTER_DAEMON_ARGS...", file=sys.stderr)
        return 2
    wait_for_tcp(host, int(port), timeout=CODE_SERVER_TIMEOUT)
    sys.argv = ["dagster-daemon", *daemon_args]
    daemon_main()  # click: runs until stopped, exits through SystemExit
    return 0


if __name__ == "__main__":  # pragma: no cover - the daemon's entry point
    sys.exit(main(sys.argv[1:]))
