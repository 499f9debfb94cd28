"""Fixtures of the chart tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from floe_testing.config.models import FloeTestConfig

from .renders import project_config

TESTS = Path(__file__).resolve().parents[3]
if str(TESTS) not in sys.path:  # the NetworkPolicy evaluator lives in tests/harness
    sys.path.insert(0, str(TESTS))


@pytest.fixture(scope="session")
def config() -> FloeTestConfig:
    return project_config()
