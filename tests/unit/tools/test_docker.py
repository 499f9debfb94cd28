"""The docker/podman adapter: a container spec as ``run`` flags, ``save`` streamed into a
consumer, and the product's errors (with the next step) when the engine fails.

The engine is a stand-in script: it records its arguments and answers as the case needs."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import IO

import pytest

from floe_testing.core.errors import InfrastructureError, UsageError
from floe_testing.tools.command import Tool
from floe_testing.tools.docker import (
    LOCAL_START_HINT,
    BindMount,
    ContainerEngine,
    ContainerSession,
    ContainerSpec,
    EngineInfo,
    Tmpfs,
    VolumeMount,
    run_arguments,
)


def _standin(tmp_path: Path, body: str, name: str = "docker") -> ContainerEngine:
    script = tmp_path / name
    script.write_text(f'#!/bin/sh\necho "$@" >> "{tmp_path}/calls"\n{body}\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return ContainerEngine(Tool(name, str(script)))


def _calls(tmp_path: Path) -> list[str]:
    return (tmp_path / "calls").read_text().splitlines()


def test_a_spec_becomes_run_flags_in_one_place() -> None:
    spec = ContainerSpec(
        name="p-db",
        alias="postgresql",
        image="pg:1",
        command=["postgres", "-c", "fsync=off"],
        user="10001:10001",
        read_only=True,
        cap_drop=["ALL"],
        no_new_privileges=True,
        memory_bytes=512 * 2**20,
        cpus=0.5,
        env={"A": "1", "B": "x=y"},
        env_files=[Path("/w/db.env")],
        mounts=[
            Tmpfs("/tmp", "rw,mode=0770"),
            BindMount(Path("/w/conf"), "/etc/conf", readonly=True),
            VolumeMount("p-data", "/var/lib/data"),
        ],
    )
    assert spec.volumes == ["p-data"]
    assert run_arguments(spec, "p-net", {"b": "2", "a": "1"}) == [
        *("run", "--detach", "--name", "p-db", "--network", "p-net"),
        *("--network-alias", "postgresql", "--hostname", "postgresql"),
        *("--label", "a=1", "--label", "b=2"),
        *("--user", "10001:10001", "--read-only", "--cap-drop", "ALL"),
        *("--security-opt", "no-new-privileges", "--memory", str(512 * 2**20), "--cpus", "0.5"),
        *("--env", "A=1", "--env", "B=x=y"),
        *("--tmpfs", "/tmp:rw,mode=0770"),
        *("--mount", "type=bind,source=/w/conf,destination=/etc/conf,readonly"),
        *("--mount", "type=volume,source=p-data,destination=/var/lib/data"),
        *("--env-file", "/w/db.env"),
        *("pg:1", "postgres", "-c", "fsync=off"),
    ]


def test_a_bare_spec_runs_the_image_default_command() -> None:
    argv = run_arguments(ContainerSpec(name="n", alias="a", image="img"), "net", {})
    assert argv == [
        *("run", "--detach", "--name", "n", "--network", "net"),
        *("--network-alias", "a", "--hostname", "a", "img"),
    ]


def test_a_session_starts_on_its_network_with_its_labels_and_removes_all(tmp_path: Path) -> None:
    engine = _standin(tmp_path, "exit 0")
    session = ContainerSession(engine, labels={"run": "r1"}, prefix="s")
    session.network()
    session.start(ContainerSpec(name="s-x", alias="x", image="img"))
    assert session.exec_succeeds("s-x", "true")
    assert session.remove_all() == "1 containers, 1 network, 0 volumes"
    calls = _calls(tmp_path)
    assert calls[0] == "network create --label run=r1 s-net"
    assert calls[1].startswith("run --detach --name s-x --network s-net ")
    assert "--label run=r1" in calls[1]
    assert calls[2] == "exec s-x true"
    assert calls[3:] == ["container rm --force --volumes s-x", "network rm s-net"]


def test_save_into_streams_the_archive(tmp_path: Path) -> None:
    engine = _standin(tmp_path, 'printf "archive-bytes"')
    received: list[bytes] = []

    def consume(archive: IO[bytes]) -> None:
        received.append(archive.read())

    engine.save_into("img:1", consume)
    assert received == [b"archive-bytes"]
    assert _calls(tmp_path) == ["save img:1"]


def test_a_failed_save_is_the_products_error_with_a_next_step(tmp_path: Path) -> None:
    engine = _standin(tmp_path, "echo 'no such image' >&2; exit 1")
    with pytest.raises(InfrastructureError) as raised:
        engine.save_into("img:1", lambda archive: archive.read())
    assert raised.value.hint == "run `docker save img:1 > /dev/null` by hand to see why"
    assert raised.value.cause == "docker-failed"


def test_a_stopped_daemon_names_the_step_that_starts_it(tmp_path: Path) -> None:
    engine = _standin(
        tmp_path,
        "echo 'Cannot connect to the Docker daemon. Is the docker daemon running?' >&2; exit 1",
    )
    with pytest.raises(UsageError) as raised:
        engine.server_version(start_hint=LOCAL_START_HINT)
    assert raised.value.hint == "run: scripts/images engine"
    with pytest.raises(UsageError) as raised:
        engine.server_version()
    assert "systemctl start docker" in str(raised.value.hint)


@pytest.mark.parametrize(
    ("name", "containerd", "from_store", "platform"),
    [
        ("docker", False, True, "linux/amd64"),
        ("docker", True, False, "linux/amd64"),
        ("podman", False, False, None),
    ],
)
def test_how_an_engine_hands_images_to_kind(
    name: str, containerd: bool, from_store: bool, platform: str | None
) -> None:
    engine = ContainerEngine(Tool(name, f"/nonexistent/{name}"))
    info = EngineInfo(2**30, 2, "x86_64", containerd)
    assert engine.kind_loads_from_store(info) is from_store
    assert engine.archive_platform(info) == platform


@pytest.mark.parametrize(("attached", "removed"), [("0", True), ("2", False), ("", False)])
def test_a_network_is_removed_only_when_nothing_is_attached(
    tmp_path: Path, attached: str, removed: bool
) -> None:
    inspect = f'echo "{attached}"' if attached else "exit 1"  # "" stands for no such network
    engine = _standin(tmp_path, f'case "$1 $2" in "network inspect") {inspect};; esac')
    assert engine.remove_network_if_unused("kind") is removed
    calls = _calls(tmp_path)
    assert calls[0] == "network inspect --format {{len .Containers}} kind"
    assert ("network rm kind" in calls) is removed
