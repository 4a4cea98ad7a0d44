"""``manage.py create_api_token USERNAME [--rotate]``: the way to an API token (docs/api.md)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rest_framework.authtoken.models import Token

from tickets import access


class Command(BaseCommand):
    help = "Create an API token for a desk user and print it (once: only its owner keeps it)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="Replace the user's existing token (the old one stops working at once).",
        )

    @transaction.atomic
    def handle(self, *args: Any, username: str, rotate: bool, **options: Any) -> None:
        user_model = get_user_model()
        try:
            user = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist as error:
            raise CommandError(f"No user is called {username!r}.") from error
        existing = Token.objects.filter(user=user)
        if existing.exists():
            if not rotate:
                raise CommandError(
                    f"{username} already has a token. Use --rotate to replace it; the old "
                    "token is not shown again."
                )
            existing.delete()
        if not access.is_desk_user(user):
            self.stderr.write(
                f"Warning: {username} has no role on the desk, so every API call with this "
                "token will be refused (403). Give them an agent profile first."
            )
        token = Token.objects.create(user=user)
        self.stdout.write(f"API token for {username} (send it as 'Authorization: Token <key>'):")
        self.stdout.write(token.key)
