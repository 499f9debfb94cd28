"""Options shared by the commands that plan a run (``run``, ``manifest``): one definition each."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

CLUSTER = "Cluster and kind backends"

Tier = Annotated[str, typer.Argument(help="Tier: see `floe-test tiers`.")]
PytestArgs = Annotated[
    list[str] | None,
    typer.Argument(help="Extra pytest arguments, after --.", show_default=False),
]
ProfileName = Annotated[str | None, typer.Option(help="Platform profile (default: the tier's).")]
Suite = Annotated[
    Path | None, typer.Option(help="Test path to run instead of the tier's own suite.")
]
Timeout = Annotated[
    int | None, typer.Option(min=1, help="Seconds for the tests (default: the tier's).")
]
Shards = Annotated[
    int | None,
    typer.Option(min=1, max=64, help="Pods to split the suite across.", rich_help_panel=CLUSTER),
]
Namespace = Annotated[
    str | None,
    typer.Option(help="Existing namespace (default: a fresh one).", rich_help_panel=CLUSTER),
]
Image = Annotated[
    str | None, typer.Option(help="Test-runner image reference.", rich_help_panel=CLUSTER)
]
PlatformImage = Annotated[
    str | None,
    typer.Option(
        help="Dagster platform image REPOSITORY:TAG the chart installs "
        "(default: $FLOE_TEST_PLATFORM_IMAGE, else the chart's).",
        rich_help_panel=CLUSTER,
    ),
]
ChartValues = Annotated[
    list[Path] | None,
    typer.Option(
        "--values",
        help="Extra chart values file, layered over the tier's (repeatable; a bare name is "
        "looked up in charts/floe-platform, e.g. values-k8s-local.yaml).",
        rich_help_panel=CLUSTER,
    ),
]
