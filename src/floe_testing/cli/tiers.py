"""``floe-test tiers``: tiers, profiles, backends and which backends are usable here."""

from __future__ import annotations

import typer


def tiers() -> None:
    """Show tiers, profiles, the service contract and backend availability.

    Example: floe-test tiers
    """
    from rich.table import Table

    from floe_testing.backends import availability
    from floe_testing.config import BACKEND_NAMES, load_project
    from floe_testing.core.ui import make_console, print_table

    project = load_project()
    config = project.config
    console = make_console()

    table = Table(title=f"tiers ({project.config_file})")
    for column in ("tier", "suite", "profile", "backends", "timeout", "shards", "CI budget"):
        table.add_column(column)
    for tier in config.tiers.values():
        budget = f"{tier.ci.runner}, {tier.ci.memory}, ~{tier.ci.minutes} min" if tier.ci else ""
        table.add_row(
            tier.name,
            tier.path,
            tier.profile or "none",
            " > ".join(tier.backends),
            f"{tier.timeout}s",
            str(tier.shards),
            budget,
        )
    print_table(console, table)

    table = Table(title="profiles and the service contract")
    for column in ("profile", "service", "ports", "env tests read", "local backend"):
        table.add_column(column)
    for profile in config.profiles.values():
        for index, service in enumerate(config.profile_services(profile.name)):
            ports = "\n".join(f"{p.name}:{p.port}" for p in service.ports)
            env = "\n".join(  # one name a line: the table stays narrow enough for a CI log
                [e for e in (service.host_env, *(p.env for p in service.ports)) if e]
                + [s.env + " (secret)" for s in service.secrets]
                + [s.env + " (setting)" for s in service.settings]
            )
            table.add_row(
                profile.name if index == 0 else "", service.name, ports, env, service.local.value
            )
    print_table(console, table)

    table = Table(title="backends on this machine")
    table.add_column("backend")
    table.add_column("usable")
    table.add_column("why")
    for name in BACKEND_NAMES:
        state = availability(name)
        table.add_row(name, "[green]yes[/]" if state.usable else "[red]no[/]", state.reason)
    print_table(console, table)


def register(app: typer.Typer) -> None:
    app.command("tiers", short_help="Show tiers, profiles, the contract and usable backends.")(
        tiers
    )
