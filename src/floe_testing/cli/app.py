"""The ``floe-test`` command line. Each subcommand lives in its own module and registers here.

Heavy imports (pydantic, Kubernetes clients, Dagster) happen inside commands so that
``floe-test --help`` starts fast.
"""

from __future__ import annotations

import sys
from importlib import import_module
from pathlib import Path
from typing import Annotated

import typer

from floe_testing.core.errors import EXIT_INTERRUPTED, BadValueError, FloeTestError

app = typer.Typer(
    name="floe-test",
    help=(
        "Kubernetes-native testing for the floe platform: run a tier (unit, integration, e2e, "
        "staging) on a backend (local, kind, cluster) and get JUnit back.\n\n"
        "Example: floe-test run integration --backend local"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain click help: rendering with Rich costs ~0.2 s of start-up
)

_COMMAND_MODULES = (
    "run", "platform", "tiers", "manifest", "chart", "kind", "requirements", "bootstrap",
    "history",
)  # fmt: skip


@app.callback()
def _global(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="pyproject.toml holding [tool.floe-test] (default: nearest one upward).",
            envvar="FLOE_TEST_CONFIG",
        ),
    ] = None,
) -> None:
    if config is not None:
        import os

        os.environ["FLOE_TEST_CONFIG"] = str(config)


for _name in _COMMAND_MODULES:
    import_module(f"floe_testing.cli.{_name}").register(app)


def main() -> None:
    """Entry point: user-actionable errors print their next step and exit with their code."""
    try:
        # without standalone mode click returns the code of typer.Exit instead of exiting, and
        # a Ctrl-C while it parses arrives as that code (130)
        status = app(standalone_mode=False)
    except FloeTestError as exc:
        from floe_testing.core.ui import Ui

        ui = Ui()
        if isinstance(exc, BadValueError):  # like click's bad values: the usage line first
            from floe_testing.cli.usage_errors import usage_line

            ui.console.print(usage_line(app, sys.argv[1:]), markup=False, highlight=False)
        ui.error(exc.message)
        if exc.hint:
            ui.hint(exc.hint)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        sys.exit(EXIT_INTERRUPTED)
    except typer.TyperException as exc:  # click's usage errors: unknown option, bad value, ...
        from floe_testing.cli.usage_errors import report_usage_error

        sys.exit(report_usage_error(exc, app, sys.argv[1:]))
    sys.exit(status if isinstance(status, int) else 0)
