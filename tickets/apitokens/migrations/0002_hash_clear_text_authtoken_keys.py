"""Move the REST framework's clear-text tokens to hashed ones: each existing key keeps working
(its prefix and digest are stored, its owner and date kept), and the clear-text rows are deleted
so that no key remains readable in the database."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import migrations

# Inlined rather than imported: a migration must keep doing what it did when it was written.
PREFIX_LENGTH = 12


def hash_clear_text_keys(apps: Any, schema_editor: Any) -> None:
    Token = apps.get_model("authtoken", "Token")
    ApiToken = apps.get_model("apitokens", "ApiToken")
    for token in Token.objects.all().iterator():
        ApiToken.objects.create(
            name="API token",
            user_id=token.user_id,
            prefix=token.key[:PREFIX_LENGTH],
            digest=hashlib.sha256(token.key.encode("ascii")).hexdigest(),
            created_at=token.created,
        )
    Token.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("apitokens", "0001_api_tokens"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    # Not reversible: the clear-text keys are gone, which is the point.
    operations = [migrations.RunPython(hash_clear_text_keys, migrations.RunPython.noop)]
