"""Configuration: tiers, profiles and the service contract, validated once."""

from floe_testing.config.load import Project, load_project
from floe_testing.config.models import (
    BACKEND_NAMES,
    SCHEDULED_BACKEND,
    SINGLE_PROCESS_BACKENDS,
    FloeTestConfig,
    LocalMode,
    Port,
    Profile,
    Service,
    Tier,
)

__all__ = [
    "BACKEND_NAMES",
    "SCHEDULED_BACKEND",
    "SINGLE_PROCESS_BACKENDS",
    "FloeTestConfig",
    "LocalMode",
    "Port",
    "Profile",
    "Project",
    "Service",
    "Tier",
    "load_project",
]
