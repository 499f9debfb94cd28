"""The catalog implementation switch (catalog.implementation: polaris | iceberg-rest), the
values for scripts/k8s-local that pick Iceberg's REST catalog server and the locally built
images, and the client-by-client NetworkPolicies of the full profile, all rendered by Helm's
engine and checked like `floe-test chart check` checks them."""

from __future__ import annotations

from typing import Any

import pytest

from floe_testing.config.models import FloeTestConfig
from floe_testing.core.errors import UsageError
from floe_testing.deploy.chart import Rendered, contract, lint, schemas, security
from floe_testing.deploy.chart.engine import read_values_file, validate_values
from harness.netpol import External, Pod, connection_allowed, platform_pods

from .renders import CHART, NAMESPACE, rendered, rendered_with

IMPLEMENTATIONS = ("polaris", "iceberg-rest")
K8S_LOCAL = ("values-test.yaml", "values-k8s-local.yaml")
KIND_LOCAL = ("values-test.yaml", "values-kind-local.yaml")


def _full(implementation: str, *sets: str) -> Rendered:
    return rendered("full", "values-test.yaml", f"catalog.implementation={implementation}", *sets)


def _env(manifest: dict[str, Any], container: int = 0) -> dict[str, Any]:
    spec = manifest["spec"]["template"]["spec"]["containers"][container]
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in spec.get("env", [])}


def _problems(result: Rendered, config: FloeTestConfig) -> list[str]:
    problems = contract.service_problems(result, config) + contract.secret_problems(result, config)
    for pod in security.pod_templates(result.manifests):
        problems += security.restricted_problems(pod) + security.hardening_problems(pod)
        problems += security.probe_problems(pod)
    for version in schemas.kubernetes_versions():
        problems += schemas.schema_problems(result.manifests, version)
    return problems


@pytest.mark.parametrize("implementation", IMPLEMENTATIONS)
def test_both_implementations_pass_every_chart_check(
    config: FloeTestConfig, implementation: str
) -> None:
    assert _problems(_full(implementation), config) == []


def test_polaris_is_the_default_for_users() -> None:
    assert read_values_file(CHART / "values.yaml")["catalog"]["implementation"] == "polaris"
    default = rendered("full", "values.yaml")
    assert default.get("ConfigMap", "polaris-config") is not None
    assert default.get("ConfigMap", "catalog-client")["data"]["implementation"] == "polaris"


def test_the_contract_stays_the_same_whichever_runs(config: FloeTestConfig) -> None:
    polaris, stand_in = _full("polaris"), _full("iceberg-rest")
    for kind in ("Service", "Secret"):
        names = {m["metadata"]["name"] for m in polaris.of_kind(kind)}
        assert names == {m["metadata"]["name"] for m in stand_in.of_kind(kind)}, kind
    ports = [(p["name"], p["port"]) for p in polaris.get("Service", "polaris")["spec"]["ports"]]
    service = stand_in.get("Service", "polaris")
    assert [(p["name"], p["port"]) for p in service["spec"]["ports"]] == ports
    # one REST port serves the management port's health as well
    assert {p["name"]: p["targetPort"] for p in service["spec"]["ports"]} == {
        "http": "http",
        "management": "http",
    }
    keys = {ref.key for s in config.services.values() for ref in s.settings}
    for result in (polaris, stand_in):
        assert set(result.get("ConfigMap", "catalog-client")["data"]) == keys


@pytest.mark.parametrize(
    ("implementation", "api_path", "auth"),
    [("polaris", "/api/catalog", "oauth2"), ("iceberg-rest", "", "none")],
)
def test_clients_learn_how_to_talk_to_the_catalog_from_the_config_map(
    implementation: str, api_path: str, auth: str
) -> None:
    data = _full(implementation).get("ConfigMap", "catalog-client")["data"]
    assert data == {"api-path": api_path, "auth": auth, "implementation": implementation}


