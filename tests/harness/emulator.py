"""kmock's KubernetesEmulator, completed where the cluster backend needs a real API server.

kmock 0.8 keeps objects and serves list/watch/fetch/create/patch/delete over real HTTP; this
subclass adds what it leaves out: the cluster-scoped ``namespaces`` path (its path parser
raises on ``/api/v1/namespaces``), server-filled metadata (namespace, uid, resourceVersion,
creationTimestamp), label and field selectors, a watch's ``timeoutSeconds``, the pod ``log``
subresource (with ``follow=true`` streaming and ``previous=true``), garbage collection (a
deleted Namespace takes its objects, a deleted Job its pods), and fault injection that drops
every open watch and log stream.
"""

from __future__ import annotations

import asyncio
import copy
import datetime
import itertools
import re
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp.web
import attrs
import kmock
from kmock._internal import parsing, rendering

Obj = dict[str, Any]
NAMESPACES = kmock.resource("", "v1", "namespaces")
PODS = kmock.resource("", "v1", "pods")
JOBS = kmock.resource("batch", "v1", "jobs")
EVENTS = kmock.resource("", "v1", "events")
SECRETS = kmock.resource("", "v1", "secrets")
SERVICE_ACCOUNTS = kmock.resource("", "v1", "serviceaccounts")
_RESOURCES = {
    "v1/namespaces": ("Namespace", False, ["status"]),
    "v1/pods": ("Pod", True, ["log", "status"]),
    "v1/events": ("Event", True, []),
    "v1/secrets": ("Secret", True, []),
    "v1/serviceaccounts": ("ServiceAccount", True, []),
    "batch/v1/jobs": ("Job", True, ["status"]),
}
_NAMESPACE_PATH = re.compile(r"^/api/v1/namespaces(?:/(?P<name>[^/]+))?/?$")
_original_parse_path = parsing.parse_path


def _parse_path(path: str) -> parsing.ParsedPath:
    """kmock reads ``/api/v1/namespaces[/NAME]`` as a namespaced path and fails; fix it."""
    match = _NAMESPACE_PATH.match(path)
    if match:
        return parsing.ParsedPath("", "v1", "namespaces", None, match["name"], None)
    return _original_parse_path(path)


parsing.parse_path = _parse_path


def now_iso() -> str:
    return (
        datetime.datetime.now(tz=datetime.UTC)
        .isoformat(timespec="microseconds")
        .replace("+00:00", "Z")
    )


def _selector_matches(selector: str, labels: dict[str, str]) -> bool:
    for term in filter(None, (t.strip() for t in selector.split(","))):
        if "!=" in term:
            key, value = term.split("!=", 1)
            if labels.get(key.strip()) == value.strip():
                return False
        elif "=" in term:
            key, value = term.replace("==", "=").split("=", 1)
            if labels.get(key.strip()) != value.strip():
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


def _fields_match(selector: str, obj: Obj) -> bool:
    meta = obj.get("metadata") or {}
    fields = {"metadata.name": meta.get("name"), "metadata.namespace": meta.get("namespace")}
    return _selector_matches(selector, {k: v for k, v in fields.items() if v is not None})


def matches(request: rendering.Request, obj: Obj) -> bool:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return _selector_matches(request.params.get("labelSelector", ""), labels) and _fields_match(
        request.params.get("fieldSelector", ""), obj
    )


