"""Wait for a condition with a deadline instead of sleeping.

``wait_for`` polls on the monotonic clock, never oversleeps its deadline, keeps the last
exception and the last observed value, and raises ``WaitTimeout`` naming both.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import TypeVar

import httpx

T = TypeVar("T")


class WaitTimeout(TimeoutError):
    """What was awaited, for how long, and the last state observed."""

    def __init__(
        self, description: str, timeout: float, last_value: object, last_error: BaseException | None
    ) -> None:
        state = f"last error: {last_error!r}" if last_error else f"last value: {last_value!r}"
        super().__init__(f"timed out after {timeout:g}s waiting for {description} ({state})")
        self.description = description
        self.timeout = timeout
        self.last_value = last_value
        self.last_error = last_error


def wait_for(
    condition: Callable[[], T | None],
    *,
    timeout: float,
    interval: float = 0.1,
    description: str = "condition",
    backoff: float = 1.0,
    max_interval: float = 2.0,
    retry_on: tuple[type[BaseException], ...] = (Exception,),
) -> T:
    """Call ``condition`` until it returns a truthy value, and return that value.

    Exceptions listed in ``retry_on`` count as "not yet" and are kept for the timeout message.
    ``backoff`` > 1 multiplies the interval after each attempt, up to ``max_interval``.
    """
    if timeout <= 0 or interval <= 0 or backoff < 1:
        raise ValueError("timeout and interval must be > 0 and backoff >= 1")
    deadline = time.monotonic() + timeout
    last_value: object = None
    last_error: BaseException | None = None
    pause = interval
    while True:
        try:
            value = condition()
        except retry_on as exc:
            last_error = exc
        else:
            if value:
                return value
            last_value, last_error = value, None
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise WaitTimeout(description, timeout, last_value, last_error)
        time.sleep(min(pause, remaining))
        pause = min(pause * backoff, max_interval)


def tcp_open(host: str, port: int, timeout: float = 1.0) -> bool:
    with socket.create_connection((host, port), timeout=timeout):
        return True


def wait_for_tcp(host: str, port: int, *, timeout: float, interval: float = 0.1) -> None:
    wait_for(
        lambda: tcp_open(host, port),
        timeout=timeout,
        interval=interval,
        description=f"TCP {host}:{port} to accept connections",
    )


def wait_for_http(
    url: str,
    *,
    timeout: float,
    interval: float = 0.1,
    status: Callable[[int], bool] = lambda code: 200 <= code < 400,
) -> httpx.Response:
    """Poll ``url`` until it answers with an accepted status; returns the response."""

    def attempt() -> httpx.Response | None:
        response = httpx.get(url, timeout=min(5.0, timeout))
        return response if status(response.status_code) else None

    return wait_for(attempt, timeout=timeout, interval=interval, description=f"GET {url} to succeed")
