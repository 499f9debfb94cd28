"""Console output of floe-test: progress on stderr, test output untouched on stdout."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


class Ui:
    """Thin facade over Rich so backends report progress the same way."""

    def __init__(self, console: Console | None = None, quiet: bool = False) -> None:
        from rich.console import Console

        self.console = console or Console(stderr=True, highlight=False)
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
        if self.quiet or not self.console.is_terminal:
            self.step(message)
            yield
            return
        with self.console.status(message):
            yield
