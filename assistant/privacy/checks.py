"""A system check that refuses an inbox whose model routes would send its data to a jurisdiction
the inbox does not allow.

It reads InboxPrivacy rows, so it is a database check: Django runs it on `migrate` and on
`manage.py check --database default` (the serve command and CI should run the latter), and the
admin runs the same test when the settings are saved. The reply turn checks again before every
call (policy.check_chain_residency), so a model configuration changed after start-up cannot
slip through either.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core import checks
from django.db import DatabaseError


def check_inbox_residency(
    app_configs: Any = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    if not databases:
        return []
    from .models import InboxPrivacy, inbox_residency_problems

    errors: list[checks.CheckMessage] = []
    for alias in databases:
        try:
            rows = list(
                InboxPrivacy.objects.using(alias)
                .exclude(allowed_jurisdictions=[])
                .select_related("inbox")
            )
        except DatabaseError:
            # `migrate` runs checks before it creates the table; there is nothing to check yet.
            continue
        for row in rows:
            for problem in inbox_residency_problems(
                row.inbox.model_route, row.allowed_jurisdictions
            ):
                errors.append(
                    checks.Error(
                        f"Inbox {row.inbox.name!r} (id {row.inbox_id}): {problem}",
                        hint=(
                            "Change the model routes (LLM_ROUTE_*, QWEN_REGION) or the inbox's "
                            "allowed jurisdictions in the admin."
                        ),
                        obj=row,
                        id="privacy.E001",
                    )
                )
    return errors
