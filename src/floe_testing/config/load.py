"""Find and validate the ``[tool.floe-test]`` table once.

Lookup order: an explicit path (``--config`` or ``FLOE_TEST_CONFIG``), else the nearest
``pyproject.toml`` upward from the working directory that has a ``[tool.floe-test]`` table.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import ValidationError

from floe_testing.config.models import FloeTestConfig
from floe_testing.core.errors import ConfigError, UsageError

CONFIG_ENV = "FLOE_TEST_CONFIG"
TABLE = "tool.floe-test"


@dataclass(frozen=True)
class Project:
    """The validated configuration and the directory it belongs to (the repository root)."""

    root: Path
    config_file: Path
    config: FloeTestConfig


def find_config_file(start: Path | None = None) -> Path:
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        return Path(explicit)
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file() and b"[tool.floe-test" in candidate.read_bytes():
            return candidate
    raise UsageError(
        f"no pyproject.toml with a [{TABLE}] table in {here} or its parents",
        f"run floe-test from the project's checkout, or pass --config PATH (or set {CONFIG_ENV})",
    )


def _key(loc: tuple[int | str, ...]) -> str:
    return ".".join([TABLE, *(str(part) for part in loc)])


def parse_config(path: Path) -> FloeTestConfig:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"configuration file {path} does not exist", "check --config") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, TABLE, f"is not valid TOML: {exc}", "fix the TOML syntax") from None
    table = document.get("tool", {}).get("floe-test")
    if not isinstance(table, dict):
        raise ConfigError(path, TABLE, "is missing", f"add a [{TABLE}] table (see README)")
    try:
        return FloeTestConfig.model_validate(table)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        raise ConfigError(
            path,
            _key(first["loc"]),
            f"{message} (got {first.get('input')!r})" if first["loc"] else message,
            f"fix [{_key(first['loc'][:2])}] in {path.name}; `floe-test tiers` shows the result"
            + (f" ({len(exc.errors())} problems in all)" if len(exc.errors()) > 1 else ""),
        ) from None


@cache
def _load(path: Path) -> Project:
    return Project(root=path.parent, config_file=path, config=parse_config(path))


def load_project(config_file: Path | None = None) -> Project:
    """The project configuration, parsed once per process."""
    return _load((config_file or find_config_file()).resolve())
