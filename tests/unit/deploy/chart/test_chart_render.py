"""The chart renders with Helm's engine for every profile and values file, into objects the
Kubernetes API of 1.29 and of the newest known version accepts, with the right components."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from floe_testing.deploy.chart import lint, render
from floe_testing.deploy.chart.schemas import kubernetes_versions, schema_problems

from .renders import CHART, NAMESPACE, PROFILES, VALUES_FILES, rendered

FULL_ONLY = ("polaris", "seaweedfs", "cube")


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_lint_has_no_errors_or_warnings(values_file: str) -> None:
    files = [] if values_file == "values.yaml" else [CHART / values_file]
    report = lint(files, strict=True, chart=CHART)
    assert report.errors == [], report.messages
    assert report.warnings == [], report.messages


@pytest.mark.parametrize("values_file", VALUES_FILES)
@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_renders_with_every_values_file(profile: str, values_file: str) -> None:
    result = rendered(profile, values_file)
    assert result.profile == profile
    kinds = {m["kind"] for m in result.manifests}
    assert {"Service", "Deployment", "StatefulSet", "Secret", "ConfigMap"} <= kinds
    assert all(m["metadata"]["namespace"] == NAMESPACE for m in result.manifests)


@pytest.mark.parametrize("version", kubernetes_versions())
@pytest.mark.parametrize("values_file", VALUES_FILES)
@pytest.mark.parametrize("profile", PROFILES)
def test_every_object_validates_against_kubernetes_schemas(
    profile: str, values_file: str, version: str
) -> None:
    assert schema_problems(rendered(profile, values_file).manifests, version) == []


@pytest.mark.parametrize("version", kubernetes_versions())
def test_optional_parts_validate_too(version: str) -> None:
    result = rendered(
        "full",
        "values-test.yaml",
        "cube.cubeStore.enabled=true",
        "podSecurity.createNamespace=true",
    )
    assert result.get("Deployment", "cubestore") is not None
    assert schema_problems(result.manifests, version) == []


def test_schema_check_catches_a_misplaced_field() -> None:
    deployment = rendered("minimal").get("Deployment", "dagster-webserver")
    assert deployment is not None
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["resource"] = {}
    problems = schema_problems([broken], "1.29.0")
    assert len(problems) == 1
    assert "'resource' was unexpected" in problems[0]


def _mentions(manifest: dict[str, object], word: str) -> bool:
    metadata = manifest["metadata"]
    assert isinstance(metadata, dict)
    return word in metadata["name"] or any(word in v for v in metadata.get("labels", {}).values())


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_minimal_renders_no_polaris_seaweedfs_or_cube_objects(values_file: str) -> None:
    result = rendered("minimal", values_file)
    leaked = [
        f"{m['kind']}/{m['metadata']['name']}"
        for m in result.manifests
        if any(_mentions(m, word) for word in FULL_ONLY)
    ]
    assert leaked == []
    assert result.of_kind("Job") == []


@pytest.mark.parametrize("values_file", VALUES_FILES)
def test_full_renders_polaris_seaweedfs_cube_and_their_bootstrap(values_file: str) -> None:
    result = rendered("full", values_file)
    for kind, name in [
        ("Service", "polaris"),
        ("Deployment", "polaris"),
        ("Service", "seaweedfs"),
        ("StatefulSet", "seaweedfs"),
        ("Service", "cube"),
        ("Deployment", "cube"),
        ("Deployment", "cube-refresh-worker"),
        ("Job", "polaris-bootstrap"),
    ]:
        assert result.get(kind, name) is not None, f"{kind}/{name} missing"
    assert result.get("Deployment", "cubestore") is None  # optional, off by default


def test_seed_flag_minimal_true_is_the_minimal_profile() -> None:
    by_flag = render(None, [CHART / "values-test.yaml"], ["minimal=true"], chart=CHART)
    by_profile = rendered("minimal")
    assert by_flag.profile == "minimal"

    def shape(manifests: list[dict[str, object]]) -> set[tuple[object, object]]:
        return {(m["kind"], m["metadata"]["name"]) for m in manifests}  # type: ignore[index]

    assert shape(by_flag.manifests) == shape(by_profile.manifests)


def test_object_store_creates_the_bucket() -> None:
    result = rendered("full")
    store = result.get("StatefulSet", "seaweedfs")
    assert store is not None
    store_script = store["spec"]["template"]["spec"]["containers"][0]["command"][-1]
    assert "-bucket=floe,floe-results" in store_script  # the catalog's, then the history's
    assert "-s3.port.iceberg=0" in store_script  # no second catalog on the side


def test_object_store_creates_the_staging_history_bucket() -> None:
    from urllib.parse import urlparse

    from floe_testing.config import load_project

    url = load_project().config.tiers["staging"].env["FLOE_HISTORY_S3_URL"]
    store = rendered("full").get("StatefulSet", "seaweedfs")
    assert store is not None
    script = store["spec"]["template"]["spec"]["containers"][0]["command"][-1]
    created = script.split("-bucket=", 1)[1].split()[0].split(",")
    assert urlparse(url).netloc in created, (url, created)


def test_bootstrap_hook_runs_the_shared_bootstrap_from_the_platform_image() -> None:
    result = rendered("full")
    job = result.get("Job", "polaris-bootstrap")
    assert job is not None
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "post-install,post-upgrade"
    assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"]
    assert job["spec"]["activeDeadlineSeconds"] > 0
    pod = job["spec"]["template"]["spec"]
    container = pod["containers"][0]
    platform = result.get("Deployment", "dagster-user-code")
    assert platform is not None
    assert container["image"] == platform["spec"]["template"]["spec"]["containers"][0]["image"]
    assert container["command"][:3] == ["floe-test", "bootstrap", "catalog"]
    env = {e["name"]: e for e in container["env"]}
    assert env["FLOE_CATALOG_URI"]["value"] == "http://polaris:8181/api/catalog"
    assert env["POLARIS_MANAGEMENT_URI"]["value"] == "http://polaris:8181/api/management/v1"
    assert env["FLOE_S3_BUCKET"]["value"] == "floe"
    assert env["FLOE_CATALOG_NAMESPACES"]["value"] == "floe_demo"
    secrets = {
        name: (e["valueFrom"]["secretKeyRef"]["name"], e["valueFrom"]["secretKeyRef"]["key"])
        for name, e in env.items()
        if "valueFrom" in e
    }
    assert secrets["POLARIS_PIPELINE_CLIENT_SECRET"] == (
        "polaris-pipeline-credentials",
        "client-secret",
    )
    assert secrets["POLARIS_NO_GRANTS_CLIENT_ID"] == ("polaris-no-grants-credentials", "client-id")
    assert secrets["AWS_SECRET_ACCESS_KEY"] == ("s3-credentials", "secret-access-key")
    # the settings the bootstrap reads are exactly what the hook sets
    from floe_testing.bootstrap.settings import settings_from_env

    plain = {name: e.get("value", f"<{name}>") for name, e in env.items()}
    settings = settings_from_env(plain)
    assert settings.polaris is not None
    assert settings.polaris.no_grants is not None
    assert settings.location == "s3://floe/warehouse"


def test_user_code_serves_the_demo_with_duckdb_on_a_volume() -> None:
    result = rendered("minimal")
    deployment = result.get("Deployment", "dagster-user-code")
    assert deployment is not None
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["command"] == [
        "dagster",
        "api",
        "grpc",
        "-m",
        "floe_demo.definitions",
        "-h",
        "0.0.0.0",  # noqa: S104 - the pod listens on its own interfaces
        "-p",
        "3030",
    ]
    env = {e["name"]: e.get("value") for e in container["env"]}
    mount = next(
        m
        for m in container["volumeMounts"]
        if env["FLOE_DUCKDB_PATH"].startswith(m["mountPath"] + "/")
    )
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    claim = volume["persistentVolumeClaim"]["claimName"]
    assert result.get("PersistentVolumeClaim", claim) is not None
    assert env["DAGSTER_HOME"] == "/opt/dagster/home"


def test_dagster_instance_is_valid_dagster_config_with_postgres_and_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dagster._core.instance.config import dagster_instance_config
    from dagster._serdes import ConfigurableClassData
    from dagster._serdes.config_class import ConfigurableClass

    config_map = rendered("minimal").get("ConfigMap", "dagster-instance")
    assert config_map is not None
    (tmp_path / "dagster.yaml").write_text(config_map["data"]["dagster.yaml"])
    monkeypatch.setenv("DAGSTER_PG_USERNAME", "u")
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", "p")
    instance, _ = dagster_instance_config(str(tmp_path))
    assert instance["storage"]["postgres"]["postgres_db"]["hostname"] == "postgresql"
    assert instance["run_coordinator"]["class"] == "QueuedRunCoordinator"
    for key in ("run_coordinator", "run_launcher", "compute_logs"):
        entry = instance[key]
        data = ConfigurableClassData(entry["module"], entry["class"], yaml.safe_dump({}))
        assert data.rehydrate(ConfigurableClass) is not None  # the class really exists
    workspace = yaml.safe_load(config_map["data"]["workspace.yaml"])
    assert workspace["load_from"][0]["grpc_server"] == {
        "host": "dagster-user-code",
        "port": 3030,
        "location_name": "floe_demo",
    }


def test_images_are_pinned_from_versions_env_and_configurable() -> None:
    from floe_testing.config import pins

    result = rendered(
        "full",
        "values-test.yaml",
        "seaweedfs.image.repository=registry.local/seaweedfs",
        "seaweedfs.image.tag=9.99",
    )
    statefulset = result.get("StatefulSet", "seaweedfs")
    assert statefulset is not None
    image = statefulset["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "registry.local/seaweedfs:9.99"
    default = rendered("full")
    images = {
        m["metadata"]["name"]: m["spec"]["template"]["spec"]["containers"][0]["image"]
        for m in default.manifests
        if m["kind"] in {"StatefulSet", "Deployment"}
    }
    assert images["seaweedfs"] == f"docker.io/chrislusf/seaweedfs:{pins.pin('SEAWEEDFS_VERSION')}"
    assert images["cube"] == f"docker.io/cubejs/cube:v{pins.pin('CUBE_VERSION')}"


def test_namespace_option_carries_the_pod_security_level() -> None:
    result = rendered("minimal", "values-test.yaml", "podSecurity.createNamespace=true")
    namespace = result.get("Namespace", NAMESPACE)
    assert namespace is not None
    labels = namespace["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    assert rendered("minimal").get("Namespace", NAMESPACE) is None


def test_recommended_labels_on_every_object() -> None:
    for manifest in rendered("full").manifests:
        labels = manifest["metadata"]["labels"]
        for key in ("name", "instance", "version", "component", "part-of", "managed-by"):
            assert f"app.kubernetes.io/{key}" in labels, (manifest["metadata"]["name"], key)
        assert labels["app.kubernetes.io/component"] != "test-runner"


def test_existing_secrets_are_referenced_not_rendered() -> None:
    result = rendered("full", "values-test.yaml", "secrets.s3-credentials.existing=true")
    assert result.get("Secret", "s3-credentials") is None
    assert result.get("Secret", "polaris-credentials") is not None


def test_generated_secret_values_are_random_and_long() -> None:
    first = rendered("full").get("Secret", "polaris-credentials")
    second = render("full", [CHART / "values-test.yaml"], chart=CHART).get(
        "Secret", "polaris-credentials"
    )
    assert first is not None
    assert second is not None
    secret = base64.b64decode(first["data"]["client-secret"])
    assert len(secret) >= 32
    assert first["data"]["client-secret"] != second["data"]["client-secret"]
