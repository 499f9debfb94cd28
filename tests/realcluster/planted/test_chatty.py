"""Planted: prints several times the kubelet's log rotation size (containerLogMaxSize 1Mi in
scripts/k8s-local) over about 25 s, so the container log rotates while it runs; then passes."""

import sys
import threading

LINE = "x" * 1000
TOTAL_LINES = 3500  # about 3.4 MiB
PER_TICK = 28  # lines every 0.2 s


def test_prints_more_than_the_rotation_size() -> None:
    tick = threading.Event()
    for number in range(TOTAL_LINES):
        sys.stdout.write(f"chatty line {number:05d} {LINE}\n")
        if number % PER_TICK == 0:
            sys.stdout.flush()
            tick.wait(0.2)
    sys.stdout.write("chatty done\n")
    assert number == TOTAL_LINES - 1
