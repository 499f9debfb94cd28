"""The storage add-on: PersistentVolumes on the node's disk behind the default StorageClass.

Rancher's local-path-provisioner (``build.local_path_provisioner``: the same Go-proxy build
and cache as the kind node image's) provisions claims of the default StorageClass
``standard``. Binding waits for the first pod (``WaitForFirstConsumer``), so the provisioner
knows the node; it then has a helper pod make the volume's directory under the cluster's
state (``<state>/local-path/<pv>_<namespace>_<claim>``, removed by ``down``) and remove it
when the claim is deleted (reclaim policy ``Delete``). The manifests are this project's own.

Who may do what:

* The provisioner runs restricted (non-root, no capabilities, read-only root, RuntimeDefault
  seccomp). Cluster-wide it reads claims, classes and nodes, creates and deletes volumes and
  records events; in its own namespace it creates, reads and deletes its helper pods and reads
  their logs. Nothing more: its configuration is a mounted ConfigMap (no ConfigMap access), it
  runs one replica without leader election (no Leases), it never changes a claim.
* The helper pod cannot be restricted, and this is why: it mounts the volumes' parent
  directory from the host (a hostPath volume, which only the ``privileged`` Pod Security level
  admits, so the add-on's namespace enforces ``privileged`` and holds nothing but these pods),
  and it runs as root because it must remove what the volume's pods wrote under their own
  users (uid 10001's 0755 directory is not writable by any other non-root user). Everything
  else is taken away: every capability but DAC_OVERRIDE (write into those directories) and
  FOWNER (remove from sticky ones), no privilege escalation, a read-only root, RuntimeDefault
  seccomp, no ServiceAccount token, a scratch image holding only ``volumehelper`` (our static
  binary: no shell), running for the seconds one directory takes.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from floe_testing.k8slocal.addons import RESTRICTED_CONTAINER, RESTRICTED_POD, Manifest

NAMESPACE = "local-path-storage"
NAME = "local-path-provisioner"
STORAGE_CLASS = "standard"  # the name kind's clusters give their default class
PROVISIONER = "rancher.io/local-path"
CONFIG = "local-path-config"
CONFIG_DIR = "/etc/local-path"
HELPER = "/volumehelper"  # the helper image's one file (images.single_binary_image)
HELPER_CAPABILITIES = ["DAC_OVERRIDE", "FOWNER"]


def volume_root(state: Path) -> Path:
    """Where the volumes' directories live on the node: inside the cluster's state."""
    return state / "local-path"


def _config(root: Path) -> str:
    """The provisioner's config.json: one path for every node, our helper as both commands."""
    return json.dumps(
        {
            "nodePathMap": [{"node": "DEFAULT_PATH_FOR_NON_LISTED_NODES", "paths": [str(root)]}],
            "setupCommand": HELPER,
            "teardownCommand": HELPER,
            "cmdTimeoutSeconds": 60,
        },
        indent=2,
    )


