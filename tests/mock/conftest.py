"""Fixtures for the mock gateway's tests: the app in-process, a real server, the spec."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from mock_server import create_app
from tests.mock.support import AUTH, SPEC, TOKEN, LiveServer


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    """openapi.yaml as generator.spec parsed it (YAML aliases resolved; never mutated)."""
    return SPEC.raw


@pytest.fixture(scope="session")
def client() -> Iterator[TestClient]:
    """The app in-process, authenticated with the test key."""
    with TestClient(create_app([TOKEN]), headers=AUTH) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def anonymous() -> Iterator[TestClient]:
    """The app in-process, without credentials."""
    with TestClient(create_app([TOKEN])) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def live() -> Iterator[LiveServer]:
    """A real server on a socket (for SSE over TCP, dropped connections, the openai SDK)."""
    with LiveServer() as server:
        yield server


@pytest.fixture
def http(live: LiveServer) -> Iterator[httpx.Client]:
    """An httpx client for the live server, authenticated with the test key."""
    with httpx.Client(base_url=live.url, headers=AUTH, timeout=30) as http_client:
        yield http_client
