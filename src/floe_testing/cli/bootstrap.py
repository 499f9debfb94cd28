"""``floe-test bootstrap catalog``: the idempotent catalog bootstrap (chart hook and local)."""

from __future__ import annotations

from typing import Annotated

import typer

bootstrap_app = typer.Typer(
    help=(
        "Idempotent platform bootstrap, run by the chart's hook Job and by the local backend.\n\n"
        "Example: floe-test bootstrap catalog"
    ),
    no_args_is_help=True,
)


@bootstrap_app.command("catalog")
def catalog(
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for S3 and the catalog to answer.", min=1)
    ] = 180.0,
) -> None:
    """Ensure the warehouse bucket, the demo namespaces and, against Polaris, the realm.

    Everything comes from the environment (secrets never from the command line):

    \b
      FLOE_CATALOG_URI          Iceberg REST base URL (Polaris: http://polaris:8181/api/catalog)
      FLOE_S3_ENDPOINT          S3 endpoint, path-style (http://seaweedfs:8333)
      FLOE_S3_BUCKET            warehouse bucket; FLOE_S3_PREFIX (default warehouse)
      AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION (default us-east-1)
      FLOE_CATALOG_NAMESPACES   comma-separated (default floe_demo)

    Polaris mode, when POLARIS_MANAGEMENT_URI is set (http://polaris:8181/api/management/v1):

    \b
      POLARIS_CATALOG           catalog name (default floe); POLARIS_REALM (optional)
      POLARIS_CLIENT_ID/SECRET  the root principal
      POLARIS_PIPELINE_CLIENT_ID/SECRET  the pipeline's principal (gets its grants)
      POLARIS_NO_GRANTS_CLIENT_ID/SECRET    a principal without grants (optional)

    Rerunning changes nothing. Exit codes: 0 done, 2 a variable is missing, 3 a service failed.

    Example:

    \b
      FLOE_CATALOG_URI=http://127.0.0.1:8181 FLOE_S3_ENDPOINT=http://127.0.0.1:8333 \\
      FLOE_S3_BUCKET=floe AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \\
      floe-test bootstrap catalog
    """
    from floe_testing.bootstrap.catalog import bootstrap_catalog
    from floe_testing.bootstrap.settings import settings_from_env
    from floe_testing.core.ui import Ui

    settings = settings_from_env()
    ui = Ui()
    mode = "Polaris" if settings.polaris else "Iceberg REST"
    ui.step(f"bootstrapping the {mode} catalog at {settings.catalog_uri}")
    steps = bootstrap_catalog(settings, timeout=timeout, report=lambda step: ui.info(str(step)))
    changed = sum(step.outcome != "exists" for step in steps)
    ui.step(f"catalog ready: {len(steps)} checked, {changed} changed")


def register(app: typer.Typer) -> None:
    """Add ``floe-test bootstrap`` to ``app``."""
    app.add_typer(
        bootstrap_app,
        name="bootstrap",
        short_help="Bootstrap the platform (the chart's hook runs it).",
    )
