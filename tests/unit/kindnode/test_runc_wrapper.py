"""The runc wrapper removes CAP_SYS_RESOURCE from the specs runc reads, and nothing else."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from floe_testing.kindnode import runc_wrapper
from floe_testing.kindnode.engine import wrapper_text

ALL_CAPS = ["CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_SYS_RESOURCE", "CAP_NET_ADMIN"]


def privileged_config() -> dict[str, Any]:
    """The shape of a Docker 20.10 ``--privileged`` bundle config (abridged)."""
    return {
        "ociVersion": "1.0.2-dev",
        "process": {
            "user": {"uid": 0, "gid": 0},
            "args": ["/sbin/init"],
            "capabilities": {
                "bounding": list(ALL_CAPS),
                "effective": list(ALL_CAPS),
                "inheritable": list(ALL_CAPS),
                "permitted": list(ALL_CAPS),
            },
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1048576, "soft": 1048576}],
        },
        "root": {"path": "rootfs"},
        "linux": {"maskedPaths": [], "readonlyPaths": []},
    }


def bundle(tmp_path: Path, config: dict[str, Any]) -> Path:
    directory = tmp_path / "bundle"
    directory.mkdir()
    (directory / "config.json").write_text(json.dumps(config))
    (directory / "config.json").chmod(0o600)
    return directory


def test_every_set_loses_the_capability_and_keeps_the_rest() -> None:
    process = privileged_config()["process"]
    process["capabilities"]["ambient"] = ["CAP_SYS_RESOURCE"]
    assert runc_wrapper.strip_capability(process)
    for name, values in process["capabilities"].items():
        assert "CAP_SYS_RESOURCE" not in values, name
    assert process["capabilities"]["bounding"] == ["CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_NET_ADMIN"]
    assert process["capabilities"]["ambient"] == []


def test_a_process_without_it_is_left_alone() -> None:
    assert not runc_wrapper.strip_capability({"capabilities": {"bounding": ["CAP_CHOWN"]}})
    assert not runc_wrapper.strip_capability({"args": ["true"]})


@pytest.mark.parametrize(
    ("argv", "command", "rest"),
    [
        (["create", "--bundle", "b", "id"], "create", ["--bundle", "b", "id"]),
        (
            ["--root", "/run/r", "--log", "l.json", "--log-format", "json", "run", "x"],
            "run",
            ["x"],
        ),
        (
            ["--debug", "--systemd-cgroup", "exec", "-p", "p.json", "id"],
            "exec",
            ["-p", "p.json", "id"],
        ),
        (["--version"], None, []),
    ],
)
def test_the_subcommand_is_found_after_global_options(
    argv: list[str], command: str | None, rest: list[str]
) -> None:
    assert runc_wrapper.subcommand(argv) == (command, rest)


def test_create_rewrites_the_bundle_config_in_place(tmp_path: Path) -> None:
    directory = bundle(tmp_path, privileged_config())
    argv = ["--root", "/run/docker/runtime-runc/moby", "create", "--bundle", str(directory), "c1"]
    target = runc_wrapper.spec_to_fix(argv, tmp_path)
    assert target == (directory / "config.json", True)
    assert runc_wrapper.fix_file(*target)
    config = json.loads((directory / "config.json").read_text())
    assert "CAP_SYS_RESOURCE" not in config["process"]["capabilities"]["bounding"]
    assert config["process"]["rlimits"] == privileged_config()["process"]["rlimits"]
    assert config["root"] == {"path": "rootfs"}
    assert stat.S_IMODE((directory / "config.json").stat().st_mode) == 0o600
    assert sorted(p.name for p in directory.iterdir()) == ["config.json"]


def test_run_without_bundle_uses_the_working_directory(tmp_path: Path) -> None:
    directory = bundle(tmp_path, privileged_config())
    assert runc_wrapper.spec_to_fix(["run", "-d", "c1"], directory) == (
        directory / "config.json",
        True,
    )
    assert runc_wrapper.spec_to_fix(["run", "--bundle=sub", "c1"], tmp_path) == (
        tmp_path / "sub" / "config.json",
        True,
    )


def test_an_ordinary_config_is_not_rewritten(tmp_path: Path) -> None:
    config = privileged_config()
    config["process"]["capabilities"] = {
        name: ["CAP_CHOWN", "CAP_NET_BIND_SERVICE"]
        for name in ("bounding", "effective", "permitted")
    }
    directory = bundle(tmp_path, config)
    before = (directory / "config.json").read_text()
    assert not runc_wrapper.fix_file(directory / "config.json", True)
    assert (directory / "config.json").read_text() == before


def test_exec_rewrites_the_process_spec(tmp_path: Path) -> None:
    process = privileged_config()["process"]
    spec = tmp_path / "process.json"
    spec.write_text(json.dumps(process))
    target = runc_wrapper.spec_to_fix(["exec", "--process", str(spec), "--detach", "c1"], tmp_path)
    assert target == (spec, False)
    assert runc_wrapper.fix_file(*target)
    assert "CAP_SYS_RESOURCE" not in json.loads(spec.read_text())["capabilities"]["effective"]


@pytest.mark.parametrize(
    "argv",
    [
        ["exec", "c1", "ls"],  # no process file: the container's own (already fixed) caps
        ["start", "c1"],
        ["state", "c1"],
        ["kill", "c1", "9"],
        ["delete", "--force", "c1"],
    ],
)
def test_other_calls_touch_nothing(argv: list[str], tmp_path: Path) -> None:
    assert runc_wrapper.spec_to_fix(argv, tmp_path) is None


def test_a_missing_or_broken_spec_is_left_for_runc_to_report(tmp_path: Path) -> None:
    assert not runc_wrapper.fix_file(tmp_path / "absent.json", True)
    (tmp_path / "broken.json").write_text("{")
    assert not runc_wrapper.fix_file(tmp_path / "broken.json", True)


def test_the_installed_wrapper_runs_alone_and_hands_over_the_same_arguments(
    tmp_path: Path,
) -> None:
    """The installed file: the module's source, pointed at a stand-in runc that records."""
    record = tmp_path / "argv.json"
    fake_runc = tmp_path / "runc"
    fake_runc.write_text(
        f"#!{sys.executable}\nimport json, sys\n"
        f"json.dump(sys.argv[1:], open({str(record)!r}, 'w'))\n"
    )
    fake_runc.chmod(0o755)
    wrapper = tmp_path / "floe-runc"
    wrapper.write_text(wrapper_text(str(fake_runc), python=sys.executable))
    wrapper.chmod(0o755)
    directory = bundle(tmp_path, privileged_config())
    argv = ["--root", "/r", "--log-format", "json", "create", "--bundle", str(directory), "c1"]
    subprocess.run([str(wrapper), *argv], check=True, env={}, timeout=30)
    assert json.loads(record.read_text()) == argv
    config = json.loads((directory / "config.json").read_text())
    assert "CAP_SYS_RESOURCE" not in config["process"]["capabilities"]["permitted"]
    assert os.access(wrapper, os.X_OK)
