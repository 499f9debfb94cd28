"""Is a component up? Health URLs, the admin client, kubectl, and waits with deadlines."""

from __future__ import annotations

import ssl
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import httpx

from floe_testing.k8slocal.layout import Layout

T = TypeVar("T")


class NotReady(RuntimeError):
    """A wait ran out of time; the message says what never happened and where to look."""


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
    """Poll ``check`` until it returns a truthy value or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            value = check()
            if value:
                return value
        except Exception as error:  # polled again until the deadline; reported at the end
            last_error = error
        if time.monotonic() >= deadline:
            where = f"; see {log}" if log else ""
            detail = f" (last error: {last_error})" if last_error else ""
            raise NotReady(f"{what} not ready after {timeout:g} s{detail}{where}")
        time.sleep(interval)


def kubectl(
    layout: Layout, *args: str, stdin: str | None = None, check: bool = True, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """The cluster's own kubectl as admin."""
    kubectl_bin = layout.state / "bin" / "kubectl"
    return subprocess.run(
        [str(kubectl_bin), f"--kubeconfig={layout.admin_kubeconfig}", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=check,
        timeout=timeout,
    )
