"""PostgreSQL embedded from PyPI's ``pgserver`` (its bundled server binaries, not its API).

Polaris' relational-jdbc metastore needs a real PostgreSQL; the chart runs the postgres image,
the local backend the same major version from the wheel. PostgreSQL refuses to run as root,
so when floe-test runs as root the server runs as ``nobody`` in a data directory it owns.
"""

from __future__ import annotations

import os
import pwd
import secrets
import subprocess
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

DATABASE = "polaris"
USER = "floe"
UNPRIVILEGED = "nobody"


def install_dir() -> Path:
    spec = find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "pgserver is not installed: run `uv sync` (PostgreSQL for the full profile)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


@dataclass(frozen=True)
class PostgresLayout:
    root: Path
    port: int
    password: str
    host: str = "127.0.0.1"

    @classmethod
    def create(cls, root: Path, port: int) -> PostgresLayout:
        return cls(root, port, secrets.token_urlsafe(24))

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "run"

    @property
    def jdbc_url(self) -> str:
        return f"jdbc:postgresql://{self.host}:{self.port}/{DATABASE}"


def run_as() -> tuple[int, int] | None:
    """(uid, gid) to run PostgreSQL as when we are root, else None (run as ourselves)."""
    if os.geteuid() != 0:
        return None
    entry = pwd.getpwnam(UNPRIVILEGED)
    return entry.pw_uid, entry.pw_gid


def _make_traversable(path: Path) -> None:
    """Let the server's user reach ``path``: add search (x) for others on our own ancestors.

    Only directories we own are touched (e.g. the run's 0700 temporary directory); nothing
    becomes listable or writable.
    """
    for directory in (path, *path.parents):
        info = directory.stat()
        if info.st_uid == os.geteuid() and not info.st_mode & 0o001:
            directory.chmod(info.st_mode | 0o011)


def _run(argv: list[str], owner: tuple[int, int] | None, stdin: bytes | None = None) -> None:
    user = {"user": owner[0], "group": owner[1], "extra_groups": []} if owner else {}
    result = subprocess.run(argv, input=stdin, capture_output=True, check=False, **user)  # type: ignore[call-overload]
    if result.returncode != 0:
        output = (result.stderr or result.stdout or b"").decode(errors="replace").strip()
        raise RuntimeError(f"{Path(argv[0]).name} exited {result.returncode}: {output[-800:]}")


def initdb(layout: PostgresLayout) -> None:
    """A fresh cluster with password auth and the ``polaris`` database (about 1.5 s)."""
    owner = run_as()
    layout.root.mkdir(parents=True, exist_ok=True)
    password_file = layout.root / "pwfile"
    password_file.write_text(layout.password)
    for directory in (layout.data_dir, layout.socket_dir):
        directory.mkdir(mode=0o700, exist_ok=True)
    if owner is not None:
        _make_traversable(layout.root)
        for path in (layout.data_dir, layout.socket_dir, password_file):
            os.chown(path, *owner)
    bin_dir = install_dir()
    _run(
        [
            str(bin_dir / "initdb"), "-D", str(layout.data_dir), "-U", USER,
            f"--pwfile={password_file}", "--auth=scram-sha-256", "-E", "UTF8",
            "--no-sync", "--no-instructions",
        ],
        owner,
    )  # fmt: skip
    password_file.unlink()
    # single-user mode creates the database without a running server
    _run(
        [str(bin_dir / "postgres"), "--single", "-D", str(layout.data_dir), "postgres"],
        owner,
        stdin=f"CREATE DATABASE {DATABASE};\n".encode(),
    )


def server_command(layout: PostgresLayout) -> list[str]:
    return [
        str(install_dir() / "postgres"), "-D", str(layout.data_dir),
        "-p", str(layout.port), "-h", layout.host, "-k", str(layout.socket_dir),
        "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
    ]  # fmt: skip
