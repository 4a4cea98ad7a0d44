"""Staff pages carry a strict Content-Security-Policy: no inline script, no inline style."""

import pytest
from django.test import Client

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/desk/q/waiting/", "/accounts/login/", "/analytics/"])
def test_staff_pages_forbid_inline_script_and_framing(path: str) -> None:
    client = Client()
    client.force_login(factories.make_agent("csp-admin", role="admin"))
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert "<script>" not in response.content.decode()


def test_the_demo_site_is_left_to_the_company() -> None:
    assert "Content-Security-Policy" not in Client().get("/demo/")
