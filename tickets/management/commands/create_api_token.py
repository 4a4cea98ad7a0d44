"""``manage.py create_api_token USERNAME [--name NAME] [--rotate]``: an API token from the shell
(docs/api.md); the desk's settings (API tokens) do the same for admins."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from tickets import access
from tickets.apitokens import tokens
from tickets.apitokens.models import ApiToken
from tickets.workspace.audit import record_change


class Command(BaseCommand):
    help = "Create an API token for a desk user and print it (once: only a digest is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="Command line", help="What the token is for.")
        parser.add_argument(
            "--rotate",
            action="store_true",
            help="Revoke the user's existing tokens (they stop working at once).",
        )

    @transaction.atomic
    def handle(self, *args: Any, username: str, name: str, rotate: bool, **options: Any) -> None:
        user_model = get_user_model()
        try:
            user = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist as error:
            raise CommandError(f"No user is called {username!r}.") from error
        existing = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
        if existing.exists():
            if not rotate:
                raise CommandError(
                    f"{username} already has a token. Use --rotate to revoke it and make a new "
                    "one, or create more in the desk's settings (API tokens)."
                )
            for token in existing:
                tokens.revoke(token)
                record_change(actor=None, subject=token, action="api_token_revoked")
        if not access.is_desk_user(user):
            self.stderr.write(
                f"Warning: {username} has no role on the desk, so every API call with this "
                "token will be refused (403). Give them an agent profile first."
            )
        token, key = tokens.issue(name=name, user=user)
        record_change(
            actor=None, subject=token, action="api_token_created",
            after={"name": name, "owner": username, "scope": token.scope},
        )  # fmt: skip
        self.stdout.write(f"API token for {username} (send it as 'Authorization: Token <key>'):")
        self.stdout.write(key)
