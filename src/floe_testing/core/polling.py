"""Wait for a condition with a deadline instead of sleeping.

Fixed sleeps make suites slow when the platform is fast and flaky when it is slow; a poll with a
deadline is as fast as the platform allows and fails with a message that says what never
happened. ``wait_for`` polls on the monotonic clock (immune to wall-clock jumps), never
oversleeps its deadline, keeps the last exception and the last observed value, and raises
``WaitTimeout`` naming both. ``wait_for_tcp`` and ``wait_for_http`` are the two waits every
suite needs.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn, TypeVar, cast

import tenacity

if TYPE_CHECKING:
    import httpx

T = TypeVar("T")


class WaitTimeout(TimeoutError):
    """What was awaited, for how long, how often it was tried, and the last state observed."""

    def __init__(
        self,
        description: str,
        timeout: float,
        last_value: object,
        last_error: BaseException | None,
        attempts: int = 0,
    ) -> None:
        state = f"last error: {last_error!r}" if last_error else f"last value: {last_value!r}"
        tries = f", {attempts} attempts" if attempts else ""
        super().__init__(f"timed out after {timeout:g}s waiting for {description} ({state}{tries})")
        self.description = description
        self.timeout = timeout
        self.last_value = last_value
        self.last_error = last_error
        self.attempts = attempts


def wait_for(
    condition: Callable[[], T | None],
    *,
    timeout: float,
    interval: float = 0.1,
    description: str = "condition",
    backoff: float = 1.0,
    max_interval: float = 2.0,
    retry_on: tuple[type[BaseException], ...] = (Exception,),
    until: Callable[[T], bool] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``condition`` until it returns a truthy value, and return that value.

    With ``until``, the condition's value is accepted when ``until(value)`` is true instead, and
    a rejected value is what the timeout reports: ``wait_for(lambda: client.run_status(run),
    until=lambda s: s in TERMINAL, ...)`` times out saying "last value: 'STARTED'".

    Exceptions listed in ``retry_on`` count as "not yet" and are kept for the timeout message;
    others propagate at once (a bug in the condition should not look like a slow platform).
    ``backoff`` > 1 multiplies the interval after each attempt, up to ``max_interval``.
    ``clock`` and ``sleep`` exist so the schedule itself can be tested without waiting.

    tenacity runs the attempts; the deadline is kept on ``clock`` here (tenacity's own stop
    conditions read ``time.monotonic``), and the last pause is cut so it ends at the deadline.
    """
    if timeout <= 0 or interval <= 0 or backoff < 1:
        raise ValueError("timeout and interval must be > 0 and backoff >= 1")
    deadline = clock() + timeout
    seen = _Observed()

    def accepted(value: T | None) -> bool:
        return value is not None and (until(value) if until is not None else bool(value))

    def attempt() -> T | None:
        try:
            value = condition()
        except retry_on as exc:
            seen.error = exc
            raise
        seen.value, seen.error = value, None
        return value

    def timed_out(state: tenacity.RetryCallState) -> NoReturn:
        raise WaitTimeout(description, timeout, seen.value, seen.error, state.attempt_number)

    schedule = tenacity.wait_exponential(
        multiplier=interval, exp_base=backoff, max=max(max_interval, interval)
    )
    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception_type(retry_on)
        | tenacity.retry_if_result(lambda value: not accepted(value)),
        stop=lambda _state: clock() >= deadline,
        wait=lambda state: min(schedule(state), deadline - clock()),
        sleep=sleep,
        retry_error_callback=timed_out,
    )
    return cast("T", retrying(attempt))


@dataclass
class _Observed:
    """The last value the condition returned and the error of the last attempt, if it raised."""

    value: object = None
    error: BaseException | None = None


def tcp_open(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when ``host:port`` accepts a TCP connection; raises ``OSError`` otherwise."""
    with socket.create_connection((host, port), timeout=timeout):
        return True


def wait_for_tcp(
    host: str,
    port: int,
    *,
    timeout: float,
    interval: float = 0.1,
    description: str | None = None,
) -> None:
    """Wait until ``host:port`` accepts connections (a service bound its port)."""
    wait_for(
        lambda: tcp_open(host, port, timeout=min(1.0, timeout)),
        timeout=timeout,
        interval=interval,
        description=description or f"TCP {host}:{port} to accept connections",
    )


def wait_for_http(
    url: str,
    *,
    timeout: float,
    interval: float = 0.1,
    status: Callable[[int], bool] = lambda code: 200 <= code < 400,
    headers: Mapping[str, str] | None = None,
    description: str | None = None,
) -> httpx.Response:
    """Poll ``url`` until it answers with an accepted status; returns the response.

    A rejected status is kept as the "last value" so the timeout message shows what the
    service actually answered (e.g. ``503``), not only that it was not ready.
    """
    import httpx  # here: only the waits over HTTP pay for it

    last_status: list[int] = []

    def attempt(client: httpx.Client) -> httpx.Response | None:
        response = client.get(url)
        if status(response.status_code):
            return response
        last_status[:] = [response.status_code]
        return None

    # one client for every attempt: building one per attempt costs ~0.1 s (TLS context)
    try:
        with httpx.Client(timeout=min(5.0, timeout), headers=dict(headers or {})) as client:
            return wait_for(
                lambda: attempt(client),
                timeout=timeout,
                interval=interval,
                description=description or f"GET {url} to succeed",
            )
    except WaitTimeout as exc:
        if exc.last_error is None and last_status:
            exc.last_value = f"HTTP {last_status[0]}"
            raise WaitTimeout(
                exc.description, exc.timeout, exc.last_value, None, exc.attempts
            ) from None
        raise
