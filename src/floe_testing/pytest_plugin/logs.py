"""Recent service logs for a failed test's report: local log files or pod logs.

A failing platform test is often explained by the service's log, not by the assertion. The
local backend writes ``<service>.log`` files into the directory named by ``FLOE_TEST_LOG_DIR``;
in a cluster the pods' logs are read through the API (lightkube) when the runner can reach it
(the test Job's ServiceAccount has no token by default, so often it cannot). Everything here is
best effort: attaching logs must never turn a test failure into a crash of the run.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

LOG_DIR_ENV = "FLOE_TEST_LOG_DIR"
LOG_LINES_ENV = "FLOE_TEST_LOG_LINES"
ATTACH_ENV = "FLOE_TEST_ATTACH_LOGS"
NAMESPACE_ENVS = ("FLOE_TEST_NAMESPACE", "POD_NAMESPACE")
BACKEND_ENV = "FLOE_TEST_BACKEND"  # the backend running the tests (set by the local backend)
SERVICE_ACCOUNT_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
DEFAULT_LINES = 50
_TAIL_BYTES = 256 * 1024
_CLUSTER_HOST = re.compile(r"^[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.cluster\.local)?\.?$")

Section = tuple[str, str]


class LogSource(Protocol):
    def recent(self, services: Sequence[str], since_seconds: float) -> list[Section]:
        """(title, text) per service; ``services`` empty means every service known."""


def tail(path: Path, lines: int) -> str:
    """The last ``lines`` lines of a file, reading at most its last 256 KiB."""
    with path.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(0, size - _TAIL_BYTES))
        data = handle.read()
    return "\n".join(data.decode("utf-8", errors="replace").splitlines()[-lines:])


class LocalLogDir:
    """``<service>.log`` files of the local backend."""

    def __init__(self, directory: Path, lines: int = DEFAULT_LINES) -> None:
        self.directory = directory
        self.lines = lines

    def recent(self, services: Sequence[str], since_seconds: float) -> list[Section]:
        if not self.directory.is_dir():
            return []
        if services:
            paths = [self.directory / f"{name}.log" for name in services]
        else:
            paths = sorted(self.directory.glob("*.log"))
        sections = []
        for path in paths:
            if path.is_file():
                text = tail(path, self.lines)
                sections.append((f"{path.stem} (last {self.lines} lines of {path})", text))
        return sections


class ClusterLogs:
    """Pod logs through the Kubernetes API; stops trying after the first connection failure."""

    def __init__(
        self,
        namespace: str,
        lines: int = DEFAULT_LINES,
        client_factory: Callable[[], Any] | None = None,
    ) -> None:
        self.namespace = namespace
        self.lines = lines
        self._client_factory = client_factory or _lightkube_client
        self._client: Any = None
        self.disabled_reason: str | None = None

    def recent(self, services: Sequence[str], since_seconds: float) -> list[Section]:
        if self.disabled_reason is not None or not services:
            return []
        try:
            if self._client is None:
                self._client = self._client_factory()
            sections = []
            for name in services:
                sections.extend(self._service_logs(name, int(since_seconds) + 30))
            return sections
        except Exception as exc:
            self.disabled_reason = f"{type(exc).__name__}: {exc}"
            note = f"pod logs unavailable, not trying again this session ({self.disabled_reason})"
            return [("cluster", note)]

    def _service_logs(self, service: str, since: int) -> list[Section]:
        sections = []
        for pod in self._pods(service):
            containers = [c.name for c in pod.spec.containers] if pod.spec else [None]
            for container in containers:
                lines = self._client.log(
                    pod.metadata.name,
                    namespace=self.namespace,
                    container=container,
                    since=since,
                    tail_lines=self.lines,
                )
                title = f"{service}: pod {pod.metadata.name}" + (
                    f" container {container}" if len(containers) > 1 else ""
                )
                sections.append((title, "".join(lines).rstrip("\n")))
        return sections

    def _pods(self, service: str) -> list[Any]:
        """Pods behind the contract's Service; by name prefix for services without one."""
        from lightkube import ApiError
        from lightkube.resources.core_v1 import Pod, Service

        try:
            selector = self._client.get(Service, service, namespace=self.namespace).spec.selector
        except ApiError as exc:
            if exc.status.code != 404:
                raise
            selector = None
        if selector:
            return list(self._client.list(Pod, namespace=self.namespace, labels=selector))
        pods = self._client.list(Pod, namespace=self.namespace)
        return [p for p in pods if p.metadata.name.startswith(f"{service}-")]


def _lightkube_client() -> Any:
    import httpx2
    from lightkube import Client

    return Client(timeout=httpx2.Timeout(5.0))


def cluster_namespace(environ: Mapping[str, str]) -> str | None:
    """The platform's namespace: explicit variables, a contract host, or the pod's own."""
    for name in NAMESPACE_ENVS:
        if environ.get(name):
            return environ[name]
    for value in environ.values():
        match = _CLUSTER_HOST.match(value)
        if match:
            return match.group(1)
    try:
        return SERVICE_ACCOUNT_NAMESPACE.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def source_from_env(environ: Mapping[str, str] | None = None) -> LogSource | None:
    """Where this run's service logs are, or None when there is nowhere to look."""
    env = os.environ if environ is None else environ
    if env.get(ATTACH_ENV, "1").lower() in ("0", "false", "no"):
        return None
    try:
        lines = max(1, int(env.get(LOG_LINES_ENV) or DEFAULT_LINES))
    except ValueError:
        lines = DEFAULT_LINES
    if env.get(LOG_DIR_ENV):
        return LocalLogDir(Path(env[LOG_DIR_ENV]), lines)
    in_cluster = bool(env.get("KUBERNETES_SERVICE_HOST"))
    if in_cluster or _runs_in_pods(env.get(BACKEND_ENV)):
        namespace = cluster_namespace(env)
        if namespace:
            return ClusterLogs(namespace, lines)
    return None


def _runs_in_pods(backend: str | None) -> bool:
    """Whether the named backend runs the platform as pods (every configured backend but the
    single-process ones)."""
    if not backend:
        return False
    # here, not at the top: the plugin loads in every pytest session, the config models are heavy
    from floe_testing.config import BACKEND_NAMES, SINGLE_PROCESS_BACKENDS

    return backend in BACKEND_NAMES and backend not in SINGLE_PROCESS_BACKENDS


def canonical_services(names: Sequence[str]) -> list[str]:
    """Contract names for names or aliases (``dagster`` -> ``dagster-webserver``)."""
    try:
        from floe_testing.config import load_project
        from floe_testing.config.contract import find_service

        config = load_project().config
    except Exception:
        return list(names)
    resolved = []
    for name in names:
        try:
            resolved.append(find_service(config, name).name)
        except KeyError:
            resolved.append(name)
    return list(dict.fromkeys(resolved))


def collect_sections(
    source: LogSource, services: Sequence[str], since_seconds: float
) -> list[Section]:
    """Sections for a report; an unexpected error becomes a one-line note, never a crash."""
    try:
        return source.recent(canonical_services(services), since_seconds)
    except Exception as exc:
        return [("logs", f"could not read service logs: {type(exc).__name__}: {exc}")]
