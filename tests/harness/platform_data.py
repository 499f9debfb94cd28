"""What the platform's stores hold, read from inside their own pods (``kubectl exec``).

The soak test compares these before and after it deletes the pods: the S3 store's objects
(SeaweedFS's filer, walked over its HTTP API on the pod's loopback: path -> SHA-256 of the
content) and the catalog's tables (the REST catalog's ``/v1`` on the pod's loopback). Reading
from inside the pod needs no port-forward and passes no NetworkPolicy: the pod talks to itself.

The soak keeps running while the store is read, so the walk meets a store in motion: it leaves
out the parts of multipart uploads in flight (``<bucket>/.uploads/``, which S3 does not list as
objects and which SeaweedFS removes once the upload completes), and a file listed but gone when
read (HTTP 404) makes the whole walk start again, until a walk sees no file vanish or the
deadline names the ones that kept vanishing: a store whose own listing names data it cannot
serve is what the soak test is there to catch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from floe_testing.core.polling import wait_for
from harness.realcluster import kubectl

NAME_LABEL = "app.kubernetes.io/name"

STORE_DEADLINE = 120.0  # seconds a restarted store has to serve every file it lists

# Walks the filer from /buckets, as JSON: {"objects": {path: SHA-256 of the content}, "vanished":
# [paths listed but answered 404 when read]}. In-flight multipart parts are left out.
STORE_OBJECTS = r"""
import hashlib, json, urllib.error, urllib.request
FILER = "http://127.0.0.1:8888"
DIR = 1 << 31
SKIPPED = ("/buckets/.system", "/.uploads/")
def get(path, listing):
    headers = {"Accept": "application/json"} if listing else {}
    url = FILER + urllib.request.quote(path) + ("?limit=100000" if listing else "")
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30).read()
found, vanished, todo = {}, [], ["/buckets/"]
while todo:
    folder = todo.pop()
    for entry in json.loads(get(folder, True)).get("Entries") or []:
        path = entry["FullPath"] + ("/" if entry["Mode"] & DIR else "")
        if any(part in path for part in SKIPPED):
            continue
        if path.endswith("/"):
            todo.append(path)
            continue
        try:
            found[path] = hashlib.sha256(get(path, False)).hexdigest()
        except urllib.error.HTTPError as error:
            if error.code != 404:
                raise
            vanished.append(path)
print(json.dumps({"objects": found, "vanished": vanished}))
"""

# Every table of every namespace the REST catalog serves, as JSON ["ns.table", ...].
CATALOG_TABLES = r"""
import json, urllib.request
BASE = "http://127.0.0.1:8181/v1"
def get(path):
    return json.loads(urllib.request.urlopen(BASE + path, timeout=30).read())
tables = []
for namespace in get("/namespaces")["namespaces"]:
    name = ".".join(namespace)
    for ident in get("/namespaces/" + "%1F".join(namespace) + "/tables").get("identifiers", []):
        tables.append(name + "." + ident["name"])
print(json.dumps(sorted(tables)))
"""


def pod_of(kubeconfig: Path, namespace: str, service: str) -> tuple[str, str] | None:
    """(name, uid) of the service's running, ready pod, if there is one."""
    done = kubectl(
        kubeconfig, "-n", namespace, "get", "pods", "-l", f"{NAME_LABEL}={service}", "-o", "json"
    )
    if done.returncode != 0:
        return None
    for pod in json.loads(done.stdout)["items"]:
        meta, status = pod["metadata"], pod.get("status") or {}
        ready = all(c.get("ready") for c in status.get("containerStatuses") or [{}])
        if status.get("phase") == "Running" and ready and not meta.get("deletionTimestamp"):
            return meta["name"], meta["uid"]
    return None


def _exec_json(kubeconfig: Path, namespace: str, pod: str, script: str) -> object:
    done = kubectl(kubeconfig, "-n", namespace, "exec", pod, "--", "python3", "-c", script)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@dataclass(frozen=True)
class StoreWalk:
    objects: dict[str, str]  # path -> SHA-256 of the content
    vanished: list[str]  # listed, then answered 404 when read

    def __repr__(self) -> str:  # what a timeout names: the vanished files, not every digest
        return f"StoreWalk({len(self.objects)} files read, vanished: {self.vanished})"


def _store_walk(kubeconfig: Path, namespace: str, pod: str) -> StoreWalk:
    found = _exec_json(kubeconfig, namespace, pod, STORE_OBJECTS)
    assert isinstance(found, dict)
    objects, vanished = found["objects"], found["vanished"]
    return StoreWalk({str(k): str(v) for k, v in objects.items()}, [str(p) for p in vanished])


def store_objects(kubeconfig: Path, namespace: str, pod: str) -> dict[str, str]:
    """Every file of the S3 store and its SHA-256, from a walk in which no listed file vanished."""
    walk = wait_for(
        lambda: _store_walk(kubeconfig, namespace, pod),
        until=lambda found: not found.vanished,
        timeout=STORE_DEADLINE,
        interval=1,
        retry_on=(),
        description=f"a walk of {pod}'s store in which every listed file can be read",
    )
    return walk.objects


def catalog_tables(kubeconfig: Path, namespace: str, pod: str) -> list[str]:
    found = _exec_json(kubeconfig, namespace, pod, CATALOG_TABLES)
    assert isinstance(found, list)
    return [str(t) for t in found]
