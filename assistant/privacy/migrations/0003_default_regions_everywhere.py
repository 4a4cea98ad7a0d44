"""Inboxes still on the former default (eight regions and countries) move to the new default.

The former default was stored in each row when the row was created. A row that still holds it
exactly was almost surely never chosen by hand, and keeping it would leave those inboxes
without the countries the product now covers (the rest of the EU/EEA, Switzerland, Canada,
Australia, Italy, the Netherlands, Brazil). Rows with any other list were chosen on purpose
and stay as they are. Reversing restores the former default for the rows that hold the new one.
"""

from django.db import migrations

FORMER = ["US", "GB", "DE", "CN", "FR", "ES", "JP", "IN"]


def _new_defaults():
    from assistant.privacy.detectors import (
        DEFAULT_NATIONAL_ID_COUNTRIES,
        DEFAULT_PHONE_REGIONS,
    )

    return list(DEFAULT_PHONE_REGIONS), list(DEFAULT_NATIONAL_ID_COUNTRIES)


def forwards(apps, schema_editor):
    InboxPrivacy = apps.get_model("privacy", "InboxPrivacy")
    regions, countries = _new_defaults()
    for row in InboxPrivacy.objects.all().only("id", "phone_regions", "national_id_countries"):
        changed = []
        if row.phone_regions == FORMER:
            row.phone_regions = regions
            changed.append("phone_regions")
        if row.national_id_countries == FORMER:
            row.national_id_countries = countries
            changed.append("national_id_countries")
        if changed:
            row.save(update_fields=changed)


def backwards(apps, schema_editor):
    InboxPrivacy = apps.get_model("privacy", "InboxPrivacy")
    regions, countries = _new_defaults()
    for row in InboxPrivacy.objects.all().only("id", "phone_regions", "national_id_countries"):
        changed = []
        if row.phone_regions == regions:
            row.phone_regions = FORMER
            changed.append("phone_regions")
        if row.national_id_countries == countries:
            row.national_id_countries = FORMER
            changed.append("national_id_countries")
        if changed:
            row.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0002_retention_and_rights")]

    operations = [migrations.RunPython(forwards, backwards)]
