"""The Cube client signs its token with the secret and polls through "Continue wait"."""

from __future__ import annotations

import jwt
import pytest

from floe_testing.pytest_plugin.cube import CubeClient, CubeError, sign_token

from .fakes import FakeCube

SECRET = "a-test-secret-of-at-least-32-bytes"


def test_token_is_an_hs256_jwt_with_claims_and_expiry() -> None:
    token = sign_token(SECRET, {"tenant": "floe"}, ttl=60)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["tenant"] == "floe"
    assert claims["exp"] - claims["iat"] == 60
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, SECRET.upper(), algorithms=["HS256"])


def test_load_polls_until_cube_stops_answering_continue_wait(cube: FakeCube) -> None:
    with CubeClient(cube.url, cube.secret, claims={"tenant": "floe"}) as client:
        rows = client.load({"measures": ["daily_revenue.count"]})
    assert rows == [{"daily_revenue.count": "270"}]
    loads = [r for r in cube.requests if r == ("POST", "/cubejs-api/v1/load")]
    assert len(loads) == 2  # one "Continue wait", then the data
    assert cube.claims[-1]["tenant"] == "floe"


def test_token_signed_with_another_secret_is_refused(cube: FakeCube) -> None:
    with CubeClient(cube.url, SECRET) as client, pytest.raises(CubeError) as refused:
        client.meta()
    assert refused.value.status == 403
    assert "Invalid token" in str(refused.value)


def test_ready_reads_readyz(cube: FakeCube) -> None:
    with CubeClient(cube.url, cube.secret) as client:
        assert client.ready()
