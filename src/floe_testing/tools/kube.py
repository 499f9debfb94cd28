"""The thin adapter over lightkube: the only module of the cluster backend that talks to the
Kubernetes API. Objects come back as plain dicts (camelCase, as in YAML) so classification,
diagnostics and tests never depend on the client library's model classes.

Every call translates the API's refusals into errors a user can act on: a 401/403 becomes
``Forbidden`` (exit 3) naming the verb, the resource and the namespace, with the Role that
grants them (``docs/rbac/floe-test-host.yaml``). Watches and followed logs are single
requests with read timeouts; the caller resumes them (``monitor``, ``logcursor``): a watch
from its last resourceVersion (``Gone`` on 410: re-list), a log from its last timestamp.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
from lightkube import ApiError, Client, KubeConfig
from lightkube.codecs import from_dict
from lightkube.config.kubeconfig import SingleConfig
from lightkube.core.exceptions import ConfigError
from lightkube.resources.batch_v1 import Job
from lightkube.resources.core_v1 import (
    Event,
    Namespace,
    Pod,
    PodLog,
    Secret,
    Service,
    ServiceAccount,
)
from lightkube.types import CascadeType

from floe_testing.core.errors import InfrastructureError, UsageError
from floe_testing.tools.command import Result, Tool

Obj = dict[str, Any]
Objs = list[Obj]
Labels = dict[str, Any]
TransportError = httpx2.TransportError
# a stream read that waited too long: httpx2's own error, or the socket's while iterating lines
READ_TIMEOUTS: tuple[type[BaseException], ...] = (httpx2.ReadTimeout, TimeoutError)
_KINDS: dict[str, Any] = {
    "Namespace": Namespace,
    "ServiceAccount": ServiceAccount,
    "Job": Job,
    "Pod": Pod,
    "Event": Event,
    "Secret": Secret,
    "Service": Service,
}
RBAC_FILE = "docs/rbac/floe-test-host.yaml"
WATCH_SECONDS = 30  # the server ends each watch request after this; we resume from its RV
LOG_READ_TIMEOUT = 30.0  # a followed log silent this long is re-read from its last timestamp
_RESOURCES = {
    "Namespace": "namespaces",
    "ServiceAccount": "serviceaccounts",
    "Job": "jobs.batch",
    "Pod": "pods",
    "Event": "events",
    "Secret": "secrets",
    "Service": "services",
    "PodLog": "pods/log",
    "Deployment": "deployments.apps",
    "StatefulSet": "statefulsets.apps",
}


class Forbidden(InfrastructureError):
    """The kubeconfig's user lacks a permission: which verb on which resource, and where."""

    def __init__(self, verb: str, kind: str, namespace: str | None, detail: str) -> None:
        resource = _RESOURCES.get(kind, kind)
        where = f" in namespace {namespace}" if namespace else " (cluster scope)"
        super().__init__(
            f"the kubeconfig's user may not {verb} {resource}{where}: {detail}",
            f"grant the Role in {RBAC_FILE} (kubectl apply -f {RBAC_FILE}, then bind it to the "
            f"user); check with: kubectl auth can-i {verb} {resource}"
            + (f" -n {namespace}" if namespace else ""),
            cause="forbidden",
        )
        self.verb, self.resource, self.namespace = verb, resource, namespace


class Gone(Exception):
    """410: the watch's resourceVersion is older than the server keeps; list again."""


@dataclass(frozen=True)
class Target:
    """Which cluster: a kubeconfig file (default: $KUBECONFIG or ~/.kube/config) and context."""

    kubeconfig: Path | None = None
    context: str | None = None


def load_config(target: Target) -> SingleConfig:
    try:
        if target.kubeconfig is not None:
            if not target.kubeconfig.is_file():
                raise UsageError(
                    f"kubeconfig {target.kubeconfig} does not exist",
                    "pass an existing file with --kubeconfig",
                )
            config = KubeConfig.from_file(target.kubeconfig)
        else:
            config = KubeConfig.from_env()
        single = config.get(context_name=target.context)
    except ConfigError as exc:
        raise UsageError(
            f"cannot use the kubeconfig: {exc}",
            "check --kubeconfig and --context (kubectl config get-contexts lists contexts)",
        ) from exc
    if single is None:
        raise UsageError("the kubeconfig has no current context", "pass --context NAME")
    return single


