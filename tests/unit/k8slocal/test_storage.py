"""The storage add-on's manifests: valid for the server, least privilege, the one exception
(the helper pod's host path) confined to its own namespace and stated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from floe_testing.deploy.chart.schemas import schema_problems
from floe_testing.k8slocal import storage
from floe_testing.k8slocal.addons import Manifest
from floe_testing.k8slocal.layout import Versions

SERVER = Versions.pinned().kubernetes.lstrip("v")
STATE = Path("/var/lib/floe-state")
PROVISIONER = "floe.local/k8s-local/local-path-provisioner:v0"
HELPER = "floe.local/k8s-local/volume-helper:src-0"


@pytest.fixture
def manifests() -> list[Manifest]:
    return storage.local_path(PROVISIONER, HELPER, STATE)


def _kind(manifests: list[Manifest], kind: str) -> Manifest:
    (found,) = [m for m in manifests if m["kind"] == kind]
    return found


def _config(manifests: list[Manifest]) -> dict[str, str]:
    data: dict[str, str] = _kind(manifests, "ConfigMap")["data"]
    return data


def test_the_add_on_and_its_helper_pod_validate_against_the_servers_schema(
    manifests: list[Manifest],
) -> None:
    helper = yaml.safe_load(_config(manifests)["helperPod.yaml"])
    assert schema_problems([*manifests, helper], SERVER) == []


def test_the_default_class_binds_where_the_first_pod_runs(manifests: list[Manifest]) -> None:
    sc = _kind(manifests, "StorageClass")
    assert sc["metadata"]["annotations"] == {"storageclass.kubernetes.io/is-default-class": "true"}
    assert sc["provisioner"] == storage.PROVISIONER
    assert sc["volumeBindingMode"] == "WaitForFirstConsumer"  # the provisioner needs the node
    assert sc["reclaimPolicy"] == "Delete"


def test_volumes_live_in_the_clusters_state_and_our_helper_makes_them(
    manifests: list[Manifest],
) -> None:
    config = json.loads(_config(manifests)["config.json"])
    assert config["nodePathMap"] == [
        {"node": "DEFAULT_PATH_FOR_NON_LISTED_NODES", "paths": [str(STATE / "local-path")]}
    ]
    assert config["setupCommand"] == config["teardownCommand"] == storage.HELPER


def test_the_provisioner_runs_restricted_from_the_local_image(manifests: list[Manifest]) -> None:
    pod = _kind(manifests, "Deployment")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["imagePullPolicy"] == "Never"
    assert (container["image"], f"--helper-image={HELPER}") == (PROVISIONER, container["args"][3])
    assert all("hostPath" not in volume for volume in pod["volumes"])


def test_the_helper_pod_keeps_only_what_removing_other_users_files_needs(
    manifests: list[Manifest],
) -> None:
    pod = yaml.safe_load(_config(manifests)["helperPod.yaml"])
    (container,) = pod["spec"]["containers"]
    assert pod["spec"]["automountServiceAccountToken"] is False
    assert pod["spec"]["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"], "add": ["DAC_OVERRIDE", "FOWNER"]},
    }
    assert "privileged" not in container["securityContext"]
    assert (container["name"], container["image"]) == ("helper-pod", HELPER)


def test_only_the_add_ons_own_namespace_admits_a_host_path(manifests: list[Manifest]) -> None:
    namespace = _kind(manifests, "Namespace")
    assert namespace["metadata"]["name"] == storage.NAMESPACE
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "privileged"
    namespaced = [m for m in manifests if "namespace" in m["metadata"]]
    assert {m["metadata"]["namespace"] for m in namespaced} == {storage.NAMESPACE}


def _rights(rules: list[Manifest]) -> set[tuple[str, str]]:
    return {(resource, verb) for r in rules for resource in r["resources"] for verb in r["verbs"]}


def test_the_provisioner_may_do_exactly_what_its_code_does(manifests: list[Manifest]) -> None:
    cluster = _rights(_kind(manifests, "ClusterRole")["rules"])
    read = {"get", "list", "watch"}
    assert cluster == {
        *(("persistentvolumeclaims", verb) for verb in read),
        *(("persistentvolumes", verb) for verb in (*read, "create", "delete")),
        *(("storageclasses", verb) for verb in read),
        ("nodes", "get"),
        ("events", "create"),
        ("events", "patch"),
    }
    role = _kind(manifests, "Role")
    assert role["metadata"]["namespace"] == storage.NAMESPACE
    assert _rights(role["rules"]) == {
        ("pods", "create"),
        ("pods", "get"),
        ("pods", "delete"),
        ("pods/log", "get"),
    }
    for binding in (_kind(manifests, "ClusterRoleBinding"), _kind(manifests, "RoleBinding")):
        assert binding["subjects"] == [
            {"kind": "ServiceAccount", "name": storage.NAME, "namespace": storage.NAMESPACE}
        ]


def test_a_changed_configuration_rolls_the_provisioner(manifests: list[Manifest]) -> None:
    def stamp(ms: list[Manifest]) -> str:
        annotations = _kind(ms, "Deployment")["spec"]["template"]["metadata"]["annotations"]
        return str(annotations["floe-test/config-hash"])

    assert stamp(manifests) == stamp(storage.local_path(PROVISIONER, HELPER, STATE))
    assert stamp(manifests) != stamp(storage.local_path(PROVISIONER, HELPER, Path("/elsewhere")))