def test_iceberg_rest_runs_the_reference_server_behind_the_polaris_service() -> None:
    result = _full("iceberg-rest")
    assert result.get("ConfigMap", "polaris-config") is None
    deployment = result.get("Deployment", "polaris")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["name"] == "iceberg-rest"
    assert container["image"].startswith("docker.io/apache/iceberg-rest-fixture:")
    env = _env(deployment)
    assert env["CATALOG_CATALOG__IMPL"] == "org.apache.iceberg.jdbc.JdbcCatalog"
    assert env["CATALOG_WAREHOUSE"] == "s3://floe/warehouse"
    assert env["CATALOG_S3_ENDPOINT"] == "http://seaweedfs:8333"
    assert env["AWS_SECRET_ACCESS_KEY"] == {
        "secretKeyRef": {"name": "s3-credentials", "key": "secret-access-key"}
    }
    assert not any(name.startswith("CATALOG_") and "SECRET" in name for name in env)
    probe = container["readinessProbe"]["httpGet"]
    assert (probe["path"], probe["port"]) == ("/v1/config", "http")


@pytest.mark.parametrize(
    ("implementation", "uri", "polaris_mode"),
    [
        ("polaris", "http://polaris:8181/api/catalog", True),
        ("iceberg-rest", "http://polaris:8181", False),
    ],
)
def test_the_bootstrap_hook_and_the_pipeline_follow_the_switch(
    implementation: str, uri: str, polaris_mode: bool
) -> None:
    result = _full(implementation)
    job = result.get("Job", "polaris-bootstrap")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "post-install,post-upgrade"
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["command"][:3] == ["floe-test", "bootstrap", "catalog"]
    env = _env(job)
    assert env["FLOE_CATALOG_URI"] == uri
    assert ("POLARIS_MANAGEMENT_URI" in env) is polaris_mode
    assert ("POLARIS_CLIENT_SECRET" in env) is polaris_mode
    code = _env(result.get("Deployment", "dagster-user-code"))
    assert code["FLOE_ICEBERG_URI"] == uri
    assert ("FLOE_ICEBERG_CREDENTIAL" in code) is polaris_mode


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"catalog": {"implementation": "nessie"}}, "at '/catalog/implementation'"),
        ({"cube": {"martAccess": "nfs"}}, "at '/cube/martAccess'"),
        ({"catalog": {"implementation": "polaris", "icebergRest": {"port": 1}}}, "'port'"),
    ],
)
def test_wrong_catalog_values_are_rejected_with_their_path(values: dict, expected: str) -> None:
    with pytest.raises(UsageError) as caught:
        validate_values(values, chart=CHART)
    assert expected in str(caught.value)


# --- scripts/k8s-local: values-k8s-local.yaml over values-test.yaml -----------------------


def test_k8s_local_values_pass_the_schema_lint_and_every_check(config: FloeTestConfig) -> None:
    validate_values(read_values_file(CHART / "values-k8s-local.yaml"), chart=CHART)
    report = lint([CHART / name for name in K8S_LOCAL], strict=True, chart=CHART)
    assert report.errors == [], report.messages
    assert report.warnings == [], report.messages
    assert _problems(rendered_with("full", K8S_LOCAL), config) == []


def test_k8s_local_maps_every_upstream_image_to_a_local_one() -> None:
    result = rendered_with("full", K8S_LOCAL)
    images = {
        c["image"]
        for pod in security.pod_templates(result.manifests)
        for c in [*pod.spec.get("initContainers", []), *pod.spec["containers"]]
    }
    platform = {i for i in images if i.startswith("ghcr.io/floe/floe-platform:")}
    assert images - platform == {
        "floe-local/postgresql:15-bookworm",
        "floe-local/seaweedfs:4.48",
        "floe-local/iceberg-rest:1.10.1",
        "floe-local/cube:0.35.81",
    }
    pulls = {
        c["imagePullPolicy"]
        for pod in security.pod_templates(result.manifests)
        for c in pod.spec["containers"]
    }
    assert pulls == {"Never"}
    assert result.get("ConfigMap", "catalog-client")["data"]["implementation"] == "iceberg-rest"


