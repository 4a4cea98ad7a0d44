"""Sign-ins, failed sign-ins and sign-outs land in the staff event log, read-only for admins."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories
from tickets.accounts.models import StaffEvent

pytestmark = pytest.mark.django_db


def test_signing_in_failing_and_signing_out_are_logged_with_the_client() -> None:
    agent = factories.make_agent("logged")
    client = Client(REMOTE_ADDR="192.0.2.44", HTTP_USER_AGENT="Firefox/140")
    client.post("/accounts/login/", {"username": "logged", "password": "wrong"})
    client.post("/accounts/login/", {"username": "nosuchperson", "password": "wrong"})
    client.post("/accounts/login/", {"username": "logged", "password": "pw-logged"})
    client.post("/accounts/logout/")

    events = list(StaffEvent.objects.order_by("pk").values_list("kind", "username", "user"))
    assert events == [
        (StaffEvent.Kind.SIGN_IN_FAILED, "logged", None),
        (StaffEvent.Kind.SIGN_IN_FAILED, "nosuchperson", None),
        (StaffEvent.Kind.SIGNED_IN, "logged", agent.pk),
        (StaffEvent.Kind.SIGNED_OUT, "logged", agent.pk),
    ]
    assert set(StaffEvent.objects.values_list("ip_address", flat=True)) == {"192.0.2.44"}
    assert set(StaffEvent.objects.values_list("user_agent", flat=True)) == {"Firefox/140"}


def test_admins_read_the_log_and_nobody_edits_it() -> None:
    admin = factories.make_agent("auditor", role="admin")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = Client()
    client.post("/accounts/login/", {"username": "auditor", "password": "pw-auditor"})
    event = StaffEvent.objects.get()
    listing = client.get("/admin/accounts/staffevent/")
    assert listing.status_code == 200 and b"auditor" in listing.content
    assert client.get("/admin/accounts/staffevent/add/").status_code == 403
    assert client.post(f"/admin/accounts/staffevent/{event.pk}/delete/").status_code == 403
