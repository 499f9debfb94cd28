"""What the platform's stores hold, read from inside their own pods (``kubectl exec``).

The soak test compares these before and after it deletes the pods: the S3 store's objects
(SeaweedFS's filer, walked over its HTTP API on the pod's loopback: path -> SHA-256 of the
content) and the catalog's tables (the REST catalog's ``/v1`` on the pod's loopback). Reading
from inside the pod needs no port-forward and passes no NetworkPolicy: the pod talks to itself.
"""

from __future__ import annotations

import json
from pathlib import Path

from harness.realcluster import kubectl

NAME_LABEL = "app.kubernetes.io/name"

# Walks the filer from /buckets: every file's path and the SHA-256 of its content, as JSON.
STORE_OBJECTS = r"""
import hashlib, json, urllib.request
FILER = "http://127.0.0.1:8888"
DIR = 1 << 31
def get(path, listing):
    headers = {"Accept": "application/json"} if listing else {}
    url = FILER + urllib.request.quote(path) + ("?limit=100000" if listing else "")
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30).read()
found, todo = {}, ["/buckets/"]
while todo:
    folder = todo.pop()
    for entry in json.loads(get(folder, True)).get("Entries") or []:
        if entry["Mode"] & DIR:
            todo.append(entry["FullPath"] + "/")
        elif not entry["FullPath"].startswith("/buckets/.system"):
            found[entry["FullPath"]] = hashlib.sha256(get(entry["FullPath"], False)).hexdigest()
print(json.dumps(found))
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


def store_objects(kubeconfig: Path, namespace: str, pod: str) -> dict[str, str]:
    found = _exec_json(kubeconfig, namespace, pod, STORE_OBJECTS)
    assert isinstance(found, dict)
    return {str(k): str(v) for k, v in found.items()}


def catalog_tables(kubeconfig: Path, namespace: str, pod: str) -> list[str]:
    found = _exec_json(kubeconfig, namespace, pod, CATALOG_TABLES)
    assert isinstance(found, list)
    return [str(t) for t in found]
