"""Fixtures of the chart tests."""

from __future__ import annotations

import pytest

from floe_testing.config.models import FloeTestConfig

from .renders import project_config


@pytest.fixture(scope="session")
def config() -> FloeTestConfig:
    return project_config()
