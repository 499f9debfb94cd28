"""Is a component up? Health URLs, the admin client, kubectl, and waits with deadlines."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx

from floe_testing.core.errors import InfrastructureError
from floe_testing.core.polling import WaitTimeout, wait_for
from floe_testing.k8slocal.layout import Layout
from floe_testing.tools.command import Result
from floe_testing.tools.kube import run_kubectl

T = TypeVar("T")


class NotReady(InfrastructureError):
    """A wait ran out of time; the message says what never happened and where to look."""

    def __init__(self, message: str) -> None:
        super().__init__(
            message,
            "read the log it names; remove a half-started cluster with scripts/k8s-local down",
            cause="not-ready",
        )


def healthy(layout: Layout, url: str) -> bool:
    """True when ``url`` answers 200 ("ok"). The API server is asked as admin, over its CA."""
    if not url.startswith("https://127.0.0.1:6443"):
        try:
            return httpx.get(url, verify=False, timeout=2).status_code == 200  # noqa: S501 (loopback self-signed)
        except httpx.HTTPError:
            return False
    context = ssl.create_default_context(cafile=str(layout.pki / "ca.crt"))
    context.load_cert_chain(str(layout.pki / "admin.crt"), str(layout.pki / "admin.key"))
    try:
        response = httpx.get(url, verify=context, timeout=2)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def wait(
    what: str,
    check: Callable[[], T | None],
    timeout: float,
    log: Path | None = None,
    interval: float = 0.2,
) -> T:
    """Poll ``check`` until it returns a truthy value or ``timeout`` seconds pass (the one
    poll helper, ``floe_testing.core.polling``); a timeout names the log to read."""
    try:
        return wait_for(check, timeout=timeout, interval=interval, description=what)
    except WaitTimeout as timeout_error:
        where = f"; see {log}" if log else ""
        last = timeout_error.last_error
        detail = f" (last error: {last})" if last else ""
        raise NotReady(f"{what} not ready after {timeout:g} s{detail}{where}") from None


def kubectl(
    layout: Layout, *args: str, stdin: str | None = None, check: bool = True, timeout: float = 60
) -> Result:
    """The cluster's own kubectl as admin."""
    return run_kubectl(
        layout.state / "bin" / "kubectl",
        layout.admin_kubeconfig,
        *args,
        stdin=stdin,
        check=check,
        timeout=timeout,
    )
