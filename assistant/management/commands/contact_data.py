"""A contact's rights from the command line, for a data-protection officer without a desk role:

    python manage.py contact_data export <contact id> [--output file.json] [--by username]
    python manage.py contact_data erase <contact id> --reason "Request 2026-117" [--by username]

Both are recorded like the desk's and the API's (channel "command"). See docs/privacy.md.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from assistant.chat.models import Contact
from assistant.compliance import rights
from assistant.privacy.models import RightsRecord


class Command(BaseCommand):
    help = "Export or erase one contact's data (recorded in the contact data request log)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export", help="Write the contact's data as JSON.")
        export.add_argument("contact_id")
        export.add_argument("--output", help="File to write (default: standard output).")
        export.add_argument("--by", help="User name to record as the one who asked.")
        erase = actions.add_parser("erase", help="Erase the contact and everything about them.")
        erase.add_argument("contact_id")
        erase.add_argument("--reason", required=True, help="For the record; no personal data.")
        erase.add_argument("--by", help="User name to record as the one who asked.")

    def handle(self, *args: Any, **options: Any) -> None:
        contact = self._contact(options["contact_id"])
        by = self._user(options.get("by"))
        if options["action"] == "export":
            data = rights.export_contact(
                contact=contact, by=by, channel=RightsRecord.Channel.COMMAND
            )
            text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
            if options.get("output"):
                with open(options["output"], "w", encoding="utf-8") as handle:
                    handle.write(text + "\n")
            else:
                self.stdout.write(text)
            return
        if not options["reason"].strip():
            raise CommandError("--reason must not be empty.")
        record = rights.erase_contact(
            contact=contact, by=by, channel=RightsRecord.Channel.COMMAND, reason=options["reason"]
        )
        counts = ", ".join(f"{key} {value}" for key, value in sorted(record.counts.items()))
        self.stdout.write(f"Erased. Reference {record.contact_reference}: {counts}")

    def _contact(self, value: str) -> Contact:
        try:
            return Contact.objects.select_related("inbox").get(pk=uuid.UUID(value))
        except (ValueError, Contact.DoesNotExist) as error:
            raise CommandError(f"No contact has the id {value!r}.") from error

    def _user(self, username: str | None) -> Any:
        if not username:
            return None
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is called {username!r}.")
        return user
