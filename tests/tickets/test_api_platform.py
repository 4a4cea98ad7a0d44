"""Around the endpoints: rate limits, the published schema and its pages, token creation."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from tests import factories
from tests.tickets.conftest import World
from tickets.apitokens.models import ApiToken

pytestmark = pytest.mark.django_db


def test_each_token_has_its_own_request_budget(world: World, settings) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_token": "3/minute", "api_session": "100/minute"},
    }
    alice, maria = world.client("agent_a"), world.client("manager")
    assert [alice.get("/api/v1/tickets").status_code for _ in range(3)] == [200, 200, 200]
    limited = alice.get("/api/v1/tickets")
    assert limited.status_code == 429
    assert limited.json()["error"] == "throttled"
    assert int(limited["Retry-After"]) > 0
    assert maria.get("/api/v1/tickets").status_code == 200
    # The desk's session has a budget of its own.
    session = APIClient()
    session.force_login(world.agent_a)
    assert session.get("/api/v1/tickets").status_code == 200


def test_the_schema_is_published_to_anyone(world: World) -> None:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["components"]["securitySchemes"]) == {"tokenAuth", "cookieAuth"}
    assert all(path.startswith("/api/v1/") for path in schema["paths"])
    yaml = APIClient().get("/api/schema/")
    assert yaml.status_code == 200 and b"openapi:" in yaml.content


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_schema_pages_load_nothing_from_a_cdn(path: str) -> None:
    response = APIClient().get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in page
    assert "cdn." not in page and "unpkg" not in page and "jsdelivr" not in page


def test_the_sidecar_assets_are_served(client) -> None:
    from django.contrib.staticfiles import finders

    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert finders.find("drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js")


def test_create_api_token_prints_a_working_token(world: World) -> None:
    out = io.StringIO()
    call_command("create_api_token", "alice", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    stored = ApiToken.objects.get(user=world.agent_a)
    # Only a digest is kept: the key itself is nowhere in the row.
    assert key not in {stored.prefix, stored.digest} and stored.prefix == key[:12]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/tickets").status_code == 200


def test_create_api_token_refuses_to_replace_a_token_unless_asked(world: World) -> None:
    first = io.StringIO()
    call_command("create_api_token", "alice", stdout=first)
    old = first.getvalue().strip().splitlines()[-1]
    with pytest.raises(CommandError, match="--rotate"):
        call_command("create_api_token", "alice", stdout=io.StringIO())
    out = io.StringIO()
    call_command("create_api_token", "alice", "--rotate", stdout=out)
    new = out.getvalue().strip().splitlines()[-1]
    assert new != old
    assert ApiToken.objects.filter(user=world.agent_a, revoked_at__isnull=True).count() == 1
    for key, status in [(old, 401), (new, 200)]:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert client.get("/api/v1/tickets").status_code == status


def test_create_api_token_names_unknown_users_and_warns_about_roleless_ones(db) -> None:
    with pytest.raises(CommandError, match="nobody"):
        call_command("create_api_token", "nobody", stdout=io.StringIO())
    factories.make_user("plain")
    err = io.StringIO()
    call_command("create_api_token", "plain", stdout=io.StringIO(), stderr=err)
    assert "no role on the desk" in err.getvalue()
