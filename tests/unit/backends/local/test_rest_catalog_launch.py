from __future__ import annotations

from pathlib import Path

from floe_testing.backends.local.catalog import MAIN_CLASS, S3Store, rest_catalog_launch

S3 = S3Store(
    endpoint="http://127.0.0.1:9999",
    bucket="wh",
    access_key_id="AKID",
    secret_access_key="very-secret",
)


def test_metastore_is_a_sqlite_file_in_the_state_dir(tmp_path: Path) -> None:
    launch = rest_catalog_launch(
        4321, tmp_path / "state", S3, jar=tmp_path / "x.jar", java=tmp_path / "jdk/bin/java"
    )
    assert launch.env["CATALOG_URI"] == f"jdbc:sqlite:file:{tmp_path / 'state' / 'catalog.db'}"
    assert launch.metastore == tmp_path / "state" / "catalog.db"
    assert launch.env["CATALOG_REST_PORT"] == "4321"
    assert launch.env["CATALOG_WAREHOUSE"] == "s3://wh/warehouse"
    assert launch.env["CATALOG_S3_PATH__STYLE__ACCESS"] == "true"
    assert launch.env["CATALOG_S3_ENDPOINT"] == S3.endpoint
    assert launch.env["JAVA_HOME"] == str(tmp_path / "jdk")
    assert launch.argv[-3:] == ("-cp", str(tmp_path / "x.jar"), MAIN_CLASS)
    assert launch.uri == "http://127.0.0.1:4321"


def test_the_secret_is_never_a_logged_catalog_property(tmp_path: Path) -> None:
    launch = rest_catalog_launch(
        1, tmp_path, S3, jar=tmp_path / "x.jar", java=tmp_path / "jdk/bin/java"
    )
    catalog_properties = {k: v for k, v in launch.env.items() if k.startswith("CATALOG_")}
    assert "very-secret" not in catalog_properties.values()
    assert launch.env["AWS_SECRET_ACCESS_KEY"] == "very-secret"
    assert launch.env["AWS_EC2_METADATA_DISABLED"] == "true"
    assert "very-secret" not in repr(launch)


def test_pyiceberg_properties_point_at_the_store_path_style(tmp_path: Path) -> None:
    launch = rest_catalog_launch(
        7, tmp_path, S3, jar=tmp_path / "x.jar", java=tmp_path / "jdk/bin/java"
    )
    props = launch.pyiceberg_properties()
    assert props["uri"] == "http://127.0.0.1:7"
    assert props["s3.endpoint"] == S3.endpoint
    assert props["s3.force-virtual-addressing"] == "false"


def test_bootstrap_settings_match_the_server(tmp_path: Path) -> None:
    launch = rest_catalog_launch(
        7, tmp_path, S3, jar=tmp_path / "x.jar", java=tmp_path / "jdk/bin/java"
    )
    settings = launch.bootstrap_settings(("floe_demo",))
    assert settings.catalog_uri == launch.uri
    assert settings.location == S3.warehouse
    assert settings.polaris is None
    assert settings.namespaces == ("floe_demo",)
