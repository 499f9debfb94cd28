"""The fake Polaris on pytest-httpserver's local server; a test fails on any violation of the
client's models (fake_polaris.py) unless it takes them itself."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from .fake_polaris import FakePolaris

ROOT = ("root-id", "root-secret-do-not-log")


@pytest.fixture
def polaris(httpserver: HTTPServer) -> Iterator[FakePolaris]:
    fake = FakePolaris(root=ROOT)
    httpserver.expect_request(re.compile(".*")).respond_with_handler(fake.handle)
    yield fake
    httpserver.check_handler_errors()
    assert fake.violations == [], "requests or answers that Polaris's client models reject"


@pytest.fixture
def base_url(httpserver: HTTPServer, polaris: FakePolaris) -> str:
    """Where the fake Polaris answers (its management API and catalog API live under it)."""
    return httpserver.url_for("/").rstrip("/")
