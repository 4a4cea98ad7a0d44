"""The contact's rights: export gives everything about them and nothing about anyone else;
erasure leaves no trace in any table, is recorded without personal data, and ends their widget."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.contrib.postgres.search import SearchVector
from django.core.serializers.json import DjangoJSONEncoder

from analytics import rollups
from analytics.models import ConversationFact
from assistant.chat import consumers
from assistant.chat.models import Contact, Message
from assistant.compliance import rights
from assistant.db_async import db_async
from assistant.privacy.models import OutboundCallAudit, RightsRecord
from tests import factories
from tests.chat.conftest import Widget
from tests.privacy.customers import Customer, make_customer, subscribe_webhook, traces


@pytest.fixture
def agent(inbox: Any) -> Any:
    team = factories.make_team(inboxes=(inbox,))
    return factories.make_agent("rights-agent", teams=(team,))


@pytest.fixture
def anna(inbox: Any, agent: Any) -> Customer:
    subscribe_webhook()
    return make_customer(inbox, marker="annaschmidt", agent=agent)


@pytest.fixture
def bruno(inbox: Any, agent: Any) -> Customer:
    return make_customer(inbox, marker="brunorossi", agent=agent)


def exported(customer: Customer, by: Any) -> str:
    data = rights.export_contact(contact=customer.contact, by=by, channel="desk")
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_export_holds_everything_about_the_contact(anna: Customer, agent: Any) -> None:
    data = json.loads(exported(anna, agent))

    assert (data["format"], data["version"]) == ("assistant.contact-export", 1)
    assert data["contact"]["email"] == anna.email
    assert data["contact"]["external_id"] == "ext-annaschmidt"
    [conversation] = data["conversations"]
    assert conversation["summary"] == "Summary of annaschmidt"
    assert conversation["rating"] == {"score": 4, "comment": "Thanks annaschmidt"}
    texts = [m["text"] for m in conversation["messages"]]
    assert any("I am annaschmidt" in t for t in texts)
    assert any("Hello annaschmidt" in t for t in texts)
    [ticket] = data["tickets"]
    assert ticket["subject"] == "Broken bike of annaschmidt"
    assert [n["text"] for n in ticket["notes"]] == ["Note about annaschmidt"]
    assert {e["kind"] for e in ticket["events"]} >= {"created", "subject", "note", "status"}
    [audit] = data["outbound_model_calls"]
    assert audit["redacted_payload"] == "[PHONE_1] annaschmidt"


@pytest.mark.django_db
def test_the_export_holds_nothing_about_another_contact(
    anna: Customer, bruno: Customer, agent: Any
) -> None:
    text = exported(anna, agent)

    assert "brunorossi" not in text
    assert str(bruno.contact.pk) not in text and str(bruno.conversation.pk) not in text


@pytest.mark.django_db
def test_an_export_is_recorded_without_personal_data(anna: Customer, agent: Any) -> None:
    exported(anna, agent)

    record = RightsRecord.objects.get()
    assert record.kind == RightsRecord.Kind.EXPORT and record.actor == agent
    assert record.contact_reference == rights.contact_reference(anna.contact.pk)
    assert record.counts["messages"] >= 2 and record.counts["tickets"] == 1
    assert "annaschmidt" not in json.dumps([record.reason, record.counts, record.actor_name])


# ---------------------------------------------------------------------------------------------
# Erasure
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_erasure_leaves_no_trace_in_any_table(anna: Customer, bruno: Customer, agent: Any) -> None:
    assert traces("annaschmidt")

    rights.erase_contact(contact=anna.contact, by=agent, channel="desk", reason="Art. 17 request")

    assert traces("annaschmidt") == {}
    assert traces(str(anna.contact.pk)) == {}
    # Only the analytics fact keeps the conversation's id, with no link to anyone.
    assert set(traces(str(anna.conversation.pk))) <= {"analytics_conversationfact"}
    searched = Message.objects.annotate(words=SearchVector("text", config="simple")).filter(
        words="annaschmidt"
    )
    assert not searched.exists()
    # The other customer is untouched.
    assert traces("brunorossi")
    assert Contact.objects.filter(pk=bruno.contact.pk, email=bruno.email).exists()


@pytest.mark.django_db
def test_erasure_keeps_the_facts_and_the_hash_of_what_left(anna: Customer, agent: Any) -> None:
    rollups.refresh_facts_for([str(anna.conversation.pk)])

    rights.erase_contact(contact=anna.contact, by=agent, channel="api", reason="asked")

    fact = ConversationFact.objects.get(conversation_id=anna.conversation.pk)
    assert fact.csat == 4 and fact.resolved
    audit = OutboundCallAudit.objects.get(payload_sha256="a" * 64)
    assert audit.conversation_id is None and audit.redacted_payload == ""


@pytest.mark.django_db
def test_erasure_is_recorded_with_counts_and_without_personal_data(
    anna: Customer, agent: Any
) -> None:
    record = rights.erase_contact(
        contact=anna.contact,
        by=agent,
        channel="desk",
        reason="Asked by annaschmidt@example.org, phone +44 20 7946 0958",
    )

    record.refresh_from_db()
    assert record.kind == RightsRecord.Kind.ERASURE and record.actor_name == "rights-agent"
    assert record.contact_reference == rights.contact_reference(anna.contact.pk)
    assert record.counts["conversations_deleted"] == 1
    assert record.counts["messages_deleted"] >= 2
    assert record.counts["tickets_deleted"] == 1 and record.counts["notes_deleted"] == 1
    assert record.counts["contacts_deleted"] == 1
    assert record.counts["webhook_payloads"] >= 1
    assert "annaschmidt" not in record.reason and "7946" not in record.reason
    assert record.reason.startswith("Asked by [EMAIL_1]")


@pytest.mark.django_db
def test_after_erasure_the_browser_cannot_resume_the_contact(
    anna: Customer, inbox: Any, agent: Any
) -> None:
    rights.erase_contact(contact=anna.contact, by=agent, channel="desk", reason="asked")

    session = factories.make_session(inbox, visitor=anna.visitor_secret)

    assert session.contact.pk != anna.contact.pk
    assert not session.contact.conversations.exists() and session.contact.name == ""


@pytest.mark.django_db(transaction=True)
async def test_erasure_closes_the_contacts_open_widget_and_refuses_its_token(inbox: Any) -> None:
    session = await db_async(factories.make_session)(inbox)
    tab, bystander = Widget(), Widget()
    await tab.hello(session.token)
    other = await db_async(factories.make_session)(inbox)
    await bystander.hello(other.token)
    await tab.say("Please forget me, I am zoeerased", client_id="z1")
    await tab.drain(1.0)

    await db_async(rights.erase_contact)(
        contact=session.contact, by=None, channel="command", reason="asked"
    )

    assert await tab.closed_with() == consumers.CLOSE_ERASED
    assert await bystander.socket.receive_nothing(timeout=0.3)
    again = Widget()
    await again.open()
    await again.send({"type": "hello", "token": session.token})
    assert await again.closed_with() == consumers.CLOSE_BAD_TOKEN
    assert await db_async(traces)("zoeerased") == {}
    await bystander.close()


@pytest.mark.django_db
def test_the_admin_finds_an_erasure_by_the_erased_contacts_id(
    anna: Customer, agent: Any, admin_client: Any
) -> None:
    rights.erase_contact(contact=anna.contact, by=agent, channel="desk", reason="asked")

    response = admin_client.get("/admin/privacy/rightsrecord/", {"q": str(anna.contact.pk)})

    assert response.status_code == 200
    assert rights.contact_reference(anna.contact.pk) in response.content.decode()
    assert "annaschmidt" not in response.content.decode()


@pytest.mark.django_db
def test_the_command_exports_and_erases(anna: Customer, agent: Any, tmp_path: Any) -> None:
    from django.core.management import call_command

    target = tmp_path / "anna.json"
    call_command("contact_data", "export", str(anna.contact.pk), "--output", str(target))
    out = StringIO()
    call_command(
        "contact_data", "erase", str(anna.contact.pk), "--reason", "Request 9", "--by",
        "rights-agent", stdout=out,
    )  # fmt: skip

    assert json.loads(target.read_text())["contact"]["email"] == anna.email
    assert rights.contact_reference(anna.contact.pk) in out.getvalue()
    assert traces("annaschmidt") == {}
    channels = set(RightsRecord.objects.values_list("kind", "channel"))
    assert channels == {("export", "command"), ("erasure", "command")}
