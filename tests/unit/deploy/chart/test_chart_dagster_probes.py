"""The Dagster pods' probes start no Dagster: Kubernetes' gRPC probe for the user-code server,
the heartbeat script (files/dagster/daemon_live.py, mounted from the instance ConfigMap) for
the daemon. Dagster's own probe commands import Dagster (~10 s of CPU each); on a busy 2-core
node the daemon's never finished within its timeout and the pod never became ready."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from .renders import CHART, PROFILES, rendered

PROBES = ("startupProbe", "readinessProbe", "livenessProbe")
DAGSTER_PODS = ("dagster-webserver", "dagster-daemon", "dagster-user-code")


def _container(profile: str, name: str, values: str = "values-test.yaml") -> dict[str, Any]:
    deployment = rendered(profile, values).get("Deployment", name)
    assert deployment is not None, name
    container: dict[str, Any] = deployment["spec"]["template"]["spec"]["containers"][0]
    return container


@pytest.mark.parametrize("values", ["values.yaml", "values-test.yaml", "values-staging.yaml"])
@pytest.mark.parametrize("profile", PROFILES)
def test_no_dagster_probe_starts_dagster(profile: str, values: str) -> None:
    for name in DAGSTER_PODS:
        container = _container(profile, name, values)
        for probe in (container.get(kind) for kind in PROBES):
            command = (probe or {}).get("exec", {}).get("command", [""])
            assert not command[0].startswith("dagster"), (name, command)


@pytest.mark.parametrize("profile", PROFILES)
def test_the_user_code_server_is_probed_over_grpc_health(profile: str) -> None:
    container = _container(profile, "dagster-user-code")
    (grpc_port,) = [p["containerPort"] for p in container["ports"] if p["name"] == "grpc"]
    for kind in PROBES:
        assert container[kind]["grpc"] == {"port": grpc_port, "service": "DagsterApi"}, kind


@pytest.mark.parametrize("profile", PROFILES)
def test_the_daemon_probe_is_the_heartbeat_script_against_the_instance_database(
    profile: str,
) -> None:
    render = rendered(profile)
    container = _container(profile, "dagster-daemon")
    assert "readinessProbe" not in container  # no Service: readiness would mean nothing
    command = container["startupProbe"]["exec"]["command"]
    assert container["livenessProbe"]["exec"]["command"] == command
    interpreter, script, host, port, database = command
    assert interpreter == "python3"
    (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == script]
    assert mount["name"] == "dagster-instance"
    assert mount.get("readOnly") is True
    config_map = render.get("ConfigMap", "dagster-instance")
    assert config_map is not None
    shipped = (CHART / "files" / "dagster" / "daemon_live.py").read_text()
    assert config_map["data"][mount["subPath"]].strip() == shipped.strip()
    instance = yaml.safe_load(config_map["data"]["dagster.yaml"])["storage"]["postgres"]
    database_config = instance["postgres_db"]
    assert (host, int(port), database) == (
        database_config["hostname"],
        database_config["port"],
        database_config["db_name"],
    )
    env = {e["name"] for e in container["env"]}
    assert {"DAGSTER_PG_USERNAME", "DAGSTER_PG_PASSWORD"} <= env