@pytest.mark.parametrize("layers", [K8S_LOCAL, KIND_LOCAL], ids=["k8s-local", "kind-local"])
def test_local_cube_copies_the_mart_instead_of_downloading_httpfs(
    layers: tuple[str, ...],
) -> None:
    result = rendered_with("full", layers)
    for name in ("cube", "cube-refresh-worker"):
        env = _env(result.get("Deployment", name))
        assert env["FLOE_CUBE_MART"] == "s3://floe/cube/daily_revenue_by_segment.parquet"
        assert env["FLOE_CUBE_MART_COPY"] == "/tmp/mart/daily_revenue_by_segment.parquet"
        assert "CUBEJS_DB_DUCKDB_EXTENSIONS" not in env
    assert not [p for p in result.of_kind("NetworkPolicy") if "internet" in p["metadata"]["name"]]
    httpfs = _env(rendered("full", "values-test.yaml").get("Deployment", "cube"))
    assert httpfs["CUBEJS_DB_DUCKDB_EXTENSIONS"] == "httpfs"
    assert "FLOE_CUBE_MART_COPY" not in httpfs


# --- Kind without a registry: values-kind-local.yaml over values-test.yaml -----------------


def test_kind_local_values_pass_the_schema_lint_and_every_check(config: FloeTestConfig) -> None:
    validate_values(read_values_file(CHART / "values-kind-local.yaml"), chart=CHART)
    report = lint([CHART / name for name in KIND_LOCAL], strict=True, chart=CHART)
    assert report.errors == [], report.messages
    assert report.warnings == [], report.messages
    assert _problems(rendered_with("full", KIND_LOCAL), config) == []


def _images(result: Rendered) -> set[str]:
    return {
        c["image"] for pod in security.pod_templates(result.manifests) for _, c in pod.containers()
    }


@pytest.mark.parametrize("profile", ["minimal", "full"])
def test_kind_local_maps_the_images_as_k8s_local_does_and_keeps_kind_storage(
    profile: str,
) -> None:
    kind, k8s = rendered_with(profile, KIND_LOCAL), rendered_with(profile, K8S_LOCAL)
    assert _images(kind) == _images(k8s)
    assert all(i.startswith(("floe-local/", "ghcr.io/floe/floe-platform:")) for i in _images(kind))
    pulls = {
        c["imagePullPolicy"]
        for pod in security.pod_templates(kind.manifests)
        for _, c in pod.containers()
    }
    assert pulls == {"IfNotPresent"}  # side-loaded with `kind load`, as the runner and platform
    if profile == "full":
        catalog = kind.get("ConfigMap", "catalog-client")
        assert catalog is not None
        assert catalog["data"]["implementation"] == "iceberg-rest"
    # persistence as values-test.yaml has it (the node's local-path provisioner binds claims)
    claims = {name: m["spec"] for name, m in _claims(rendered(profile, "values-test.yaml")).items()}
    assert claims
    assert {name: m["spec"] for name, m in _claims(kind).items()} == claims
    # Kind's CoreDNS listens on 53, as values-test.yaml's policy has it (k8s-local's on 1053)
    dns = [p for p in kind.of_kind("NetworkPolicy") if p["metadata"]["name"] == "allow-dns"]
    assert dns
    assert dns == [
        p
        for p in rendered(profile).of_kind("NetworkPolicy")
        if p["metadata"]["name"] == "allow-dns"
    ]


def _claims(result: Rendered) -> dict[str, Any]:
    """Every PersistentVolumeClaim and StatefulSet claim template by name."""
    found = {m["metadata"]["name"]: m for m in result.of_kind("PersistentVolumeClaim")}
    for sts in result.of_kind("StatefulSet"):
        found.update(
            {t["metadata"]["name"]: t for t in sts["spec"].get("volumeClaimTemplates") or []}
        )
    return found


