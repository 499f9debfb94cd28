"""The engine's set-up for Kind: /lib/modules, the wrapper only where the host needs it, and a
daemon.json that keeps what was there."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from socketserver import UnixStreamServer

import pytest

from floe_testing.core.errors import UsageError
from floe_testing.kindnode import engine

STATUS = "Name:\tpython3\nCapInh:\t0000000000000000\nCapBnd:\t{}\nCapAmb:\t0000000000000000\n"
WITHOUT = STATUS.format("000001fffeffffff")  # the Firecracker VMs: bit 24 (SYS_RESOURCE) off
WITH = STATUS.format("000001ffffffffff")


def test_the_bounding_set_decides() -> None:
    assert engine.lacks_sys_resource(WITHOUT)
    assert not engine.lacks_sys_resource(WITH)
    assert not engine.lacks_sys_resource("Name:\tx\n")


def test_daemon_config_keeps_other_keys_and_runtimes() -> None:
    config = {"log-level": "warn", "runtimes": {"other": {"path": "/bin/other"}}}
    merged = engine.with_runtime(config, Path("/w/runc"))
    assert merged["log-level"] == "warn"
    assert merged["runtimes"] == {
        "other": {"path": "/bin/other"},
        "floe-runc": {"path": "/w/runc"},
    }
    assert merged["default-runtime"] == "floe-runc"
    assert config["runtimes"] == {"other": {"path": "/bin/other"}}  # not mutated


def paths(tmp_path: Path, status: str) -> dict[str, Path]:
    (tmp_path / "status").write_text(status)
    return {
        "proc_status": tmp_path / "status",
        "modules": tmp_path / "lib" / "modules",
        "wrapper": tmp_path / "libexec" / "runc",
        "daemon_json": tmp_path / "etc" / "daemon.json",
    }


def test_a_host_without_the_capability_gets_wrapper_and_config(tmp_path: Path) -> None:
    where = paths(tmp_path, WITHOUT)
    where["daemon_json"].parent.mkdir(parents=True)
    where["daemon_json"].write_text('{"debug": true}')
    setup = engine.prepare(**where, real_runc="/usr/sbin/runc")
    assert setup == engine.Setup(modules_created=True, wrapper_needed=True, config_changed=True)
    assert where["modules"].is_dir()
    assert not any(where["modules"].iterdir())
    text = where["wrapper"].read_text()
    assert text.startswith("#!/usr/bin/python3 -IS\n")
    assert 'REAL_RUNC = "/usr/sbin/runc"' in text
    config = json.loads(where["daemon_json"].read_text())
    assert config["debug"] is True
    assert config["default-runtime"] == "floe-runc"
    assert config["runtimes"]["floe-runc"] == {"path": str(where["wrapper"])}
    again = engine.prepare(**where, real_runc="/usr/sbin/runc")
    assert again == engine.Setup(modules_created=False, wrapper_needed=True, config_changed=False)


def test_a_host_with_the_capability_is_left_as_it_is(tmp_path: Path) -> None:
    where = paths(tmp_path, WITH)
    setup = engine.prepare(**where, real_runc="/usr/sbin/runc")
    assert setup == engine.Setup(modules_created=True, wrapper_needed=False, config_changed=False)
    assert not where["wrapper"].exists()
    assert not where["daemon_json"].exists()


def test_a_broken_daemon_json_is_a_usage_error(tmp_path: Path) -> None:
    where = paths(tmp_path, WITHOUT)
    where["daemon_json"].parent.mkdir(parents=True)
    where["daemon_json"].write_text("{not json")
    with pytest.raises(UsageError, match=r"daemon\.json is not valid JSON"):
        engine.prepare(**where, real_runc="/usr/sbin/runc")


def test_in_force_means_default_and_the_same_path() -> None:
    wrapper = Path("/usr/local/libexec/floe-test/runc")
    good = {"DefaultRuntime": "floe-runc", "Runtimes": {"floe-runc": {"path": str(wrapper)}}}
    assert engine.wrapper_in_force(good, wrapper)
    assert not engine.wrapper_in_force({**good, "DefaultRuntime": "runc"}, wrapper)
    assert not engine.wrapper_in_force({**good, "Runtimes": {}}, wrapper)
    assert not engine.wrapper_in_force(None, wrapper)


@pytest.fixture
def fake_engine(tmp_path: Path) -> Iterator[Path]:
    """A unix-socket HTTP server answering ``GET /info`` like dockerd."""
    socket_path = tmp_path / "docker.sock"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"DefaultRuntime": "runc", "Runtimes": {"runc": {}}}).encode()
            self.send_response(200 if self.path == "/info" else 404)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

        def address_string(self) -> str:
            return "unix"

    server = UnixStreamServer(str(socket_path), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield socket_path
    server.shutdown()
    server.server_close()


def test_engine_info_reads_the_socket(fake_engine: Path, tmp_path: Path) -> None:
    assert engine.engine_info(fake_engine) == {"DefaultRuntime": "runc", "Runtimes": {"runc": {}}}
    assert engine.engine_info(tmp_path / "absent.sock") is None