def helper_pod(image: str) -> Manifest:
    """The template the provisioner completes (name, node, hostPath, command, arguments)."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "helper-pod", "labels": {"app.kubernetes.io/name": "volume-helper"}},
        "spec": {
            "automountServiceAccountToken": False,
            "priorityClassName": "system-node-critical",
            "securityContext": {
                "runAsUser": 0,
                "runAsGroup": 0,
                "runAsNonRoot": False,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [
                {
                    "name": "helper-pod",  # the name whose logs the provisioner copies
                    "image": image,
                    "imagePullPolicy": "Never",
                    "securityContext": {
                        "allowPrivilegeEscalation": False,
                        "readOnlyRootFilesystem": True,
                        "capabilities": {"drop": ["ALL"], "add": HELPER_CAPABILITIES},
                    },
                    "resources": {
                        "requests": {"cpu": "10m", "memory": "8Mi"},
                        "limits": {"memory": "32Mi"},
                    },
                }
            ],
        },
    }


def _access() -> list[Manifest]:
    """The provisioner's ServiceAccount and exactly the rights its code uses."""
    subject = {"kind": "ServiceAccount", "name": NAME, "namespace": NAMESPACE}
    role_ref = {"apiGroup": "rbac.authorization.k8s.io", "name": f"floe-k8s-local:{NAME}"}
    read = ["get", "list", "watch"]
    cluster_rules = [
        {"apiGroups": [""], "resources": ["persistentvolumeclaims"], "verbs": read},
        {
            "apiGroups": [""],
            "resources": ["persistentvolumes"],
            "verbs": [*read, "create", "delete"],
        },
        {"apiGroups": ["storage.k8s.io"], "resources": ["storageclasses"], "verbs": read},
        {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get"]},
        {"apiGroups": ["", "events.k8s.io"], "resources": ["events"], "verbs": ["create", "patch"]},
    ]
    namespace_rules = [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["create", "get", "delete"]},
        {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
    ]
    rbac = "rbac.authorization.k8s.io/v1"
    in_namespace = {"name": f"floe-k8s-local:{NAME}", "namespace": NAMESPACE}
    return [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": NAME, "namespace": NAMESPACE},
        },
        {
            "apiVersion": rbac,
            "kind": "ClusterRole",
            "metadata": {"name": role_ref["name"]},
            "rules": cluster_rules,
        },
        {
            "apiVersion": rbac,
            "kind": "ClusterRoleBinding",
            "metadata": {"name": role_ref["name"]},
            "roleRef": {**role_ref, "kind": "ClusterRole"},
            "subjects": [subject],
        },
        {"apiVersion": rbac, "kind": "Role", "metadata": in_namespace, "rules": namespace_rules},
        {
            "apiVersion": rbac,
            "kind": "RoleBinding",
            "metadata": in_namespace,
            "roleRef": {**role_ref, "kind": "Role"},
            "subjects": [subject],
        },
    ]


def _provisioner_pod(image: str, helper_image: str) -> Manifest:
    container = {
        "name": NAME,
        "image": image,
        "imagePullPolicy": "Never",
        "args": [
            "start",
            f"--config={CONFIG_DIR}/config.json",
            f"--helper-pod-file={CONFIG_DIR}/helperPod.yaml",
            f"--helper-image={helper_image}",
            f"--provisioner-name={PROVISIONER}",
            f"--namespace={NAMESPACE}",
            f"--configmap-name={CONFIG}",
            f"--service-account-name={NAME}",
        ],
        "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"memory": "128Mi"}},
        "securityContext": RESTRICTED_CONTAINER,
        "volumeMounts": [{"name": "config", "mountPath": CONFIG_DIR, "readOnly": True}],
    }
    return {
        "serviceAccountName": NAME,
        "priorityClassName": "system-cluster-critical",
        "securityContext": RESTRICTED_POD,
        "containers": [container],
        "volumes": [{"name": "config", "configMap": {"name": CONFIG}}],
    }


def local_path(image: str, helper_image: str, state: Path) -> list[Manifest]:
    """The add-on: namespace, access, configuration, the provisioner and the default class."""
    labels = {"app.kubernetes.io/name": NAME}
    meta = {"name": NAME, "namespace": NAMESPACE, "labels": labels}
    config = {
        "config.json": _config(volume_root(state)),
        "helperPod.yaml": yaml.safe_dump(helper_pod(helper_image), sort_keys=False),
    }
    return [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": NAMESPACE,
                "labels": {  # hostPath: see the module's docstring
                    "pod-security.kubernetes.io/enforce": "privileged",
                    "pod-security.kubernetes.io/warn": "privileged",
                },
            },
        },
        *_access(),
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": CONFIG, "namespace": NAMESPACE},
            "data": config,
        },
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": meta,
            "spec": {
                "replicas": 1,
                "strategy": {"type": "Recreate"},  # never two provisioners at once
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {
                        "labels": labels,
                        # a new configuration restarts it (it reads the files only at start)
                        "annotations": {"floe-test/config-hash": _digest(config)},
                    },
                    "spec": _provisioner_pod(image, helper_image),
                },
            },
        },
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {
                "name": STORAGE_CLASS,
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
            },
            "provisioner": PROVISIONER,
            "volumeBindingMode": "WaitForFirstConsumer",
            "reclaimPolicy": "Delete",
        },
    ]


def _digest(data: dict[str, str]) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
