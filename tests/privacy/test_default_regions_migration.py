"""Inboxes on the former eight-country default get the new default; chosen lists stay."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from assistant.privacy.detectors import DEFAULT_NATIONAL_ID_COUNTRIES, DEFAULT_PHONE_REGIONS
from assistant.privacy.models import InboxPrivacy
from tests import factories

pytestmark = pytest.mark.django_db

migration = importlib.import_module("assistant.privacy.migrations.0003_default_regions_everywhere")


def test_the_former_default_moves_to_the_new_one_and_chosen_lists_stay() -> None:
    former = InboxPrivacy.objects.create(
        inbox=factories.make_inbox(),
        phone_regions=migration.FORMER,
        national_id_countries=migration.FORMER,
    )
    chosen = InboxPrivacy.objects.create(
        inbox=factories.make_inbox(), phone_regions=["DE", "AT"], national_id_countries=["DE"]
    )
    migration.forwards(apps, None)
    former.refresh_from_db()
    chosen.refresh_from_db()
    assert former.phone_regions == list(DEFAULT_PHONE_REGIONS)
    assert former.national_id_countries == list(DEFAULT_NATIONAL_ID_COUNTRIES)
    assert (chosen.phone_regions, chosen.national_id_countries) == (["DE", "AT"], ["DE"])
    migration.backwards(apps, None)
    former.refresh_from_db()
    assert former.phone_regions == former.national_id_countries == migration.FORMER