@attrs.define(kw_only=True)
class ClusterEmulator(kmock.KubernetesEmulator):
    """The API server of the harness; ``kubelet`` hooks are set by ``harness.kubelet``."""

    on_created: Callable[[str, Obj], None] | None = None
    on_deleted: Callable[[str, Obj], None] | None = None
    log_source: Callable[[str, str, bool], Any] | None = None
    drop_mode: str = "error"
    _versions: itertools.count[int] = attrs.field(factory=lambda: itertools.count(1))
    _drop: asyncio.Event = attrs.field(factory=asyncio.Event)
    drops: int = 0

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        for key, (kind, namespaced, subresources) in _RESOURCES.items():
            self.resources[key] = kmock.ResourceInfo(
                kind=kind,
                namespaced=namespaced,
                verbs={"get", "list", "watch", "create", "patch", "delete"},
                subresources=set(subresources),
            )

    # --- the object store, for the simulation ------------------------------------------
    def next_version(self) -> str:
        return str(next(self._versions))

    def get(self, resource: kmock.resource, namespace: str | None, name: str) -> Obj | None:
        key = (resource, namespace, name)
        if key not in self.objects or self.objects[key].deleted:
            return None
        return copy.deepcopy(dict(self.objects[key].raw))

    def items(self, resource: kmock.resource, namespace: str | None = None) -> list[Obj]:
        found = []
        for (res, ns, _), obj in list(self.objects.items()):
            if res == resource and not obj.deleted and (namespace is None or ns == namespace):
                found.append(copy.deepcopy(dict(obj.raw)))
        return found

    async def put(self, resource: kmock.resource, obj: Obj, event: str = "MODIFIED") -> Obj:
        """Store a full new version of ``obj`` (bumping its resourceVersion) and announce it."""
        async with self._lock:
            meta = obj.setdefault("metadata", {})
            meta["resourceVersion"] = self.next_version()
            key = (resource, meta.get("namespace"), meta["name"])
            if key not in self.objects or self.objects[key].deleted:
                self.objects[key] = copy.deepcopy(obj)
                event = "ADDED"
            else:
                self.objects[key].create(copy.deepcopy(obj))
            await self._buses[resource].put({"type": event, "object": copy.deepcopy(obj)})
        return obj

    async def remove(self, resource: kmock.resource, namespace: str | None, name: str) -> None:
        async with self._lock:
            key = (resource, namespace, name)
            if key not in self.objects or self.objects[key].deleted:
                return
            raw = copy.deepcopy(dict(self.objects[key].raw))
            self.objects[key].delete()
            await self._buses[resource].put({"type": "DELETED", "object": raw})
        if self.on_deleted is not None:
            self.on_deleted(resource.plural or "", raw)

    def drop_streams(self) -> None:
        """Fault injection: every open watch and followed log stream ends abruptly."""
        self.drops += 1
        self._drop.set()
        self._drop = asyncio.Event()

    # --- request handling ---------------------------------------------------------------
    async def _render_error(self, exc: Exception) -> aiohttp.web.StreamResponse:
        """A Status the strict client decodes (kmock adds a traceback to ``details``)."""
        if isinstance(exc, kmock.KubernetesError):
            status, reason, message = exc.status, exc.reason, exc.message
        else:
            status, reason, message = 500, type(exc).__name__, repr(exc)
        return aiohttp.web.json_response(
            {
                "apiVersion": "v1",
                "kind": "Status",
                "metadata": {},
                "status": "Failure",
                "code": status,
                "reason": reason or "",
                "message": message or "",
            },
            status=status,
        )

    async def _handle(self, request: rendering.Request) -> aiohttp.web.StreamResponse:
        if request.resource is None:
            return await super()._handle(request)
        if request.subresource == "log":
            return await self._serve_log(request)
        if request.action == kmock.action.CREATE and isinstance(request.data, dict):
            self._fill_metadata(request)
        elif request.action == kmock.action.UPDATE and isinstance(request.data, dict):
            request.data.setdefault("metadata", {})["resourceVersion"] = self.next_version()
        response = await super()._handle(request)
        if request.action == kmock.action.CREATE and self.on_created is not None:
            self.on_created(request.resource.plural or "", request.data)
        if request.action == kmock.action.DELETE and request.name:
            await self._collect_garbage(request)
        return response

    def _fill_metadata(self, request: rendering.Request) -> None:
        meta = request.data.setdefault("metadata", {})
        if request.resource != NAMESPACES:
            meta["namespace"] = request.namespace or meta.get("namespace") or "default"
        meta.setdefault("uid", str(uuid.uuid4()))
        meta["resourceVersion"] = self.next_version()
        meta.setdefault("creationTimestamp", now_iso())
        meta.setdefault("generation", 1)
        if request.resource == NAMESPACES:
            request.data["status"] = {"phase": "Active"}

    async def _collect_garbage(self, request: rendering.Request) -> None:
        """What the namespace controller and the garbage collector do, at once."""
        deleted = {"kind": request.resource.plural, "name": request.name}
        if self.on_deleted is not None and request.resource != NAMESPACES:
            self.on_deleted(
                request.resource.plural or "",
                {"metadata": {"name": request.name, "namespace": request.namespace}},
            )
        if request.resource == NAMESPACES:
            for (res, ns, name), obj in list(self.objects.items()):
                if ns == request.name and not obj.deleted:
                    await self.remove(res, ns, name)
        elif request.resource == JOBS:
            for pod in self.items(PODS, request.namespace):
                owners = pod["metadata"].get("ownerReferences") or []
                if any(o.get("name") == deleted["name"] for o in owners):
                    await self.remove(PODS, request.namespace, pod["metadata"]["name"])

    async def _serve_list(self, request: rendering.Request) -> rendering.Payload:
        payload = await super()._serve_list(request)
        assert isinstance(payload, dict)
        payload["items"] = [item for item in payload["items"] if matches(request, item)]
        payload["metadata"] = {"resourceVersion": self.next_version()}
        return payload

    async def _serve_watch(self, request: rendering.Request) -> AsyncIterator[rendering.Payload]:
        drop = self._drop
        limit = float(request.params.get("timeoutSeconds") or 0) or None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit if limit else None
        events = super()._serve_watch(request)
        try:
            while True:
                step = asyncio.ensure_future(anext(events))
                dropped = asyncio.ensure_future(drop.wait())
                wait = None if deadline is None else max(0.0, deadline - loop.time())
                done, _ = await asyncio.wait(
                    {step, dropped}, timeout=wait, return_when=asyncio.FIRST_COMPLETED
                )
                dropped.cancel()
                if step not in done:
                    step.cancel()
                    if dropped in done and self.drop_mode == "error":
                        raise ConnectionResetError("watch dropped by fault injection")
                    return
                try:
                    item = step.result()
                except StopAsyncIteration:
                    return
                if isinstance(item, dict) and not matches(request, item.get("object") or {}):
                    continue
                yield item
        finally:
            await events.aclose()

    async def _serve_log(self, request: rendering.Request) -> aiohttp.web.StreamResponse:
        pod = self.get(PODS, request.namespace, request.name or "")
        if pod is None:
            raise kmock.KubernetesObjectNotFoundError()
        follow = request.params.get("follow") == "true"
        previous = request.params.get("previous") == "true"
        assert self.log_source is not None
        source = self.log_source(request.namespace or "", request.name or "", previous)
        if isinstance(source, str):  # an error message, as the kubelet would say it
            raise kmock.KubernetesError(status=400, reason="BadRequest", message=source)
        raw = request._raw_request
        assert raw is not None
        response = aiohttp.web.StreamResponse(headers={"Content-Type": "text/plain"})
        await response.prepare(raw)
        drop = self._drop
        async for chunk in source.read(follow=follow, drop=drop):
            await response.write(chunk)
        if drop.is_set():
            raw.transport.close() if raw.transport else None
            return response
        await response.write_eof()
        return response
