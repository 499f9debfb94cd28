"""Preflight: every refusal happens before anything is created, with the exact next step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.standins import StandIns, floe_test


def _run(standins: StandIns, tmp_path: Path, **env_tools: object) -> tuple[int, str]:
    tools = env_tools.get("tools", ("docker", "kind", "helm"))
    env = standins.env(tools=tools)  # type: ignore[arg-type]
    done = floe_test(
        ["run", "integration", "--backend", "kind", "--results-dir", str(tmp_path / "results")], env
    )
    return done.returncode, done.stdout + done.stderr


def _created_nothing(standins: StandIns, tmp_path: Path) -> None:
    assert not (tmp_path / "results").exists()
    assert standins.clusters() == []
    assert not any(
        call[0] in ("kind", "helm") and call[1:2] != ["get"] for call in standins.calls()
    )
    assert not any(call[1] in ("build", "save", "push") for call in standins.calls("docker"))


def test_no_container_engine_exits_2_with_install_hint(standins: StandIns, tmp_path: Path) -> None:
    code, output = _run(standins, tmp_path, tools=("kind", "helm"))
    assert code == 2
    assert "docker or podman is not on PATH" in output
    assert "https://docs.docker.com/engine/install/" in output
    assert standins.calls() == []
    _created_nothing(standins, tmp_path)


def test_no_kind_exits_2_with_install_hint(
    standins: StandIns, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOE_TEST_CACHE", str(tmp_path / "cache"))  # no kind built there either
    code, output = _run(standins, tmp_path, tools=("docker", "helm"))
    assert code == 2
    assert "`kind` command, which is not on PATH" in output
    assert "kind.sigs.k8s.io/dl/" in output
    assert standins.calls() == []


@pytest.mark.parametrize(
    ("daemon", "code", "expected"),
    [
        ("down", 2, "systemctl start docker"),
        ("denied", 2, "usermod -aG docker"),
        ("broken", 3, "not healthy"),
    ],
)
def test_daemon_states(
    standins: StandIns, tmp_path: Path, daemon: str, code: int, expected: str
) -> None:
    standins.set(daemon=daemon)
    returncode, output = _run(standins, tmp_path)
    assert returncode == code, output
    assert expected in output
    assert [c[1] for c in standins.calls("docker")] == ["version"]
    _created_nothing(standins, tmp_path)


def test_too_little_memory_for_the_profile(standins: StandIns, tmp_path: Path) -> None:
    standins.set(memory=2 * 1024**3)
    code, output = _run(standins, tmp_path)
    assert code == 2, output
    assert "2.0 GiB of memory" in output
    assert "minimal profile" in output
    assert "Settings > Resources > Memory" in output
    _created_nothing(standins, tmp_path)


def test_full_profile_needs_more_memory_than_minimal(standins: StandIns, tmp_path: Path) -> None:
    standins.set(memory=5 * 1024**3)
    env = standins.env()
    minimal = floe_test(
        [
            "run",
            "integration",
            "--backend",
            "kind",
            "--results-dir",
            str(tmp_path / "r"),
            "--suite",
            str(tmp_path),
        ],
        env,
        timeout=30,
    )
    full = floe_test(
        [
            "run",
            "e2e",
            "--backend",
            "kind",
            "--results-dir",
            str(tmp_path / "r"),
            "--suite",
            str(tmp_path),
        ],
        env,
        timeout=30,
    )
    assert "needs about" not in minimal.stderr  # went past preflight (fails later: no cluster)
    assert full.returncode == 2
    assert "full profile of the e2e tier on Kind needs about" in full.stderr


def test_availability_is_fast_and_explains(
    standins: StandIns, monkeypatch: pytest.MonkeyPatch
) -> None:
    from floe_testing.backends.kind.backend import KindBackend

    for key, value in standins.env().items():
        monkeypatch.setenv(key, value)
    assert KindBackend.availability().usable
    standins.set(daemon="down")
    state = KindBackend.availability()
    assert not state.usable
    assert "daemon is not running" in state.reason
    monkeypatch.setenv("PATH", str(standins.home))
    assert "not on PATH" in KindBackend.availability().reason


def test_memory_quantities() -> None:
    from floe_testing.backends.kind.preflight import memory_bytes

    assert memory_bytes("512Mi") == 512 * 1024**2
    assert memory_bytes("1Gi") == 1024**3
    assert memory_bytes("1G") == 1000**3
    with pytest.raises(ValueError, match="not a memory quantity"):
        memory_bytes("lots")


def test_engine_env_names_an_unknown_engine(standins: StandIns, tmp_path: Path) -> None:
    env = {**standins.env(), "FLOE_TEST_ENGINE": "rkt"}
    done = floe_test(["run", "integration", "--backend", "kind"], env, timeout=30)
    assert done.returncode == 2
    assert "FLOE_TEST_ENGINE='rkt'" in done.stderr
    assert json.dumps(standins.calls()) == "[]"
