"""wait_for: value returned, schedule on a fake clock, last state in the timeout message."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from floe_testing.core.polling import WaitTimeout, wait_for, wait_for_http, wait_for_tcp

from .fakes import FakeDagster


class FakeClock:
    """A monotonic clock that only moves when the poller sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


def answers(*values: object) -> Iterator[object]:
    yield from values


def test_returns_the_first_truthy_value() -> None:
    clock = FakeClock()
    values = answers(None, 0, [], {"ready": True})
    result = wait_for(lambda: next(values), timeout=10, clock=clock, sleep=clock.sleep)
    assert result == {"ready": True}
    assert clock.sleeps == [0.1, 0.1, 0.1]


def test_backoff_grows_the_interval_up_to_the_cap_and_never_oversleeps() -> None:
    clock = FakeClock()
    with pytest.raises(WaitTimeout) as timeout:
        wait_for(
            lambda: None,
            timeout=10,
            interval=1,
            backoff=2,
            max_interval=3,
            clock=clock,
            sleep=clock.sleep,
        )
    assert clock.sleeps == [1, 2, 3, 3, 1]  # the last pause ends exactly at the deadline
    assert clock.now == 110.0
    assert timeout.value.attempts == 6


def test_timeout_names_what_was_awaited_and_the_last_error() -> None:
    clock = FakeClock()

    def refused() -> bool:
        raise ConnectionRefusedError("port 3000 refused")

    with pytest.raises(WaitTimeout) as timeout:
        wait_for(refused, timeout=1, description="the webserver", clock=clock, sleep=clock.sleep)
    message = str(timeout.value)
    assert "timed out after 1s waiting for the webserver" in message
    assert "port 3000 refused" in message
    assert isinstance(timeout.value.last_error, ConnectionRefusedError)
    assert isinstance(timeout.value, TimeoutError)


def test_until_accepts_values_and_the_timeout_reports_the_last_one() -> None:
    clock = FakeClock()
    states = iter(["QUEUED", "STARTED", "STARTED", "SUCCESS"])
    terminal = {"SUCCESS", "FAILURE"}
    status = wait_for(
        lambda: next(states), until=terminal.__contains__, timeout=5, clock=clock, sleep=clock.sleep
    )
    assert status == "SUCCESS"

    with pytest.raises(WaitTimeout) as timeout:
        wait_for(
            lambda: "STARTED",
            until=terminal.__contains__,
            timeout=0.5,
            description="run 42 to finish",
            clock=clock,
            sleep=clock.sleep,
        )
    assert timeout.value.last_value == "STARTED"
    assert "waiting for run 42 to finish (last value: 'STARTED'" in str(timeout.value)


def test_until_can_accept_a_falsy_value() -> None:
    clock = FakeClock()
    counts = iter([3, 1, 0])
    assert (
        wait_for(
            lambda: next(counts), until=lambda n: n == 0, timeout=5, clock=clock, sleep=clock.sleep
        )
        == 0
    )


def test_errors_outside_retry_on_propagate_at_once() -> None:
    clock = FakeClock()

    def broken() -> bool:
        raise KeyError("bug in the condition")

    with pytest.raises(KeyError):
        wait_for(broken, timeout=5, retry_on=(OSError,), clock=clock, sleep=clock.sleep)
    assert clock.sleeps == []


@pytest.mark.parametrize(
    "kwargs", [{"timeout": 0}, {"timeout": 1, "interval": 0}, {"timeout": 1, "backoff": 0.5}]
)
def test_rejects_nonsense_arguments(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        wait_for(lambda: True, **kwargs)


def test_wait_for_http_returns_the_response() -> None:
    with FakeDagster() as dagster:
        response = wait_for_http(f"{dagster.url}/server_info", timeout=5)
    assert response.json() == {"dagster_webserver_version": "fake"}


def test_wait_for_http_timeout_reports_the_status_seen() -> None:
    with FakeDagster() as dagster, pytest.raises(WaitTimeout) as timeout:
        wait_for_http(f"{dagster.url}/missing", timeout=0.3, interval=0.05)
    assert "last value: 'HTTP 404'" in str(timeout.value)
    assert "/missing" in str(timeout.value)


def test_wait_for_tcp_on_a_closed_port_names_host_and_port() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, not listening: connections are refused
        with pytest.raises(WaitTimeout) as timeout:
            wait_for_tcp("127.0.0.1", port, timeout=0.3, interval=0.05)
    assert f"TCP 127.0.0.1:{port}" in str(timeout.value)
    assert "ConnectionRefusedError" in str(timeout.value)


def test_wait_for_tcp_returns_once_the_port_listens() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        wait_for_tcp("127.0.0.1", server.getsockname()[1], timeout=5)
