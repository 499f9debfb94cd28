"""Loopback ports for the local platform's services, chosen where nothing else will take them.

A port the kernel handed out for ``bind(0)`` lies in its ephemeral range, the same range it
takes source ports of outgoing connections from: between choosing a service's port and the
service binding it, any client connection on the machine could take it (Cube once failed with
``EADDRINUSE`` that way). So ports are drawn at random from below the ephemeral range (ports
nothing gets without asking for them), probed by binding, and held together until all are
found so none repeats. Random draws keep two runs at once from colliding.
"""

from __future__ import annotations

import random
import socket
from contextlib import ExitStack
from pathlib import Path

from floe_testing.core.errors import InfrastructureError

EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
LOWEST = 20000  # below: well-known-ish ports of other local software
DEFAULT_EPHEMERAL_START = 32768


def ephemeral_start(path: Path = EPHEMERAL_RANGE) -> int:
    """First port of the kernel's ephemeral range (Linux default 32768)."""
    try:
        return int(path.read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, IndexError):
        return DEFAULT_EPHEMERAL_START


def _bound(stack: ExitStack, port: int) -> bool:
    sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        return False
    return True


def free_ports(count: int, pairs_offset: int | None = None) -> list[int]:
    """``count`` distinct free loopback ports outside the ephemeral range.

    With ``pairs_offset``, each port's ``port + pairs_offset`` twin is free too (SeaweedFS
    derives a gRPC port that way); the twins are not in the result.
    """
    top = ephemeral_start()
    span = max(0, top - LOWEST - (pairs_offset or 0))
    candidates = random.sample(range(LOWEST, LOWEST + span), k=min(span, 4000)) if span else []
    found: list[int] = []
    with ExitStack() as held:
        for port in candidates:
            if len(found) == count:
                break
            twin_ok = pairs_offset is None or _bound(held, port + pairs_offset)
            if twin_ok and _bound(held, port):
                found.append(port)
        if len(found) < count:
            raise InfrastructureError(
                f"found only {len(found)} of {count} free loopback ports below {top}",
                "stop what holds local ports (`ss -ltnp`) or widen "
                "/proc/sys/net/ipv4/ip_local_port_range",
                cause="ports",
            )
    return found
