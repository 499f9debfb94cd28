"""endpoints.env: mode 0600, read back exactly, and sourceable by a POSIX shell."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

from floe_testing.protocol import endpoints_file

ENV = {"CUBE_API_SECRET": "a'b c$d", "DAGSTER_PORT": "41234", "EMPTY": ""}


def test_written_with_mode_0600_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "e2e" / "endpoints.env"
    endpoints_file.write(path, ENV, "a header\nsecond line")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert endpoints_file.read(path) == ENV
    assert path.read_text().startswith("# a header\n# second line\n")


def test_a_shell_sources_it_verbatim(tmp_path: Path) -> None:
    path = tmp_path / "endpoints.env"
    endpoints_file.write(path, ENV)
    out = subprocess.run(
        ["sh", "-c", f'set -a; . "{path}"; printf %s "$CUBE_API_SECRET"'],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout == ENV["CUBE_API_SECRET"]


def test_a_malformed_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "endpoints.env"
    path.write_text("A=1\nnot a line\n")
    with pytest.raises(ValueError, match=r"endpoints.env:2"):
        endpoints_file.read(path)