def test_cube_js_is_mounted_apart_from_the_model_folder() -> None:
    """Cube compiles every file in the model folder as a data model; cube.js is configuration."""
    pod = rendered("full").get("Deployment", "cube")["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    model_files = [item["path"] for item in volumes["model"]["configMap"]["items"]]
    assert "cube.js" not in model_files
    assert model_files
    mounts = {m["mountPath"]: m["name"] for m in pod["containers"][0]["volumeMounts"]}
    assert mounts["/cube/conf/cube.js"] == "config"


# --- NetworkPolicies: each service admits its clients only --------------------------------


def _pods(result: Rendered) -> dict[str, Pod]:
    return {p.name: p for p in platform_pods(result.manifests, NAMESPACE)}


@pytest.mark.parametrize(
    ("values_files", "sets", "polaris_on_jdbc"),
    [
        (("values-test.yaml",), (), False),  # Polaris in memory
        (("values-test.yaml",), ("catalog.implementation=iceberg-rest",), False),
        (K8S_LOCAL, (), False),
        (("values-staging.yaml",), (), True),  # Polaris' metastore in PostgreSQL
    ],
)
def test_postgresql_admits_only_its_clients(
    values_files: tuple[str, ...], sets: tuple[str, ...], polaris_on_jdbc: bool
) -> None:
    result = rendered_with("full", values_files, *sets)
    policies, pods = result.of_kind("NetworkPolicy"), _pods(result)
    clients = {"dagster-webserver", "dagster-daemon", "dagster-user-code"}
    clients |= {"polaris"} if polaris_on_jdbc else set()
    for name, pod in pods.items():
        allowed = connection_allowed(policies, pod, pods["postgresql"], 5432)
        assert allowed is (name in clients), name


def test_data_services_admit_the_pods_that_read_or_write_data() -> None:
    result = rendered_with("full", K8S_LOCAL)
    policies, pods = result.of_kind("NetworkPolicy"), _pods(result)

    def allowed(source: str, target: str, port: int) -> bool:
        return connection_allowed(policies, pods[source], pods[target], port)

    assert allowed("cube", "seaweedfs", 8333)
    assert allowed("cube-refresh-worker", "seaweedfs", 8333)
    assert allowed("polaris", "seaweedfs", 8333)
    assert allowed("dagster-user-code", "polaris", 8181)
    assert allowed("polaris-bootstrap", "polaris", 8181)
    assert allowed("dagster-webserver", "dagster-user-code", 3030)
    assert not allowed("cube", "polaris", 8181)
    assert not allowed("dagster-webserver", "seaweedfs", 8333)
    assert not allowed("seaweedfs", "dagster-user-code", 3030)
    assert not allowed("dagster-user-code", "dagster-webserver", 3000)
    for pod in pods.values():  # nothing leaves the namespace
        assert not connection_allowed(policies, pod, External("151.101.1.1"), 443), pod.name
        elsewhere = Pod("server", "other", {"app": "server"}, {"http": 8080})
        assert not connection_allowed(policies, pod, elsewhere, 8080), pod.name


# --- the staging tier on scripts/k8s-local: values-k8s-local-staging.yaml -------------------

K8S_LOCAL_STAGING = (
    "values-staging.yaml",
    "values-k8s-local.yaml",
    "values-k8s-local-staging.yaml",
)
NODE_CPU_BUDGET = 0.75  # of the node's 2 cores, for the platform: the rest is the node's own


def _containers(result: Rendered) -> dict[str, dict[str, Any]]:
    return {
        f"{m['metadata']['name']}/{c['name']}": c
        for m in result.manifests
        if m["kind"] in ("Deployment", "StatefulSet")
        for c in m["spec"]["template"]["spec"]["containers"]
    }


def test_k8s_local_staging_values_pass_the_schema_lint_and_every_check(
    config: FloeTestConfig,
) -> None:
    validate_values(read_values_file(CHART / "values-k8s-local-staging.yaml"), chart=CHART)
    report = lint([CHART / name for name in K8S_LOCAL_STAGING], strict=True, chart=CHART)
    assert report.errors == [], report.messages
    assert _problems(rendered_with("full", K8S_LOCAL_STAGING), config) == []


def test_k8s_local_staging_shrinks_only_the_requests_and_keeps_the_catalog_on_a_claim() -> None:
    from lightkube.utils.quantity import parse_quantity

    staging = _containers(rendered_with("full", K8S_LOCAL_STAGING[:2]))
    here = _containers(rendered_with("full", K8S_LOCAL_STAGING))
    assert set(here) == set(staging)
    requested = sum(parse_quantity(c["resources"]["requests"]["cpu"]) for c in here.values())
    assert requested <= NODE_CPU_BUDGET, requested
    assert sum(parse_quantity(c["resources"]["requests"]["cpu"]) for c in staging.values()) > 1
    for name, container in here.items():  # limits and probes stay staging's
        assert container["resources"]["limits"] == staging[name]["resources"]["limits"], name
        assert container.get("readinessProbe") == staging[name].get("readinessProbe"), name
    manifests = rendered_with("full", K8S_LOCAL_STAGING).manifests
    claims = {m["metadata"]["name"] for m in manifests if m["kind"] == "PersistentVolumeClaim"}
    assert "polaris-metastore" in claims
