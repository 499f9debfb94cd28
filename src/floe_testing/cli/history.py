"""``floe-test history`` and ``floe-test report``: the result history and its HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

history_app = typer.Typer(
    help="The result history (DIR/runs.jsonl): pull scheduled runs' records from S3.",
    no_args_is_help=True,
)

HistoryDir = Annotated[
    Path, typer.Option("--history", help="History directory (holds runs.jsonl).")
]


@history_app.command("pull")
def pull(
    source: Annotated[str, typer.Option("--from", help="s3://BUCKET/PREFIX of the records.")],
    history: HistoryDir,
    endpoint_url: Annotated[
        str | None,
        typer.Option(help="S3 endpoint (default: $FLOE_HISTORY_S3_ENDPOINT, else AWS)."),
    ] = None,
) -> None:
    """Merge records that scheduled in-cluster runs delivered to a bucket (no duplicates).

    Example:

      floe-test history pull --from s3://floe-results/history --history history/ \\
          --endpoint-url http://127.0.0.1:8333
    """
    from floe_testing.core.ui import Ui
    from floe_testing.history.s3 import Location, fetch_records
    from floe_testing.history.store import History

    location = Location.parse(source)
    records = fetch_records(str(location), endpoint_url)  # before the history is touched
    store = History(history.resolve())
    store.prepare()
    added = store.merge(records)
    Ui().step(f"{location}: {len(records)} records, {added} new -> {store.path}")


def report(
    history: HistoryDir,
    output: Annotated[Path, typer.Option(help="The HTML file to write.")] = Path("report.html"),
    tier: Annotated[
        str | None, typer.Option(help="Only this tier's runs (default: every tier).")
    ] = None,
) -> None:
    """Write one self-contained HTML page (no network needed to view it): pass rate per run,
    suite and phase durations, slowest tests and their trend, flaky tests, soak resource
    curves and performance against baseline.

    Example:

      floe-test report --history history/ --output report.html
    """
    from floe_testing.core.errors import UsageError
    from floe_testing.core.ui import Ui
    from floe_testing.history.store import History
    from floe_testing.report.html import write_report
    from floe_testing.report.trends import flaky_tests, runs_of

    store = History(history.resolve())
    if not store.path.is_file():
        raise UsageError(
            f"no history at {store.path}",
            "run e.g. `floe-test run staging --history DIR` first, or pull one with "
            "`floe-test history pull`",
        )
    records = [r for r in store.records() if tier is None or r.get("tier") == tier]
    write_report(records, output)
    flaky = flaky_tests(records)
    ui = Ui()
    ui.step(f"{output}: {len(runs_of(records))} runs, {len(records)} records")
    if flaky:
        ui.warn(f"flaky: {', '.join(f.name for f in flaky)}")


def register(app: typer.Typer) -> None:
    app.add_typer(
        history_app, name="history", short_help="Pull scheduled runs' records into a history."
    )
    app.command("report", short_help="Write the history as one self-contained HTML page.")(report)
