"""Service ports come from below the kernel's ephemeral range, where no outgoing connection
can take one between choosing it and the service binding it."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from floe_testing.backends.local import ports
from floe_testing.core.errors import InfrastructureError


def test_ports_are_distinct_bindable_and_below_the_ephemeral_range() -> None:
    chosen = ports.free_ports(12)
    assert len(set(chosen)) == 12
    assert all(ports.LOWEST <= p < ports.ephemeral_start() for p in chosen)
    for port in chosen:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_a_twin_offset_keeps_the_twin_free_too() -> None:
    (port,) = ports.free_ports(1, pairs_offset=10000)
    with socket.socket() as a, socket.socket() as b:
        a.bind(("127.0.0.1", port))
        b.bind(("127.0.0.1", port + 10000))


def test_the_ephemeral_start_is_read_from_the_kernel_file(tmp_path: Path) -> None:
    range_file = tmp_path / "ip_local_port_range"
    range_file.write_text("40000\t60999\n")
    assert ports.ephemeral_start(range_file) == 40000
    assert ports.ephemeral_start(tmp_path / "missing") == ports.DEFAULT_EPHEMERAL_START


def test_no_room_below_the_ephemeral_range_is_an_infrastructure_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ports, "ephemeral_start", lambda: ports.LOWEST)
    with pytest.raises(InfrastructureError, match="free loopback ports"):
        ports.free_ports(1)
