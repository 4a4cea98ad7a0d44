import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from assistant.chat.models import Inbox
from assistant.demo import DEMO_INBOX_KEY, DEMO_PASSWORD, DEMO_USERS

pytestmark = pytest.mark.django_db


def test_demo_data_loads_twice_without_duplicates_or_reset_passwords() -> None:
    call_command("seed_demo", verbosity=0)
    agent = get_user_model().objects.get(username="agent")
    agent.set_password("changed-by-the-developer")
    agent.save()

    call_command("seed_demo", verbosity=0)

    assert Inbox.objects.filter(public_key=DEMO_INBOX_KEY).count() == 1
    assert get_user_model().objects.count() == len(DEMO_USERS)
    agent.refresh_from_db()
    assert agent.check_password("changed-by-the-developer")
    assert get_user_model().objects.get(username="manager").check_password(DEMO_PASSWORD)


def test_the_demo_page_embeds_the_widget_with_one_tag(client: Client) -> None:
    call_command("seed_demo", verbosity=0)
    html = client.get("/demo/").content.decode()
    assert '<script src="/static/widget/loader.js"' in html
    assert f'data-inbox="{DEMO_INBOX_KEY}"' in html
