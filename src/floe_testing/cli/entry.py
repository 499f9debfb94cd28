"""``floe-test``'s entry point: ``floe-test --help`` without importing the command line.

Importing typer (and its click) alone takes ~0.11 s of CPU, more than the whole ``--help``
budget (0.1 s). The top-level help is the same text until a command module changes, so the
first ``--help`` renders it through the real app and keeps it under the cache root, keyed by
the command modules' files (names, sizes, mtimes), the program name and the text width; later
ones print the kept text. Anything else goes to ``floe_testing.cli.app.main``.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import sys
from pathlib import Path

from floe_testing import __version__
from floe_testing.core.cache import cache_dir, content_key

HELP_ARGS = ["--help"]
MAX_WIDTH = 80  # click's help width limit


def help_key(prog: str) -> str:
    """Changes whenever the top-level help could: a command module, the name, the width."""
    package = Path(__file__).parent
    files = sorted(
        f"{entry.name}:{entry.stat().st_size}:{entry.stat().st_mtime_ns}"
        for entry in os.scandir(package)
        if entry.name.endswith(".py")
    )
    width = min(shutil.get_terminal_size().columns, MAX_WIDTH)
    return content_key(__version__, prog, str(width), *files)


def help_path(prog: str) -> Path:
    return cache_dir("cli-help", f"{help_key(prog)}.txt")


def render_help(prog: str) -> str:
    """The top-level help exactly as the app prints it."""
    from floe_testing.cli.app import app

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        app(args=HELP_ARGS, prog_name=prog, standalone_mode=False)
    return out.getvalue()


def _keep(path: Path, text: str) -> None:
    with contextlib.suppress(OSError):  # a read-only cache only costs speed
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_text(text, encoding="utf-8")
        partial.replace(path)


def main() -> None:
    if sys.argv[1:] == HELP_ARGS:
        prog = os.path.basename(sys.argv[0]) or "floe-test"
        path = help_path(prog)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            text = render_help(prog)
            _keep(path, text)
        sys.stdout.write(text)
        sys.exit(0)
    from floe_testing.cli.app import main as app_main

    app_main()