def _status_code(exc: BaseException) -> int | None:
    if isinstance(exc, ApiError):
        return exc.status.code
    if isinstance(exc, httpx2.HTTPStatusError):  # an error body that is not a Status
        return exc.response.status_code
    return None


class Kube:
    """Create, read, watch, stream logs and delete — what one test run needs, nothing more."""

    def __init__(self, target: Target, request_timeout: float = 10.0) -> None:
        self.config = load_config(target)
        self.server = self.config.cluster.server
        self.client = Client(
            config=self.config, field_manager="floe-test", timeout=httpx2.Timeout(request_timeout)
        )

    def close(self) -> None:
        self.client.close()

    def unreachable(self, exc: BaseException) -> InfrastructureError:
        return InfrastructureError(
            f"cannot reach the Kubernetes API server at {self.server}: {exc}",
            "check the cluster is up and --kubeconfig/--context point at it (kubectl cluster-info)",
            cause="api-unreachable",
        )

    @contextmanager
    def _api(
        self, verb: str, kind: str, namespace: str | None, stream: bool = False
    ) -> Iterator[None]:
        """Refusals and lost connections as errors naming what was attempted; on a stream a
        read timeout stays ``httpx2.ReadTimeout`` (the caller reads on from its position)."""
        try:
            yield
        except httpx2.HTTPStatusError as exc:
            if _status_code(exc) in (401, 403):
                why = exc.status.message if isinstance(exc, ApiError) else str(exc)
                raise Forbidden(verb, kind, namespace, why or "") from exc
            raise
        except TransportError as exc:
            if stream and isinstance(exc, httpx2.ReadTimeout):
                raise
            raise self.unreachable(exc) from exc

    def create(self, manifest: Obj) -> Obj:
        kind = manifest["kind"]
        name = manifest["metadata"]["name"]
        namespace = manifest["metadata"].get("namespace")
        try:
            with self._api("create", kind, namespace):
                created = self.client.create(from_dict(manifest))
        except httpx2.HTTPStatusError as exc:
            why = exc.status.message if isinstance(exc, ApiError) else str(exc)
            raise InfrastructureError(
                f"the API server refused to create {kind} {name}: {why}",
                "read the reason above; admission (Pod Security, quotas) or validation refused it",
                cause="api-refused",
            ) from exc
        return _as_dict(created)

    def exists(self, kind: str, name: str, namespace: str | None = None) -> bool:
        return self.get(kind, name, namespace) is not None

    def get(self, kind: str, name: str, namespace: str | None = None) -> Obj | None:
        try:
            with self._api("get", kind, namespace):
                if kind == "Namespace":
                    return _as_dict(self.client.get(Namespace, name))
                return _as_dict(self.client.get(_KINDS[kind], name, namespace=namespace))
        except httpx2.HTTPStatusError as exc:
            if _status_code(exc) == 404:
                return None
            raise

    def list(self, kind: str, namespace: str, labels: Labels | None = None) -> list[Obj]:
        return self.list_versioned(kind, namespace, labels)[0]

    def list_versioned(
        self, kind: str, namespace: str, labels: Labels | None = None
    ) -> tuple[Objs, str | None]:
        """The objects and the list's resourceVersion, where a watch continues."""
        with self._api("list", kind, namespace):
            found = self.client.list(_KINDS[kind], namespace=namespace, labels=labels)
            items = [_as_dict(o) for o in found]
            try:
                version: str | None = found.resourceVersion
            except Exception:  # an empty answer from a server that sent no list metadata
                version = None
        return items, version

    def watch(
        self,
        kind: str,
        namespace: str,
        labels: Labels | None = None,
        resource_version: str | None = None,
        seconds: int = WATCH_SECONDS,
    ) -> Iterator[tuple[str, Obj]]:
        """One watch request: events after ``resource_version`` until the server ends it.

        BOOKMARK events only advance the version (yielded as ``("BOOKMARK", obj)``); an ERROR
        410 raises ``Gone``. The read timeout is a little over ``seconds``, so a connection that
        died silently ends too.
        """
        inner = self.client._client
        params: dict[str, Any] = {
            "timeoutSeconds": seconds,
            "allowWatchBookmarks": "true",
            "resourceVersion": resource_version,
            "labelSelector": ",".join(f"{k}={v}" for k, v in labels.items()) if labels else None,
        }
        request = inner.prepare_request(
            "list", _KINDS[kind], namespace=namespace, watch=True, params=params
        )
        request.timeout = httpx2.Timeout(10.0, read=seconds + 15.0)
        with self._api("watch", kind, namespace, stream=True):
            response = inner.send(inner.build_adapter_request(request), stream=True)
            try:
                if response.status_code == 410:
                    raise Gone(f"{kind} watch: resourceVersion {resource_version} is too old")
                if response.is_error:
                    response.read()
                    inner.raise_for_status(response)  # type: ignore[no-untyped-call]
                for line in response.iter_lines():
                    if line.strip():
                        yield _watch_event(kind, line)
            finally:
                response.close()

    def log(
        self,
        pod: str,
        namespace: str,
        *,
        follow: bool = False,
        previous: bool = False,
        container: str | None = None,
        timestamps: bool = False,
        since_time: str | None = None,
    ) -> Iterator[str]:
        """Lines of a container's log (``previous``: its last terminated instance).

        ``timestamps`` prefixes each line with the kubelet's RFC 3339 time; ``since_time``
        starts there (whole seconds). A followed read times out after ``LOG_READ_TIMEOUT``
        seconds without data (one of ``READ_TIMEOUTS``): the caller re-reads from its position.
        """
        inner = self.client._client
        params: dict[str, Any] = {
            "container": container,
            "follow": "true" if follow else None,
            "previous": "true" if previous else None,
            "timestamps": "true" if timestamps else None,
            "sinceTime": since_time,
        }
        request = inner.prepare_request("get", PodLog, name=pod, namespace=namespace, params=params)
        request.timeout = httpx2.Timeout(10.0, read=LOG_READ_TIMEOUT)
        with self._api("get", "PodLog", namespace, stream=True):
            response = inner.send(inner.build_adapter_request(request), stream=True)
            try:
                if response.is_error:
                    response.read()
                    inner.raise_for_status(response)  # type: ignore[no-untyped-call]
                yield from response.iter_lines()
            finally:
                response.close()

    def delete(self, kind: str, name: str, namespace: str | None = None) -> bool:
        """Delete (dependents in the background); False when it was already gone."""
        try:
            with self._api("delete", kind, namespace):
                if kind == "Namespace":
                    self.client.delete(Namespace, name)
                else:
                    self.client.delete(
                        _KINDS[kind], name, namespace=namespace, cascade=CascadeType.BACKGROUND
                    )
        except httpx2.HTTPStatusError as exc:
            if _status_code(exc) == 404:
                return False
            raise
        return True


