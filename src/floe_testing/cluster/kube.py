"""The thin adapter over lightkube: the only module of the cluster backend that talks to the
Kubernetes API. Objects come back as plain dicts (camelCase, as in YAML) so classification,
diagnostics and tests never depend on the client library's model classes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
from lightkube import ApiError, Client, KubeConfig
from lightkube.codecs import from_dict
from lightkube.config.kubeconfig import SingleConfig
from lightkube.core.exceptions import ConfigError
from lightkube.resources.batch_v1 import Job
from lightkube.resources.core_v1 import Event, Namespace, Pod, PodLog, ServiceAccount
from lightkube.types import CascadeType

from floe_testing.errors import InfrastructureError, UsageError

Obj = dict[str, Any]
Labels = dict[str, Any]
TransportError = httpx2.TransportError
_KINDS: dict[str, Any] = {
    "Namespace": Namespace,
    "ServiceAccount": ServiceAccount,
    "Job": Job,
    "Pod": Pod,
}


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

    def create(self, manifest: Obj) -> Obj:
        try:
            created = self.client.create(from_dict(manifest))
        except httpx2.HTTPStatusError as exc:
            kind = manifest["kind"]
            name = manifest["metadata"]["name"]
            why = exc.status.message if isinstance(exc, ApiError) else str(exc)
            raise InfrastructureError(
                f"the API server refused to create {kind} {name}: {why}",
                "check your permissions in the namespace (kubectl auth can-i create jobs)",
                cause="api-refused",
            ) from exc
        except TransportError as exc:
            raise self.unreachable(exc) from exc
        return _as_dict(created)

    def exists(self, kind: str, name: str, namespace: str | None = None) -> bool:
        return self.get(kind, name, namespace) is not None

    def get(self, kind: str, name: str, namespace: str | None = None) -> Obj | None:
        try:
            if kind == "Namespace":
                return _as_dict(self.client.get(Namespace, name))
            return _as_dict(self.client.get(_KINDS[kind], name, namespace=namespace))
        except httpx2.HTTPStatusError as exc:
            if _status_code(exc) == 404:
                return None
            raise

    def list(self, kind: str, namespace: str, labels: Labels | None = None) -> list[Obj]:
        resource = Event if kind == "Event" else _KINDS[kind]
        return [_as_dict(o) for o in self.client.list(resource, namespace=namespace, labels=labels)]

    def watch(
        self, kind: str, namespace: str, labels: Labels | None = None
    ) -> Iterator[tuple[str, Obj]]:
        """Raw watch events; the caller resumes on errors (see ``monitor``)."""
        for event, obj in self.client.watch(_KINDS[kind], namespace=namespace, labels=labels):
            yield event, _as_dict(obj)

    def log(
        self,
        pod: str,
        namespace: str,
        *,
        follow: bool = False,
        previous: bool = False,
        container: str | None = None,
    ) -> Iterator[str]:
        """Lines of a container's log (``previous``: its last terminated instance)."""
        if not previous:
            yield from self.client.log(
                pod, namespace=namespace, container=container, follow=follow, newlines=False
            )
            return
        # lightkube's log() has no `previous`; the same request through its generic client
        inner = self.client._client
        params: dict[str, Any] = {"previous": True, "container": container}
        request = inner.prepare_request("get", PodLog, name=pod, namespace=namespace, params=params)
        response = inner.send(inner.build_adapter_request(request))
        inner.raise_for_status(response)  # type: ignore[no-untyped-call]
        yield from response.iter_lines()

    def delete(self, kind: str, name: str, namespace: str | None = None) -> bool:
        """Delete (dependents in the background); False when it was already gone."""
        try:
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


def _as_dict(obj: Any) -> Obj:
    data: Obj = obj.to_dict()
    return data
