"""Command-line usage errors as floe-test shows them: the usage line, one sentence, where to look.

Click raises these while it parses the command line (unknown command or option, missing
argument, a value of the wrong type or out of range), so nothing has started yet: they all
exit 2 (``EXIT_USAGE``). Typer vendors click (``typer._click``): its errors all derive from the
public ``typer.TyperException``, and their details (parsing context, suggestions) are read by
attribute rather than by importing the private module.
"""

from __future__ import annotations

from typing import Any

import typer

from floe_testing.core.errors import EXIT_USAGE
from floe_testing.core.ui import Ui


def report_usage_error(
    exc: typer.TyperException, app: typer.Typer, argv: list[str], ui: Ui | None = None
) -> int:
    """Print ``exc`` for a person reading a terminal or a CI log; return the exit code (2).

    ``app`` and ``argv`` locate the command when click raised without a parsing context (an
    option missing its value)."""
    ui = ui or Ui()
    ctx: Any = getattr(exc, "ctx", None) or _context_from_argv(app, argv)
    if type(exc).__name__ == "NoArgsIsHelpError":  # a bare group: its help is the message
        ui.console.print(exc.format_message(), markup=False, highlight=False)
        return EXIT_USAGE
    if ctx is not None:
        ui.console.print(ctx.get_usage(), markup=False, highlight=False)
    ui.error(sentence(exc))
    if ctx is not None:
        ui.hint(f"see {ctx.command_path} --help")
    return EXIT_USAGE


def sentence(exc: typer.TyperException) -> str:
    """One sentence naming what was wrong: the value given, and a suggestion when click has one."""
    message = exc.format_message()
    possibilities = getattr(exc, "possibilities", None)  # an unknown option close to known ones
    if possibilities:
        message = exc.message.rstrip(".")
        message += f". Did you mean {', '.join(sorted(possibilities))}?"
    given = _rejected_input(exc)
    if given is not None:
        # "Invalid value for '--timeout': Input should be ..." -> "Invalid value 'abc' for ..."
        head, sep, reason = message.partition(": ")
        prefix = "Invalid value for "
        if sep and head.startswith(prefix):
            what = head.removeprefix(prefix)
            message = f"Invalid value {given!r} for {what}: {reason[:1].lower()}{reason[1:]}"
    return message


def _rejected_input(exc: typer.TyperException) -> object | None:
    """The value a typed option rejected, from the validation error typer raised it from."""
    errors = getattr(exc.__cause__, "errors", None)
    if not callable(errors):
        return None
    try:
        details = errors()
    except Exception:  # not a pydantic ValidationError after all: keep click's message
        return None
    if details and isinstance(details[0], dict) and "input" in details[0]:
        given: object = details[0]["input"]
        return given
    return None


def usage_line(app: typer.Typer, argv: list[str]) -> str:
    """The usage line of the deepest command ``argv`` names."""
    return str(_context_from_argv(app, argv).get_usage())


def _context_from_argv(app: typer.Typer, argv: list[str]) -> Any:
    """A context for the deepest command that ``argv`` names, for its usage line."""
    command: Any = typer.main.get_command(app)
    ctx = command.context_class(command, info_name=app.info.name)
    for token in argv:
        sub = (getattr(ctx.command, "commands", None) or {}).get(token)
        if sub is None:
            if token.startswith("-"):
                continue
            break
        ctx = sub.context_class(sub, info_name=token, parent=ctx)
    return ctx
