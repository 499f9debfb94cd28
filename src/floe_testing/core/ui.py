"""Console output of floe-test: progress on stderr, test output untouched on stdout.

The same output has to read well in a terminal and in a CI log. In a terminal Rich wraps at
the terminal's width. Without a TTY (a pipe, a file, GitHub Actions) Rich would assume 80
columns and cut table cells with an ellipsis; there, unless ``COLUMNS`` says otherwise,
messages are not hard-wrapped (the log viewer folds long lines) and a table gets the width it
needs. Table cells fold rather than truncate at any width. Colours follow Rich: on in a
terminal, off without one unless ``FORCE_COLOR`` is set, off whenever ``NO_COLOR`` is set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table


def make_console(*, stderr: bool = False, file: IO[str] | None = None) -> Console:
    """A console for stdout (tables a command prints), stderr (progress and errors) or ``file``."""
    from rich.console import Console

    console = Console(stderr=stderr, file=file, highlight=False)
    console.soft_wrap = not _fixed_width(console)
    return console


def print_table(console: Console, table: Table) -> None:
    """Print ``table`` whole: cells fold instead of ending in an ellipsis, and without a TTY
    (or ``COLUMNS``) the table is as wide as its widest row and its title."""
    for column in table.columns:
        column.overflow = "fold"
    if _fixed_width(console):
        console.print(table)
        return
    from rich.measure import Measurement

    unbounded = console.options.update(width=10_000, max_width=10_000)
    natural = Measurement.get(console, unbounded, table).maximum
    title = console.render_str(table.title).cell_len if isinstance(table.title, str) else 0
    table.min_width = max(table.min_width or 0, title)
    default = console.width
    console.width = max(natural, title)  # print(width=...) is capped at the console's width
    try:
        console.print(table)
    finally:
        console.width = default


def is_tty(console: Console) -> bool:
    """Whether the console writes to a real terminal (FORCE_COLOR makes Rich pretend it does)."""
    isatty = getattr(console.file, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def _fixed_width(console: Console) -> bool:
    """A terminal, or the user set COLUMNS: wrap to that width."""
    return is_tty(console) or bool(os.environ.get("COLUMNS", "").strip())


class Ui:
    """Thin facade over Rich so backends report progress the same way."""

    def __init__(self, console: Console | None = None, quiet: bool = False) -> None:
        self.console = console or make_console(stderr=True)
        self.quiet = quiet

    def step(self, message: str) -> None:
        if not self.quiet:
            self.console.print(f"[bold cyan]»[/] {message}")

    def info(self, message: str) -> None:
        if not self.quiet:
            self.console.print(f"  {message}", markup=False)

    def warn(self, message: str) -> None:
        self._labelled("warning: ", "yellow", message)

    def error(self, message: str) -> None:
        self._labelled("error: ", "bold red", message)

    def hint(self, message: str) -> None:
        self._labelled("  next step: ", "bold", message)

    def _labelled(self, label: str, style: str, message: str) -> None:
        """A styled label and the message verbatim: messages may hold [brackets]."""
        from rich.text import Text

        self.console.print(Text.assemble((label, style), message))

    @contextmanager
    def status(self, message: str) -> Iterator[None]:
        """A spinner while long work runs (plain line when not a terminal)."""
        if self.quiet or not is_tty(self.console):
            self.step(message)
            yield
            return
        with self.console.status(message):
            yield
