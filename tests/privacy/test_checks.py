"""Residency as configuration: the system check and the admin refuse a forbidden route."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from assistant.chat.models import Inbox
from assistant.llm.config import build_llm_config
from assistant.privacy.checks import check_inbox_residency
from assistant.privacy.models import InboxPrivacy

pytestmark = pytest.mark.django_db


@pytest.fixture
def qwen_in_beijing(settings: Any) -> None:
    settings.LLM = build_llm_config(dashscope_api_key="sk-test", qwen_region="cn")


def test_the_check_refuses_an_inbox_whose_route_leaves_its_jurisdictions(
    inbox: Inbox, qwen_in_beijing: None
) -> None:
    InboxPrivacy.objects.create(inbox=inbox, allowed_jurisdictions=["Singapore"])
    errors = check_inbox_residency(databases=["default"])
    assert errors and {e.id for e in errors} == {"privacy.E001"}
    assert "China (Beijing)" in errors[0].msg and inbox.name in errors[0].msg
    with pytest.raises(SystemCheckError, match=r"privacy\.E001"):
        call_command("check", databases=["default"])


def test_the_check_passes_when_the_jurisdiction_is_allowed(
    inbox: Inbox, qwen_in_beijing: None
) -> None:
    InboxPrivacy.objects.create(inbox=inbox, allowed_jurisdictions=["China"])
    assert check_inbox_residency(databases=["default"]) == []


def test_without_a_database_the_check_does_nothing(inbox: Inbox, qwen_in_beijing: None) -> None:
    InboxPrivacy.objects.create(inbox=inbox, allowed_jurisdictions=["Singapore"])
    assert check_inbox_residency(databases=None) == []


def test_the_offline_responder_alone_satisfies_any_restriction(inbox: Inbox, settings: Any) -> None:
    settings.LLM = build_llm_config(dashscope_api_key=None)
    InboxPrivacy.objects.create(inbox=inbox, allowed_jurisdictions=["Singapore"])
    assert check_inbox_residency(databases=["default"]) == []


def test_the_admin_form_refuses_a_forbidden_jurisdiction_list(
    inbox: Inbox, qwen_in_beijing: None
) -> None:
    row = InboxPrivacy(inbox=inbox, allowed_jurisdictions=["Singapore"])
    with pytest.raises(ValidationError) as caught:
        row.full_clean()
    assert "allowed_jurisdictions" in caught.value.message_dict
