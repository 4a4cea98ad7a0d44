import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from assistant.chat.models import Inbox
from assistant.demo import DEMO_INBOX_KEY, DEMO_PASSWORD, DEMO_USERS

pytestmark = pytest.mark.django_db


def test_demo_data_loads_twice_without_duplicates_or_reset_passwords() -> None:
    call_command("seed_demo", "--no-history", verbosity=0)
    agent = get_user_model().objects.get(username="agent")
    agent.set_password("changed-by-the-developer")
    agent.save()

    call_command("seed_demo", "--no-history", verbosity=0)

    assert Inbox.objects.filter(public_key=DEMO_INBOX_KEY).count() == 1
    assert get_user_model().objects.count() == len(DEMO_USERS)
    agent.refresh_from_db()
    assert agent.check_password("changed-by-the-developer")
    assert get_user_model().objects.get(username="manager").check_password(DEMO_PASSWORD)


def test_the_demo_page_embeds_the_widget_with_one_tag(client: Client) -> None:
    call_command("seed_demo", "--no-history", verbosity=0)
    html = client.get("/demo/").content.decode()
    assert '<script src="/static/widget/loader.js"' in html
    assert f'data-inbox="{DEMO_INBOX_KEY}"' in html


def test_the_demo_team_works_the_hours_and_holidays_its_articles_state() -> None:
    from datetime import date

    from assistant.demo import dutch_public_holidays
    from tickets.models import BusinessCalendar

    call_command("seed_demo", "--no-history", verbosity=0)
    call_command("seed_demo", "--no-history", verbosity=0)
    calendar = BusinessCalendar.objects.get(team__name="Northwind support")
    assert calendar.time_zone == "Europe/Amsterdam"
    assert calendar.weekly_hours["mon"] == [["09:00", "17:30"]]
    assert (
        calendar.weekly_hours["sat"] == [["10:00", "16:00"]] and "sun" not in calendar.weekly_hours
    )
    # This year's and next year's seven holidays, once each although loaded twice.
    this_year = date.today().year
    assert calendar.holidays.filter(date__year=this_year).count() == 7
    assert calendar.holidays.filter(date__year=this_year + 1).count() == 7
    # Easter 2027 is on 28 March; King's Day 2027 on Tuesday 27 April.
    holidays_2027 = dutch_public_holidays(2027)
    assert holidays_2027[date(2027, 3, 29)] == "Easter Monday"
    assert holidays_2027[date(2027, 4, 27)] == "King's Day"
    assert holidays_2027[date(2027, 5, 6)] == "Ascension Day"
    assert holidays_2027[date(2027, 5, 17)] == "Whit Monday"
    # King's Day 2031 falls on a Sunday and moves to Saturday the 26th.
    assert date(2031, 4, 26) in dutch_public_holidays(2031)