def _watch_event(kind: str, line: str) -> tuple[str, Obj]:
    event = json.loads(line)
    kind_of_event, obj = event.get("type", ""), event.get("object") or {}
    if kind_of_event == "ERROR":
        if obj.get("code") == 410:
            raise Gone(f"{kind} watch: {obj.get('message', 'resourceVersion too old')}")
        raise InfrastructureError(
            f"the {kind} watch failed: {obj.get('code')} {obj.get('message', '')}",
            "check the API server's health (kubectl get --raw /readyz)",
            cause="api-error",
        )
    obj.setdefault("kind", kind)
    return kind_of_event, obj


def _as_dict(obj: Any) -> Obj:
    data: Obj = obj.to_dict()
    return data


KUBECTL_TIMEOUT = 60.0


def run_kubectl(
    binary: Path,
    kubeconfig: Path,
    *args: str,
    stdin: str | None = None,
    check: bool = True,
    timeout: float = KUBECTL_TIMEOUT,
) -> Result:
    """``kubectl --kubeconfig KC args`` (the one place that runs kubectl; everything else
    talks to the API through lightkube above). ``scripts/k8s-local`` applies its add-ons with
    it, as an operator would."""
    tool = Tool("kubectl", str(binary))
    return tool.run(
        [f"--kubeconfig={kubeconfig}", *args],
        timeout=timeout,
        check=check,
        stdin=stdin.encode() if stdin is not None else None,
    )
